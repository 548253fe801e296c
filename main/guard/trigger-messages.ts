/** The messages between the guard (main thread) and its trigger thread (trigger-worker.ts). Types only. */
import type { GuardMode } from '../../contract/guard';

/** What the trigger thread is started with (plain data). */
export interface TriggerWorkerData {
  /** The system memory pressure file, normally /proc/pressure/memory. */
  systemPath: string;
  /** Where cgroup v2 is mounted; null: no app-group triggers. */
  cgroupMount: string | null;
  /** Trigger windows to try, in order (ms). */
  windowsMs: number[];
  /** The trigger fires when `some` stall within the window reaches this share of it (0–1). */
  stallShare: number;
  /** Poll mode: how often the system file is read (ms). */
  pollMs: number;
  /** Ask for nice −10 on the trigger thread (allowed for root / CAP_SYS_NICE). */
  raisePriority: boolean;
}

/** Main thread → trigger thread. */
export type ToTriggerWorker = { type: 'groups'; cgroups: string[] } | { type: 'stop' };

/** Trigger thread → main thread. */
export type FromTriggerWorker =
  | { type: 'mode'; mode: GuardMode; windowMs: number | null; note: string; nice: string | null }
  | { type: 'fired'; source: string; time: number }
  | { type: 'gone'; cgroup: string }
  | { type: 'error'; message: string };
