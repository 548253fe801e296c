/**
 * How one tick becomes bytes, and back.
 *
 * System figures: a fixed 110-byte little-endian layout (below), no compression — a day at 1 Hz is
 * 86,400 × 122 bytes ≈ 10 MiB, and a fixed layout decodes straight into graph points with no parsing,
 * which is what makes loading 24 h into the window fast. Percentages are hundredths in a u16
 * (0xFFFF = null), bytes are KiB in a u32 (/proc/meminfo counts in kB anyway), rates f32 (NaN = null).
 *
 * Per-app figures: varints, one row per app (the app's name and identity are written once per file
 * as an appDef record and referenced by number), then deflated with the previous tick's raw bytes as
 * the preset dictionary: from one second to the next most figures repeat, so deflate turns them into
 * back-references. Every KEYFRAME_EVERY-th record is deflated without a dictionary, so a damaged
 * record costs at most that many ticks of per-app detail, never the system figures.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { HistoryPoint } from '../../contract/history';
import type { RecordedApp, RecordedSample } from '../../contract/record';
import type { AppInfo, PsiResource, Snapshot } from '../../contract/snapshot';

export const SYSTEM_BYTES = 110;
export const KEYFRAME_EVERY = 60;
const NULL16 = 0xffff;
const NULL32 = 0xffffffff;
/** Deflate settings: a 16 KiB window holds the previous tick plus this one at ~300 apps. */
const ZLIB = { windowBits: 14, memLevel: 8, level: 6 } as const;

function pct16(v: number | null | undefined): number {
  return v === null || v === undefined || !Number.isFinite(v) ? NULL16 : Math.min(65_534, Math.max(0, Math.round(v * 100)));
}
function unpct16(v: number): number | null {
  return v === NULL16 ? null : v / 100;
}
function kib32(bytes: number): number {
  return Math.min(NULL32 - 1, Math.max(0, Math.round(bytes / 1024)));
}
function f32(v: number | null | undefined): number {
  return v === null || v === undefined ? NaN : v;
}
function unf32(v: number): number | null {
  return Number.isNaN(v) ? null : v;
}

/** The system figures of `s` in the fixed layout. */
export function encodeSystem(s: Snapshot): Buffer {
  const b = Buffer.alloc(SYSTEM_BYTES);
  const psi = s.psi;
  const m = s.memory;
  b.writeDoubleLE(s.time, 0);
  b.writeUInt32LE(s.seq >>> 0, 8);
  b.writeUInt32LE(s.intervalMs, 12);
  const psiValues = [
    psi?.memory?.some.tickPct,
    psi?.memory?.full?.tickPct,
    psi?.memory?.some.avg10,
    psi?.memory?.full?.avg10,
    psi?.memory?.some.avg60,
    psi?.memory?.full?.avg60,
    psi?.cpu?.some.tickPct,
    psi?.cpu?.full?.tickPct,
    psi?.cpu?.some.avg10,
    psi?.io?.some.tickPct,
    psi?.io?.full?.tickPct,
    psi?.io?.some.avg10,
    psi?.io?.full?.avg10,
  ];
  psiValues.forEach((v, i) => b.writeUInt16LE(pct16(v), 16 + 2 * i));
  let zUsed = 0;
  let zData = 0;
  let zCompr = 0;
  for (const z of m.zram) {
    zUsed += z.usedBytes;
    zData += z.dataBytes;
    zCompr += z.comprBytes;
  }
  const memValues = [m.totalBytes, m.availableBytes, m.freeBytes, m.cachedBytes, m.dirtyBytes, m.swapTotalBytes, m.swapFreeBytes, zUsed, zData, zCompr];
  memValues.forEach((v, i) => b.writeUInt32LE(kib32(v), 42 + 4 * i));
  b.writeFloatLE(f32(m.rates.majorFaultsPerSec), 82);
  b.writeFloatLE(f32(m.rates.refaultsPerSec), 86);
  b.writeFloatLE(f32(m.rates.oomKillsPerSec), 90);
  b.writeUInt32LE(m.oomKills === null ? NULL32 : Math.min(NULL32 - 1, m.oomKills), 94);
  b.writeUInt32LE(Math.min(NULL32, s.processes.length), 98);
  b.writeUInt16LE(Math.min(NULL16, s.apps.length), 102);
  b.writeFloatLE(s.sampleMs, 104);
  b.writeUInt16LE(Math.min(NULL16, s.malformed), 108);
  return b;
}

/** The latest time a Date can hold (ms since the epoch). */
export const MAX_DATE_MS = 8.64e15;

/** A record time a Date can hold (ms since 1970, finite, not negative): anything else is a damaged record. */
export function validTime(t: number): boolean {
  return Number.isFinite(t) && t >= 0 && t <= MAX_DATE_MS;
}

/** The time of a system record without decoding the rest. */
export function systemTime(buf: Buffer, start: number): number {
  return buf.readDoubleLE(start);
}

