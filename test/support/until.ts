/**
 * Poll `get` every `everyMs` until it gives a value; rejects after `ms` naming `what`.
 */
export function until<T>(what: string, get: () => T | undefined, ms: number, everyMs = 50): Promise<T> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      const value = get();
      if (value !== undefined) {
        clearInterval(timer);
        resolve(value);
      } else if (Date.now() - started > ms) {
        clearInterval(timer);
        reject(new Error(`no ${what} within ${ms} ms`));
      }
    }, everyMs);
  });
}
