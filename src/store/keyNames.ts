import { createHash } from 'node:crypto';

/**
 * Storage keys → file names, reversibly and safely on any file system:
 *  - only [a-z0-9_-] pass through; every other UTF-8 byte becomes %HH (uppercase hex). Upper-case letters are
 *    escaped too, so "A" and "a" stay distinct on case-insensitive file systems (macOS, Windows);
 *  - a name never starts with "." (dot is escaped), so our own temp/lock files (which do) cannot collide;
 *  - a key whose name would be too long for common file systems (255 bytes) becomes "~<sha256>"; the file
 *    itself still records the full key, so the mapping stays recoverable from the contents.
 */
const PLAIN = /^[a-z0-9_-]$/;
const MAX_NAME = 200;

export function encodeKey(key: string): string {
  if (key.length === 0) throw new TypeError('Storage keys must not be empty');
  let out = '';
  for (const byte of Buffer.from(key, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += byte < 0x80 && PLAIN.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out.length <= MAX_NAME ? out : `~${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

/** The key for a file name, or undefined for a hashed (long-key) name, whose key lives only in the file. */
export function decodeKey(name: string): string | undefined {
  if (name.startsWith('~')) return undefined;
  return decodeURIComponent(name);
}
