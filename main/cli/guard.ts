/**
 * `headroom guard [--json] [--act] [--warn-at PCT] [--act-at PCT] [--sustain S] [--no-harden]` — the
 * pressure guard without a window, until SIGINT/SIGTERM. PCT is the system memory stall share per
 * tick: `--warn-at` on `some` (default 10), `--act-at` on `full` (default 20); S the seconds it must
 * hold (default 2). The rest (session-critical names, avoid/prefer lists, cooldown, interval) comes
 * from the window's settings file, read only, never rewritten. Without `--act` it only warns and says
 * what it would reap; with it, it reaps if it holds the per-user guard lock.
 *
 * Arguments are checked before anything heavy loads, so a usage error costs only Node's start.
 * Then the process hardens itself (main/guard/harden.ts) before any thread starts.
 */
import { readFileSync } from 'node:fs';
import { parseArgs, UsageError } from './args';

/** Parse a percentage flag within 1–100 (the settings' bounds). */
function pctValue(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || !(n >= 1 && n <= 100)) throw new UsageError(`${flag} must be a percentage between 1 and 100, got '${raw}'`);
  return n;
}

/** Run the guard until a signal; returns the exit code. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseArgs(args, { values: ['--warn-at', '--act-at', '--sustain'], booleans: ['--json', '--act', '--no-harden'] });
  if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument '${parsed.positionals[0]}'`);
  const warnAt = pctValue('--warn-at', parsed.values.get('--warn-at'));
  const actAt = pctValue('--act-at', parsed.values.get('--act-at'));
  const rawSustain = parsed.values.get('--sustain');
  if (rawSustain !== undefined && !(/^\d+$/.test(rawSustain) && Number(rawSustain) >= 1 && Number(rawSustain) <= 120)) {
    throw new UsageError(`--sustain must be a whole number of seconds between 1 and 120, got '${rawSustain}'`);
  }
  const json = parsed.booleans.has('--json');
  const act = parsed.booleans.has('--act');
  const say = (line: string): void => void process.stderr.write(`headroom guard: ${line}\n`);

  // Before any worker thread exists, so they all inherit the priority.
  /* eslint-disable @typescript-eslint/no-require-imports -- lazy CommonJS loading, as main/cli.ts explains */
  const { describeHardening, hardenGuardProcess } = require('../guard/harden.js') as typeof import('../guard/harden.js');
  const hardening = parsed.booleans.has('--no-harden') ? null : hardenGuardProcess();

  const { SettingsSchema, defaultSettings } = require('../../contract/settings.js') as typeof import('../../contract/settings.js');
  const { GuardEventSchema } = require('../../contract/guard.js') as typeof import('../../contract/guard.js');
  const { defaultSettingsPath } = require('../settings/file-store.js') as typeof import('../settings/file-store.js');
  let base = defaultSettings();
  try {
    const fromFile = SettingsSchema.safeParse(JSON.parse(readFileSync(defaultSettingsPath(), 'utf8')));
    if (fromFile.success) base = fromFile.data;
    else say(`the settings file ${defaultSettingsPath()} is not valid; using the defaults`);
  } catch {
    // No settings file yet: the defaults.
  }
  const settings = {
    ...base,
    autoReap: act,
    guardWarnSomePct: warnAt ?? base.guardWarnSomePct,
    guardActFullPct: actAt ?? base.guardActFullPct,
    guardSustainSeconds: rawSustain !== undefined ? Number(rawSustain) : base.guardSustainSeconds,
  };

  const { WorkerSamplerLoop } = require('../sampler/worker-loop.js') as typeof import('../sampler/worker-loop.js');
  const { createReapService } = require('../reaper/service.js') as typeof import('../reaper/service.js');
  const { createGuard } = require('../guard/index.js') as typeof import('../guard/index.js');
  const { describeResult } = require('../reaper/format.js') as typeof import('../reaper/format.js');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const loop = new WorkerSamplerLoop({ intervalMs: settings.intervalMs, historyLength: 1 });
  const reaper = createReapService({ sessionCritical: () => settings.sessionCritical, endGraceMs: () => settings.endGraceMs });
  // With --act a reap may be needed at any moment: load the reap worker now, not under pressure.
  if (act) reaper.warm();
  let exit: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => (exit = resolve));
  let lastActingNote: string | null = null;

  const guard = createGuard({
    settings: () => settings,
    reaper,
    sampling: loop,
    onEvent: (event) => {
      if (json) {
        process.stdout.write(JSON.stringify(GuardEventSchema.parse(event)) + '\n');
        return;
      }
      const clock = new Date(event.time).toLocaleTimeString();
      if (event.event === 'started') {
        const how = event.mode === 'trigger' ? `PSI triggers, ${event.windowMs / 1000} s window` : `polling every ${event.windowMs} ms`;
        process.stdout.write(
          `${clock} watching memory pressure (${how}): warn at some ≥ ${settings.guardWarnSomePct} %, act at full ≥ ${settings.guardActFullPct} %, for ${settings.guardSustainSeconds} s; auto-reap ${act ? 'on' : 'off (--act to turn it on)'}\n`,
        );
      } else if (event.event === 'warning') {
        process.stdout.write(`${clock} warning: memory stalled ${event.pressure.some} % (some), ${event.pressure.full} % (full); ${event.culprit ? `culprit ${event.culprit.reason}` : 'no app stands out'}\n`);
      } else if (event.event === 'would-reap') {
        process.stdout.write(`${clock} would reap ${event.culprit.name} (PIDs ${event.culprit.pids.join(', ')}): ${event.culprit.reason}\n`);
      } else if (event.event === 'reap') {
        process.stdout.write(`${clock} reaped ${event.culprit.name}: ${event.culprit.reason}\n`);
        for (const result of event.results) process.stdout.write(`  ${describeResult(result)}\n`);
      } else {
        process.stdout.write(`${clock} calm\n`);
      }
    },
    onState: (state) => {
      if (state.mode === 'unavailable' && state.modeNote !== 'The guard is starting.') {
        say(state.modeNote);
        exit(1);
      }
      if (state.actingNote && state.actingNote !== lastActingNote) say(state.actingNote);
      lastActingNote = state.actingNote;
    },
  });
  loop.onSnapshot((snapshot) => guard.observe(snapshot));
  if (hardening) say(describeHardening(hardening));
  guard.start();
  loop.start();

  process.once('SIGINT', () => exit(0));
  process.once('SIGTERM', () => exit(0));
  const code = await done;
  guard.close();
  loop.stop();
  await guard.idle();
  await reaper.close();
  return code;
}
