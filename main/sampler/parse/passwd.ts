/** Parser for /etc/passwd: uid → user name. */

/** Map each uid to its user name; the first entry wins when a uid appears twice (as getpwuid does). */
export function parsePasswd(text: string): Map<number, string> {
  const users = new Map<number, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(':');
    if (fields.length < 3 || fields[0] === '' || !/^\d+$/.test(fields[2]!)) continue;
    const uid = Number(fields[2]);
    if (!users.has(uid)) users.set(uid, fields[0]!);
  }
  return users;
}
