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

/**
 * `name` for a sentence in plain text (a notification): visibleControls, wrapped in a first-strong
 * isolate (U+2068 … U+2069), so a right-to-left name stays right-to-left without moving the text
 * around it.
 */
export function displayName(name: string): string {
  return `\u2068${visibleControls(name)}\u2069`;
}

/** Text for a Linux desktop notification's body, which servers may read as markup: `& < >` escaped. */
export function notificationBody(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
