// A bounded memory hog for tests. Started only by test/support/hogs.ts; its argv carries
// `headroom-test-hog` so any leftover is recognisable. It allocates MiB in 8 MiB chunks and writes
// every page (so the memory is really resident and anonymous), then waits. It exits by itself when
// its stdin closes (the test process died) or after its lifetime, so it can never outlive a test run.
'use strict';
const [marker, mibArg, rateArg, lifetimeArg] = process.argv.slice(2);
if (marker !== 'headroom-test-hog') throw new Error('hog-child: first argument must be headroom-test-hog');
const mib = Number(mibArg);
if (!Number.isInteger(mib) || mib < 0 || mib > 2048) throw new Error('hog-child: MiB must be 0..2048');
const rateMiBps = Number(rateArg) > 0 ? Number(rateArg) : Infinity;
const lifetimeMs = (Number(lifetimeArg) > 0 ? Number(lifetimeArg) : 600) * 1000;
const CHUNK_MIB = 8;
const chunks = [];
let allocated = 0;
const started = Date.now();

function touch(buf) {
  for (let i = 0; i < buf.length; i += 4096) buf[i] = 1 + (i & 0x7f);
}

function step() {
  const dueMiB = rateMiBps === Infinity ? mib : Math.min(mib, ((Date.now() - started) / 1000) * rateMiBps);
  while (allocated < dueMiB) {
    const size = Math.min(CHUNK_MIB, mib - allocated);
    const buf = Buffer.allocUnsafeSlow(size * 1024 * 1024);
    touch(buf);
    chunks.push(buf);
    allocated += size;
  }
  if (allocated >= mib) {
    if (process.env.HEADROOM_HOG_COMM !== undefined) require('fs').writeFileSync('/proc/self/comm', process.env.HEADROOM_HOG_COMM);
    process.stdout.write(`ready ${process.pid} ${allocated}\n`);
  } else {
    setTimeout(step, 50);
  }
}

process.stdin.on('data', () => {});
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
setTimeout(() => process.exit(0), lifetimeMs).unref();
setInterval(() => {}, 60_000);
step();
