import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The window: one static build served by Electron (file://) and by `headroom serve` alike.
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
});
