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
