/**
 * Defect 7c (issue 11): one corrupt incident record must not silently stop the alerts of its configuration. The bad
 * record is moved aside (quarantined, logged), and the monitor carries on with a fresh one: the next incident is
 * alerted as usual.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEMO } from '../../src/simulator';
import { incidentKey } from '../../src/services/incidentRecords';
import { FileStorage } from '../../src/store';
import { encodeKey } from '../../src/store/keyNames';
import { cardOf, cardText, type Place } from '../harness/activities';
import { BotUnderTest, CONTOSO, MEGAN } from '../harness/bot';
import { SimControl } from '../harness/sim';
import { record } from './ledger';

const C2F = DEMO.configurations.contosoToFabrikam;
const OPS_CHAT: Place = { kind: 'groupChat', conversationId: '19:ops-chat@thread.v2' };

describe.each([
  ['not JSON (a torn or damaged file)', '{"key": "incidents/contoso-to-fabrikam", "item": {"schemaVers'],
  [
    'JSON of the wrong shape',
    JSON.stringify({ key: 'incidents/contoso-to-fabrikam', item: { schemaVersion: 1, configuration: 'contoso-to-fabrikam', state: 'garbage', eTag: 'x' } }),
  ],
])('a corrupt incident record: %s (state faults)', (_name, bytes) => {
  const t = new BotUnderTest();
  let sim: SimControl;
  beforeAll(async () => {
    await t.start();
    sim = new SimControl(t.bot.simulator!.url);
    expect(cardText((await t.say(MEGAN, 'subscribe alerts all', OPS_CHAT)).map(cardOf).find(Boolean))).toContain('Subscribed');
  });
  afterAll(() => t.stop());

  it('is moved aside, logged, and the next incident of that configuration is still alerted', async () => {
    const file = path.join(t.dataDir, `${encodeKey(incidentKey(C2F.name))}.json`);
    writeFileSync(file, bytes);
    await sim.control('POST', `/tenants/${CONTOSO}/jobs/${encodeURIComponent(C2F.jobId)}/quarantine`, { reason: 'EncounteredQuarantineException' });
    const report = await t.bot.monitor.pollOnce();
    const opened = report.events.filter((e) => e.configuration === C2F.name && e.type === 'opened');
    record({ test: `state: corrupt incident record (${_name})`, faults: 1, lostRequests: opened.length === 1 ? 0 : 1 });
    expect(opened).toHaveLength(1);
    expect(report.posted).toBeGreaterThanOrEqual(1);
    expect(t.bot.monitor.quarantined).toBe(1);
    const storage = t.bot.storage as FileStorage;
    const aside = await storage.listKeys('incidents-quarantine/contoso-to-fabrikam/');
    expect(aside).toHaveLength(1);
    // The bad bytes are kept for whoever investigates (as they were, or as the parsed original).
    const kept = readFileSync(path.join(t.dataDir, `${encodeKey(aside[0])}.json`), 'utf8');
    expect(kept.includes(bytes) || kept.includes('"garbage"')).toBe(true);
    // And the fresh record is healthy: a second poll changes nothing and quarantines nothing more.
    const again = await t.bot.monitor.pollOnce();
    expect(again.events).toEqual([]);
    expect(t.bot.monitor.quarantined).toBe(1);
  });
});
