/**
 * Culprit attribution: which app is causing the pressure, in plain words. Kept per app over the last
 * 30 s of snapshots (bounded, dropped when the app leaves):
 *   1. its own stall: the app group's `memory.pressure` `some` total, as a share of the last ≥ 2 s
 *      (totalUs delta ÷ elapsed; 2 s because a CPU-starved thrasher's stall comes in bursts) — only
 *      apps in a cgroup v2 group have one;
 *   2. its anon growth: (anon + swap) delta over up to 30 s, in MiB/s;
 *   3. its size: anon + swap.
 * The order is lexicographic: score = stall in half-percent steps (rounded up) × 500 + growth MiB/s
 * (0–499) + GiB ÷ 100 (< 1), so any measured stall of the app's own (≥ 0.05 %) outranks any growth (a
 * growing app without a group of its own ranks only among those with no measured stall), growth
 * breaks ties between similar stalls and size orders the rest. An app with neither a stall ≥ 0.05 % nor growth ≥ 4 MiB/s is not
 * ranked at all: the largest RSS alone is never the reason. Per-app refaults are not in the snapshot
 * (the memory controller is v1 here), so they are not used.
 *
 * Actionability (Culprit.notActionable): PID 1, kernel threads, Headroom itself and its ancestors,
 * session-critical names, the avoid list, another user's app without the privileged helper running.
 * The prefer list moves matching ranked apps to the front, if they have evidence enough to act on
 * (hasEvidence: a faint stall ranks, but a preference does not make it the likely cause). Names are matched as the kernel keeps
 * comm, its first 15 bytes (contract/session-critical.ts `commOf`, as the reaper does): a
 * session-critical name or a plain prefer name by its first 15; an avoid glob against a 15-byte
 * comm matches when the comm could be the start of a name the glob matches ('gnome-text-editor' and
 * '*-text-editor' both match comm 'gnome-text-edit'), so a cut name is never a way round the avoid list.
 *
 * Conflicting evidence (conflict()): a stall of its own ranks an app above any grower, but a
 * stalled app may be the victim, not the cause: a reader whose page cache a grower evicts stalls
 * without growing, while the grower (often in no app group of its own, so with no stall measured)
 * does not. When the top app has a stall but is not growing (< MIN_GROWTH_MIBPS, the evidence
 * threshold for growth) and holds less anon+swap than another app that grows at least
 * MIN_GROWTH_MIBPS, the guard cannot tell which one is the cause: it names the grower as the likely
 * cause and acts on neither (guard.ts). An app thrashing in a limit of its own with nothing else
 * growing (the drills' hrdrill) is not a conflict. The rule applies only while the machine itself is
 * short of memory (MemAvailable under CONFLICT_AVAILABLE_SHARE of MemTotal), or while the two share
 * a memory-limited cgroup (a container's or a slice's limit, v2 or v1) that is itself short by the
 * same measure (limit − usage + inactive file pages, native/cgroup.ts memoryLimitsOf): with memory to
 * spare a grower evicts nobody's cache, and an app stalling in a limit of its own is then the cause,
 * whatever else grows beside it outside that limit (a build, a test suite). The limits are read only
 * when the rest of the rule already holds, for at most LIMIT_PIDS processes of each app.
 */
import type { Culprit } from '../../contract/guard';
import { commOf, cutPrefix, mayBeCut } from '../../contract/session-critical';
import type { AppInfo, Snapshot } from '../../contract/snapshot';
import { cgroup2Mount, memoryLimitsOf, type MemoryLimit } from '../../native/cgroup';

const WINDOW_MS = 30_000;
/** Below this share of MemTotal available, a stalled app beside a fast grower may be the grower's victim. */
const CONFLICT_AVAILABLE_SHARE = 0.1;
const STALL_SPAN_MS = 2000;
/** The processes of each app whose memory limits are read for the conflict rule. */
const LIMIT_PIDS = 8;
const MIN_STALL_PCT = 0.05;
const MIN_GROWTH_MIBPS = 4;
/** Evidence enough to act on an app: its own stall share at least this, or growth at least MIN_GROWTH_MIBPS. */
const ACT_MIN_STALL_PCT = 0.5;
const MIB = 1024 * 1024;

/** What decides whether an app may be acted on. */
export interface ActionPolicy {
  sessionCritical: readonly string[];
  avoid: readonly string[];
  prefer: readonly string[];
  /** Pids never acted on: Headroom itself and its ancestors. */
  protectedPids: ReadonlySet<number>;
  ownUid: number;
  /** Root, or the privileged helper already running: other users' apps may be reaped. */
  mayReapOthers: boolean;
}

