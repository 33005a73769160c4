import { SyncJobSchema, ProvisioningLogEntrySchema } from '../../src/graph/schemas';
import { GraphError } from '../../src/graph/errors';
import { describeIncident, detect } from '../../src/domain/incidents';
import { readError, snapshotOf } from '../../src/services/jobSnapshots';
import { countInError, stagedDeletePreview } from '../../src/services/stagedDeletions';

const AT = '2026-01-01T10:00:00.000Z';
const NEVER = '0001-01-01T00:00:00Z';

/** A job as Graph answers it (synchronizationJob), parsed by the gateway's own schema. */
function job(status: Record<string, unknown>, schedule: Record<string, unknown> = { interval: 'PT40M', state: 'Active', expiration: null }) {
  return SyncJobSchema.parse({
    id: 'Azure2Azure.x.y',
    templateId: 'Azure2Azure',
    schedule,
    status: { code: 'Active', ...status },
    synchronizationJobSettings: [],
  });
}

describe('Graph synchronizationJob → JobSnapshot', () => {
  it('maps a quarantine with its reason, times, attempt count and error', () => {
    const s = snapshotOf(
      'c2f',
      job({
        code: 'Quarantine',
        quarantine: {
          currentBegan: '2026-01-01T09:00:00Z',
          seriesBegan: '2026-01-01T08:00:00Z',
          nextAttempt: '2026-01-01T15:00:00Z',
          reason: 'EncounteredQuarantineException',
          seriesCount: '3',
          error: { code: 'CredentialsInvalid', message: 'The credentials are invalid.', tenantActionable: true },
        },
        lastExecution: {
          state: 'Failed',
          countEscrowed: 0,
          error: { code: 'CredentialsInvalid', message: 'x' },
          timeBegan: NEVER,
          timeEnded: '2026-01-01T09:00:00Z',
        },
      }),
      AT,
    );
    expect(s).toEqual({
      configuration: 'c2f',
      code: 'Quarantine',
      scheduleState: 'Active',
      observedAt: AT,
      quarantine: {
        reason: 'EncounteredQuarantineException',
        since: '2026-01-01T09:00:00Z',
        nextAttempt: '2026-01-01T15:00:00Z',
        seriesCount: 3,
        errorCode: 'CredentialsInvalid',
        errorMessage: 'The credentials are invalid.',
      },
      lastExecution: { state: 'Failed', errorCode: 'CredentialsInvalid', countEscrowed: 0, timeEnded: '2026-01-01T09:00:00Z' },
    });
  });

  it("reads the docs' QuarantineOnDemand spelling, never-dates as absent, and a missing reason as Unknown", () => {
    const s = snapshotOf(
      'c2f',
      job({ code: 'Quarantine', quarantine: { reason: 'QuarantineOnDemand', currentBegan: NEVER, nextAttempt: NEVER, seriesBegan: '2026-01-01T08:00:00Z' } }),
      AT,
    );
    expect(s.quarantine).toEqual({ reason: 'QuarantinedOnDemand', since: '2026-01-01T08:00:00Z' });
    expect(snapshotOf('c2f', job({ code: 'Quarantine', quarantine: null }), AT).quarantine).toEqual({ reason: 'Unknown' });
  });

  it('takes the deletion threshold quarantine through to the detector', () => {
    const s = snapshotOf('c2f', job({ code: 'Quarantine', quarantine: { reason: 'TooManyDeletes', currentBegan: AT } }), AT);
    expect(detect(undefined, s, { entryErrorThreshold: 10 }).events[0]).toMatchObject({
      type: 'opened',
      incident: { kind: 'deletionThreshold', actions: ['allowDeletes', 'keepBlocked', 'showFailures'] },
    });
  });

  it('treats Graph\'s "None" error code of a job that never ran as no error', () => {
    const s = snapshotOf('c2f', job({ code: 'NotRun', lastExecution: { state: 'Failed', error: { code: 'None', message: '' }, timeEnded: NEVER } }), AT);
    expect(s.lastExecution).toEqual({ state: 'Failed' });
    expect(detect(undefined, s, { entryErrorThreshold: 10 }).events).toEqual([]);
  });

  it('reads a paused schedule as Paused even when the status code lags', () => {
    expect(snapshotOf('c2f', job({ code: 'Active' }, { state: 'Paused' }), AT).code).toBe('Paused');
    expect(snapshotOf('c2f', job({ code: 'Paused' }, { state: 'Disabled' }), AT).code).toBe('Paused');
    expect(snapshotOf('c2f', job({ code: 'Active' }), AT).code).toBe('Active');
  });

  it('carries escrow counts (Int64 may be a string) for the entry-level-error incident', () => {
    const s = snapshotOf(
      'c2f',
      job({ code: 'Active', lastExecution: { state: 'EntryLevelErrors', countEscrowed: '42', error: { code: 'AttributeValueInvalid' } } }),
      AT,
    );
    expect(s.lastExecution).toEqual({ state: 'EntryLevelErrors', countEscrowed: 42, errorCode: 'AttributeValueInvalid' });
    expect(detect(undefined, s, { entryErrorThreshold: 10 }).events[0]).toMatchObject({ incident: { kind: 'entryErrors', countEscrowed: 42 } });
  });

  it('turns a 401/403 read into a credentials observation and other failures into no conclusion', () => {
    const forbidden = readError('c2f', AT, new GraphError({ operation: 'read job', status: 403, code: 'Authorization_RequestDenied' }));
    expect(forbidden.error).toMatchObject({ httpStatus: 403, code: 'Authorization_RequestDenied' });
    expect(detect(undefined, forbidden, { entryErrorThreshold: 10 }).events[0]).toMatchObject({ incident: { kind: 'credentials' } });
    const outage = readError('c2f', AT, new GraphError({ operation: 'read job', status: 503 }));
    expect(detect(undefined, outage, { entryErrorThreshold: 10 }).events).toEqual([]);
    expect(readError('c2f', AT, new Error('socket hang up')).error).toEqual({ message: 'socket hang up' });
  });
});

