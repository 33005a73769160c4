import fc from 'fast-check';
import {
  IncidentEvent,
  IncidentState,
  JobObservation,
  JobSnapshot,
  QUARANTINE_REASONS,
  actionsFor,
  describeIncident,
  describeReason,
  detect,
  normalizeReason,
} from '../../src/domain/incidents';

const OPTS = { entryErrorThreshold: 10 };
const CFG = 'contoso-to-fabrikam';
const at = (min: number) => new Date(Date.UTC(2026, 0, 1, 0, min)).toISOString();

const active = (min: number, over: Partial<JobSnapshot> = {}): JobSnapshot => ({
  configuration: CFG,
  code: 'Active',
  lastExecution: { state: 'Succeeded', countEscrowed: 0 },
  observedAt: at(min),
  ...over,
});
const quarantined = (min: number, reason: string, over: Partial<NonNullable<JobSnapshot['quarantine']>> = {}): JobSnapshot => ({
  configuration: CFG,
  code: 'Quarantine',
  quarantine: { reason, seriesCount: 1, ...over },
  observedAt: at(min),
});
const paused = (min: number): JobSnapshot => ({ configuration: CFG, code: 'Paused', observedAt: at(min) });
const entryErrors = (min: number, count: number): JobSnapshot =>
  active(min, { lastExecution: { state: 'EntryLevelErrors', countEscrowed: count, errorCode: 'AttributeValueMustBeUnique' } });
const readError = (min: number, httpStatus: number, code?: string): JobObservation => ({
  configuration: CFG,
  observedAt: at(min),
  error: { httpStatus, code, message: 'nope' },
});

/** Runs observations in order; returns the events of each step. */
function run(observations: JobObservation[], start?: IncidentState): { state: IncidentState | undefined; steps: IncidentEvent[][] } {
  let state = start;
  const steps: IncidentEvent[][] = [];
  for (const o of observations) {
    const r = detect(state, o, OPTS);
    state = r.state;
    steps.push(r.events);
  }
  return { state, steps };
}
const types = (steps: IncidentEvent[][]) => steps.map((s) => s.map((e) => e.type).join('+') || '-');

describe('opening incidents', () => {
  test.each<[string, JobObservation, string, string | undefined]>([
    ['base escrow threshold', quarantined(0, 'EncounteredBaseEscrowThreshold'), 'quarantine', 'EncounteredBaseEscrowThreshold'],
    ['total escrow threshold', quarantined(0, 'EncounteredTotalEscrowThreshold'), 'quarantine', 'EncounteredTotalEscrowThreshold'],
    ['escrow proportion threshold', quarantined(0, 'EncounteredEscrowProportionThreshold'), 'quarantine', 'EncounteredEscrowProportionThreshold'],
    ['quarantine exception', quarantined(0, 'EncounteredQuarantineException'), 'quarantine', 'EncounteredQuarantineException'],
    ['on demand', quarantined(0, 'QuarantinedOnDemand'), 'quarantine', 'QuarantinedOnDemand'],
    ['on demand, docs spelling', quarantined(0, 'QuarantineOnDemand'), 'quarantine', 'QuarantinedOnDemand'],
    ['ingestion interrupted', quarantined(0, 'IngestionInterrupted'), 'quarantine', 'IngestionInterrupted'],
    ['unknown reason', quarantined(0, 'Unknown'), 'quarantine', 'Unknown'],
    ['a reason Graph adds later', quarantined(0, 'SomethingNew'), 'quarantine', 'Unknown'],
    ['quarantine without details', { configuration: CFG, code: 'Quarantine', observedAt: at(0) }, 'quarantine', 'Unknown'],
    ['deletion threshold', quarantined(0, 'TooManyDeletes'), 'deletionThreshold', 'TooManyDeletes'],
    ['paused', paused(0), 'paused', undefined],
    ['entry errors above threshold', entryErrors(0, 11), 'entryErrors', undefined],
    ['401 on the status read', readError(0, 401), 'credentials', undefined],
    ['403 on the status read', readError(0, 403, 'Authorization_RequestDenied'), 'credentials', undefined],
  ])('%s opens one incident', (_name, obs, kind, reason) => {
    const { state, events } = detect(undefined, obs, OPTS);
    expect(events).toHaveLength(1);
    expect(events[0].type).toBe('opened');
    expect(state.open).toMatchObject({ kind, configuration: CFG, openedAt: at(0), id: `${CFG}@${at(0)}` });
    expect(state.open?.reason).toBe(reason);
  });

  test.each<[string, JobObservation]>([
    ['active', active(0)],
    ['not run yet', { configuration: CFG, code: 'NotRun', observedAt: at(0) }],
    ['entry errors at the threshold', entryErrors(0, 10)],
    ['not configured', { configuration: CFG, code: 'NotConfigured', observedAt: at(0) }],
    ['a code Graph adds later', { configuration: CFG, code: 'Hibernating', observedAt: at(0) }],
    ['a throttled read', readError(0, 429)],
    ['a server error on read', readError(0, 503)],
  ])('%s opens nothing', (_name, obs) => {
    expect(detect(undefined, obs, OPTS).events).toEqual([]);
  });
});

