/**
 * `headroom guard [--json] [--act] [--warn-at PCT] [--act-at PCT] [--sustain S] [--no-harden]` — the
 * pressure guard without a window, until SIGINT/SIGTERM. PCT is the system memory stall share per
 * tick: `--warn-at` on `some`, `--act-at` on `full`; S the seconds it must hold. Everything else, and
 * these when no flag is given, comes from the window's settings file (defaults 10 %, 20 %, 2 s),
 * read only, never rewritten, and followed while the guard runs (main/guard/settings-follow.ts): a
 * change made in the window's Settings applies within ~2 s and is said on stderr; flags keep
 * winning. Auto-reap is on with `--act` or when Settings → Auto-reap is on; then it reaps if it
 * holds the per-user guard lock (so the window's guard and this one never both act).
 *
 * Arguments are checked before anything heavy loads, so a usage error costs only Node's start.
 * Then the process hardens itself (main/guard/harden.ts) before any thread starts.
 */
import { visibleControls } from '../../contract/display-name';
import type { Settings } from '../../contract/settings';
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

  const { GuardEventSchema } = require('../../contract/guard.js') as typeof import('../../contract/guard.js');
  const { defaultSettingsPath } = require('../settings/file-store.js') as typeof import('../settings/file-store.js');
  const { followSettings } = require('../guard/settings-follow.js') as typeof import('../guard/settings-follow.js');
  const levels = (s: Settings): string =>
    `warn at some ≥ ${s.guardWarnSomePct} %, act at full ≥ ${s.guardActFullPct} %, for ${s.guardSustainSeconds} s; auto-reap ${s.autoReap ? 'on' : 'off'}`;
  const follower = followSettings(defaultSettingsPath(), {
    overrides: (base) => ({
      ...base,
      autoReap: act || base.autoReap,
      guardWarnSomePct: warnAt ?? base.guardWarnSomePct,
      guardActFullPct: actAt ?? base.guardActFullPct,
      guardSustainSeconds: rawSustain !== undefined ? Number(rawSustain) : base.guardSustainSeconds,
    }),
    onChange: (next) => {
      loop.setIntervalMs(guard.intervalMs(next.intervalMs));
      if (next.autoReap) reaper.warm();
      say(`the settings changed; now ${levels(next)}`);
    },
    say,
  });
  const settings = follower.current;

  const { WorkerSamplerLoop } = require('../sampler/worker-loop.js') as typeof import('../sampler/worker-loop.js');
  const { createReapService } = require('../reaper/service.js') as typeof import('../reaper/service.js');
  const { createGuard } = require('../guard/index.js') as typeof import('../guard/index.js');
  const { describeResult } = require('../reaper/format.js') as typeof import('../reaper/format.js');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const loop = new WorkerSamplerLoop({ intervalMs: settings().intervalMs, historyLength: 1 });
  const reaper = createReapService({ sessionCritical: () => settings().sessionCritical, endGraceMs: () => settings().endGraceMs });
  // With auto-reap on a reap may be needed at any moment: load the reap worker now, not under pressure.
  if (settings().autoReap) reaper.warm();
  let exit: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => (exit = resolve));
  let lastActingNote: string | null = null;
  // Whoever reads our output may go (`headroom guard --json | head`): the guard goes on guarding,
  // silently, rather than die of EPIPE at its next line.
  let stdoutOpen = true;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (!stdoutOpen) return;
    stdoutOpen = false;
    say(`standard output closed (${err.code ?? err.message}); the guard goes on without printing its events.`);
  });
  const print = (text: string): void => {
    if (stdoutOpen) process.stdout.write(text);
  };

  const guard = createGuard({
    settings,
    reaper,
    sampling: loop,
    onEvent: (event) => {
      if (json) {
        print(JSON.stringify(GuardEventSchema.parse(event)) + '\n');
        return;
      }
      const clock = new Date(event.time).toLocaleTimeString();
      // Names come from processes and cgroups: their control characters (a terminal's escape
      // sequences, a right-to-left override) are shown as codes, never written to the terminal.
      const line = (text: string): void => print(visibleControls(text) + '\n');
      if (event.event === 'started') {
        const how = event.mode === 'trigger' ? `PSI triggers, ${event.windowMs / 1000} s window` : `polling every ${event.windowMs} ms`;
        line(
          `${clock} watching memory pressure (${how}): ${levels(settings())}${settings().autoReap ? '' : ' (--act or Settings → Auto-reap to turn it on)'}`,
        );
      } else if (event.event === 'warning') {
        line(`${clock} warning: memory stalled ${event.pressure.some} % (some), ${event.pressure.full} % (full); ${event.culprit ? `culprit ${event.culprit.reason}` : 'no app stands out'}`);
        // Why nothing is (yet) reaped: the likely cause may not be acted on, the evidence conflicts, or it has not settled.
        const note = guard.state().culpritNote;
        if (note) line(`  ${note}`);
      } else if (event.event === 'would-reap') {
        const why = settings().autoReap ? ` (auto-reap is on, but ${(guard.state().actingNote ?? 'this guard does not hold the per-user lock').replace(/\.$/, '')})` : '';
        line(`${clock} would reap ${event.culprit.name} (PIDs ${event.culprit.pids.join(', ')})${why}: ${event.culprit.reason}`);
      } else if (event.event === 'reap') {
        line(`${clock} reaped ${event.culprit.name}: ${event.culprit.reason}`);
        for (const result of event.results) line(`  ${describeResult(result)}`);
      } else {
        line(`${clock} calm`);
      }
    },
    // Only the trigger watch finding no PSI at all ends the guard; one sample without PSI does not
    // (the state shows `unavailable` until PSI reads again).
    onUnavailable: (note) => {
      say(note);
      exit(1);
    },
    onState: (state) => {
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
  follower.stop();
  guard.close();
  loop.stop();
  await guard.idle();
  await reaper.close();
  return code;
}
