import { DEMO, startSimulator } from '../../src/simulator';
import { GraphGateway } from '../../src/graph/gateway';
import { GraphInputError, GraphPermissionMissingError, GraphResponseInvalidError } from '../../src/graph/errors';
import { pickUserRule, type JobRef } from '../../src/graph/jobs';
import { pickAccessRole } from '../../src/graph/scope';
import { ServicePrincipalSchema, SyncSchemaSchema } from '../../src/graph/schemas';
import { SimControl, type SimRequest } from '../harness/sim';
import { fakeTime } from './helpers';

/**
 * Issue 10, defects 1–4 and 6: what broke against Graph's documented shapes, at the gateway, against the simulator
 * over HTTP (which now answers in those shapes) and against hand-written answers for the cases it does not produce.
 */

type Sim = Awaited<ReturnType<typeof startSimulator>>;
let sim: Sim;
const CONTOSO = DEMO.tenants.contoso.id;
const c2f = DEMO.configurations.contosoToFabrikam;
const ref: JobRef = { tenantId: CONTOSO, servicePrincipalId: c2f.servicePrincipalId, jobId: c2f.jobId, label: c2f.name };
const G = (n: number) => `${String(n).repeat(8)}-1111-4111-8111-111111111111`;

const control = <T = unknown>(method: string, path: string, body?: unknown): Promise<T> => new SimControl(sim.url).control<T>(method, path, body);
const gateway = () => new GraphGateway({ tenants: sim.estate().tenants, time: fakeTime().time });

beforeAll(async () => {
  sim = await startSimulator({ cycleIntervalMs: null });
});
afterAll(() => sim.close());
beforeEach(async () => {
  await control('POST', '/reset', {});
  await control('DELETE', '/requests');
});

