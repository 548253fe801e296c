/** What the guard's trigger wait (trigger-watch.ts) is configured with and what it reports. Types only. */
import type { GuardMode } from '../../contract/guard';

/** How the trigger wait is set up (plain data). */
export interface TriggerOptions {
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
  /** Ask for nice −10 on the thread that waits (allowed for root / CAP_SYS_NICE). */
  raisePriority: boolean;
}

/** The mode in force, told once after start: `nice` is null when the waiting thread runs at nice −10, else why not. */
export interface TriggerMode {
  mode: GuardMode;
  windowMs: number | null;
  note: string;
  nice: string | null;
}
