/**
 * Grouping processes into apps: by cgroup where the cgroup is an app unit (systemd scope or
 * service, flatpak, snap), otherwise by process tree (a top-level process and its descendants).
 */
import type { AppInfo, ProcessInfo, PsiResource } from '../../contract/snapshot';
import { classifyCgroup, type CgroupApp } from './classify-cgroup';

/** What grouping needs to know about a process beyond the contract fields. */
export interface GroupableProcess {
  info: ProcessInfo;
  /** Session id from stat; a process whose pid equals it leads its session. */
  session: number;
}

/** Reads an app cgroup's memory.pressure; null when there is none. */
export type PressureReader = (cgroupPath: string) => PsiResource | null;

const MAX_TREE_DEPTH = 256;

/** A cgroup app with its app id, made once per path. */
export interface ClassifiedCgroup extends CgroupApp {
  id: string;
}

/** Caches the classification of cgroup paths: a path's meaning never changes. */
export class CgroupClassifier {
  private readonly cache = new Map<string, ClassifiedCgroup | null>();

  /** The app a cgroup path belongs to (with its id), or null when the process tree decides. */
  classify(path: string): ClassifiedCgroup | null {
    let found = this.cache.get(path);
    if (found === undefined) {
      // Bound the cache: paths of short-lived scopes would otherwise pile up forever.
      if (this.cache.size > 10_000) this.cache.clear();
      const app = classifyCgroup(path);
      found = app ? { ...app, id: `cg:${app.path}` } : null;
      this.cache.set(path, found);
    }
    return found;
  }
}

/**
 * Looks a PID up among the rows: by binary search when they are in ascending PID order (as the
 * process table returns them, so no map of 2,000 entries is built every tick), else by a map.
 */
function pidIndex(processes: readonly GroupableProcess[]): (pid: number) => GroupableProcess | undefined {
  let sorted = true;
  for (let i = 1; i < processes.length && sorted; i++) sorted = processes[i - 1]!.info.pid < processes[i]!.info.pid;
  if (!sorted) {
    const byPid = new Map<number, GroupableProcess>();
    for (const p of processes) byPid.set(p.info.pid, p);
    return (pid) => byPid.get(pid);
  }
  return (pid) => {
    let lo = 0;
    let hi = processes.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const at = processes[mid]!.info.pid;
      if (at === pid) return processes[mid];
      if (at < pid) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  };
}

/** True when a parent makes its children top-level apps: init, a user service manager, or a session leader. */
function isLauncher(parent: ProcessInfo, session: number): boolean {
  return parent.pid === 1 || parent.comm === 'systemd' || session === parent.pid;
}

/**
 * Set `appId` on every process and return the apps, largest RSS first. Mutates `appId` only, and
 * only of a row that has none yet; a row with another appId is replaced in `processes` by a copy.
 */
export function groupApps(processes: readonly GroupableProcess[], classifier: CgroupClassifier, readPressure: PressureReader): AppInfo[] {
  const byPid = pidIndex(processes);

  const rootOf = new Map<number, GroupableProcess>();
  const findRoot = (start: GroupableProcess): GroupableProcess => {
    const chain: GroupableProcess[] = [];
    let current = start;
    let root: GroupableProcess | undefined;
    for (let depth = 0; depth < MAX_TREE_DEPTH; depth++) {
      const known = rootOf.get(current.info.pid);
      if (known) {
        root = known;
        break;
      }
      chain.push(current);
      const found = current.info.pid === 1 ? undefined : byPid(current.info.ppid);
      // A parent started after its child is not its parent: the real one exited and its PID was
      // reused before this tick saw the child re-parented (the child's ppid is read a tick late).
      const parent = found && found.info.startTime <= current.info.startTime ? found : undefined;
      // Stop at init, at a parent we cannot see, at a cgroup app (which owns its own members) and under a launcher.
      if (!parent || classifier.classify(parent.info.cgroup) || isLauncher(parent.info, parent.session)) {
        root = current;
        break;
      }
      current = parent;
    }
    root ??= current;
    for (const p of chain) rootOf.set(p.info.pid, root);
    return root;
  };

  const apps = new Map<string, { app: AppInfo; largest: number }>();
  const treeIds = new Map<GroupableProcess, string>();
  // No closure or per-row object here: this loop runs for every process every tick.
  for (const p of processes) {
    let info = p.info;
    const cg = classifier.classify(info.cgroup);
    let id: string;
    let rootRow: GroupableProcess | null = null;
    if (cg) {
      id = cg.id;
    } else {
      rootRow = findRoot(p);
      let treeId = treeIds.get(rootRow);
      if (treeId === undefined) treeIds.set(rootRow, (treeId = `tree:${rootRow.info.pid}:${rootRow.info.startTime}`));
      id = treeId;
    }
    if (info.appId !== id) {
      // A row the process table reused from an earlier tick (its appId set then) belongs to that
      // tick's snapshot too, and the delta encoder compares rows by identity first: never change it.
      if (info.appId === '') info.appId = id;
      else info = p.info = { ...info, appId: id };
    }
    let entry = apps.get(id);
    if (!entry) {
      const app = cg
        ? { ...emptyApp(id, cg.name, cg.kind, info), cgroup: cg.path, pressure: readPressure(cg.path) }
        : emptyApp(id, rootRow!.info.comm, 'tree', info);
      entry = { app, largest: -1 };
      apps.set(id, entry);
    }
    const app = entry.app;
    app.rssBytes += info.rssBytes;
    app.anonBytes += info.anonBytes;
    app.swapBytes += info.swapBytes;
    app.processCount++;
    app.pids.push(info.pid);
    app.growthBytesPerSec += info.growthBytesPerSec;
    if (info.rssBytes > entry.largest) {
      entry.largest = info.rssBytes;
      app.user = info.user;
      app.uid = info.uid;
    }
  }
  return [...apps.values()].map((e) => e.app).sort((a, b) => b.rssBytes - a.rssBytes);
}

function emptyApp(id: string, name: string, kind: AppInfo['kind'], first: ProcessInfo): AppInfo {
  return {
    id, name, kind, cgroup: null, rssBytes: 0, anonBytes: 0, swapBytes: 0, processCount: 0, pids: [],
    growthBytesPerSec: 0, user: first.user, uid: first.uid, pressure: null,
  };
}
