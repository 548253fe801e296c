/** The plain-words warnings of the status bar: what is degraded on this machine and what it means. */
import type { Features } from '../../contract/snapshot';
import type { PrivilegeMode } from '../../contract/status';

/** Warnings for the kernel features, the privilege mode and the settings file, in display order. */
export function statusWarnings(features: Features | null, privilege: PrivilegeMode, settingsWarning: string | null): string[] {
  const warnings: string[] = [];
  if (features) {
    if (!features.psi) warnings.push('PSI is not available on this kernel: graphs show memory only.');
    if (!features.pidfd) warnings.push('pidfd is not available (kernel < 5.3): Headroom cannot reap safely and will refuse to.');
    else if (!features.processMrelease) warnings.push('process_mrelease is not available (kernel < 5.15): reaped memory returns when the process exits.');
    if (features.hidepid) warnings.push('/proc is mounted with hidepid: only your own processes are visible.');
    if (!features.cgroupV2Mount) warnings.push('cgroup v2 is not mounted: apps are grouped by process tree and have no pressure of their own.');
  }
  if (privilege === 'helper-missing') warnings.push("The privileged helper is not installed: only your own processes can be reaped (install the deb to reap other users' processes).");
  if (settingsWarning) warnings.push(settingsWarning);
  return warnings;
}
