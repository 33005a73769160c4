import { MemoryStorage, type StoreItems } from 'botbuilder';
import { ManualClock } from '../../src/domain/clock';
import type { ConversationTarget } from '../../src/services/ports';
import { Subscriptions, conversationKeyOf } from '../../src/services/subscriptions';
import { AuditLog } from '../../src/store';

class CountingStorage extends MemoryStorage {
  reads = 0;
  writes = 0;
  override async read(keys: string[]): Promise<StoreItems> {
    this.reads++;
    return super.read(keys);
  }
  override async write(changes: StoreItems): Promise<void> {
    this.writes++;
    return super.write(changes);
  }
}

const MEGAN = { aadObjectId: 'e1c7a3f0-92b4-4d6e-8a15-7c3b9d2f4e61', name: 'Megan Bowen' };
const target = (key: string, extra: Partial<ConversationTarget> = {}): ConversationTarget => ({
  key,
  kind: 'groupChat',
  reference: { serviceUrl: 'https://smba.example/', conversation: { id: key, tenantId: 't' } },
  ...extra,
});

describe('subscriptions', () => {
  let storage: CountingStorage;
  let subs: Subscriptions;
  let audit: AuditLog;
  beforeEach(() => {
    storage = new CountingStorage();
    const clock = new ManualClock();
    audit = new AuditLog(storage, { clock });
    subs = new Subscriptions(storage, clock, audit);
  });

  it('remembers a conversation once; the same reference again costs no storage access, a changed one is written', async () => {
    await subs.remember(target('c1'));
    const after = { reads: storage.reads, writes: storage.writes };
    await subs.remember(target('c1'));
    expect({ reads: storage.reads, writes: storage.writes }).toEqual(after);
    await subs.remember(target('c1', { reference: { serviceUrl: 'https://smba.moved/', conversation: { id: 'c1' } } }));
    expect(storage.writes).toBe(after.writes + 1);
    expect((await subs.get('c1'))!.target.reference.serviceUrl).toBe('https://smba.moved/');
  });

  it('targetsFor returns active subscribers of the configuration or of all, from the index', async () => {
    await subs.subscribe(target('all-chat'), 'alerts', 'ALL', MEGAN);
    await subs.subscribe(target('c2f-chat'), 'alerts', 'contoso-to-fabrikam', MEGAN);
    await subs.subscribe(target('approvals-chat'), 'approvals', 'all', MEGAN);
    expect((await subs.targetsFor('alerts', 'Contoso-To-Fabrikam')).map((t) => t.key).sort()).toEqual(['all-chat', 'c2f-chat']);
    expect((await subs.targetsFor('alerts', 'contoso-to-northwind')).map((t) => t.key)).toEqual(['all-chat']);
    expect((await subs.targetsFor('approvals', 'x')).map((t) => t.key)).toEqual(['approvals-chat']);
    expect((await subs.subscribe(target('all-chat'), 'alerts', 'all', MEGAN)).changed).toBe(false);
  });

  it('unsubscribe ends one subscription and leaves the others; deactivate stops all and is audited', async () => {
    await subs.subscribe(target('c1'), 'alerts', 'all', MEGAN);
    await subs.subscribe(target('c1'), 'alerts', 'contoso-to-fabrikam', MEGAN);
    expect(await subs.unsubscribe('c1', 'alerts', 'all', MEGAN)).toMatchObject({ configuration: 'all' });
    expect((await subs.targetsFor('alerts', 'contoso-to-northwind')).map((t) => t.key)).toEqual([]);
    expect((await subs.targetsFor('alerts', 'contoso-to-fabrikam')).map((t) => t.key)).toEqual(['c1']);
    expect(await subs.unsubscribe('c1', 'alerts', 'all', MEGAN)).toBeUndefined();

    expect(await subs.deactivate('c1', 'Teams answered 403 ConversationBlockedByUser')).toBe(true);
    expect(await subs.deactivate('c1', 'again')).toBe(false);
    expect(await subs.targetsFor('alerts', 'contoso-to-fabrikam')).toEqual([]);
    expect(await subs.list('c1')).toEqual([expect.objectContaining({ active: false, deactivatedReason: 'Teams answered 403 ConversationBlockedByUser' })]);
    expect((await audit.last(10)).map((r) => r.action).sort()).toEqual([
      'subscriptions.deactivate',
      'subscriptions.subscribe',
      'subscriptions.subscribe',
      'subscriptions.unsubscribe',
    ]);
  });

  it('finds the personal chat of a user, and forgets it once the bot is gone from it', async () => {
    await subs.remember(target('a:personal-1', { kind: 'personal', userAadObjectId: MEGAN.aadObjectId }));
    expect((await subs.personalTargetOf(MEGAN.aadObjectId.toUpperCase()))?.key).toBe('a:personal-1');
    expect(await subs.personalTargetOf('00000000-0000-0000-0000-000000000000')).toBeUndefined();
    await subs.deactivate('a:personal-1', 'uninstalled');
    expect(await subs.personalTargetOf(MEGAN.aadObjectId)).toBeUndefined();
  });

  it('skips a corrupt conversation record instead of stopping alerts to everyone', async () => {
    await subs.subscribe(target('good'), 'alerts', 'all', MEGAN);
    await subs.subscribe(target('bad'), 'alerts', 'all', MEGAN);
    await storage.write({ 'conversations/bad': { nonsense: true, eTag: '*' } });
    expect((await subs.targetsFor('alerts', 'x')).map((t) => t.key)).toEqual(['good']);
  });

  it('keys a channel by its conversation id without the thread', () => {
    expect(conversationKeyOf('19:abc@thread.tacv2;messageid=1712345')).toBe('19:abc@thread.tacv2');
  });
});
