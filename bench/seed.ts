import type { RunningBot } from '../src/index';
import { OPEN_INDEX_KEY, openEntryOf, requestKey, type OpenIndex, type StoredScopeRequest } from '../src/services/scopeRequestRecords';
import { updateWithCas } from '../src/store';
import { CONTOSO, LEE } from '../test/harness/bot';

export interface SeedItem {
  configuration: string;
  principal: { id: string; displayName: string; userPrincipalName?: string };
}

/**
 * Open approval requests in bulk, as the service stores them: one request is made through the service (so the record
 * has today's shape), the rest are copies of it under new ids for other configurations and users, written with
 * their open-index entries. Making thousands through the service would be set-up, not what is measured.
 */
export async function seedPending(bot: RunningBot, upnCandidates: (configuration: string) => string[], items: SeedItem[]): Promise<StoredScopeRequest[]> {
  const first = items[0];
  if (!first) return [];
  let made: Awaited<ReturnType<typeof bot.approvals.create>> | undefined;
  for (const upn of upnCandidates(first.configuration)) {
    made = await bot.approvals.create({
      configuration: first.configuration,
      op: 'add',
      principalType: 'user',
      principals: [upn],
      reason: 'bench',
      requester: { aadObjectId: LEE.aadObjectId, tenantId: CONTOSO, name: LEE.name },
    });
    if (made.ok) break;
  }
  if (!made?.ok) throw new Error(`seed: could not make a request on ${first.configuration}: ${made?.problem.title ?? 'no user to ask for'}`);
  const template = made.record;
  const out: StoredScopeRequest[] = [template];
  let batch: StoredScopeRequest[] = [];
  const flush = async () => {
    if (!batch.length) return;
    await bot.storage.write(Object.fromEntries(batch.map((r) => [requestKey(r.request.id), { ...r }])));
    const entries = batch.map((r) => openEntryOf(r.request));
    await updateWithCas<OpenIndex>(bot.storage, OPEN_INDEX_KEY, (cur) => ({ schemaVersion: 1, entries: [...(cur?.entries ?? []), ...entries] }));
    batch = [];
  };
  for (let k = 1; k < items.length; k++) {
    const item = items[k];
    const id = `REQ-${k.toString(36).toUpperCase().padStart(5, '0')}`;
    const record: StoredScopeRequest = { ...template, request: { ...template.request, id, configuration: item.configuration, principals: [item.principal] } };
    out.push(record);
    batch.push(record);
    if (batch.length === 500) await flush();
  }
  await flush();
  return out;
}