interface Sample {
  t: number;
  stallUs: number | null;
  sizeBytes: number;
}

/** Turns `*` and `?` globs into an anchored regular expression. */
export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/**
 * A regular expression matching every start of a name the glob matches ('gnome-text-edit' for
 * 'gnome-text-editor'): `^(?:t1(?:t2(?:…)?)?)?$` over the glob's tokens. A 15-character comm may be a
 * longer name cut by the kernel (15 bytes), so it is matched with this.
 */
export function globPrefixRegExp(glob: string): RegExp {
  let body = '';
  for (const ch of [...glob].reverse()) {
    const token = ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    body = `(?:${token}${body})?`;
  }
  return new RegExp(`^${body}$`);
}

/** A compiled avoid/prefer glob: the whole-name form, and the test for a comm the kernel may have cut. */
interface NameGlob {
  glob: string;
  re: RegExp;
  cut: (comm: string) => boolean;
}

/**
 * The avoid list errs towards matching (a cut comm that could be any name the glob matches is
 * avoided); the prefer list, which moves an app towards a reap, matches a cut comm only by a plain
 * name's first 15 bytes, as session-critical names are (commOf), never by a glob's prefix.
 */
function compileGlob(glob: string, forAvoid: boolean): NameGlob {
  const plain = !/[*?]/.test(glob);
  const prefix = globPrefixRegExp(glob);
  const cutName = commOf(glob);
  // A comm cut inside a character ends in U+FFFD: what a longer name starts with is before it.
  const cut = forAvoid ? (comm: string) => prefix.test(cutPrefix(comm)) : plain ? (comm: string) => comm === cutName : () => false;
  return { glob, re: globToRegExp(glob), cut };
}

/** True when the glob matches one of the app's names, or could match the uncut name behind a 15-byte comm. */
function globMatches(g: NameGlob, names: readonly string[], comms: readonly string[]): boolean {
  return names.some((n) => g.re.test(n)) || comms.some((c) => mayBeCut(c) && g.cut(c));
}

/** Two apps whose evidence points different ways (see the file comment): nothing is acted on. */
export interface EvidenceConflict {
  /** The top app: stalled, not growing, holding less than the grower. */
  stalled: Culprit;
  /** The fastest-growing other app: the likely cause. */
  grower: Culprit;
}

/** memoryLimitsOf with the cgroup v2 mount looked up once (/proc/self/mounts), not for every process read. */
function limitsWithMountOnce(): (pid: number) => MemoryLimit[] {
  let mount: string | null | undefined;
  return (pid) => memoryLimitsOf(pid, mount === undefined ? (mount = cgroup2Mount()) : mount);
}

/** Keeps each app's recent samples and ranks apps by their share of the pressure. */
export class Attribution {
  private readonly samples = new Map<string, Sample[]>();
  private evidenced = new Set<string>();
  private lastConflict: EvidenceConflict | null = null;

  /** `limitsOf`: the memory-limited groups of a process (native/cgroup.ts; replaced in tests). */
  constructor(private readonly limitsOf: (pid: number) => MemoryLimit[] = limitsWithMountOnce()) {}

  /** Forget every app's samples (the wall clock stepped back: their times no longer compare). */
  reset(): void {
    this.samples.clear();
    this.evidenced = new Set();
    this.lastConflict = null;
  }

  /** Record one snapshot's apps; apps that left are forgotten. */
  observe(snapshot: Snapshot): void {
    const seen = new Set<string>();
    for (const app of snapshot.apps) {
      seen.add(app.id);
      let list = this.samples.get(app.id);
      if (!list) this.samples.set(app.id, (list = []));
      list.push({ t: snapshot.time, stallUs: app.pressure?.some.totalUs ?? null, sizeBytes: app.anonBytes + app.swapBytes });
      while (list.length > 2 && list[0]!.t < snapshot.time - WINDOW_MS) list.shift();
    }
    for (const id of this.samples.keys()) if (!seen.has(id)) this.samples.delete(id);
  }

