/**
 * The sampler: one synchronous tick turns /proc and /sys into one immutable Snapshot (see
 * contract/snapshot.ts). Synchronous on purpose — async fs costs 3–4× the CPU here — so callers
 * that must stay responsive run it where a few milliseconds of blocking are fine.
 *
 * Everything it schedules or divides by — when each process is read again, growth rates, the
 * vmstat rates, the periodic /proc listing — runs on a monotonic clock (performance.now()). The
 * wall clock only stamps snapshot.time: stepped back (NTP, `date -s`, a resume that corrects it), it
 * would have postponed every due read by the step (a resting process that lost 200 MiB still shown
 * after 100 s against a 90 s bound) and zeroed the rates; stepped forward, made everything due at once.
 */
import { readdirSync } from 'node:fs';
import type { Features, Memory, Psi, PsiResource, Snapshot, ZramDevice } from '../../contract/snapshot';
import { detectFeatures } from './features';
import { CgroupClassifier, groupApps } from './group-apps';
import { defaultFdBudget } from './limits';
import { pageSize } from './page-size';
import { parseMeminfo } from './parse/meminfo';
import { parsePsi } from './parse/psi';
import { parseVmstat, type VmstatRaw } from './parse/vmstat';
import { parseZramMmStat } from './parse/zram';
import { ProcessTable } from './process-table';
import { PsiTicks } from './psi-ticks';
import { KeptFiles } from './kept-files';
import { isGoneOrHidden, Scratch } from './read-file';
import { UserNames } from './users';

export interface SamplerOptions {
  /** The interval the snapshots report (the caller's timer decides the real pace). Default 1000. */
  intervalMs?: number;
  /** Max /proc/PID/statm fds kept open. Default: half the soft open-file limit, at most 8,192. */
  fdBudget?: number;
  /** Mean age after which a process's status, oom_score_adj and cgroup are re-read. Default 60 s. */
  statusRefreshMs?: number;
  /** Mean age after which an idle process's stat (state, ppid) is re-read. Default 20 s (and on the tick after its parent exits). */
  statRefreshMs?: number;
  /** Mean age after which a process whose cgroup did not run is read anyway, once the kernel reclaimed pages since its last read. Default 10 s (so at most 15 s). */
  idleReadMs?: number;
  /** The same while nothing was reclaimed (only rare shrinking remains: a mapped file truncated by another process). Default 60 s. */
  quietReadMs?: number;
  /** Characters of cmdline kept per process. Default 512. */
  cmdlineCap?: number;
  /** The seq of the first snapshot (a loop restarted after a pause continues its numbering). Default 0. */
  firstSeq?: number;
  /** Features, when already detected (tests, or a host that detected them once). */
  features?: Features;
}

export interface Sampler {
  /** Take one sample now. Never throws for a vanished process or a malformed line. */
  sample(): Snapshot;
  /** The intervalMs reported in the following snapshots. */
  setIntervalMs(ms: number): void;
  /** How many /proc/PID fds the sampler holds open (statm, within the budget; the few system files it keeps open besides are not counted). */
  readonly fdsOpen: number;
  /** How many it may hold: the budget, lowered for good if the process ever ran out of fds. */
  readonly fdLimit: number;
  /** Close every fd the sampler holds. */
  close(): void;
}

const PSI_RESOURCES = ['memory', 'cpu', 'io'] as const;
/** How often /sys/block is listed for zram devices (a device added later shows within this). */
const ZRAM_LIST_MS = 30_000;

