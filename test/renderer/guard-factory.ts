/**
 * Guard states and culprits for the component tests, checked with the contract's schemas (a test
 * can never draw a state main could not send). The culprit is the `leaky` app of typicalApps().
 */
import { CulpritSchema, GuardStateSchema, type Culprit, type GuardEvent, type GuardState } from '../../contract/guard';
import { makeResult, OWN_UID } from './factory';

export const T0 = 1_760_000_000_000;

/** The leaky app as the guard blames it. */
export function makeCulprit(overrides: Partial<Culprit> = {}): Culprit {
  return CulpritSchema.parse({
    appId: 'tree:4242:5242',
    name: 'leaky',
    pids: [4242],
    reason: 'leaky: 38 % of its time stalled on memory, +120 MiB/s',
    score: 0.8,
    uid: OWN_UID,
    notActionable: null,
    ...overrides,
  });
}

/** A calm guard in trigger mode with a 2 s window. */
export function makeGuard(overrides: Partial<GuardState> = {}): GuardState {
  return GuardStateSchema.parse({
    mode: 'trigger',
    windowMs: 2000,
    modeNote: 'PSI triggers need 2 s windows without CAP_SYS_RESOURCE.',
    phase: 'calm',
    pressure: { some: 0, full: 0 },
    culprit: null,
    ranking: [],
    acting: false,
    actingNote: null,
    last: null,
    ...overrides,
  });
}

/** The guard warning about leaky (auto-reap off unless overridden). */
export function warningGuard(overrides: Partial<GuardState> = {}): GuardState {
  const culprit = makeCulprit();
  const pressure = { some: 42, full: 18.25 };
  const last: GuardEvent = { time: T0, event: 'warning', pressure, culprit };
  return makeGuard({ phase: 'warning', pressure, culprit, ranking: [culprit], last, ...overrides });
}

/** The guard after it auto-reaped leaky, calm again. */
export function reapedGuard(culprit: Culprit = makeCulprit()): GuardState {
  const last: GuardEvent = { time: T0 + 3000, event: 'reap', pressure: { some: 60, full: 31 }, culprit, results: [makeResult({ freedBytes: 512 * 1024 * 1024, memoryBackMs: 40 })] };
  return makeGuard({ phase: 'calm', acting: true, last });
}
