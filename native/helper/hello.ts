/**
 * The helper's answer to `hello`, without zod. The app starts the helper (through pkexec) on the
 * first reap of another user's process and waits for this answer before sending the reap, so it is
 * on the path of that click; loading zod and building the protocol's schemas first would add
 * 0.07–0.29 s here (docs/BENCHMARKS.md, "Start"). Only a request that is exactly
 * `{"id": <whole number 0…2^53−1>, "op": "hello"}` is answered here; everything else (a hello asking
 * for a shorter idle time, every other request and every malformed line) goes to the full,
 * zod-validated path in serve.ts, which the helper loads right after its first answer.
 */
import { HELPER_PROTOCOL_VERSION, type LineEvent } from './lines';
import type { HelperFeatures, HelperReply } from './protocol';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The hello reply when `event` is a valid hello request without `idleMs` (`idleMs` in the reply is the
 * idle time in force); null when serve.ts must answer it.
 */
export function quickHello(event: LineEvent, features: HelperFeatures, idleMs: number): HelperReply | null {
  if (!('line' in event)) return null;
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(event.line));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const keys = Object.keys(value);
  if (keys.length !== 2 || !Object.hasOwn(value, 'id') || !Object.hasOwn(value, 'op')) return null;
  const { id, op } = value as { id: unknown; op: unknown };
  if (op !== 'hello' || typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) return null;
  return { id, ok: true, version: HELPER_PROTOCOL_VERSION, features, idleMs };
}
