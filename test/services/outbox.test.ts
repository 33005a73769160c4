import { Outbox, outboxKey } from '../../src/services/outbox';
import type { CardSender, ConversationRef, OutgoingCard, SendResult } from '../../src/services/ports';
import { MemoryStorage } from '../../src/store/memory';

const target = (key: string): ConversationRef => ({ key, kind: 'groupChat', reference: { conversation: { id: key } } });

/** A card sender that records every send and answers from a script per conversation (default: ok). */
class FakeSender implements CardSender {
  posts: { key: string; text: string }[] = [];
  updates: { key: string; activityId: string; text: string }[] = [];
  failures = new Map<string, SendResult[]>();
  private n = 0;

  post(t: ConversationRef, m: OutgoingCard): Promise<SendResult> {
    this.posts.push({ key: t.key, text: m.summary });
    return Promise.resolve(this.failures.get(t.key)?.shift() ?? { ok: true, activityId: `act-${++this.n}` });
  }

  update(t: ConversationRef, activityId: string, m: OutgoingCard): Promise<SendResult> {
    this.updates.push({ key: t.key, activityId, text: m.summary });
    return Promise.resolve(this.failures.get(t.key)?.shift() ?? { ok: true, activityId });
  }
}

describe('outbox', () => {
  const subject = { kind: 'thing', id: 'T-1' };
  let storage: MemoryStorage;
  let sender: FakeSender;
  let state: string;
  let gone: string[];
  const make = () => {
    const outbox = new Outbox({ storage, sender, onGone: (key) => Promise.resolve(gone.push(key)) });
    outbox.register('thing', (id, copy) => Promise.resolve({ card: {}, summary: `${id} ${state} for ${copy.role}` }));
    return outbox;
  };

  beforeEach(() => {
    storage = new MemoryStorage();
    sender = new FakeSender();
    state = 'open';
    gone = [];
  });

  it('posts once per conversation, updates in place after a change, and sends nothing when nothing changed', async () => {
    const outbox = make();
    expect(
      await outbox.publish(subject, 1, [
        { target: target('a'), role: 'approvers' },
        { target: target('b'), role: 'requester' },
      ]),
    ).toBe(2);
    expect(await outbox.flush(subject)).toEqual({ posted: 2, updated: 0, failed: 0, gone: 0 });
    expect(sender.posts.map((p) => p.text).sort()).toEqual(['T-1 open for approvers', 'T-1 open for requester']);
    expect(await outbox.flush(subject)).toEqual({ posted: 0, updated: 0, failed: 0, gone: 0 });
    // Publishing the same audience again adds nothing.
    expect(await outbox.publish(subject, 1, [{ target: target('a'), role: 'approvers' }])).toBe(0);

    state = 'approved';
    await outbox.changed(subject, 2);
    expect(await outbox.flush(subject)).toEqual({ posted: 0, updated: 2, failed: 0, gone: 0 });
    expect(sender.updates.map((u) => u.text).sort()).toEqual(['T-1 approved for approvers', 'T-1 approved for requester']);
    const record = await outbox.read(subject);
    expect(record?.copies.a).toMatchObject({ state: 'delivered', versionShown: 2, activityId: sender.updates.find((u) => u.key === 'a')!.activityId });
  });

  it('keeps a transiently failed post pending and sends it on the next flush; a permanent failure stops', async () => {
    const outbox = make();
    sender.failures.set('a', [{ ok: false, gone: false, status: 503, code: 'ServiceUnavailable' }]);
    sender.failures.set('b', [{ ok: false, gone: false, status: 400, code: 'BadRequest' }]);
    await outbox.publish(subject, 1, [
      { target: target('a'), role: 'x' },
      { target: target('b'), role: 'x' },
    ]);
    expect(await outbox.flush(subject)).toMatchObject({ posted: 0, failed: 2 });
    const after = await outbox.read(subject);
    expect(after?.copies.a).toMatchObject({ state: 'pending', attempts: 1, lastError: 'HTTP 503 ServiceUnavailable' });
    expect(after?.copies.b).toMatchObject({ state: 'failed', attempts: 1, lastError: 'HTTP 400 BadRequest' });
    expect(await outbox.flush(subject)).toEqual({ posted: 1, updated: 0, failed: 0, gone: 0 });
    expect((await outbox.read(subject))?.copies.a).toMatchObject({ state: 'delivered', attempts: 0, versionShown: 1 });
    expect(sender.posts.filter((p) => p.key === 'b')).toHaveLength(1);
  });

  it('marks a conversation that answers 403 gone, tells onGone, and never sends to it again', async () => {
    const outbox = make();
    sender.failures.set('a', [{ ok: false, gone: true, status: 403, code: 'BotNotInConversationRoster' }]);
    await outbox.publish(subject, 1, [{ target: target('a'), role: 'x' }]);
    expect(await outbox.flush(subject)).toMatchObject({ gone: 1 });
    expect(gone).toEqual(['a']);
    await outbox.changed(subject, 2);
    await outbox.flush(subject);
    expect(sender.posts).toHaveLength(1);
    expect(sender.updates).toHaveLength(0);
  });

  it('a second instance on the same store continues pending copies and never re-posts delivered ones', async () => {
    const first = make();
    sender.failures.set('b', [{ ok: false, gone: false, status: 503 }]);
    await first.publish(subject, 1, [
      { target: target('a'), role: 'x' },
      { target: target('b'), role: 'x' },
    ]);
    await first.flush(subject);
    expect(sender.posts.map((p) => p.key).sort()).toEqual(['a', 'b']);

    const second = make();
    expect(await second.flush(subject)).toEqual({ posted: 1, updated: 0, failed: 0, gone: 0 });
    expect(sender.posts.filter((p) => p.key === 'a')).toHaveLength(1);
    expect(sender.posts.filter((p) => p.key === 'b')).toHaveLength(2);
    state = 'done';
    await second.changed(subject, 2);
    expect(await second.flush(subject)).toEqual({ posted: 0, updated: 2, failed: 0, gone: 0 });
  });

  it('records a card that is already there and updates it from then on', async () => {
    const outbox = make();
    await outbox.publish(subject, 1, [{ target: target('r'), role: 'requester', activityId: 'reply-1', versionShown: 1 }]);
    expect(await outbox.flush(subject)).toMatchObject({ posted: 0, updated: 0 });
    await outbox.changed(subject, 2);
    await outbox.flush(subject);
    expect(sender.updates).toEqual([{ key: 'r', activityId: 'reply-1', text: 'T-1 open for requester' }]);
    expect((await outbox.read(subject))?.copies['r#reply-1']).toMatchObject({ state: 'delivered', versionShown: 2 });
  });

  it('starts afresh from an unreadable record instead of failing', async () => {
    await storage.write({ [outboxKey(subject)]: { nonsense: true } });
    const outbox = make();
    expect(await outbox.publish(subject, 1, [{ target: target('a'), role: 'x' }])).toBe(1);
    expect(await outbox.flush(subject)).toMatchObject({ posted: 1 });
  });
});
