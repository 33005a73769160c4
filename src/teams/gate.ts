import type { TurnContext } from 'botbuilder';
import type { Permission } from '../domain/permissions';
import type { AccessService, ResolvedCaller } from '../services/access';
import { callerOf, type Caller } from './identity';
import { notice, type Reply } from './reply';

export type GateResult = { ok: true; caller: Caller; resolved?: ResolvedCaller } | { ok: false; reply: Reply };

/**
 * The one place every command and every card button passes through (Hubot's listener middleware): who is calling
 * (from the activity only), is it our tenant, and does the caller hold the permission — with roles resolved afresh
 * for anything that changes state.
 */
export interface RefusalRecord {
  caller: Caller;
  permission: Permission;
  configuration?: string;
  reason: string;
}

export class Gate {
  /**
   * `onRefused` hears every refused attempt to change something (fresh checks), for the audit log: an Entra admin
   * wants to see who tried to pause a job without the role, not only who succeeded.
   */
  constructor(
    private readonly access: AccessService,
    private readonly homeTenantId: string,
    private readonly onRefused?: (refusal: RefusalRecord) => Promise<void>,
  ) {}

  async check(context: TurnContext, permission: Permission | undefined, options: { fresh: boolean; configuration?: string }): Promise<GateResult> {
    const caller = callerOf(context);
    if (!caller) {
      return {
        ok: false,
        reply: notice('Who are you?', 'This message did not carry a Microsoft Entra user and tenant, so I cannot check what you may do.', {
          style: 'error',
          outcome: 'refused',
        }),
      };
    }
    if (caller.tenantId !== this.homeTenantId) {
      return {
        ok: false,
        reply: notice('Not available in your organisation', `This bot serves tenant ${this.homeTenantId} only.`, { style: 'error', outcome: 'refused' }),
      };
    }
    if (!permission) return { ok: true, caller };
    let decision;
    try {
      decision = await this.access.check(caller, permission, options);
    } catch (err) {
      // Without the caller's roles nothing may happen: refuse, and say why in words.
      return {
        ok: false,
        reply: notice('Could not check your roles', `I could not read your roles from Microsoft Entra, so I did not act. ${describeError(err)}`, {
          hint: 'Nothing was changed. Try again in a moment.',
          style: 'error',
          outcome: 'failed',
        }),
      };
    }
    if (!decision.allowed) {
      if (options.fresh) await this.onRefused?.({ caller, permission, configuration: options.configuration, reason: decision.reason }).catch(() => undefined);
      return { ok: false, reply: refusal(decision.permission, decision.grantedBy, decision.reason) };
    }
    return { ok: true, caller, resolved: decision.caller };
  }
}

/**
 * An error in words an admin can act on. Graph errors (they carry the operation) are worded for admins and name the
 * request id; anything else (storage, validation, our own bugs) is internal: the details go to the log only.
 */
export function describeError(err: unknown): string {
  const e = err as { message?: unknown; requestId?: unknown; operation?: unknown };
  if (typeof e?.operation !== 'string' || typeof e.message !== 'string') return 'an internal error happened.';
  const id = typeof e.requestId === 'string' && !e.message.includes(e.requestId) ? ` (request id ${e.requestId})` : '';
  return `${e.message}${id}`;
}

export function refusal(permission: Permission, grantedBy: string[], reason: string): Reply {
  const granted = grantedBy.length ? `It is granted by: ${grantedBy.join(', ')}.` : '';
  // The policy's reason usually names the permission and its holders already: say it once.
  const hint = reason.includes(permission) ? '' : `This needs the permission ${permission}. ${granted}`.trim();
  // The summary carries the whole refusal: a card answered "as it was, plus a note" shows it in one line.
  return { ...notice('Not allowed', reason, { hint, style: 'error', outcome: 'refused' }), summary: `Not allowed: ${reason}${hint ? ` ${hint}` : ''}` };
}
