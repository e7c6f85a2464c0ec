/**
 * How a Secret Store value is read as text, for every secret the product reads (AWS keys in aws/,
 * the admin token in handler/admin.ts).
 *
 * A trailing line break is not part of a secret: `--stdin <<< "$VALUE"` and most editors store
 * one, and a key id or session token ending in "\n" cannot be sent in an HTTP header (signing
 * throws in Headers.set), while an admin token with one never matches what a client sends. So
 * trailing CR and LF are removed. Any other control character left inside the value is a mistake
 * that removing cannot repair: `hasControlCharacter` lets the reader refuse it with a message that
 * names the key, never the value.
 */

/** The value without trailing CR/LF characters; null stays null. */
export function secretText(raw: string | null): string | null {
  if (raw === null) return null;
  let end = raw.length;
  while (end > 0 && (raw.charCodeAt(end - 1) === 0x0a || raw.charCodeAt(end - 1) === 0x0d)) end--;
  return end === raw.length ? raw : raw.slice(0, end);
}

/** True when `text` holds a character HTTP header values cannot carry (C0 controls, DEL). */
export function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}
