/** The tray icon's level and tooltip from pressure. */
import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../../contract/settings';
import { trayLevel, trayTooltip } from '../../main/notify/tray-level';
import { makeSnapshot } from './make-snapshot';

const s = { ...defaultSettings(), guardWarnSomePct: 20, guardActFullPct: 10 };

describe('trayLevel', () => {
  it('is calm below both of the guard\'s levels', () => {
    expect(trayLevel(makeSnapshot({ some: 19.9, full: 9.9 }), s)).toBe('calm');
  });
  it('is some at the warn level (some)', () => {
    expect(trayLevel(makeSnapshot({ some: 20, full: 0 }), s)).toBe('some');
  });
  it('is full at the act level (full), whatever some says', () => {
    expect(trayLevel(makeSnapshot({ some: 0, full: 10 }), s)).toBe('full');
    expect(trayLevel(makeSnapshot({ some: 80, full: 50 }), s)).toBe('full');
  });
  it('follows the guard\'s levels in the settings', () => {
    expect(trayLevel(makeSnapshot({ some: 5, full: 0 }), { ...s, guardWarnSomePct: 5 })).toBe('some');
    expect(trayLevel(makeSnapshot({ some: 5, full: 3 }), { ...s, guardWarnSomePct: 5, guardActFullPct: 3 })).toBe('full');
    expect(trayLevel(makeSnapshot({ some: 19, full: 9 }), defaultSettings())).toBe('some');
    expect(trayLevel(makeSnapshot({ some: 9.9, full: 19.9 }), defaultSettings())).toBe('calm');
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