describe('staged deletion preview', () => {
  const entry = (id: string, name: string, cycleId: string, action = 'stagedDelete') =>
    ProvisioningLogEntrySchema.parse({
      id,
      activityDateTime: AT,
      jobId: 'j',
      cycleId,
      provisioningAction: action,
      targetIdentity: { id: `t-${id}`, displayName: name },
    });

  it('counts the newest cycle only (deletions and disables), names up to ten and says when the count is a lower bound', () => {
    const newest = Array.from({ length: 12 }, (_, i) => entry(`n${i}`, `User ${i}`, 'cycle-2', i % 3 ? 'stagedDelete' : 'StagedAction'));
    const all = [...newest, entry('o1', 'Old', 'cycle-1'), entry('o2', 'Old 2', 'cycle-1')];
    expect(stagedDeletePreview(all, { complete: true, threshold: 20 })).toEqual({
      count: 12,
      more: false,
      names: newest.slice(0, 10).map((e) => e.targetIdentity!.displayName),
      threshold: 20,
    });
    expect(stagedDeletePreview(all, { complete: false })).toMatchObject({ count: 12, more: true });
    expect(stagedDeletePreview([entry('a', 'Ann', 'c'), entry('b', 'Bo', 'c', 'stageddelete')])).toEqual({ count: 2, more: false, names: ['Ann', 'Bo'] });
  });

  it("issue 16.1: the count is the real one — from Graph's error when the logs hold fewer — with the portal default threshold", () => {
    const five = Array.from({ length: 5 }, (_, i) => entry(`n${i}`, `User ${i}`, 'c'));
    const message = 'The cycle would delete or disable 27 users, more than the accidental deletion threshold of 20.';
    expect(countInError(message)).toBe(27);
    expect(stagedDeletePreview(five, { complete: false, threshold: 500, thresholdDefaulted: true, errorCount: countInError(message) })).toEqual({
      count: 27,
      more: false,
      names: five.map((e) => e.targetIdentity!.displayName),
      threshold: 500,
      thresholdDefaulted: true,
    });
  });
});

describe('issue 10 item 5: the deletion threshold is detected by reason, error code or staged entries; 28 days disable', () => {
  const q = (reason: string, errorCode?: string) => ({ reason, errorCode, since: AT, seriesCount: 1 });
  const snap = (over: Partial<Parameters<typeof detect>[1]>) =>
    ({ configuration: 'c2f', code: 'Quarantine', observedAt: AT, ...over }) as Parameters<typeof detect>[1];
  const kindOf = (o: Parameters<typeof detect>[1]) => detect(undefined, o, { entryErrorThreshold: 10 }).events[0]?.incident.kind;

  it('by the quarantine reason, the quarantine error code, the last execution error code, or held-back entries', () => {
    expect(kindOf(snap({ quarantine: q('TooManyDeletes') }))).toBe('deletionThreshold');
    expect(kindOf(snap({ quarantine: q('EncounteredQuarantineException', 'TooManyDeletes') }))).toBe('deletionThreshold');
    expect(kindOf(snap({ quarantine: q('Unknown'), lastExecution: { state: 'Failed', errorCode: 'AccidentalDeletionThresholdExceeded' } }))).toBe(
      'deletionThreshold',
    );
    expect(kindOf(snap({ quarantine: q('Unknown'), stagedInLastCycle: 27 }))).toBe('deletionThreshold');
    expect(kindOf(snap({ quarantine: q('Unknown') }))).toBe('quarantine');
  });

  it('a job disabled after 28 days in quarantine is its own incident, offering failures and restart', () => {
    const e = detect(undefined, snap({ scheduleState: 'Disabled', quarantine: q('EncounteredQuarantineException') }), { entryErrorThreshold: 10 }).events[0];
    expect(e.incident).toMatchObject({ kind: 'disabled', actions: ['showFailures', 'restart'] });
    expect(describeIncident(e.incident).title).toBe('Sync was disabled after 28 days in quarantine');
  });
});
