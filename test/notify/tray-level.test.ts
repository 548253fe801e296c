/** The tray icon's level and tooltip from pressure. */
import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../../contract/settings';
import { trayLevel, trayTooltip } from '../../main/notify/tray-level';
import { makeSnapshot } from './make-snapshot';

const s = { ...defaultSettings(), someThresholdPct: 20, fullThresholdPct: 10 };

describe('trayLevel', () => {
  it('is calm below both thresholds', () => {
    expect(trayLevel(makeSnapshot({ some: 19.9, full: 9.9 }), s)).toBe('calm');
  });
  it('is some at the some threshold', () => {
    expect(trayLevel(makeSnapshot({ some: 20, full: 0 }), s)).toBe('some');
  });
  it('is full at the full threshold, whatever some says', () => {
    expect(trayLevel(makeSnapshot({ some: 0, full: 10 }), s)).toBe('full');
    expect(trayLevel(makeSnapshot({ some: 80, full: 50 }), s)).toBe('full');
  });
  it('follows the thresholds in the settings', () => {
    expect(trayLevel(makeSnapshot({ some: 5, full: 0 }), { ...s, someThresholdPct: 5 })).toBe('some');
  });
  it('is calm with no snapshot yet, without PSI, and uses some alone where full is not reported', () => {
    expect(trayLevel(null, s)).toBe('calm');
    expect(trayLevel(makeSnapshot({ psi: false }), s)).toBe('calm');
    expect(trayLevel(makeSnapshot({ some: 30, full: null }), s)).toBe('some');
  });
});

describe('trayTooltip', () => {
  it('says the level, the numbers and the available memory', () => {
    expect(trayTooltip(makeSnapshot({ some: 38, full: 14 }), s, false)).toBe(
      'Headroom: memory pressure high (full 14 %, some 38 %), 12 GiB available',
    );
    expect(trayTooltip(makeSnapshot({ some: 1, full: 0 }), s, false)).toMatch(/^Headroom: memory pressure calm/);
  });
  it('says when sampling is paused, starting, or PSI is missing', () => {
    expect(trayTooltip(makeSnapshot({ some: 38, full: 14 }), s, true)).toBe('Headroom: sampling paused');
    expect(trayTooltip(null, s, false)).toBe('Headroom: starting…');
    expect(trayTooltip(makeSnapshot({ psi: false }), s, false)).toMatch(/unknown \(this kernel reports no PSI\)/);
  });
});
