/**
 * What one poll reads from the store (issue 15: poll cost). A job that never had an incident has no record, and the
 * poll used to open that absent record three times per job and poll (the CAS read, a re-read, the delivery pass). Now
 * the poll lists the records once and reads only those that exist. Counted, not timed; Graph is the simulator over HTTP.
 */
import { parseEstate } from '../../src/config';
import { ManualClock } from '../../src/domain/clock';
import { createCtsGraph } from '../../src/graph/gateway';
import { createLogger } from '../../src/logger';
import { Configurations } from '../../src/services/configurations';
import { Monitor } from '../../src/services/monitor';
import type { CardSender } from '../../src/services/ports';
import { Subscriptions } from '../../src/services/subscriptions';
import { DEMO, startSimulator, type RunningSimulator } from '../../src/simulator';
import { AuditLog, SingleProcessLeader } from '../../src/store';
import { MemoryStorage } from '../../src/store/memory';
import { renderAlert } from '../../src/teams/alertCards';
import { CONTOSO, MEGAN } from '../harness/bot';
import { SimControl } from '../harness/sim';

const C2F = DEMO.configurations.contosoToFabrikam;

class CountingStorage extends MemoryStorage {
  readonly reads: string[] = [];
  override async read(keys: string[]) {
    this.reads.push(...keys);
    return super.read(keys);
  }
}

describe('a poll reads incident records only of jobs that have one', () => {
  let sim: RunningSimulator;
  let control: SimControl;
  let monitor: Monitor;
  const storage = new CountingStorage();
  const posted: string[] = [];

  beforeAll(async () => {
    sim = await startSimulator({ cycleIntervalMs: null });
    control = new SimControl(sim.url);
    const parsed = parseEstate(sim.estate(), 'simulator');
    if (!parsed.ok) throw new Error('estate');
    const logger = createLogger('silent');
    const graph = createCtsGraph(parsed.estate, { logger });
    const clock = new ManualClock(Date.now());
    const subscriptions = new Subscriptions(storage, clock, new AuditLog(storage, { clock }));
    const notifier: CardSender = {
      post: (t) => (posted.push(t.key), Promise.resolve({ ok: true, activityId: `act-${posted.length}` })),
      update: (_t, activityId) => Promise.resolve({ ok: true, activityId }),
    };
    const leader = new SingleProcessLeader();
    await leader.start();
    const configs = new Configurations(parsed.estate, graph);
    expect(configs.all.length).toBeGreaterThan(1);
    monitor = new Monitor({ configs, graph, storage, subscriptions, notifier, render: renderAlert, leader, clock, logger });
    const id = '19:alerts@thread.v2';
    await subscriptions.subscribe(
      {
        key: id,
        kind: 'groupChat',
        reference: { serviceUrl: 'http://127.0.0.1:1', channelId: 'msteams', conversation: { id, tenantId: CONTOSO }, bot: { id: '28:cts-ops-bot' } },
      },
      'alerts',
      'all',
      MEGAN,
    );
  }, 60_000);
  afterAll(() => sim?.close());

  const incidentReads = async () => {
    storage.reads.splice(0);
    const report = await monitor.pollOnce();
    return { report, reads: storage.reads.filter((k) => k.startsWith('incidents/')) };
  };

  it('reads none while every job is healthy, and only the record of the job with an incident after one opens', async () => {
    const healthy = await incidentReads();
    expect(healthy.report.observed).toBeGreaterThan(1);
    expect(healthy.reads).toEqual([]);

    await control.control('POST', `/tenants/${CONTOSO}/jobs/${encodeURIComponent(C2F.jobId)}/credentials`, { valid: false });
    await control.cycle(CONTOSO, C2F.jobId);
    const opened = await incidentReads();
    expect(opened.report.events).toEqual([{ configuration: C2F.name, type: 'opened', kind: 'quarantine' }]);
    expect(opened.report.posted).toBe(1);

    const again = await incidentReads();
    expect(again.report).toMatchObject({ events: [], posted: 0 });
    expect(new Set(again.reads)).toEqual(new Set([`incidents/${C2F.name.toLowerCase()}`]));
    expect(again.reads.length).toBeLessThanOrEqual(1);

    // Recovery still resolves it: the record is read because it exists.
    await control.control('POST', `/tenants/${CONTOSO}/jobs/${encodeURIComponent(C2F.jobId)}/credentials`, { valid: true });
    await control.cycle(CONTOSO, C2F.jobId);
    const resolved = await incidentReads();
    expect(resolved.report.events.map((e) => e.type)).toEqual(['resolved']);
    expect(resolved.report.updated).toBe(1);
  });
});
