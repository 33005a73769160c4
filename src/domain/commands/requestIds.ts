// Request ids: REQ- + 5 Crockford base-32 characters (no I, L, O, U: nothing to misread aloud).

const ID_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const REQUEST_ID_LENGTH = 5;
const REQUEST_ID_RE = new RegExp(`^REQ-[${ID_ALPHABET}]{${REQUEST_ID_LENGTH}}$`);

/** True for the canonical form only (`REQ-7K2M9`); `normalizeRequestId` turns typed variants into it. */
export function isRequestId(value: string): boolean {
  return REQUEST_ID_RE.test(value);
}

/** `req-7k2m9`, `7K2M9`, `REQ-7K2MO` (O for 0) → `REQ-7K2M9`-style canonical id, or undefined. */
export function normalizeRequestId(value: string): string | undefined {
  const m = /^(?:REQ-?)?([0-9A-Z]+)$/i.exec(value.trim());
  if (!m) return undefined;
  const code = m[1].toUpperCase().replace(/O/g, '0').replace(/[IL]/g, '1');
  const id = `REQ-${code}`;
  return isRequestId(id) ? id : undefined;
}

/** A fresh id; `random` returns [0, 1) like Math.random (injected so tests are deterministic). */
export function newRequestId(random: () => number = Math.random): string {
  let code = '';
  for (let i = 0; i < REQUEST_ID_LENGTH; i++) {
    const r = random();
    const n = Number.isFinite(r) ? Math.floor(Math.abs(r) * ID_ALPHABET.length) % ID_ALPHABET.length : 0;
    code += ID_ALPHABET[n];
  }
  return `REQ-${code}`;
}
