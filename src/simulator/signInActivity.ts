import { createHash } from 'node:crypto';
import { botGranted } from './botApp';
import { SimError } from './engine';
import { selectFields, type GraphRequest } from './graphHttp';
import type { SimTenant, SimUser } from './model';

/**
 * The user's `signInActivity` (Graph's signInActivity resource): served only when `$select` names it, as Graph does,
 * and only while the bot's app holds AuditLog.Read.All — without it Graph answers 403 to the whole request. Times
 * are derived from the user id (stable across runs) and the simulator's clock; tests may set a user's own with
 * `setSignIn`.
 */

const DAY_MS = 86_400_000;
const overrides = new WeakMap<SimTenant, Map<string, string | null>>();

/** Sets (ISO time) or clears (null: never signed in) one user's last sign-in. */
export function setSignIn(tenant: SimTenant, userId: string, at: string | null): void {
  let m = overrides.get(tenant);
  if (!m) overrides.set(tenant, (m = new Map<string, string | null>()));
  m.set(userId.toLowerCase(), at);
}

function lastSignIn(tenant: SimTenant, user: SimUser, now: number): string | null {
  const own = overrides.get(tenant);
  if (own?.has(user.id)) return own.get(user.id)!;
  const n = createHash('sha256').update(user.id).digest().readUInt32BE(0);
  // One user in eight never signed in; the others between 0 and 180 days ago.
  if (n % 8 === 0) return null;
  return new Date(now - (n % 180) * DAY_MS - (n % 86_400) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function wantsSignInActivity(req: GraphRequest): boolean {
  return (selectFields(req) ?? []).some((f) => f.toLowerCase() === 'signinactivity');
}

/** Adds `signInActivity` to a user's JSON when selected; 403 when the bot's app lacks AuditLog.Read.All. */
export function withSignInActivity(req: GraphRequest, user: SimUser, json: Record<string, unknown>): Record<string, unknown> {
  if (!wantsSignInActivity(req)) return json;
  if (!botGranted(req.tenant).some((p) => p.toLowerCase() === 'auditlog.read.all')) {
    throw new SimError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
  }
  const last = lastSignIn(req.tenant, user, req.state.clock.now());
  return {
    ...json,
    signInActivity: {
      lastSignInDateTime: last,
      lastSignInRequestId: last ? `00000000-0000-4000-8000-${user.id.slice(-12)}` : null,
      lastNonInteractiveSignInDateTime: last,
      lastNonInteractiveSignInRequestId: last ? `00000000-0000-4000-9000-${user.id.slice(-12)}` : null,
      lastSuccessfulSignInDateTime: last,
      lastSuccessfulSignInRequestId: last ? `00000000-0000-4000-a000-${user.id.slice(-12)}` : null,
    },
  };
}