describe('episodes', () => {
  test('quarantine then active: opened, resolved with the duration', () => {
    const { state, steps } = run([quarantined(0, 'EncounteredBaseEscrowThreshold'), quarantined(5, 'EncounteredBaseEscrowThreshold'), active(90)]);
    expect(types(steps)).toEqual(['opened', '-', 'resolved']);
    const resolved = steps[2][0];
    expect(resolved.type === 'resolved' && resolved.durationMs).toBe(90 * 60_000);
    expect(resolved.type === 'resolved' && resolved.incident.kind).toBe('quarantine');
    expect(state?.open).toBeUndefined();
  });

  test('a reason change inside the episode is one changed event, not a second incident', () => {
    const { steps, state } = run([quarantined(0, 'EncounteredBaseEscrowThreshold'), quarantined(5, 'EncounteredQuarantineException')]);
    expect(types(steps)).toEqual(['opened', 'changed']);
    const ch = steps[1][0];
    expect(ch.type === 'changed' && ch.changes).toEqual(['reason changed from EncounteredBaseEscrowThreshold to EncounteredQuarantineException']);
    expect(state?.open?.id).toBe(`${CFG}@${at(0)}`);
  });

  test('a retry that fails again (series count grows) is announced; the same count is not', () => {
    const { steps } = run([
      quarantined(0, 'EncounteredQuarantineException', { seriesCount: 1 }),
      quarantined(10, 'EncounteredQuarantineException', { seriesCount: 1, nextAttempt: at(360) }),
      quarantined(400, 'EncounteredQuarantineException', { seriesCount: 2 }),
    ]);
    expect(types(steps)).toEqual(['opened', '-', 'changed']);
    expect(steps[2][0].type === 'changed' && steps[2][0].changes[0]).toMatch(/attempt 2/);
  });

  test('quarantine → deletion threshold → paused → active: kind changes inside one episode', () => {
    const { steps } = run([quarantined(0, 'Unknown'), quarantined(1, 'TooManyDeletes'), paused(2), active(3)]);
    expect(types(steps)).toEqual(['opened', 'changed', 'changed', 'resolved']);
    const ch = steps[1][0];
    expect(ch.type === 'changed' && ch.incident.actions).toEqual(['allowDeletes', 'keepBlocked', 'showFailures']);
  });

  test('entry errors are re-announced only when they double', () => {
    const { steps } = run([entryErrors(0, 20), entryErrors(1, 25), entryErrors(2, 39), entryErrors(3, 40), entryErrors(4, 60), entryErrors(5, 3)]);
    expect(types(steps)).toEqual(['opened', '-', '-', 'changed', '-', 'resolved']);
  });

  test('credentials failing then a good read resolves; a 5xx in between changes nothing', () => {
    const { steps } = run([readError(0, 401), readError(1, 503), readError(2, 401), active(3)]);
    expect(types(steps)).toEqual(['opened', '-', '-', 'resolved']);
  });

  test('a transient read error does not resolve an open quarantine', () => {
    const { steps, state } = run([quarantined(0, 'Unknown'), readError(1, 500)]);
    expect(types(steps)).toEqual(['opened', '-']);
    expect(state?.open?.kind).toBe('quarantine');
  });

  test('an observation older than the last one is ignored', () => {
    const { steps } = run([quarantined(10, 'Unknown'), active(5)]);
    expect(types(steps)).toEqual(['opened', '-']);
  });

  test('a new episode after resolution gets a new id', () => {
    const { steps } = run([paused(0), active(1), paused(2)]);
    expect(types(steps)).toEqual(['opened', 'resolved', 'opened']);
    expect(steps[2][0].incident.id).toBe(`${CFG}@${at(2)}`);
  });

  test('state is plain JSON: a stored and reloaded state behaves the same', () => {
    const first = detect(undefined, quarantined(0, 'TooManyDeletes'), OPTS).state;
    const reloaded = JSON.parse(JSON.stringify(first)) as typeof first;
    expect(reloaded).toEqual(first);
    expect(detect(reloaded, quarantined(1, 'TooManyDeletes'), OPTS).events).toEqual([]);
  });
});

