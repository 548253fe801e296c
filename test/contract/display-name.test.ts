// Names processes give themselves, shown in a sentence: control and bidi characters made visible, the
// name isolated so it cannot reorder the words around it; notification bodies kept as text.
import { describe, expect, it } from 'vitest';
import { displayName, notificationBody, visibleControls } from '../../contract/display-name';

describe('display names', () => {
  it('shows control and bidi-control characters as their codes and leaves other text alone', () => {
    expect(visibleControls('firefox')).toBe('firefox');
    expect(visibleControls('\u202exoferif')).toBe('\u27e8U+202E\u27e9xoferif');
    expect(visibleControls('a\tb\u0085c\u2067d\u200f')).toBe('a\u27e8U+0009\u27e9b\u27e8U+0085\u27e9c\u27e8U+2067\u27e9d\u27e8U+200F\u27e9');
    // Right-to-left text itself is a name like any other.
    expect(visibleControls('\u05e2\u05d5\u05e8\u05da')).toBe('\u05e2\u05d5\u05e8\u05da');
  });

  it('isolates a name for plain text that could reorder the sentence around it: one with controls or a right-to-left letter', () => {
    expect(displayName('\u202exoferif')).toBe('\u2068\u27e8U+202E\u27e9xoferif\u2069');
    expect(`Reaping ${displayName('\u05e2\u05d5\u05e8\u05da')} (PID 12)`).toBe('Reaping \u2068\u05e2\u05d5\u05e8\u05da\u2069 (PID 12)');
    expect(displayName('\u0645\u062d\u0631\u0631')).toBe('\u2068\u0645\u062d\u0631\u0631\u2069');
    expect(displayName('\u{10900}x')).toBe('\u2068\u{10900}x\u2069');
    // Nothing right-to-left, nothing hidden: left as it is (some notification fonts draw the marks as boxes).
    expect(`Reaping ${displayName('gedit')}\u2026`).toBe('Reaping gedit\u2026');
    expect(displayName('Web Content 12 – Über')).toBe('Web Content 12 – Über');
  });

  it('keeps a notification body as text where servers read markup', () => {
    expect(notificationBody('Tom & Jerry <b>x</b> > 1')).toBe('Tom &amp; Jerry &lt;b&gt;x&lt;/b&gt; &gt; 1');
    expect(notificationBody('hrdrill: 38 % of its time stalled on memory')).toBe('hrdrill: 38 % of its time stalled on memory');
  });
});
