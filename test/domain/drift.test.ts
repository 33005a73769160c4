import type { Finding } from '../../src/domain/doctor';
import type { DoctorInputs } from '../../src/domain/doctorInputs';
import { foldDrift, type DriftBaseline } from '../../src/domain/drift';
import type { AlertState } from '../../src/domain/alerts';

const f = (id: Finding['id'], status: Finding['status'], tenant = 'Fabrikam'): Finding => ({
  id,
  tenant,
  title: `${id} title`,
  status,
  found: `${id} is ${status}`,
  fix: `fix ${id}`,
});
const inputs = (scopeSize: number): DoctorInputs => ({
  policies: { target: { exists: true, isSyncAllowed: true, inboundAllowed: true, b2bInboundAccess: null }, source: { exists: true, outboundAllowed: true } },
  threshold: { enabled: true, value: 500 },
  syncAll: false,
  schemaMappingHash: 'h',
  assignedGroupCount: 1,
  scopeSize,
});
const at = (min: number) => new Date(Date.UTC(2026, 0, 1, 0, min)).toISOString();

/** Fold a sequence of checks, returning every fold. */
function run(checks: { findings: Finding[]; scope?: number | null }[], growthPercent = 20) {
  let baseline: DriftBaseline | undefined;
  let alert: AlertState | undefined;
  return checks.map((c, i) => {
    const fold = foldDrift('c', baseline, alert, { findings: c.findings, inputs: c.scope === null ? null : inputs(c.scope ?? 100), at: at(i), growthPercent });
    baseline = fold.baseline;
    alert = fold.alert;
    return fold;
  });
}

describe('foldDrift', () => {
  it('the first check only records the baseline, even when checks fail', () => {
    const [first] = run([{ findings: [f('target.syncAllowed', 'fail')] }]);
    expect(first.alert).toBeUndefined();
    expect(first.baseline.verdicts).toEqual({ 'target.syncAllowed|fabrikam': 'fail' });
  });

  it('a check that could not run keeps the last verdict, so pass → unknown → fail is still drift', () => {
    const folds = run([
      { findings: [f('target.syncAllowed', 'pass')] },
      { findings: [f('target.syncAllowed', 'unknown')], scope: null },
      { findings: [f('target.syncAllowed', 'fail')] },
    ]);
    expect(folds[1].event).toBeUndefined();
    expect(folds[1].baseline.scopeSize).toBe(100);
    expect(folds[2].event).toBe('opened');
    expect(folds[2].alert!.drift!.items.map((i) => [i.id, i.from, i.to, i.windowStart])).toEqual([['target.syncAllowed', 'pass', 'fail', at(1)]]);
  });

  it('a drifted check that is no longer made settles once the inputs are read, so the alert can resolve', () => {
    const folds = run([
      { findings: [f('target.syncAllowed', 'pass')] },
      { findings: [f('target.syncAllowed', 'fail')] },
      { findings: [], scope: null },
      { findings: [] },
    ]);
    expect(folds[1].event).toBe('opened');
    expect(folds[2].alert!.status).toBe('open');
    expect(folds[3].event).toBe('resolved');
    expect(folds[3].alert!.drift!.items.map((i) => i.restoredAt)).toEqual([at(3)]);
  });

  it('checks the monitor already alerts on (the job, the token) are not drift', () => {
    const folds = run([{ findings: [f('job.quarantine', 'pass'), f('token', 'pass')] }, { findings: [f('job.quarantine', 'fail'), f('token', 'fail')] }]);
    expect(folds[1].alert).toBeUndefined();
  });

  it('resolves only when every drifted check passes again; a later drift opens a new incident', () => {
    const folds = run([
      { findings: [f('target.syncAllowed', 'pass'), f('threshold', 'pass')] },
      { findings: [f('target.syncAllowed', 'fail'), f('threshold', 'pass')] },
      { findings: [f('target.syncAllowed', 'fail'), f('threshold', 'warn')] },
      { findings: [f('target.syncAllowed', 'pass'), f('threshold', 'warn')] },
      { findings: [f('target.syncAllowed', 'pass'), f('threshold', 'pass')] },
      { findings: [f('target.syncAllowed', 'fail'), f('threshold', 'pass')] },
    ]);
    expect(folds.map((x) => x.event)).toEqual([undefined, 'opened', 'changed', 'changed', 'resolved', 'opened']);
    expect(folds[2].alert!.incident.id).toBe(folds[1].alert!.incident.id);
    expect(folds[3].alert!.drift!.items.find((i) => i.id === 'target.syncAllowed')!.restoredAt).toBe(at(3));
    expect(folds[4].alert!.status).toBe('resolved');
    expect(folds[5].alert!.incident.id).not.toBe(folds[1].alert!.incident.id);
    expect(folds[5].closed).toEqual([folds[1].alert!.incident.id]);
    expect(folds.map((x) => x.alert?.version)).toEqual([undefined, 1, 2, 3, 4, 1]);
  });

  it('scope growth above the threshold opens, growth at or below it does not, and the next quiet check settles it', () => {
    const folds = run([
      { findings: [], scope: 100 },
      { findings: [], scope: 120 },
      { findings: [], scope: 145 },
      { findings: [], scope: 146 },
    ]);
    expect(folds.map((x) => x.event)).toEqual([undefined, undefined, 'opened', 'resolved']);
    expect(folds[2].alert!.drift!.scopeGrowth).toMatchObject({ from: 120, to: 145, percent: 20.8 });
    expect(folds[3].alert!.drift!.scopeGrowth!.settledAt).toBe(at(3));
  });

  it('growth from an empty scope counts and is stored without Infinity', () => {
    const folds = run([
      { findings: [], scope: 0 },
      { findings: [], scope: 3 },
    ]);
    expect(folds[1].alert!.drift!.scopeGrowth).toMatchObject({ from: 0, to: 3, percent: null });
    expect(JSON.parse(JSON.stringify(folds[1].alert))).toEqual(folds[1].alert);
  });
});
