import {
  checkDynamicGroups,
  checkJob,
  checkPermissions,
  checkThreshold,
  checkUserType,
  read,
  unread,
  worstStatus,
  type Finding,
} from '../../src/domain/doctor';
import { checkSourcePolicy, checkTargetPolicy } from '../../src/domain/doctorPolicy';
import { doctorFingerprint, driftBetween, mappingsHash, type DoctorInputs } from '../../src/domain/doctorInputs';

const f = (id: Finding['id'], status: Finding['status'], tenant?: string): Finding => ({
  id,
  status,
  title: id,
  found: `${id} ${status}`,
  fix: 'fix',
  ...(tenant ? { tenant } : {}),
});

describe('doctor checks', () => {
  test('a missing permission names the feature it breaks and who grants it', () => {
    const r = checkPermissions(
      'Fabrikam',
      [
        { feature: 'cross-tenant access policy', allOf: [['Policy.Read.All']] },
        { feature: 'jobs', allOf: [['Synchronization.ReadWrite.All', 'Application.ReadWrite.OwnedBy']] },
      ],
      read(['Application.ReadWrite.OwnedBy']),
    );
    expect(r.status).toBe('fail');
    expect(r.found).toBe('Policy.Read.All missing: breaks cross-tenant access policy.');
    expect(r.fix).toMatch(/Privileged Role Administrator of Fabrikam grants Policy.Read.All/);
  });

  test('a read that could not run is unknown and says why', () => {
    const [partner, sync] = checkTargetPolicy('Fabrikam', 'Contoso', unread('no Policy.Read.All in Fabrikam'), read({ isSyncAllowed: true }));
    expect(partner).toMatchObject({ id: 'target.partner', status: 'unknown', found: 'Could not check: no Policy.Read.All in Fabrikam.' });
    expect(sync.status).toBe('pass');
  });

  test('target policy: sync not allowed, consent off, B2B blocked each fail with their own message', () => {
    const rows = checkTargetPolicy(
      'Fabrikam',
      'Contoso',
      read({ inboundAllowed: false, outboundAllowed: null, b2bInboundAccess: 'blocked' }),
      read({ isSyncAllowed: false }),
    );
    expect(rows.map((r) => [r.id, r.status])).toEqual([
      ['target.partner', 'pass'],
      ['target.syncAllowed', 'fail'],
      ['target.inboundConsent', 'fail'],
      ['target.b2bInbound', 'fail'],
    ]);
    expect(rows[1].found).toBe('userSyncInbound.isSyncAllowed is false.');
    expect(rows[2].found).toBe('automaticUserConsentSettings.inboundAllowed is false.');
  });

  test('source without a partner policy fails both source checks', () => {
    const rows = checkSourcePolicy('Contoso', 'Fabrikam', read(null));
    expect(rows.map((r) => r.status)).toEqual(['fail', 'fail']);
  });

  test('job: disabled schedule and quarantine', () => {
    const rows = checkJob(
      'c2f',
      'Contoso',
      read({
        templateId: 'Azure2Azure',
        scheduleState: 'Disabled',
        quarantine: { reason: 'EncounteredQuarantineException', errorCode: 'AzureDirectoryB2BManagementPolicyCheckFailure', message: 'x' },
      }),
    );
    expect(rows.map((r) => r.status)).toEqual(['pass', 'fail', 'fail']);
    expect(rows[2].found).toContain('AzureDirectoryB2BManagementPolicyCheckFailure');
  });

  test('threshold disabled warns; enabled shows value or the default', () => {
    expect(checkThreshold('c', 'Contoso', read({ enabled: false, value: null })).status).toBe('warn');
    expect(checkThreshold('c', 'Contoso', read({ enabled: true, value: 500, defaulted: true })).found).toBe('Enabled at 500 (the default).');
  });

  test('userType Guest or not Always warns; Member Always passes', () => {
    const m = (source: string, flow = 'Always') => read([{ target: 'userType', sourceType: 'Constant', source, flow }]);
    expect(checkUserType('c', 'Contoso', m('Guest')).status).toBe('warn');
    expect(checkUserType('c', 'Contoso', m('Member', 'ObjectAddOnly')).status).toBe('warn');
    expect(checkUserType('c', 'Contoso', m('Member')).status).toBe('pass');
  });

  test('a mapping that writes an attribute used by a dynamic rule warns', () => {
    const r = checkDynamicGroups(
      'c',
      'Contoso',
      'Fabrikam',
      read([{ target: 'department', sourceType: 'Attribute', source: 'department', flow: 'Always' }]),
      read([{ name: 'Sales', rule: '(user.department -eq "Sales")' }]),
    );
    expect(r).toMatchObject({ status: 'warn', tenant: 'Fabrikam' });
    expect(r.found).toContain('Sales (department)');
  });

  test('worst status orders fail > warn > unknown > pass', () => {
    expect(worstStatus([f('token', 'pass'), f('threshold', 'warn'), f('permissions', 'unknown')])).toBe('warn');
    expect(worstStatus([])).toBe('pass');
  });
});

