import { defineConfig } from 'vite';

// The sandboxed preload must be a single CommonJS file that requires only `electron`.
export default defineConfig({
  build: {
    outDir: 'dist/app',
    emptyOutDir: false,
    minify: false,
    lib: { entry: 'app/preload.ts', formats: ['cjs'], fileName: () => 'preload.cjs' },
    rollupOptions: { external: ['electron'] },
  },
});
