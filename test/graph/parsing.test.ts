import { parseProvisionOnDemand } from '../../src/graph/provisionResult';
import { parseDeletionThreshold } from '../../src/graph/jobs';
import { SyncJobSchema, QuarantineSchema, graphDate } from '../../src/graph/schemas';
import { odataString, userSegment, guidSegment } from '../../src/graph/odata';
import { GraphInputError } from '../../src/graph/errors';
import { credentialForTenant } from '../../src/graph/credentials';
import { jobBody } from './helpers';

describe('provisionOnDemand response parsing', () => {
  test('generic docs form: key is a JSON object with result, value a JSON object', () => {
    const r = parseProvisionOnDemand({
      key: JSON.stringify({ result: 'Skipped', details: { errorCode: 'RedundantExport', errorMessage: 'nothing to do' } }),
      value: JSON.stringify({
        action: 'Other',
        changeId: 'c1',
        statusInfo: { status: 'Skipped' },
        provisioningSteps: [
          { name: 'EntryImport', type: 'Import', status: 'Success', description: 'Retrieved Megan', details: { objectId: 'x' } },
          { name: 'EntryExportUpdate', type: 'Export', status: 'Skipped', description: 'Already up to date', details: {} },
        ],
        targetIdentity: { id: 'target-1' },
      }),
    });
    expect(r).toMatchObject({
      outcome: 'skipped',
      action: 'Other',
      errorCode: 'RedundantExport',
      targetId: 'target-1',
      understood: true,
      summary: 'Already up to date',
    });
    expect(r.steps.map((s) => [s.type, s.status])).toEqual([
      ['Import', 'Success'],
      ['Export', 'Skipped'],
    ]);
  });

  test('CTS guide form: key a plain type name, value a JSON array', () => {
    const r = parseProvisionOnDemand({
      key: 'Microsoft.Identity.Health.CPP.Common.DataContracts.SyncFabric.StatusInfo',
      value: JSON.stringify([
        {
          provisioningSteps: [
            { name: 'EntryImport', type: 'Import', status: 'Success', description: 'Retrieved user', details: {} },
            { name: 'EntryExportAdd', type: 'Export', status: 'Success', description: 'User was created', details: { TargetAnchor: 'abc' } },
          ],
          action: 'Create',
          statusInfo: { status: 'Success' },
        },
      ]),
    });
    expect(r).toMatchObject({ outcome: 'success', action: 'Create', understood: true });
    expect(r.steps).toHaveLength(2);
    expect(r.steps[1].details).toEqual({ TargetAnchor: 'abc' });
  });

  test('a failed step makes a failure even when nothing else says so', () => {
    const r = parseProvisionOnDemand({
      key: 'x',
      value: JSON.stringify([{ provisioningSteps: [{ name: 'Export', status: 'Failed', description: 'Boom', details: '{"errorCode":"InvalidUpn"}' }] }]),
    });
    expect(r).toMatchObject({ outcome: 'failure', errorCode: 'InvalidUpn', summary: 'Boom' });
  });

  test.each([
    [{ key: '{not json', value: '[also not' }],
    [{ key: null, value: null }],
    [{ key: '42', value: '"just a string"' }],
    [{ key: '[]', value: '[1,2,"x",null]' }],
    [{}],
  ])('junk %j gives "unknown", never a throw', (raw) => {
    const r = parseProvisionOnDemand(raw);
    expect(r.outcome).toBe('unknown');
    expect(r.steps).toEqual([]);
    expect(r.understood).toBe(false);
  });
});