describe('drift inputs', () => {
  const inputs: DoctorInputs = {
    policies: { target: { exists: true, isSyncAllowed: true, inboundAllowed: true, b2bInboundAccess: null }, source: { exists: true, outboundAllowed: true } },
    threshold: { enabled: true, value: 500 },
    syncAll: false,
    schemaMappingHash: mappingsHash([
      { target: 'userType', sourceType: 'Constant', source: 'Member', flow: 'Always' },
      { target: 'mail', sourceType: 'Attribute', source: 'mail', flow: 'Always' },
    ]),
    assignedGroupCount: 3,
    scopeSize: 120,
  };

  test('the fingerprint ignores key order and mapping order, and changes with any input', () => {
    const reordered: DoctorInputs = {
      scopeSize: 120,
      assignedGroupCount: 3,
      syncAll: false,
      threshold: { value: 500, enabled: true },
      schemaMappingHash: mappingsHash([
        { target: 'mail', sourceType: 'Attribute', source: 'mail', flow: 'Always' },
        { target: 'userType', sourceType: 'Constant', source: 'Member', flow: 'Always' },
      ]),
      policies: {
        source: { outboundAllowed: true, exists: true },
        target: { b2bInboundAccess: null, inboundAllowed: true, isSyncAllowed: true, exists: true },
      },
    };
    expect(doctorFingerprint(reordered)).toBe(doctorFingerprint(inputs));
    expect(doctorFingerprint(inputs)).toMatch(/^[0-9a-f]{16}$/);
    expect(doctorFingerprint({ ...inputs, threshold: { enabled: false, value: 500 } })).not.toBe(doctorFingerprint(inputs));
    expect(doctorFingerprint({ ...inputs, policies: { ...inputs.policies, target: { ...inputs.policies.target, isSyncAllowed: false } } })).not.toBe(
      doctorFingerprint(inputs),
    );
    expect(doctorFingerprint({ ...inputs, assignedGroupCount: 4 })).not.toBe(doctorFingerprint(inputs));
  });

  test('driftBetween lists pass → warn/fail only, per tenant', () => {
    const prev = [f('token', 'pass', 'Contoso'), f('token', 'pass', 'Fabrikam'), f('threshold', 'pass'), f('job.quarantine', 'fail'), f('scope.mode', 'warn')];
    const curr = [
      f('token', 'pass', 'Contoso'),
      f('token', 'fail', 'Fabrikam'),
      f('threshold', 'warn'),
      f('job.quarantine', 'fail'),
      f('scope.mode', 'fail'),
      f('schema.userType', 'warn'),
    ];
    const d = driftBetween(prev, curr, 100, 100, 20);
    expect(d.worsened.map((w) => [w.id, w.tenant ?? '', w.from, w.to])).toEqual([
      ['token', 'Fabrikam', 'pass', 'fail'],
      ['threshold', '', 'pass', 'warn'],
    ]);
    expect(d.scopeGrowth).toBeNull();
  });

  test('scope growth above the threshold is reported; at or below is not', () => {
    expect(driftBetween([], [], 100, 121, 20).scopeGrowth).toEqual({ from: 100, to: 121, percent: 21 });
    expect(driftBetween([], [], 100, 120, 20).scopeGrowth).toBeNull();
    expect(driftBetween([], [], 100, 50, 20).scopeGrowth).toBeNull();
    expect(driftBetween([], [], 0, 5, 20).scopeGrowth).toEqual({ from: 0, to: 5, percent: Infinity });
  });
});
