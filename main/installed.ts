/**
 * Whether this code runs from an installed app: electron-builder puts it in app.asar (the window)
 * and app.asar.unpacked (/usr/bin/headroom, the helper). Test-only environment overrides are not
 * honoured there: whoever could set the app's environment could otherwise redirect what it trusts.
 */
export function runsInstalled(moduleDir: string): boolean {
  return moduleDir.split('/').some((part) => part.endsWith('.asar') || part.endsWith('.asar.unpacked'));
}
