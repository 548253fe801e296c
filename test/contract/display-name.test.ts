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

  it('isolates a name for plain text, so the sentence around it keeps its order', () => {
    expect(displayName('\u202exoferif')).toBe('\u2068\u27e8U+202E\u27e9xoferif\u2069');
    expect(`Reaping ${displayName('gedit')}\u2026`).toBe('Reaping \u2068gedit\u2069\u2026');
  });

  it('keeps a notification body as text where servers read markup', () => {
    expect(notificationBody('Tom & Jerry <b>x</b> > 1')).toBe('Tom &amp; Jerry &lt;b&gt;x&lt;/b&gt; &gt; 1');
    expect(notificationBody('hrdrill: 38 % of its time stalled on memory')).toBe('hrdrill: 38 % of its time stalled on memory');
  });
});
