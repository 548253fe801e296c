// The guard under benchmark: the real `headroom guard` (dist/main/cli/guard.js, same arguments),
// with one addition: the main-thread arrival time of every sampler snapshot is recorded (by wrapping
// SnapshotKeeper.deliver, which every snapshot passes through) and written to a file at exit, so
// the benchmark can compute the tick-interval percentiles the guard actually achieved.
// argv: <ticks file> <headroom guard arguments…>
'use strict';
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');
const dist = join(__dirname, '..', '..', 'dist');
const [ticksFile, ...args] = process.argv.slice(2);
const keeper = require(join(dist, 'main', 'sampler', 'snapshot-keeper.js')).SnapshotKeeper.prototype;
const deliver = keeper.deliver;
const ticks = [];
keeper.deliver = function (snapshot) {
  ticks.push(Date.now());
  return deliver.call(this, snapshot);
};
process.on('exit', () => writeFileSync(ticksFile, JSON.stringify(ticks)));
require(join(dist, 'main', 'cli', 'guard.js'))
  .run(args)
  .then((code) => (process.exitCode = code), (err) => {
    process.stderr.write(String(err && err.stack ? err.stack : err) + '\n');
    process.exitCode = 1;
  });