  /** The top `limit` apps of this snapshot by their share of the pressure, best first. */
  rank(snapshot: Snapshot, policy: ActionPolicy, limit = 10): Culprit[] {
    // Built only when an app is ranked: on a calm machine none is, and a 2,000-entry map a tick was
    // most of the guard's cost on the main thread.
    let pidMap: Map<number, Snapshot['processes'][number]> | null = null;
    const byPidOf = (): Map<number, Snapshot['processes'][number]> => (pidMap ??= new Map(snapshot.processes.map((p) => [p.pid, p])));
    const prefer = policy.prefer.map((g) => compileGlob(g, false));
    const avoid = policy.avoid.map((g) => compileGlob(g, true));
    const ranked: Array<Culprit & { preferred: boolean; stallPct: number; growthMiBps: number; sizeBytes: number }> = [];
    this.evidenced = new Set();
    this.lastConflict = null;
    for (const app of snapshot.apps) {
      const list = this.samples.get(app.id);
      if (!list || list.length < 2) continue;
      const stallPct = stallShare(list);
      const growthMiBps = growth(list);
      if ((stallPct ?? 0) < MIN_STALL_PCT && growthMiBps < MIN_GROWTH_MIBPS) continue;
      if ((stallPct ?? 0) >= ACT_MIN_STALL_PCT || growthMiBps >= MIN_GROWTH_MIBPS) this.evidenced.add(app.id);
      const sizeBytes = app.anonBytes + app.swapBytes;
      const byPid = byPidOf();
      const comms = app.pids.map((pid) => byPid.get(pid)?.comm ?? '');
      const names = namesOf(app, comms);
      ranked.push({
        appId: app.id,
        name: app.name,
        pids: [...app.pids],
        startTimes: app.pids.map((pid) => byPid.get(pid)?.startTime ?? 0),
        reason: reasonFor(app, stallPct, growthMiBps, sizeBytes),
        score: stallSteps(stallPct) * 500 + Math.min(499, Math.max(0, Math.round(growthMiBps))) + Math.min(0.99, Math.round(sizeBytes / (1024 * MIB)) / 100),
        uid: app.uid,
        notActionable: whyNot(app, comms, byPid, policy, avoid),
        // Only evidence enough to act on lets the prefer list put an app first (and so name it the likely cause).
        preferred: this.evidenced.has(app.id) && prefer.some((g) => globMatches(g, names, comms)),
        stallPct: stallSteps(stallPct) > 0 ? stallPct! : 0,
        growthMiBps,
        sizeBytes,
      });
    }
    ranked.sort((a, b) => Number(b.preferred) - Number(a.preferred) || b.score - a.score);
    const culprits = ranked.map(({ preferred: _, stallPct: _s, growthMiBps: _g, sizeBytes: _b, ...culprit }) => culprit);
    const top = ranked[0];
    if (top && top.stallPct > 0 && top.growthMiBps < MIN_GROWTH_MIBPS) {
      let grower: (typeof ranked)[number] | null = null;
      for (const r of ranked) if (r !== top && r.growthMiBps >= MIN_GROWTH_MIBPS && r.sizeBytes > top.sizeBytes && (!grower || r.growthMiBps > grower.growthMiBps)) grower = r;
      const short = snapshot.memory.availableBytes < CONFLICT_AVAILABLE_SHARE * snapshot.memory.totalBytes;
      if (grower && (short || this.shareShortLimit(top.pids, grower.pids))) this.lastConflict = { stalled: culprits[0]!, grower: culprits[ranked.indexOf(grower)]! };
    }
    return culprits.slice(0, limit);
  }

  /** True when a process of each app is in one memory-limited group that is short of memory (under CONFLICT_AVAILABLE_SHARE of its limit left). */
  private shareShortLimit(a: readonly number[], b: readonly number[]): boolean {
    const short = new Set<string>();
    for (const pid of a.slice(0, LIMIT_PIDS)) {
      for (const limit of this.limitsOf(pid)) if (limit.availableBytes < CONFLICT_AVAILABLE_SHARE * limit.limitBytes) short.add(limit.id);
    }
    return short.size > 0 && b.slice(0, LIMIT_PIDS).some((pid) => this.limitsOf(pid).some((limit) => short.has(limit.id)));
  }

  /**
   * The conflict the last rank() found, else null: memory is short (on the machine, or in a limit the two share), its top app stalls but is not
   * growing (< 4 MiB/s) and holds less anon+swap than another app growing ≥ 4 MiB/s (see the file comment).
   */
  conflict(): EvidenceConflict | null {
    return this.lastConflict;
  }

  /**
   * True when the last rank() measured evidence of the app's own enough to act on: its own stall share
   * ≥ 0.5 % or its anon+swap growing ≥ 4 MiB/s (a place in the ranking alone, e.g. by the prefer list, is not).
   */
  hasEvidence(appId: string): boolean {
    return this.evidenced.has(appId);
  }
}

