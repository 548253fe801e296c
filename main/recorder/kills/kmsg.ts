/**
 * Naming the kernel OOM killer's victims from /dev/kmsg. Every read(2) of /dev/kmsg returns exactly one
 * log record ("prio,seq,µs since boot,flags;message"). The fd is opened O_NONBLOCK, so a read with
 * nothing new returns EAGAIN at once: it can run on the main thread without ever blocking. At open the
 * existing log is read through to its end once (the equivalent of SEEK_END, which Node cannot do), so
 * only kills after the start are reported. EPIPE means records were overwritten before we read them:
 * the read position jumps forward and reading goes on. Reading /dev/kmsg needs root or
 * CAP_SYSLOG/dmesg_restrict=0; without it `open()` says why and kills are named another way.
 *
 * The kernel writes, for each kill (mm/oom_kill.c):
 *   oom-kill:constraint=CONSTRAINT_MEMCG,…,oom_memcg=/a/b,task_memcg=/a/b,task=python3,pid=784,uid=0
 *   Memory cgroup out of memory: Killed process 784 (python3) total-vm:323768kB, anon-rss:160128kB, …, UID:0 …
 * ("Out of memory: Killed process …" for a system-wide OOM).
 */
import { closeSync, constants, openSync, readSync } from 'node:fs';
import { errnoCode } from '../safe-fs';

/** A kill the kernel logged. */
export interface KernelKill {
  pid: number;
  name: string;
  anonBytes: number | null;
  uid: number | null;
  /** The memory cgroup that ran out (oom_memcg), '/' for a system-wide OOM; null when not logged. */
  memcg: string | null;
  /** Whether the kill was confined to a memory cgroup. */
  constraint: string | null;
  /** When the kernel logged it, µs since boot (kmsg's clock). */
  timeUs: number;
}

const KILLED = /(Memory cgroup out of memory|Out of memory(?: \(oom_kill_allocating_task\))?): Killed process (\d+) \((.*)\) total-vm:(\d+)kB, anon-rss:(\d+)kB.*?UID:(\d+)/;
const OOM_KILL = /^oom-kill:(.*)$/;

/** Split one kmsg record into its time (µs since boot) and message. */
export function parseKmsgRecord(record: string): { timeUs: number; message: string } | null {
  const semi = record.indexOf(';');
  if (semi === -1) return null;
  const fields = record.slice(0, semi).split(',');
  const timeUs = Number(fields[2]);
  if (!Number.isFinite(timeUs)) return null;
  const message = record.slice(semi + 1).split('\n')[0]!;
  return { timeUs, message };
}

/** Turns kmsg messages into kills, pairing each "Killed process" line with the "oom-kill:" line before it. */
export class KillParser {
  private pending = new Map<number, { memcg: string | null; constraint: string | null }>();

  /** Feed one record; returns the kill it completes, if any. */
  feed(timeUs: number, message: string): KernelKill | null {
    const info = OOM_KILL.exec(message);
    if (info) {
      const kv = new Map(info[1]!.split(',').map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)] as const));
      const pid = Number(kv.get('pid'));
      if (Number.isInteger(pid)) {
        this.pending.set(pid, { memcg: kv.get('oom_memcg') ?? null, constraint: kv.get('constraint') ?? null });
        if (this.pending.size > 64) this.pending.delete(this.pending.keys().next().value!);
      }
      return null;
    }
    const m = KILLED.exec(message);
    if (!m) return null;
    const pid = Number(m[2]);
    const extra = this.pending.get(pid);
    this.pending.delete(pid);
    return {
      pid,
      name: m[3]!,
      anonBytes: Number(m[5]) * 1024,
      uid: Number(m[6]),
      memcg: extra?.memcg ?? (m[1]!.startsWith('Memory cgroup') ? null : '/'),
      constraint: extra?.constraint ?? null,
      timeUs,
    };
  }
}

/** A non-blocking reader of new /dev/kmsg records. */
export class KmsgReader {
  private fd: number | null = null;
  private readonly buf = Buffer.allocUnsafe(16 * 1024);
  private readonly parser = new KillParser();

  constructor(private readonly path = '/dev/kmsg') {}

  /** Open and skip what is already logged. Returns null when open, else why it could not be read. */
  open(): string | null {
    try {
      this.fd = openSync(this.path, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (err) {
      return `The kernel log (${this.path}) is not readable (${errnoCode(err)}): kernel OOM kills are named from the processes that vanished instead.`;
    }
    this.drain(() => {});
    return null;
  }

  /** Kills logged since the last call (never blocks). */
  readKills(): KernelKill[] {
    const kills: KernelKill[] = [];
    this.drain((record) => {
      const parsed = parseKmsgRecord(record);
      if (!parsed) return;
      const kill = this.parser.feed(parsed.timeUs, parsed.message);
      if (kill) kills.push(kill);
    });
    return kills;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private drain(each: (record: string) => void): void {
    if (this.fd === null) return;
    for (let i = 0; i < 100_000; i++) {
      let n: number;
      try {
        n = readSync(this.fd, this.buf, 0, this.buf.length, null);
      } catch (err) {
        const code = errnoCode(err);
        if (code === 'EPIPE') continue;
        if (code !== 'EAGAIN') this.close();
        return;
      }
      if (n === 0) return;
      each(this.buf.toString('utf8', 0, n));
    }
  }
}
