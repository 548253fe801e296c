/**
 * The on-disk record frame. Every record in a segment file is
 *
 *   offset 0  u8  0x48 'H'   ┐ magic: where a reader resynchronises after damage
 *          1  u8  0x52 'R'   ┘
 *          2  u8  type       (RecordType)
 *          3  u8  0          (reserved)
 *          4  u32 length     payload bytes, little-endian
 *          8  u32 crc32      over bytes 2..7 and the payload, so a damaged length is caught too
 *         12  payload
 *
 * A writer killed mid-append leaves a torn last record: its length runs past the end of the file or
 * its checksum fails. `readFrames` skips it. Damage in the middle (a bad sector, a partial write on a
 * full disk) is skipped the same way: the reader steps one byte and looks for the next magic whose
 * checksum holds, so one bad record never makes the rest of a file unreadable.
 */
import { crc32 } from './crc32';

export const FRAME_HEADER_BYTES = 12;
/** No single record is larger (an apps record at 10,000 apps is ~300 KiB before compression). */
export const MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;

/** What a record holds. */
export const RecordType = {
  /** Segment header: JSON {format, pid, startTime}. */
  header: 1,
  /** One tick's system figures (codec.ts, fixed layout). */
  system: 2,
  /** One event (a marker), JSON. */
  event: 3,
  /** An app's name and identity, referenced by number in the apps records of the same file. */
  appDef: 4,
  /** One tick's per-app figures, deflated (codec.ts). */
  apps: 5,
} as const;
export type RecordTypeValue = (typeof RecordType)[keyof typeof RecordType];

/** The bytes of one framed record. */
export function frame(type: RecordTypeValue, payload: Uint8Array): Buffer {
  if (payload.length > MAX_PAYLOAD_BYTES) throw new RangeError(`record of ${payload.length} bytes is larger than ${MAX_PAYLOAD_BYTES}`);
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  out[0] = 0x48;
  out[1] = 0x52;
  out[2] = type;
  out[3] = 0;
  out.writeUInt32LE(payload.length, 4);
  out.set(payload, FRAME_HEADER_BYTES);
  const crc = crc32(payload, 0, payload.length, crc32(out, 2, 8));
  out.writeUInt32LE(crc, 8);
  return out;
}

/** One record found in a file: its type and where its payload lies in the buffer. */
export interface FrameRef {
  type: number;
  start: number;
  end: number;
}

/** What a scan found besides the good records. */
export interface ScanStats {
  /** Records (or stretches of bytes) skipped because they were torn or damaged. */
  skipped: number;
}

/** Every intact record in `buf`, in file order; `only` limits the types returned (all are checked). */
export function readFrames(buf: Buffer, only?: ReadonlySet<number>, stats?: ScanStats): FrameRef[] {
  const out: FrameRef[] = [];
  let pos = 0;
  let damaged = false;
  // Checksum work on records that turn out damaged, in bytes. After damage the scan moves a byte at
  // a time, and a file of fake headers each claiming a long record made that quadratic (512 KiB took
  // 15 s: found by review); real damage costs a few records' worth. Past this the rest is skipped.
  let wasted = 0;
  const budget = 8 * buf.length + (1 << 20);
  while (pos + FRAME_HEADER_BYTES <= buf.length) {
    if (buf[pos] !== 0x48 || buf[pos + 1] !== 0x52) {
      if (!damaged && stats) stats.skipped++;
      damaged = true;
      pos++;
      continue;
    }
    const type = buf[pos + 2]!;
    const length = buf.readUInt32LE(pos + 4);
    const end = pos + FRAME_HEADER_BYTES + length;
    const wanted = !only || only.has(type);
    const plausible = buf[pos + 3] === 0 && length <= MAX_PAYLOAD_BYTES && end <= buf.length;
    const intact = plausible && crc32(buf, pos + FRAME_HEADER_BYTES, end, crc32(buf, pos + 2, pos + 8)) === buf.readUInt32LE(pos + 8);
    if (!intact) {
      if (!damaged && stats) stats.skipped++;
      damaged = true;
      if (plausible) wasted += length;
      if (wasted > budget) return out;
      pos++;
      continue;
    }
    damaged = false;
    if (wanted) out.push({ type, start: pos + FRAME_HEADER_BYTES, end });
    pos = end;
  }
  if (pos < buf.length && !damaged && stats) stats.skipped++;
  return out;
}