/** Create a sampler; the first sample is cold (reads identities), later ones are cheap. */
export function createSampler(options: SamplerOptions = {}): Sampler {
  const features = options.features ?? detectFeatures();
  const scratch = new Scratch();
  // meminfo, vmstat, the PSI files (the system's and each app group's) and zram's mm_stat: one pread a tick each on a kept fd.
  const files = new KeptFiles(scratch);
  const table = new ProcessTable(
    {
      fdBudget: options.fdBudget ?? defaultFdBudget(),
      statusRefreshMs: options.statusRefreshMs ?? 60_000,
      statRefreshMs: options.statRefreshMs ?? 20_000,
      cmdlineCap: options.cmdlineCap,
      pageSize: pageSize(),
      cgroupV2Mount: features.cgroupV2Mount,
      idleReadMs: options.idleReadMs,
      quietReadMs: options.quietReadMs,
    },
    scratch,
    new UserNames(),
  );
  const classifier = new CgroupClassifier();
  const psiTicks = new PsiTicks();
  let intervalMs = options.intervalMs ?? 1000;
  let seq = options.firstSeq ?? 0;
  let malformed = 0;
  let previousVmstat: { raw: VmstatRaw; atMs: number } | null = null;

  const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);

  /** Read and parse one PSI file; null when it is missing, unsupported or unreadable. */
  const readPsi = (key: string, path: string): PsiResource | null => {
    let text: string;
    try {
      text = files.text(path);
    } catch {
      // ENOENT (no such group any more) or EOPNOTSUPP (psi=0): no pressure for this source.
      return null;
    }
    const parsed = parsePsi(text);
    malformed += parsed.malformed;
    return parsed.value ? psiTicks.resolve(key, parsed.value, nowUs()) : null;
  };

  const readSystemPsi = (): Psi | null => {
    if (!features.psi) return null;
    const psi: Psi = { memory: null, cpu: null, io: null };
    for (const resource of PSI_RESOURCES) psi[resource] = readPsi(resource, `/proc/pressure/${resource}`);
    return psi.memory || psi.cpu || psi.io ? psi : null;
  };

  let zramNames: string[] = [];
  let zramListedAt = -Infinity;
  const readZram = (nowMs: number): ZramDevice[] => {
    const devices: ZramDevice[] = [];
    if (nowMs - zramListedAt >= ZRAM_LIST_MS) {
      zramListedAt = nowMs;
      try {
        zramNames = readdirSync('/sys/block').filter((n) => n.startsWith('zram'));
      } catch {
        zramNames = [];
      }
    }
    for (const name of zramNames) {
      try {
        const parsed = parseZramMmStat(files.text(`/sys/block/${name}/mm_stat`));
        malformed += parsed.malformed;
        if (parsed.value) devices.push({ name, ...parsed.value });
      } catch (err) {
        // A device being reset or removed right now: skip it this tick, and list the devices again on the next.
        zramListedAt = -Infinity;
        if (!isGoneOrHidden(err)) malformed++;
      }
    }
    return devices;
  };

  const readMemory = (nowMs: number): Memory => {
    const meminfo = parseMeminfo(files.text('/proc/meminfo'));
    malformed += meminfo.malformed;
    const vmstat = parseVmstat(files.text('/proc/vmstat'));
    malformed += vmstat.malformed;
    const prev = previousVmstat;
    previousVmstat = { raw: vmstat.value, atMs: nowMs };
    const seconds = prev ? (nowMs - prev.atMs) / 1000 : 0;
    const rate = (now: number | null, before: number | null | undefined): number | null =>
      now === null || before === null || before === undefined || seconds <= 0 || now < before ? null : (now - before) / seconds;
    return {
      ...meminfo.value,
      zram: readZram(nowMs),
      rates: {
        majorFaultsPerSec: rate(vmstat.value.majorFaults, prev?.raw.majorFaults),
        refaultsPerSec: rate(vmstat.value.refaults, prev?.raw.refaults),
        oomKillsPerSec: rate(vmstat.value.oomKills, prev?.raw.oomKills),
      },
      oomKills: vmstat.value.oomKills,
    };
  };

  const readAppPressure = (cgroupPath: string): PsiResource | null =>
    features.psi && features.cgroupV2Mount ? readPsi(`cg:${cgroupPath}`, `${features.cgroupV2Mount}${cgroupPath}/memory.pressure`) : null;

  return {
    sample(): Snapshot {
      const started = performance.now();
      // The contract's wall-clock time; `started` is what everything inside is scheduled on (file comment).
      const time = Date.now();
      malformed = 0;
      const psi = readSystemPsi();
      const memory = readMemory(started);
      // This tick's reclaim counter (readMemory just kept it as previousVmstat for the next tick's rates),
      // read before the table: reclaim from here on shows in the RSS read now or in the counter next tick.
      const rows = table.read(started, previousVmstat?.raw.reclaimed ?? null);
      malformed += table.malformed;
      const apps = groupApps(rows, classifier, readAppPressure);
      psiTicks.sweep();
      files.sweep();
      return {
        seq: seq++,
        time,
        intervalMs,
        psi,
        memory,
        processes: rows.map((r) => r.info),
        apps,
        features,
        sampleMs: performance.now() - started,
        malformed,
      };
    },
    setIntervalMs(ms: number): void {
      intervalMs = ms;
    },
    get fdsOpen(): number {
      return table.fdsOpen;
    },
    get fdLimit(): number {
      return table.fdLimit;
    },
    close(): void {
      table.close();
      files.close();
    },
  };
}
