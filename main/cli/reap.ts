/** `headroom reap` — placeholder until its issue lands. */
export async function run(_args: string[]): Promise<number> {
  process.stderr.write('headroom reap: not built yet\n');
  return 1;
}