/** The tick interval a system record was sampled at, without decoding the rest. */
export function systemIntervalMs(buf: Buffer, start: number): number {
  return buf.readUInt32LE(start + 12);
}

/** A system record as a flat sample. */
export function decodeSystem(buf: Buffer, o: number): RecordedSample {
  const p = (i: number): number | null => unpct16(buf.readUInt16LE(o + 16 + 2 * i));
  const k = (i: number): number => buf.readUInt32LE(o + 42 + 4 * i) * 1024;
  const oom = buf.readUInt32LE(o + 94);
  return {
    t: Math.round(buf.readDoubleLE(o)),
    seq: buf.readUInt32LE(o + 8),
    intervalMs: systemIntervalMs(buf, o),
    memSomePct: p(0),
    memFullPct: p(1),
    memSomeAvg10: p(2),
    memFullAvg10: p(3),
    memSomeAvg60: p(4),
    memFullAvg60: p(5),
    cpuSomePct: p(6),
    cpuFullPct: p(7),
    cpuSomeAvg10: p(8),
    ioSomePct: p(9),
    ioFullPct: p(10),
    ioSomeAvg10: p(11),
    ioFullAvg10: p(12),
    totalBytes: k(0),
    availableBytes: k(1),
    freeBytes: k(2),
    cachedBytes: k(3),
    dirtyBytes: k(4),
    swapTotalBytes: k(5),
    swapFreeBytes: k(6),
    zramUsedBytes: k(7),
    zramDataBytes: k(8),
    zramComprBytes: k(9),
    majorFaultsPerSec: unf32(buf.readFloatLE(o + 82)),
    refaultsPerSec: unf32(buf.readFloatLE(o + 86)),
    oomKillsPerSec: unf32(buf.readFloatLE(o + 90)),
    oomKills: oom === NULL32 ? null : oom,
    processCount: buf.readUInt32LE(o + 98),
    appCount: buf.readUInt16LE(o + 102),
    sampleMs: Math.max(0, buf.readFloatLE(o + 104)),
  };
}

/** A system record as the graph point the window draws (the same figures historyPointOf takes). */
export function decodeSystemPoint(buf: Buffer, o: number): HistoryPoint {
  const p = (i: number): number | null => unpct16(buf.readUInt16LE(o + 16 + 2 * i));
  const total = buf.readUInt32LE(o + 42) * 1024;
  const available = buf.readUInt32LE(o + 46) * 1024;
  return {
    t: Math.round(buf.readDoubleLE(o)),
    memSomePct: p(0),
    memFullPct: p(1),
    memSomeAvg10: p(2),
    memFullAvg10: p(3),
    cpuSomePct: p(6),
    ioSomePct: p(9),
    availableBytes: available,
    usedBytes: Math.max(0, total - available),
    swapUsedBytes: Math.max(0, buf.readUInt32LE(o + 62) * 1024 - buf.readUInt32LE(o + 66) * 1024),
    zramUsedBytes: buf.readUInt32LE(o + 70) * 1024,
  };
}

/** Apps kept per tick: the largest by RSS, plus any under pressure or growing faster than this. */
export const TOP_APPS = 50;
/** The most app rows one tick's record holds (the biggest by RSS first); a record claiming more is damaged. */
export const MAX_APPS_PER_RECORD = 4096;
export const FAST_GROWTH_BYTES_PER_SEC = 1024 * 1024;

function underPressure(p: PsiResource | null): boolean {
  return !!p && (p.some.avg10 > 0 || (p.some.tickPct ?? 0) > 0);
}

/** The apps worth recording this tick: top TOP_APPS by RSS plus every app under pressure or growing fast. */
export function appsToRecord(apps: readonly AppInfo[]): AppInfo[] {
  const byRss = [...apps].sort((a, b) => b.rssBytes - a.rssBytes);
  const out = byRss.slice(0, TOP_APPS);
  for (const a of byRss.slice(TOP_APPS)) {
    if (out.length >= MAX_APPS_PER_RECORD) break;
    if (underPressure(a.pressure) || Math.abs(a.growthBytesPerSec) >= FAST_GROWTH_BYTES_PER_SEC) out.push(a);
  }
  return out;
}

/** An app's identity as written in an appDef record. */
export interface AppDef {
  i: number;
  id: string;
  name: string;
  kind: RecordedApp['kind'];
  cgroup: string | null;
  user: string;
}

