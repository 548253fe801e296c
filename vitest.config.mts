import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// Two projects: everything that runs under Node (real /proc, real syscalls, real polkit, real Chromium
// through playwright-core), and the React components under jsdom.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/renderer/**', 'node_modules/**'],
          environment: 'node',
          // A throwaway XDG_STATE_HOME for the flight recorder and the guard's lock (test/support/state-home.ts).
          globalSetup: ['test/support/state-home.ts'],
          // Memory measurements and hogs must not share two cores with another test file.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        plugins: [react()],
        test: {
          name: 'renderer',
          include: ['test/renderer/**/*.test.tsx'],
          environment: 'jsdom',
          testTimeout: 20_000,
        },
      },
    ],
  },
});
