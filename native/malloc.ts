/**
 * glibc malloc tuning for Headroom's long-running, multi-threaded process (main/service/footprint.ts).
 *
 * glibc gives each thread that meets contention its own arena (up to 8 per core), and memory freed
 * into one arena is not reused by another: with the main thread, the sampler and the reap worker,
 * plus libuv's pool (where the guard's PSI trigger wait runs), `headroom serve` kept 8 arenas and 6–12 MiB more
 * resident than with two (docs/BENCHMARKS.md, "Footprint, second pass"). `mallopt(M_ARENA_MAX)` is
 * the in-process form of MALLOC_ARENA_MAX: it applies to arenas created after the call, so it is
 * made before the worker threads start. Where libc is not glibc (musl) nothing is changed.
 */
import koffi from 'koffi';

/** mallopt parameter numbers from glibc's malloc.h. */
const M_TRIM_THRESHOLD = -1;
const M_MMAP_THRESHOLD = -3;
const M_ARENA_MAX = -8;

let mallopt: ((param: number, value: number) => number) | null | undefined;

function malloptFn(): ((param: number, value: number) => number) | null {
  if (mallopt !== undefined) return mallopt;
  try {
    const fn = koffi.load('libc.so.6').func('int mallopt(int param, int value)');
    mallopt = (param, value) => Number(fn(param, value));
  } catch {
    // Not glibc (no libc.so.6, or no mallopt in it): leave malloc as it is.
    mallopt = null;
  }
  return mallopt;
}

/**
 * Cap the number of malloc arenas for threads started from now on. Returns true when glibc took it
 * (mallopt returns 1), false where there is no glibc or it refused.
 */
export function limitMallocArenas(max: number): boolean {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`the arena cap must be a whole number ≥ 1, got ${max}`);
  const fn = malloptFn();
  return fn !== null && fn(M_ARENA_MAX, max) === 1;
}

/**
 * Fix the trim and mmap thresholds, which glibc otherwise raises as the process runs: each free of
 * a block it had mmapped (at first ≥ 128 KiB) lifts the mmap threshold to that block's size and the
 * trim threshold to twice that, up to 32 / 64 MiB, and an arena returns the free memory at its top
 * to the kernel only above the trim threshold. In `headroom serve` that left each of the four arenas
 * V8's platform threads made at start (before any mallopt, so the arena cap does not reach them)
 * holding ~3 MiB of free, resident top after start-up (malloc_info: a top chunk of ~3.1 MiB in each,
 * nothing in use; docs/BENCHMARKS.md, "Footprint, fourth pass"). malloc_trim(0) cannot help there: it
 * trims the tops of the main arena only. Setting either threshold turns the dynamic adjustment off;
 * both are set to glibc's start values, so a free that leaves more than `trimBytes` at an arena's top
 * gives it back (madvise) and blocks of `mmapBytes` and more are always mapped and unmapped.
 * Returns true when glibc took both.
 */
export function fixMallocThresholds(trimBytes: number, mmapBytes: number): boolean {
  for (const [name, value] of [['trim', trimBytes], ['mmap', mmapBytes]] as const) {
    if (!Number.isInteger(value) || value < 4096 || value > 32 * 1024 * 1024) {
      throw new RangeError(`the ${name} threshold must be a whole number of bytes from 4096 to 32 MiB, got ${value}`);
    }
  }
  const fn = malloptFn();
  if (fn === null) return false;
  const trim = fn(M_TRIM_THRESHOLD, trimBytes) === 1;
  const mmap = fn(M_MMAP_THRESHOLD, mmapBytes) === 1;
  return trim && mmap;
}
