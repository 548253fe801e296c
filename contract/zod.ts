/**
 * The part of zod the contract uses, and the only module that imports zod's values: everything else
 * writes `import * as z from './zod'` (the lint rule says so), so `z.object`, `z.infer<…>` read as
 * before, and a zod function not listed here is a compile error, not a surprise at run time.
 *
 * Why a list: zod's package loads all of itself on `require('zod')` — 64 locales, JSON Schema
 * generation, the mini API — +11.4 MiB of RSS (6.8 MiB anonymous) and ~50 ms in a bare node here.
 * Built, dist/contract/zod.js is not tsc's re-export of the package but a tree-shaken bundle of just
 * these exports (vite.zod.config.mts, run by `npm run build` after tsc): +1.5 MiB and ~8 ms, the
 * same classes and messages (English only). Main, the command line and the privileged helper load
 * that when they validate; the renderer's bundle tree-shakes this module the same way; tests run
 * from source load the package (test/contract/zod-bundle.test.ts holds the two to the same answers).
 */
export {
  array,
  boolean,
  discriminatedUnion,
  enum,
  literal,
  number,
  object,
  strictObject,
  string,
  union,
  unknown,
  ZodError,
} from 'zod';
export type { infer, input, output, ZodOptional, ZodType } from 'zod';
