#!/usr/bin/env node
/**
 * headroom-helper: the privileged half of Headroom, started as root by pkexec (through the fixed
 * wrapper installed at HELPER_INSTALL_PATH). It answers JSON lines on stdin (protocol.ts); it exits 0
 * when stdin closes, and HELPER_IDLE_EXIT_CODE after HELPER_IDLE_MS (5 min, polkit's
 * auth_admin_keep) without a request, so one authorization does not leave a root channel open for
 * the whole session. The app starts a new one on its next request.
 *
 * It trusts nothing it is given: no command-line arguments, no environment (never read), no paths,
 * no shell. polkit already decided that the caller may use it; every request is still validated
 * strictly, and PID 1, kernel threads, helpers the kernel started (children of kthreadd), the helper and its ancestors are always refused.
 */
import { cgroup2Mount } from '../cgroup';
import { selfAndAncestorIdentities } from '../proc';
import { geteuid, probePidfd, probeProcessMrelease } from '../syscalls';
import { REAPER_NICE, setThreadNice } from '../priority';
import { lockCodePages } from './memlock';
import { quickHello } from './hello';
import { HELPER_IDLE_EXIT_CODE, HELPER_IDLE_MS, LineSplitter } from './lines';
import type { answer as Answer, HelperState } from './serve';

/**
 * The full request path (zod schemas, the reap), loaded on the first request hello.ts does not
 * answer, or right after the first answer — whichever comes first — so hello never waits for it.
 */
let fullAnswer: typeof Answer | null = null;
function loadFullAnswer(): typeof Answer {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- synchronous lazy CommonJS load, on purpose (see above)
  fullAnswer ??= (require('./serve.js') as typeof import('./serve.js')).answer;
  return fullAnswer;
}

function main(): void {
  if (process.argv.length > 2) {
    process.stderr.write('headroom-helper takes no arguments; it reads JSON requests on stdin.\n');
    process.exit(2);
  }
  const lock = lockCodePages();
  // The helper's only job is reaping, and mrelease runs on its CPU time: let it win the CPU.
  const niceError = setThreadNice(REAPER_NICE);
  const state: HelperState = {
    features: {
      pidfd: probePidfd(),
      processMrelease: probeProcessMrelease(),
      cgroupKill: cgroup2Mount() !== null,
      lockedBytes: lock.lockedBytes,
      uid: geteuid(),
      nice: niceError === null ? REAPER_NICE : 0,
    },
    // Walked once at start, with start times: an ancestor that exits leaves its pid to be reused by
    // an unrelated process, which must not be refused. A later parent would be a subreaper, already
    // an ancestor here.
    protectedPids: selfAndAncestorIdentities(),
    idleMs: HELPER_IDLE_MS,
  };
  // Re-armed after each answered line only (not on a partial one), so nothing but requests keeps the
  // helper. Every line read is answered synchronously before this timer can run again: a request
  // still unanswered when it fires was never read, which the app relies on to send it again.
  let idle = setTimeout(leaveIdle, state.idleMs);
  function leaveIdle(): void {
    process.exit(HELPER_IDLE_EXIT_CODE);
  }
  const splitter = new LineSplitter();
  process.stdin.on('data', (chunk: Buffer) => {
    const events = splitter.push(chunk);
    for (const event of events) {
      const reply = quickHello(event, state.features, state.idleMs) ?? loadFullAnswer()(event, state);
      process.stdout.write(JSON.stringify(reply) + '\n');
    }
    if (events.length > 0) {
      clearTimeout(idle);
      idle = setTimeout(leaveIdle, state.idleMs);
    }
    if (!fullAnswer) setImmediate(loadFullAnswer);
  });
  process.stdin.on('end', () => process.exit(0));
  process.stdout.on('error', () => process.exit(0));
}

main();
