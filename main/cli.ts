#!/usr/bin/env node
/**
 * `headroom` — the command-line entry. Each subcommand lives in main/cli/<name>.ts and exports
 * `run(args): Promise<number>` (the exit code). Usage errors exit 2 with one line on stderr.
 *
 * Only the chosen subcommand is loaded, with require(): a dynamic import() would start Node's ESM
 * loader for modules that are CommonJS anyway (start-up is most of what `headroom reap` costs;
 * docs/BENCHMARKS.md, "Start").
 */
import { UsageError } from './cli/args';

type Subcommand = { run(args: string[]): Promise<number> };
/* eslint-disable @typescript-eslint/no-require-imports -- lazy, synchronous CommonJS loading on purpose (see above) */
const SUBCOMMANDS: Record<string, () => Subcommand> = {
  snapshot: () => require('./cli/snapshot.js') as Subcommand,
  reap: () => require('./cli/reap.js') as Subcommand,
  serve: () => require('./cli/serve.js') as Subcommand,
  guard: () => require('./cli/guard.js') as Subcommand,
  history: () => require('./cli/history.js') as Subcommand,
};
/* eslint-enable @typescript-eslint/no-require-imports */

const USAGE = `usage: headroom <command> [options]
  snapshot [--json] [--repeat N] [--interval MS] [--top N | --all]   one sample of pressure, memory and processes
  reap PID [--start-time T] [--end] [--force] [--json]   end a process and free its memory now
  serve [--port N] [--allow-root]                 the window in your browser (127.0.0.1 only)
  guard [--json] [--act] [--warn-at PCT] [--act-at PCT] [--sustain S] [--no-harden]   warn about (and with --act reap) a runaway app, no window
  history [--since 1h] [--until TIME] [--json|--csv] [--apps] [--events]   what the flight recorder kept`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE + '\n');
    return command === undefined ? 2 : 0;
  }
  const load = SUBCOMMANDS[command];
  if (!load) {
    process.stderr.write(`headroom: unknown command '${command}' (try: headroom --help)\n`);
    return 2;
  }
  try {
    return await load().run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`headroom ${command}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`headroom: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