describe('words and actions', () => {
  test.each(QUARANTINE_REASONS)('%s has a title, an explanation and what to do', (reason) => {
    const d = describeReason(reason);
    expect(d.title.length).toBeGreaterThan(5);
    expect(d.explanation.length).toBeGreaterThan(20);
    expect(d.whatToDo.length).toBeGreaterThan(10);
    expect(`${d.title} ${d.explanation} ${d.whatToDo}`).not.toMatch(/Encountered|Escrow|Quarantined?OnDemand/);
  });

  test('both spellings of on-demand quarantine read the same; unknown values read as Unknown', () => {
    expect(describeReason('QuarantineOnDemand')).toEqual(describeReason('QuarantinedOnDemand'));
    expect(normalizeReason('toomanydeletes')).toBe('TooManyDeletes');
    expect(describeReason('Whatever')).toEqual(describeReason('Unknown'));
  });

  test('each kind offers its actions', () => {
    expect(actionsFor('quarantine', 'EncounteredBaseEscrowThreshold')).toEqual(['restart', 'showFailures', 'pause']);
    expect(actionsFor('quarantine', 'QuarantinedOnDemand')).toEqual(['restart']);
    expect(actionsFor('deletionThreshold', 'TooManyDeletes')).toEqual(['allowDeletes', 'keepBlocked', 'showFailures']);
    expect(actionsFor('paused')).toEqual(['start']);
    expect(actionsFor('entryErrors')).toEqual(['showFailures', 'restart', 'pause']);
    expect(actionsFor('credentials')).toEqual([]);
  });

  test('every incident kind can be described', () => {
    const titles = [paused(0), entryErrors(0, 50), readError(0, 401, 'InvalidAuthenticationToken'), quarantined(0, 'TooManyDeletes')].map(
      (o) => describeIncident(detect(undefined, o, OPTS).state.open!).title,
    );
    expect(titles).toEqual(['Sync is paused', 'Some users are failing to sync', 'The bot cannot read this sync job', 'Deletions held back']);
    expect(describeIncident(detect(undefined, entryErrors(0, 50), OPTS).state.open!).explanation).toMatch(/^50 users/);
  });
});

describe('properties', () => {
  const configs = ['cfg-a', 'cfg-b'];
  const obsArb = (min: number): fc.Arbitrary<JobObservation> =>
    fc.oneof(
      fc
        .record({
          configuration: fc.constantFrom(...configs),
          code: fc.constantFrom('Active', 'NotRun', 'Paused', 'Quarantine', 'NotConfigured', 'Weird'),
          quarantine: fc.option(
            fc.record(
              {
                reason: fc.constantFrom(...QUARANTINE_REASONS, 'QuarantineOnDemand', 'nonsense'),
                seriesCount: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
                errorCode: fc.option(fc.constantFrom('E1', 'E2'), { nil: undefined }),
              },
              { requiredKeys: ['reason'] },
            ),
            { nil: undefined },
          ),
          lastExecution: fc.option(
            fc.record({ state: fc.constantFrom('Succeeded', 'Failed', 'EntryLevelErrors'), countEscrowed: fc.integer({ min: 0, max: 100 }) }),
            { nil: undefined },
          ),
          observedAt: fc.constant(at(min)),
        })
        .map((o) => JSON.parse(JSON.stringify(o)) as JobObservation),
      fc.record({
        configuration: fc.constantFrom(...configs),
        observedAt: fc.constant(at(min)),
        error: fc.record({ httpStatus: fc.constantFrom(401, 403, 429, 500), message: fc.constant('x') }),
      }),
    );
  const sequence = fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 40 }).chain((mins) => fc.tuple(...[...mins].sort((a, b) => a - b).map(obsArb)));

  test('feeding the same observation twice produces no events the second time', () => {
    fc.assert(
      fc.property(sequence, (obs) => {
        const states = new Map<string, IncidentState>();
        for (const o of obs) {
          const first = detect(states.get(o.configuration), o, OPTS);
          const second = detect(first.state, o, OPTS);
          expect(second.events).toEqual([]);
          expect(second.state).toEqual(first.state);
          states.set(o.configuration, second.state);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('any sequence: events alternate properly and each job ends with at most one open incident', () => {
    fc.assert(
      fc.property(sequence, (obs) => {
        const states = new Map<string, IncidentState>();
        const open = new Map<string, string | undefined>();
        for (const o of obs) {
          const r = detect(states.get(o.configuration), o, OPTS);
          expect(r.events.length).toBeLessThanOrEqual(1);
          for (const e of r.events) {
            expect(e.configuration).toBe(o.configuration);
            if (e.type === 'opened') {
              expect(open.get(o.configuration)).toBeUndefined();
              open.set(o.configuration, e.incident.id);
            } else {
              expect(open.get(o.configuration)).toBe(e.incident.id);
              if (e.type === 'resolved') {
                expect(e.durationMs).toBeGreaterThanOrEqual(0);
                open.set(o.configuration, undefined);
              }
            }
          }
          expect(r.state.open?.id).toBe(open.get(o.configuration));
          states.set(o.configuration, r.state);
        }
        for (const [cfg, s] of states) expect(s.configuration).toBe(cfg);
      }),
      { numRuns: 300 },
    );
  });
});