describe('never-dates and tolerant schemas', () => {
  test('0001-01-01T00:00:00Z becomes null, real dates stay', () => {
    expect(graphDate.parse('0001-01-01T00:00:00Z')).toBeNull();
    expect(graphDate.parse('0001-01-01T00:00:00.0000000Z')).toBeNull();
    expect(graphDate.parse(null)).toBeNull();
    expect(graphDate.parse('not a date')).toBeNull();
    expect(graphDate.parse('2026-01-02T03:04:05Z')).toBe('2026-01-02T03:04:05Z');
  });

  test('a job with never-dates and unknown extra fields parses; extras pass through', () => {
    const body = { ...jobBody('Quarantine'), brandNewField: { x: 1 } };
    body.status.quarantine = {
      currentBegan: '2026-01-01T00:00:00Z',
      nextAttempt: '0001-01-01T00:00:00Z',
      reason: 'QuarantineOnDemand',
      seriesBegan: '2026-01-01T00:00:00Z',
      seriesCount: '3',
      error: { code: 'TooManyDeletes', message: 'm', tenantActionable: true },
    } as never;
    const job = SyncJobSchema.parse(body);
    expect(job.status.steadyStateFirstAchievedTime).toBeNull();
    expect(job.schedule?.expiration).toBeNull();
    expect(job.status.quarantine).toMatchObject({ nextAttempt: null, reason: 'QuarantinedOnDemand', seriesCount: 3 });
    expect((job as Record<string, unknown>).brandNewField).toEqual({ x: 1 });
  });

  test('missing optional structures default to empty', () => {
    const q = QuarantineSchema.parse({});
    expect(q.reason).toBeNull();
    const job = SyncJobSchema.parse({ id: 'j', status: { code: 'NotRun' } });
    expect(job.status.progress).toEqual([]);
    expect(job.status.lastExecution).toBeNull();
  });
});

describe('deletion threshold from SyncNotificationSettings', () => {
  test.each([
    ['{"Enabled":true,"Recipients":"ops@x.com","DeleteThresholdEnabled":true,"DeleteThresholdValue":50}', { enabled: true, value: 50, source: 'secrets' }],
    ['{"Enabled":false,"DeleteThresholdEnabled":false}', { enabled: false, value: null, source: 'secrets' }],
    ['{"DeleteThresholdEnabled":"True","DeleteThresholdValue":"500"}', { enabled: true, value: 500, source: 'secrets' }],
    // Enabled without a usable value: the portal's default of 500, marked as such.
    ['{"DeleteThresholdEnabled":true,"DeleteThresholdValue":-3}', { enabled: true, value: 500, defaulted: true, source: 'secrets' }],
    ['{"DeleteThresholdEnabled":true}', { enabled: true, value: 500, defaulted: true, source: 'secrets' }],
    ['not json', { enabled: false, value: null, source: 'invalid' }],
    ['[1]', { enabled: false, value: null, source: 'invalid' }],
    [undefined, { enabled: false, value: null, source: 'missing' }],
  ])('%s', (raw, expected) => {
    expect(parseDeletionThreshold(raw)).toEqual(expected);
  });
});

describe('OData and path safety', () => {
  test('odataString doubles single quotes', () => {
    expect(odataString("O'Brien")).toBe("'O''Brien'");
    expect(odataString("x' or startswith(displayName,'")).toBe("'x'' or startswith(displayName,'''");
  });
  test('ids must be GUIDs, UPNs are encoded', () => {
    expect(() => guidSegment('../users', 'id', 'read')).toThrow(GraphInputError);
    expect(userSegment("o'brien#1@contoso.com", 'read')).toBe("o'brien%231%40contoso.com");
    expect(() => userSegment('../../groups', 'read')).toThrow(GraphInputError);
  });
});

describe('credential per tenant from env', () => {
  const T = '72f988bf-86f1-41af-91ab-2d7cd011db47';
  test('client secret, certificate, workload identity, managed identity', () => {
    expect(credentialForTenant(T, { AZURE_CLIENT_ID: 'app', AZURE_CLIENT_SECRET: 's' }).kind).toBe('clientSecret');
    expect(credentialForTenant(T, { AZURE_CLIENT_ID: 'app', AZURE_CLIENT_CERTIFICATE_PATH: '/tmp/x.pem' }).kind).toBe('clientCertificate');
    expect(credentialForTenant(T, { AZURE_CLIENT_ID: 'app', AZURE_FEDERATED_TOKEN_FILE: '/tmp/t' }).kind).toBe('workloadIdentity');
    expect(credentialForTenant(T, { AZURE_CLIENT_ID: 'app', AZURE_MANAGED_IDENTITY_CLIENT_ID: 'mi' }).kind).toBe('managedIdentityAssertion');
    expect(credentialForTenant(T, {}).kind).toBe('managedIdentity');
  });
  test('a bare managed identity cannot reach another tenant', () => {
    expect(() => credentialForTenant(T, { AZURE_TENANT_ID: 'a5f2c9d1-3b7e-4c8a-9f16-2d4e8b0c7a31' })).toThrow(/managed identity only reaches its own tenant/);
  });
});
