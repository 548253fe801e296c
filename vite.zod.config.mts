import { defineConfig } from 'vite';

// Main's and the helper's zod: contract/zod.ts bundled with only what it exports, as one CommonJS file
// that replaces tsc's dist/contract/zod.js (which would require the whole package; see that module).
export default defineConfig({
  build: {
    outDir: 'dist/contract',
    emptyOutDir: false,
    minify: false,
    target: 'node20',
    copyPublicDir: false,
    lib: { entry: 'contract/zod.ts', formats: ['cjs'], fileName: () => 'zod.js' },
  },
});
