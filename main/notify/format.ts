/** Byte amounts in plain words for notifications and the tray tooltip (binary units, like `free -h`). */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/** "3.2 GiB", "120 MiB", "512 B": one decimal below 10 units, none above. */
export function formatBytes(bytes: number): string {
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 10 ? 0 : 1;
  return `${bytes < 0 ? '-' : ''}${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** "120 MiB/s". */
export function formatRate(bytesPerSec: number): string {
  return `${formatBytes(bytesPerSec)}/s`;
}
