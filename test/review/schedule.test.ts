/**
 * reviewEveryDays in the estate: the leader's sweep starts reviews on its own, completes them at the deadline with the
 * estate's default (here `remove`, which makes removal requests requested by the review itself), and starts the next
 * one when the last completed reviewEveryDays ago. Over real HTTP against a standalone simulator.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { FileStorage } from '../../src/store';
import type { RunningBot } from '../../src/index';
import { ManualClock } from '../../src/domain/clock';
import { ConnectorStandIn } from '../harness/connector';
import { C2F, SharedEstate } from '../approvals/helpers';

const DAY = 86_400_000;

describe('scheduled scope reviews (reviewEveryDays)', () => {
  const estate = new SharedEstate();
  const connector = new ConnectorStandIn();
  const clock = new ManualClock(Date.now());
  let storage: FileStorage;
  let bot: RunningBot;

  beforeAll(async () => {
    await estate.start();
    const config = JSON.parse(readFileSync(estate.configFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(estate.configFile, JSON.stringify({ ...config, reviewEveryDays: 30, reviewDays: 7, reviewDefault: 'remove' }));
    await connector.start();
    storage = await FileStorage.open({ dir: estate.dataDir });
    bot = await estate.bot(connector, storage, { clock }); // the start-up sweep runs the schedule
  });
  afterAll(async () => {
    await bot?.close();
    await storage?.close();
    await connector.stop();
    await estate.stop();
  });

  it('starts a review of every configuration, applies the remove default at the deadline, starts the next one 30 days later', async () => {
    const first = (await bot.reviews.current(C2F.name))!;
    expect(first).toMatchObject({ status: 'open', defaultVerdict: 'remove', startedBy: { aadObjectId: 'system' } });
    expect(Date.parse(first.deadline) - Date.parse(first.startedAt)).toBe(7 * DAY);
    for (const name of bot.estate.configurations.map((c) => c.name)) expect((await bot.reviews.current(name))?.status).toBe('open');
    expect((await bot.audit.last(20, { action: 'review.started' })).filter((e) => e.actor === 'system')).toHaveLength(bot.estate.configurations.length);
    // Not due yet: the sweep starts nothing more.
    await bot.reviews.sweep();
    expect((await bot.reviews.current(C2F.name))!.id).toBe(first.id);

    clock.advance(7 * DAY + 1);
    const completed = await bot.reviews.sweep();
    expect(completed.map((r) => r.configuration).sort()).toEqual(bot.estate.configurations.map((c) => c.name).sort());
    await bot.approvals.idle();
    const done = (await bot.reviews.get(first.id))!;
    expect(done.status).toBe('completed');
    expect(done.items.every((i) => i.decision?.verdict === 'remove' && i.decision.byDefault)).toBe(true);
    // Every item's removal request was made (or refused by the approvals checks, with the reason), requested by the review.
    expect(done.items.every((i) => i.removal)).toBe(true);
    const made = done.items.filter((i) => i.removal!.state === 'requested').map((i) => i.removal!.requestId);
    expect(made.length).toBeGreaterThan(0);
    for (const id of made)
      expect((await bot.approvals.get(id))!.request).toMatchObject({ op: 'remove', status: 'pending', requester: { aadObjectId: 'system' } });
    // A second sweep makes no second request.
    await bot.reviews.sweep();
    expect((await bot.reviews.get(first.id))!.items.map((i) => i.removal)).toEqual(done.items.map((i) => i.removal));

    clock.advance(23 * DAY);
    await bot.reviews.sweep();
    expect((await bot.reviews.current(C2F.name))!.id).toBe(first.id);
    clock.advance(7 * DAY);
    await bot.reviews.sweep();
    const next = (await bot.reviews.current(C2F.name))!;
    expect(next.id).not.toBe(first.id);
    expect(next.status).toBe('open');
  });
});