/** Growable byte writer for varints. */
class Bytes {
  buf = Buffer.allocUnsafe(4096);
  len = 0;
  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
  varint(v: number): void {
    this.room(10);
    let n = Math.max(0, Math.floor(v));
    while (n >= 0x80) {
      this.buf[this.len++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.len++] = n;
  }
  zigzag(v: number): void {
    const n = Math.round(v);
    this.varint(n >= 0 ? n * 2 : -n * 2 - 1);
  }
  u16(v: number): void {
    this.room(2);
    this.buf.writeUInt16LE(v, this.len);
    this.len += 2;
  }
  bytes(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}

/** The raw (not yet deflated) apps row block: count, then per app index, KiB figures, growth, pressure. */
export function encodeAppsRaw(rows: readonly { def: number; app: AppInfo }[]): Buffer {
  const w = new Bytes();
  w.varint(rows.length);
  for (const { def, app } of rows) {
    w.varint(def);
    w.varint(app.rssBytes / 1024);
    w.varint(app.anonBytes / 1024);
    w.varint(app.swapBytes / 1024);
    w.zigzag(app.growthBytesPerSec / 1024);
    w.varint(app.processCount);
    const p = app.pressure;
    w.varint(p ? 1 : 0);
    if (p) {
      w.u16(pct16(p.some.avg10));
      w.u16(pct16(p.full?.avg10));
      w.u16(pct16(p.some.tickPct));
      w.u16(pct16(p.full?.tickPct));
    }
  }
  return Buffer.from(w.bytes());
}

/** Apps record payload: f64 time, u8 keyframe, then the raw block deflated (against `previousRaw` unless keyframe). */
export function encodeAppsRecord(time: number, raw: Buffer, previousRaw: Buffer | null): Buffer {
  const keyframe = previousRaw === null;
  const packed = keyframe ? deflateRawSync(raw, ZLIB) : deflateRawSync(raw, { ...ZLIB, dictionary: previousRaw });
  const out = Buffer.allocUnsafe(9 + packed.length);
  out.writeDoubleLE(time, 0);
  out[8] = keyframe ? 1 : 0;
  out.set(packed, 9);
  return out;
}

/** Header of an apps record: its time and whether it decodes on its own. */
export function appsRecordHead(buf: Buffer, o: number): { time: number; keyframe: boolean } {
  return { time: buf.readDoubleLE(o), keyframe: buf[o + 8] === 1 };
}

/**
 * The most an apps record may inflate to: far above any real one (a row is ~30 bytes, so this is
 * half a million apps), far below what a crafted 1 MiB record can expand to (1,000 MiB, seen).
 */
const MAX_APPS_RAW_BYTES = 16 * 1024 * 1024;

/** Inflate an apps record's raw block; needs the previous record's raw block unless it is a keyframe. Throws past MAX_APPS_RAW_BYTES. */
export function inflateAppsRecord(buf: Buffer, start: number, end: number, previousRaw: Buffer | null): Buffer {
  const keyframe = buf[start + 8] === 1;
  const packed = buf.subarray(start + 9, end);
  if (keyframe) return inflateRawSync(packed, { ...ZLIB, maxOutputLength: MAX_APPS_RAW_BYTES });
  if (!previousRaw) throw new Error('apps record needs the previous record');
  return inflateRawSync(packed, { ...ZLIB, dictionary: previousRaw, maxOutputLength: MAX_APPS_RAW_BYTES });
}

/** The rows of a raw apps block, joined with their definitions (rows whose definition is missing are dropped). */
export function decodeAppsRaw(raw: Buffer, time: number, defs: ReadonlyMap<number, AppDef>): RecordedApp[] {
  let pos = 0;
  const varint = (): number => {
    let n = 0;
    let mul = 1;
    for (;;) {
      const byte = raw[pos++];
      if (byte === undefined) throw new Error('apps record ends early');
      n += (byte & 0x7f) * mul;
      if (byte < 0x80) return n;
      mul *= 0x80;
    }
  };
  const zigzag = (): number => {
    const n = varint();
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  };
  const u16 = (): number => {
    const v = raw.readUInt16LE(pos);
    pos += 2;
    return v;
  };
  const count = varint();
  // More rows than any writer puts in one tick: a crafted or damaged record, not read (each row costs memory).
  if (count > MAX_APPS_PER_RECORD) throw new Error('apps record claims too many rows');
  const out: RecordedApp[] = [];
  for (let r = 0; r < count; r++) {
    const def = defs.get(varint());
    const rssBytes = varint() * 1024;
    const anonBytes = varint() * 1024;
    const swapBytes = varint() * 1024;
    const growthBytesPerSec = zigzag() * 1024;
    const processCount = varint();
    const hasPressure = varint() === 1;
    const pressure = hasPressure ? [u16(), u16(), u16(), u16()].map(unpct16) : [null, null, null, null];
    if (!def) continue;
    out.push({
      t: Math.round(time),
      id: def.id,
      name: def.name,
      kind: def.kind,
      cgroup: def.cgroup,
      user: def.user,
      rssBytes,
      anonBytes,
      swapBytes,
      growthBytesPerSec,
      processCount,
      pressureSomeAvg10: pressure[0]!,
      pressureFullAvg10: pressure[1]!,
      pressureSomePct: pressure[2]!,
      pressureFullPct: pressure[3]!,
    });
  }
  return out;
}
