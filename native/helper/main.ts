#!/usr/bin/env node
/**
 * headroom-helper: the privileged half of Headroom, started as root by pkexec (through the fixed
 * wrapper installed at HELPER_INSTALL_PATH). It stays resident for the session and answers JSON
 * lines on stdin (protocol.ts); it exits 0 when stdin closes.
 *
 * It trusts nothing it is given: no command-line arguments, no environment (never read), no paths,
 * no shell. polkit already decided that the caller may use it; every request is still validated
 * strictly, and PID 1, kernel threads, the helper and its ancestors are always refused.
 */
import { cgroup2Mount } from '../cgroup';
import { selfAndAncestors } from '../proc';
import { geteuid, probePidfd, probeProcessMrelease } from '../syscalls';
import { REAPER_NICE, setThreadNice } from '../priority';
import { lockCodePages } from './memlock';
import { quickHello } from './hello';
import { LineSplitter } from './lines';
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
    // Walked once at start: our ancestors cannot change identity while we live (orphans are
    // re-parented, never re-numbered), and a later parent would be a subreaper, also protected here.
    protectedPids: selfAndAncestors(),
  };
  const splitter = new LineSplitter();
  process.stdin.on('data', (chunk: Buffer) => {
    for (const event of splitter.push(chunk)) {
      const reply = quickHello(event, state.features) ?? loadFullAnswer()(event, state);
      process.stdout.write(JSON.stringify(reply) + '\n');
    }
    if (!fullAnswer) setImmediate(loadFullAnswer);
  });
  process.stdin.on('end', () => process.exit(0));
  process.stdout.on('error', () => process.exit(0));
}

main();
