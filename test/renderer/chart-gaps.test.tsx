// Where nothing was sampled (Headroom was not running, or was paused) every chart line breaks,
// rather than drawing a straight line through a stretch it never measured. Shorter spacing —
// ordinary ticks, a slow sampling interval — is drawn through.
import { cleanup, render } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { Charts } from '../../renderer/components/Charts';
import type { ChartPoint } from '../../renderer/state/series';

const T0 = 1_700_000_000_000;

function point(t: number): ChartPoint {
  return { t, memSomePct: 3, memFullPct: 1, memSomeAvg10: 2, memFullAvg10: 1, cpuSomePct: 5, ioSomePct: 1, availableGiB: 10, usedGiB: 5, swapGiB: 0, zramGiB: 0 };
}
/** Samples every `stepMs` over [from, to] (ms after T0). */
function samples(from: number, to: number, stepMs: number): ChartPoint[] {
  const s: ChartPoint[] = [];
  for (let t = from; t <= to; t += stepMs) s.push(point(T0 + t));
  return s;
}

/** How many separate pieces each line is drawn in (one `M` per piece). */
function pieces(): Record<string, number> {
  const count = (selector: string) => (document.querySelector(selector)?.getAttribute('d') ?? '').split('M').length - 1;
  return {
    pressure: count('.hr-line-some path'),
    available: count('.hr-svg-line.hr-line-available'),
    cpu: count('.hr-strip-cpu'),
  };
}

describe('chart lines across a stretch with no samples', () => {
  afterEach(cleanup);
  const props = { markers: [], windowMs: 300_000, onWindowChange: () => {}, warnSomePct: 10, actFullPct: 20, autoReap: false, psiAvailable: true, intervalMs: 1000 };

  it('break where two minutes were not sampled', () => {
    // A 5-minute window: 1 min sampled, 2 min of nothing, 2 min sampled again.
    render(<Charts {...props} series={[...samples(0, 60_000, 1000), ...samples(180_000, 300_000, 1000)]} />);
    expect(pieces()).toEqual({ pressure: 2, available: 2, cpu: 2 });
  });

  it('break where Headroom restarted: 20 s without a sample at 1 s sampling', () => {
    // The recorder's history of the session before, then the new session's ticks (as a window
    // opened after a restart shows them): the stretch between them was not measured.
    const restarted = [...samples(0, 255_000, 1000), ...samples(275_000, 300_000, 1000)];
    render(<Charts {...props} windowMs={60_000} series={restarted} />);
    expect(pieces()).toEqual({ pressure: 2, available: 2, cpu: 2 });
  });

  it('stay whole for ordinary ticks, a late tick and a 10 s sampling interval', () => {
    const late = [...samples(0, 100_000, 1000), ...samples(112_000, 300_000, 1000)];
    render(<Charts {...props} series={late} />);
    expect(pieces()).toEqual({ pressure: 1, available: 1, cpu: 1 });
    cleanup();
    render(<Charts {...props} intervalMs={10_000} series={samples(0, 300_000, 10_000)} />);
    expect(pieces()).toEqual({ pressure: 1, available: 1, cpu: 1 });
  });
});
