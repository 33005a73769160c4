import type { TurnContext } from 'botbuilder';
import { plain } from './cards';

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
  const fromChannel = (a.channelData as { tenant?: { id?: string } } | undefined)?.tenant?.id;
  const fromConversation = a.conversation?.tenantId;
  // Two tenants in one activity: one of them is not what Teams said, so neither is trusted.
  if (fromChannel && fromConversation && fromChannel.toLowerCase() !== fromConversation.toLowerCase()) return undefined;
  const tenantId = fromChannel ?? fromConversation;
  if (!aadObjectId || !GUID.test(aadObjectId) || !tenantId || !GUID.test(tenantId)) return undefined;
  // The display name is the client's to say (Teams fills it in, but nothing signs it): it is shown on cards and
  // stored in records, so it is neutralised once here, as every outside text is (see plain).
  const name = typeof a.from?.name === 'string' && a.from.name.trim() ? plain(a.from.name.trim(), 100) : 'unknown';
  return { aadObjectId: aadObjectId.toLowerCase(), tenantId: tenantId.toLowerCase(), name };
}
