/** Whether a loaded module is zod: the package itself, or the build's bundle of the part we use (dist/contract/zod.js). */
export function isZodModule(path: string): boolean {
  return path.includes('/node_modules/zod/') || path.endsWith('/contract/zod.js');
}
