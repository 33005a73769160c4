import { GraphInputError } from './errors';

/**
 * The one place a value becomes part of a Graph URL. OData string literals double the single quote;
 * ids must be GUIDs before they go into a path; anything else in a path is percent-encoded.
 */

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(s: string): boolean {
  return GUID.test(s);
}

/** `O'Brien` → `'O''Brien'`, quotes included. */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export function guidSegment(value: string, what: string, operation: string): string {
  if (typeof value !== 'string' || !GUID.test(value)) throw new GraphInputError(operation, `${what} "${String(value).slice(0, 60)}" is not a GUID`);
  return value.toLowerCase();
}

/** Job ids look like `Azure2Azure.<hex>.<guid>`: letters, digits, dots, dashes only. */
export function jobIdSegment(value: string, operation: string): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/.test(value)) {
    throw new GraphInputError(operation, `job id "${String(value).slice(0, 60)}" is not a valid synchronization job id`);
  }
  return value;
}

/** A user's id or UPN as one path segment (UPNs may hold `#`, `'`, `/`…). */
export function userSegment(idOrUpn: string, operation: string): string {
  const v = (idOrUpn ?? '').trim();
  if (!v) throw new GraphInputError(operation, 'no user given');
  if (GUID.test(v)) return v.toLowerCase();
  if (!v.includes('@')) throw new GraphInputError(operation, `"${v.slice(0, 60)}" is neither an object id nor a user principal name`);
  return encodeURIComponent(v);
}

/** Query string with every value percent-encoded (the Graph client passes values through as given). */
export function queryString(params: Record<string, string | number | boolean | undefined>): string {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`);
  return parts.length ? `?${parts.join('&')}` : '';
}
