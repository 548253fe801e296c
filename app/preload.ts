// Placeholder until the desktop-app issue lands.
export {};
