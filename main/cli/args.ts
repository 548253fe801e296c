/** Small, strict argument parsing for the CLI: unknown flags and bad values are usage errors (exit 2). */

/** A mistake in how the command was called; printed as one line, exit code 2. */
export class UsageError extends Error {}

export interface FlagSpec {
  /** Flags that take a value, e.g. `--port`. */
  values?: readonly string[];
  /** Flags that stand alone, e.g. `--json`. */
  booleans?: readonly string[];
}

export interface ParsedArgs {
  values: Map<string, string>;
  booleans: Set<string>;
  positionals: string[];
}

/** Parse `args` against `spec`; throws UsageError naming the offending flag. Accepts `--flag=value`. */
export function parseArgs(args: readonly string[], spec: FlagSpec): ParsedArgs {
  const values = new Map<string, string>();
  const booleans = new Set<string>();
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    if (spec.booleans?.includes(flag)) {
      if (eq !== -1) throw new UsageError(`${flag} takes no value`);
      booleans.add(flag);
    } else if (spec.values?.includes(flag)) {
      const value = eq !== -1 ? arg.slice(eq + 1) : args[++i];
      if (value === undefined || value === '') throw new UsageError(`${flag} needs a value`);
      values.set(flag, value);
    } else {
      throw new UsageError(`unknown flag ${flag}`);
    }
  }
  return { values, booleans, positionals };
}

/** Parse an integer flag value within [min, max], or throw a UsageError naming the flag. */
export function intValue(flag: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^-?\d+$/.test(raw)) throw new UsageError(`${flag} must be a whole number, got '${raw}'`);
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`${flag} must be between ${min} and ${max}, got ${raw}`);
  return n;
}

/**
 * Whoever reads the output may stop early (`headroom snapshot --all | head`): then the command ends
 * quietly with status 0, not with an EPIPE stack trace. Other write errors still throw.
 */
export function endQuietlyWhenOutputCloses(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(0);
  });
}
