// Placeholder until the window issue lands.
const root = document.getElementById('root');
if (root) root.textContent = 'Headroom';
