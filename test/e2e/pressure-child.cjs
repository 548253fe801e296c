// Makes real, bounded memory pressure (KERNEL.md, "Making real memory pressure, safely"): it joins
// the child memory cgroup it is given (150 MiB limit), writes a file larger than that limit from
// inside it (so its page cache is charged there), then reads random pages of it until its stdin
// closes or its lifetime ends. Only the cgroup's own pages are reclaimed; nothing outside is touched.
// argv: headroom-test-pressure headroom-test-hog <cgroup.procs paths, comma-separated, or -> <file> <file MiB> <lifetime s> [reader threads 1-8]
// (`-`: the caller already put it in its cgroups, e.g. before dropping to another user.)
'use strict';
const fs = require('node:fs');
const { Worker, isMainThread, workerData } = require('node:worker_threads');
// Extra reader threads: several tasks waiting on refaults at once make the stall visible in PSI.
if (!isMainThread) {
  readForever(fs.openSync(workerData.file, 'r'), workerData.mib);
  return;
}
const [marker, hogMarker, procsPaths, file, mibArg, lifetimeArg, readersArg] = process.argv.slice(2);
if (marker !== 'headroom-test-pressure' || hogMarker !== 'headroom-test-hog') throw new Error('pressure-child: the first arguments must be headroom-test-pressure headroom-test-hog');
const mib = Number(mibArg);
if (!Number.isInteger(mib) || mib < 1 || mib > 1024) throw new Error('pressure-child: file MiB must be 1..1024');
if (procsPaths !== '-') for (const procs of procsPaths.split(',')) fs.writeFileSync(procs, String(process.pid));
const chunk = Buffer.alloc(1024 * 1024, 7);
const fd = fs.openSync(file, 'w+');
for (let i = 0; i < mib; i++) fs.writeSync(fd, chunk, 0, chunk.length, i * chunk.length);
fs.fsyncSync(fd);
process.stdout.write('ready\n');
process.stdin.on('data', () => {});
process.stdin.on('end', () => process.exit(0));
setTimeout(() => process.exit(0), Number(lifetimeArg) * 1000).unref();
const readers = Math.max(1, Math.min(8, Number(readersArg ?? 1)));
for (let i = 1; i < readers; i++) new Worker(__filename, { workerData: { file, mib }, argv: process.argv.slice(2) }).unref();
readForever(fd, mib);

function readForever(readFd, sizeMiB) {
  const page = Buffer.alloc(4096);
  const pages = (sizeMiB * 1024 * 1024) / 4096;
  // Read in short bursts so the event loop still sees stdin close.
  (function burst() {
    for (let i = 0; i < 2000; i++) fs.readSync(readFd, page, 0, 4096, Math.floor(Math.random() * pages) * 4096);
    setImmediate(burst);
  })();
}