/** What the avoid and prefer globs are matched against: the app's name, its processes' comm, its cgroup path and unit. */
function namesOf(app: AppInfo, comms: readonly string[]): string[] {
  return [app.name, ...comms, ...(app.cgroup ? [app.cgroup, app.cgroup.slice(app.cgroup.lastIndexOf('/') + 1)] : [])];
}

/** The app group's own `some` stall over the last ≥ 2 s (or all there is), in percent; null without a group. */
function stallShare(list: readonly Sample[]): number | null {
  const last = list[list.length - 1]!;
  if (last.stallUs === null) return null;
  let first: Sample | undefined;
  for (let i = list.length - 2; i >= 0; i--) {
    first = list[i]!;
    if (first.t <= last.t - STALL_SPAN_MS) break;
  }
  if (!first || first.stallUs === null || last.t <= first.t) return null;
  return Math.min(100, Math.max(0, ((last.stallUs - first.stallUs) / ((last.t - first.t) * 1000)) * 100));
}

/** The stall in half-percent steps, rounded up; 0 below MIN_STALL_PCT or without a group. */
function stallSteps(stallPct: number | null): number {
  return stallPct !== null && stallPct >= MIN_STALL_PCT ? Math.ceil(stallPct * 2) : 0;
}

/** Anon + swap growth over the kept window, MiB/s. */
function growth(list: readonly Sample[]): number {
  const first = list[0]!;
  const last = list[list.length - 1]!;
  return last.t > first.t ? (last.sizeBytes - first.sizeBytes) / MIB / ((last.t - first.t) / 1000) : 0;
}

function formatSize(bytes: number): string {
  return bytes >= 1024 * MIB ? `${(bytes / (1024 * MIB)).toFixed(1)} GiB` : `${Math.round(bytes / MIB)} MiB`;
}

/** "hrdrill: 38 % of its time stalled on memory, +120 MiB/s (512 MiB anon+swap)". */
function reasonFor(app: AppInfo, stallPct: number | null, growthMiBps: number, sizeBytes: number): string {
  const parts: string[] = [];
  // Whole percent as people say it; tenths only below 1 %, where "0 %" would hide the stall.
  if (stallPct !== null && stallPct >= MIN_STALL_PCT) parts.push(`${stallPct < 0.95 ? stallPct.toFixed(1) : Math.round(stallPct)} % of its time stalled on memory`);
  if (growthMiBps >= 1) parts.push(`+${Math.round(growthMiBps)} MiB/s`);
  else if (growthMiBps <= -1) parts.push(`shrinking ${Math.round(-growthMiBps)} MiB/s`);
  parts.push(`${formatSize(sizeBytes)} anon+swap`);
  return `${app.name}: ${parts.join(', ')}`;
}

function whyNot(app: AppInfo, comms: readonly string[], byPid: Map<number, Snapshot['processes'][number]>, policy: ActionPolicy, avoid: readonly NameGlob[]): string | null {
  for (const pid of app.pids) {
    const p = byPid.get(pid);
    if (pid === 1) return `${app.name} contains PID 1 (init); the whole system depends on it, so the guard never reaps it.`;
    if (pid === 2) return `${app.name} contains kthreadd, the kernel's thread parent; the guard never reaps it.`;
    // The table holds no kernel threads (PF_KTHREAD): a child of kthreadd here is a user-mode helper
    // the kernel started (a crash-dump handler, modprobe), which the reaper refuses too.
    if (p?.ppid === 2) return `${app.name} contains ${p.comm} (PID ${pid}), which the kernel started itself (a crash-dump handler, modprobe); the guard never reaps it.`;
    if (policy.protectedPids.has(pid)) return `${app.name} contains Headroom itself or a process Headroom runs under (PID ${pid}); the guard never reaps it.`;
  }
  // As comm holds them (the reaper matches the same way): 'xdg-desktop-portal' is comm 'xdg-desktop-por'.
  const criticalComms = new Set(policy.sessionCritical.map(commOf));
  const critical = comms.find((c) => criticalComms.has(c));
  if (critical) return `${app.name} contains ${critical}, which is part of the desktop session (session-critical); the guard never reaps it.`;
  const names = namesOf(app, comms);
  const avoided = avoid.find((g) => globMatches(g, names, comms));
  if (avoided) return `${app.name} matches '${avoided.glob}' on the avoid list.`;
  if (app.uid !== policy.ownUid && !policy.mayReapOthers) {
    return `${app.name} belongs to ${app.user} (uid ${app.uid}); the guard reaps other users' apps only while Headroom's privileged helper is already running.`;
  }
  return null;
}
