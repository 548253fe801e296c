/**
 * The address a `headroom serve` child prints when it is ready ("… running at http://…/#token=…"),
 * for tests that start serve with their own flags (V8 logs, preloads). Rejects when the child exits
 * first or prints nothing within `timeoutMs`.
 */
import type { ChildProcess } from 'node:child_process';

/** Wait for the child's printed URL (token in the fragment). */
export function serveUrl(child: ChildProcess, timeoutMs = 20_000): Promise<URL> {
  return new Promise<URL>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`headroom serve printed no URL within ${timeoutMs} ms`)), timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      const m = /running at (\S+)/.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(new URL(m[1]!));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${code}) before printing its URL`));
    });
  });
}
