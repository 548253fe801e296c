/**
 * Names that processes and cgroups give themselves, made safe to show inside a sentence. A process
 * may call itself anything up to 15 bytes ("\u202Exoferif", "a\nb"), and a unit name's `\xNN`
 * escapes are undone before it is shown: a right-to-left override in a name would reorder the words
 * around it ("Reap the app ?firefox"), and control characters are invisible or break a line.
 */

/** C0 and C1 control characters, and the Unicode bidi controls (marks, embeddings, overrides, isolates). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `name` with each control or bidi-control character shown as its code ("⟨U+202E⟩"); the window puts the result in a `<bdi>`. */
export function visibleControls(name: string): string {
  return name.replace(UNSAFE, (c) => `\u27e8U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}\u27e9`);
}

/** A strong right-to-left letter: Hebrew, Arabic, Syriac, Thaana, N'Ko and the rest of U+0590–U+08FF, their presentation forms, and the SMP's right-to-left scripts. */
const RIGHT_TO_LEFT = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefe\u{10800}-\u{10fff}\u{1e800}-\u{1efff}]/u;

/**
 * `name` for a sentence in plain text (the banner, a notification, an event line): visibleControls,
 * wrapped in a first-strong isolate (U+2068 … U+2069) when it has a right-to-left letter or had
 * controls, so a right-to-left name stays right-to-left without moving the text around it. A name
 * with neither cannot reorder anything and is left as it is: some notification servers' fonts draw
 * the isolate marks as boxes.
 */
export function displayName(name: string): string {
  const shown = visibleControls(name);
  return shown !== name || RIGHT_TO_LEFT.test(shown) ? `\u2068${shown}\u2069` : shown;
}

/** Text for a Linux desktop notification's body, which servers may read as markup: `& < >` escaped. */
export function notificationBody(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
