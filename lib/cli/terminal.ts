/**
 * Text for a terminal: data from files (labels, column and file names) may hold control characters, and
 * an ANSI escape sequence in a label would reach the terminal and act (move the cursor, retitle the
 * window, hide text). Every control character but newline and tab is shown as its escape instead.
 */

// C0 controls but \t and \n, DEL, and C1 controls (U+009B is a one-character CSI on some terminals).
// eslint-disable-next-line no-control-regex -- matching control characters is this pattern's job
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** `text` with each control character (see above) written as `\x1b`. */
export function printable(text: string): string {
  return text.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
