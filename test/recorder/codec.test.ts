/**
 * The pieces under the store, against references that are not ours: CRC-32 against zlib's (the gzip
 * trailer carries it), the kmsg parser on the kernel's own line format, the killers' threshold
 * readers, and systemd-oomd's Killed signal as `gdbus monitor` prints it.
 */
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../main/recorder/crc32';
import { frame, readFrames, RecordType } from '../../main/recorder/frame';
import { earlyoomThresholds, nohangThresholds, oomdThresholds } from '../../main/recorder/kills/killers';
import { KillParser, parseKmsgRecord } from '../../main/recorder/kills/kmsg';
import { markerForOomdLine } from '../../main/recorder/kills/oomd-monitor';

describe('crc32', () => {
  it('matches zlib’s CRC-32 on random buffers of every length up to 300 bytes and on 1 MiB', () => {
    for (let n = 0; n <= 300; n++) {
      const buf = randomBytes(n);
      const gz = gzipSync(buf, { level: 0 });
      expect(crc32(buf)).toBe(gz.readUInt32LE(gz.length - 8));
    }
    const big = randomBytes(1 << 20);
    const gz = gzipSync(big, { level: 1 });
    expect(crc32(big)).toBe(gz.readUInt32LE(gz.length - 8));
    expect(crc32(big, 100, 5000)).toBe(crc32(big.subarray(100, 5000)));
    expect(crc32(big, 3000, 9001, crc32(big, 0, 3000))).toBe(crc32(big.subarray(0, 9001)));
  });

  it('frames: a record with any single byte changed is skipped, the others are kept', () => {
    const records = [frame(RecordType.system, randomBytes(110)), frame(RecordType.event, Buffer.from('{"a":1}')), frame(RecordType.system, randomBytes(110))];
    const whole = Buffer.concat(records);
    expect(readFrames(whole).length).toBe(3);
    for (let i = records[0]!.length; i < records[0]!.length + records[1]!.length; i++) {
      const damaged = Buffer.from(whole);
      damaged[i]! ^= 0x01;
      const stats = { skipped: 0 };
      const found = readFrames(damaged, undefined, stats);
      expect(found.map((f) => f.type)).toEqual([RecordType.system, RecordType.system]);
      expect(stats.skipped).toBe(1);
    }
  });
});

describe('kernel log', () => {
  it('pairs the oom-kill line with the Killed process line, as the kernel writes them', () => {
    const parser = new KillParser();
    const a = parseKmsgRecord('6,1234,5678901,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/process_api/x/headroom-rec-oom-1,task_memcg=/process_api/x/headroom-rec-oom-1,task=python3,pid=784,uid=0')!;
    expect(parser.feed(a.timeUs, a.message)).toBeNull();
    const b = parseKmsgRecord('3,1235,5678950,-;Memory cgroup out of memory: Killed process 784 (python3) total-vm:323768kB, anon-rss:160128kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:400kB oom_score_adj:0')!;
    expect(parser.feed(b.timeUs, b.message)).toEqual({
      pid: 784,
      name: 'python3',
      anonBytes: 160128 * 1024,
      uid: 0,
      memcg: '/process_api/x/headroom-rec-oom-1',
      constraint: 'CONSTRAINT_MEMCG',
      timeUs: 5678950,
    });
    const c = parseKmsgRecord('3,9,10,-;Out of memory: Killed process 42 (a (b) c) total-vm:1kB, anon-rss:2kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:4kB oom_score_adj:0')!;
    expect(parser.feed(c.timeUs, c.message)).toMatchObject({ pid: 42, name: 'a (b) c', memcg: '/', uid: 1000 });
    expect(parseKmsgRecord('garbage')).toBeNull();
    expect(parser.feed(1, 'usb 1-1: new high-speed USB device')).toBeNull();
  });
});

describe('other killers', () => {
  it('reads earlyoom, systemd-oomd and nohang thresholds in plain words', () => {
    expect(earlyoomThresholds(' -m 5 -s 10 --avoid firefox')).toBe('kills when available memory is under 5 % and free swap under 10 %');
    expect(earlyoomThresholds('')).toBe('kills when available memory is under 10 % and free swap under 10 %');
    expect(oomdThresholds(['[OOM]\nDefaultMemoryPressureLimit=50%\n', 'DefaultMemoryPressureDurationSec=20s\n'])).toBe(
      'kills in managed cgroups at 50% memory pressure for 20s, or swap 90% used',
    );
    expect(nohangThresholds('soft_threshold_min_mem = 8 %\nhard_threshold_min_mem = 4 %\n')).toBe('terminates at 8 % available memory, kills at 4 %');
  });

  it('turns systemd-oomd’s Killed signal, as gdbus monitor prints it, into an oomd-kill marker', () => {
    const line = "/org/freedesktop/oom1: org.freedesktop.oom1.Manager.Killed ('/user.slice/user-1000.slice/user@1000.service/app.slice/app-firefox-1234.scope', 'memory-pressure')";
    const marker = markerForOomdLine(line, 1000, 5)!;
    expect(marker).toMatchObject({ kind: 'oomd-kill', label: 'firefox', time: 1000 });
    expect(marker.detail).toBe('systemd-oomd ended cgroup /user.slice/user-1000.slice/user@1000.service/app.slice/app-firefox-1234.scope (memory-pressure)');
    expect(markerForOomdLine('/org/freedesktop/oom1: org.freedesktop.DBus.Properties.PropertiesChanged (...)', 1, 1)).toBeNull();
  });
});
