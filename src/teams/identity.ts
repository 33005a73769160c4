import type { TurnContext } from 'botbuilder';

/**
 * Who is talking, taken only from what Teams signs into the activity: the Entra object id and the tenant.
 * Never from text or card data a client can type.
 */
export interface Caller {
  aadObjectId: string;
  tenantId: string;
  name: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function callerOf(context: TurnContext): Caller | undefined {
  const a = context.activity;
  const aadObjectId = a.from?.aadObjectId;
  const tenantId = (a.channelData as { tenant?: { id?: string } } | undefined)?.tenant?.id ?? a.conversation?.tenantId;
  if (!aadObjectId || !GUID.test(aadObjectId) || !tenantId || !GUID.test(tenantId)) return undefined;
  return { aadObjectId: aadObjectId.toLowerCase(), tenantId: tenantId.toLowerCase(), name: a.from?.name ?? 'unknown' };
}
