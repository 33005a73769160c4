import { Writable } from 'node:stream';
import { createLogger } from '../../src/logger';
import { BotUnderTest, CONTOSO, MEGAN } from '../harness/bot';
import { cardAction, post } from '../harness/activities';
import { parseAs } from '../harness/json';

describe('one structured log line per turn', () => {
  /** One pino line: the fields this test reads. */
  const lines: { msg?: string; [field: string]: unknown }[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(parseAs<{ msg?: string }>(line));
      done();
    },
  });
  const t = new BotUnderTest();
  beforeAll(() => t.start({}, { logger: createLogger('info', sink) }));
  afterAll(() => t.stop());

  it('logs activity type, command, latency and outcome for messages and card actions, and never the text', async () => {
    await t.say(MEGAN, 'whoami');
    await t.say(MEGAN, 'restart contoso-to-fabrikam sideways my-secret-word');
    await post(t.bot.url, cardAction({ verb: 'status.refresh', data: {}, user: MEGAN, tenantId: CONTOSO, serviceUrl: t.connector.url, replyToId: 'x' }));
    const turns = lines.filter((l) => l.msg === 'turn');
    expect(turns).toEqual([
      expect.objectContaining({ activityType: 'message', command: 'whoami', outcome: 'ok', latencyMs: expect.any(Number) as unknown }),
      expect.objectContaining({ activityType: 'message', command: 'invalid', outcome: 'invalid' }),
      expect.objectContaining({ activityType: 'invoke', command: 'status.refresh', outcome: 'ok' }),
    ]);
    const all = JSON.stringify(lines);
    expect(all).not.toContain('my-secret-word');
    expect(all).not.toMatch(/Bearer /i);
  });
});