describe('defect 1: msiam_access is the app role displayName; its value is null', () => {
  test('an approved add assigns the user with the msiam_access role id (it threw before)', async () => {
    const gw = gateway();
    const sp = await gw.servicePrincipal(CONTOSO, c2f.servicePrincipalId);
    const msiam = sp.appRoles.find((r) => r.displayName === 'msiam_access')!;
    expect(msiam.value).toBeNull();
    const result = await gw.ensureAssigned(CONTOSO, c2f.servicePrincipalId, DEMO.users.lee.id, 'User');
    expect(result).toMatchObject({ created: true, assignment: { principalId: DEMO.users.lee.id, appRoleId: msiam.id } });
  });

  const sp = (roles: object[]) => ServicePrincipalSchema.parse({ id: G(1), appRoles: roles });
  const role = (id: string, displayName: string, allowedMemberTypes = ['User'], isEnabled = true) => ({
    id,
    displayName,
    value: null,
    allowedMemberTypes,
    isEnabled,
  });

  test('without msiam_access, the single enabled role open to users is used', () => {
    expect(pickAccessRole(sp([role(G(2), 'Reader', ['Application']), role(G(3), 'Member')]))).toBe(G(3));
  });

  test('anything else is a configuration error that names the roles found', () => {
    const two = () => pickAccessRole(sp([role(G(2), 'Member'), role(G(3), 'Owner'), role(G(4), 'msiam_access', ['User'], false)]));
    expect(two).toThrow(GraphResponseInvalidError);
    expect(two).toThrow(/Member \[2{8}.*Owner \[3{8}.*msiam_access \[4{8}[^\]]*disabled\]/);
  });
});

describe('defect 2: USER_INBOUND_USER is the rule name; its id is what provisionOnDemand wants', () => {
  test('the rule id read from the schema is GUID-like and provisionOnDemand accepts it', async () => {
    const gw = gateway();
    const ruleId = await gw.userRuleId(ref);
    expect(ruleId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    await gw.ensureAssigned(CONTOSO, c2f.servicePrincipalId, DEMO.users.lee.id, 'User');
    const result = await gw.provisionOnDemand(ref, [{ objectId: DEMO.users.lee.id, objectTypeName: 'User' }]);
    // The CTS answer shape (key = a type name, value = a JSON array) is understood, and its action read from the export step.
    expect(result).toMatchObject({ understood: true, outcome: 'success', action: 'Create' });
  });

  test('by name first, then by the supportsProvisionOnDemand metadata entry (a name containing "user" is not enough)', () => {
    const schema = (rules: object[]) => SyncSchemaSchema.parse({ synchronizationRules: rules }).synchronizationRules;
    const byName = schema([
      { id: G(1), name: 'USER_OUTBOUND_CONTACT', metadata: [{ key: 'supportsProvisionOnDemand', value: 'false' }] },
      { id: G(2), name: 'USER_INBOUND_USER', metadata: [{ key: 'supportsProvisionOnDemand', value: 'true' }] },
    ]);
    expect(pickUserRule(byName)?.id).toBe(G(2));
    const byMetadata = schema([
      { id: G(1), name: 'Provision users as contacts', metadata: [{ key: 'supportsProvisionOnDemand', value: 'false' }] },
      {
        id: G(2),
        name: 'Inbound',
        metadata: [
          { key: 'defaultSourceObjectMappings', value: '[]' },
          { key: 'supportsProvisionOnDemand', value: 'true' },
        ],
      },
    ]);
    expect(pickUserRule(byMetadata)?.id).toBe(G(2));
  });
});

describe('defect 3: directoryRole objects without roleTemplateId are a missing permission, never "no role"', () => {
  test('with limited directoryRole objects, reading roles names RoleManagement.Read.Directory (it answered [] before)', async () => {
    const gw = gateway();
    expect(await gw.roleTemplateIds(CONTOSO, DEMO.users.megan.id)).toHaveLength(1);
    expect(await gw.roleReadProblem(CONTOSO)).toBeNull();
    await control('POST', `/tenants/${CONTOSO}/switches`, { limitedDirectoryRoles: true });
    const err = await gw.roleTemplateIds(CONTOSO, DEMO.users.megan.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphPermissionMissingError);
    expect(err).toMatchObject({ permission: 'RoleManagement.Read.Directory', tenantId: CONTOSO });
    // A user with no role at all is still just "no role".
    expect(await gw.roleTemplateIds(CONTOSO, DEMO.users.lee.id)).toEqual([]);
    expect(await gw.roleReadProblem(CONTOSO)).toMatch(/RoleManagement\.Read\.Directory in tenant a5f2c9d1/);
  });
});

describe('defect 4: provisioning logs are filtered on jobId and time server-side, on action and status here', () => {
  test('held-back deletions and disables are both found; the server only ever sees jobId/activityDateTime filters', async () => {
    const gw = gateway();
    await control('POST', `/tenants/${CONTOSO}/trip-deletes/${encodeURIComponent(c2f.jobId)}`);
    // A disabled user still in scope is a held-back disable (StagedAction).
    const inScope = (await gw.listAssignments(CONTOSO, c2f.servicePrincipalId)).find((a) => a.principalType === 'User')!;
    await fetch(`${sim.url}/${CONTOSO}/v1.0/users/${inScope.principalId}`, {
      method: 'PATCH',
      headers: { authorization: 'Bearer x', 'content-type': 'application/json' },
      body: JSON.stringify({ accountEnabled: false }),
    });
    await control('POST', `/tenants/${CONTOSO}/jobs/${encodeURIComponent(c2f.jobId)}/cycle`);

    const staged = await gw.provisioningLogs(CONTOSO, { jobId: c2f.jobId, action: 'staged', top: 500 });
    const actions = new Set(staged.map((e) => e.provisioningAction));
    expect(actions).toEqual(new Set(['stagedDelete', 'StagedAction']));
    const cycle = await gw.stagedInLatestCycle(CONTOSO, { jobId: c2f.jobId });
    expect(cycle).toMatchObject({ complete: true });
    expect(cycle.entries).toHaveLength(staged.length);
    const failures = await gw.provisioningLogs(CONTOSO, { jobId: c2f.jobId, status: 'failure', top: 5 });
    expect(failures.every((e) => e.provisioningStatusInfo?.status === 'failure')).toBe(true);

    const reads = (await control<{ requests: SimRequest[] }>('GET', '/requests')).requests.filter((r) => r.path.includes('auditLogs'));
    // One read for each of the three queries above, each answered.
    expect(reads.map((r) => r.status)).toEqual([200, 200, 200]);
  });
});

describe('defect 6: Full (with ConnectorDataStore) is never sent without Microsoft Support', () => {
  test('restart Full or ConnectorDataStore is refused before reaching Graph', async () => {
    const gw = gateway();
    for (const scope of ['Full', 'Watermark, ConnectorDataStore']) {
      await expect(gw.restartJob(ref, scope)).rejects.toThrow(GraphInputError);
      await expect(gw.restartJob(ref, scope)).rejects.toThrow(/without Microsoft Support/);
    }
    const writes = (await control<{ requests: SimRequest[] }>('GET', '/requests')).requests.filter((r) => r.method === 'POST');
    expect(writes).toEqual([]);
  });
});
