/**
 * The reap worker: one long-lived worker thread running native/reap.ts, so the main thread never
 * blocks on process_mrelease or on waiting for an exit. Messages: { id, request, context } in,
 * { id, results } or { id, error } out.
 */
import { parentPort } from 'node:worker_threads';
import type { ReapRequest } from '../../contract/reap';
import { reapTargets } from '../../native/reap';
import { selfAndAncestorIdentities } from '../../native/proc';
import { REAPER_NICE, setThreadNice } from '../../native/priority';

/** What the main thread sends for one reap. */
export interface WorkerRequest {
  id: number;
  request: ReapRequest;
  sessionCritical: readonly string[];
  endGraceMs: number;
}

if (!parentPort) throw new Error('main/reaper/worker.ts runs only as a worker thread');
const port = parentPort;

// Only this thread: the reap must win the CPU under contention; the rest of Headroom stays at normal
// priority. Fails (EACCES) unless Headroom runs as root; then the reap runs at normal priority.
setThreadNice(REAPER_NICE);

// Loading koffi and zod takes a moment; say when the first reap will not have to wait for it.
port.postMessage({ ready: true });

port.on('message', (message: WorkerRequest) => {
  try {
    // Ancestors are re-read per request: cheap, and right even if Headroom was re-parented.
    const results = reapTargets(message.request, {
      via: 'in-process',
      sessionCritical: message.sessionCritical,
      endGraceMs: message.endGraceMs,
      protectedPids: selfAndAncestorIdentities(),
    });
    port.postMessage({ id: message.id, results });
  } catch (err) {
    port.postMessage({ id: message.id, error: err instanceof Error ? err.message : String(err) });
  }
});
