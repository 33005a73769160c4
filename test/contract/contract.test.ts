import { UserSignInSchema } from '../../src/graph/directory';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ServicePrincipal, SynchronizationSchema, User } from '@microsoft/microsoft-graph-types';
import type { ZodTypeAny } from 'zod';
import { DEMO, startSimulator, type RunningSimulator } from '../../src/simulator';
import {
  AppRoleAssignmentSchema,
  BatchResponseSchema,
  DefaultAccessPolicySchema,
  DirectoryAuditSchema,
  DirectoryObjectSchema,
  PartnerIdentitySyncSchema,
  PartnerPolicySchema,
  ProvisioningLogEntrySchema,
  ServicePrincipalSchema,
  StringKeyStringValueSchema,
  SyncJobSchema,
  SyncSchemaSchema,
  pageOf,
} from '../../src/graph/schemas';
import { parseProvisionOnDemand } from '../../src/graph/provisionResult';
import { DynamicGroupSchema } from '../../src/graph/targetRisk';
import { isRecord } from '../harness/cardTypes';
import type { Page } from '../harness/json';
import { shapeDiff, type ShapeOptions } from './shape';

/**
 * Graph's documented answers, restated in our own values (fixtures/*.json, each naming its documentation page), are
 * the contract: every fixture must pass the gateway's zod parsers, and the simulator's answer to the same request
 * must have the same shape. A fixture the simulator cannot match is a simulator bug, not a reason to loosen it.
 */

interface Fixture extends ShapeOptions {
  source: string;
  schema: keyof typeof SCHEMAS;
  request: { method: string; path: string; headers?: Record<string, string>; setup?: string; body?: 'podBody' | 'podBatch'; tenant?: 'contoso' | 'fabrikam' };
  response: unknown;
}

const SCHEMAS = {
  SyncJob: SyncJobSchema,
  SyncSchema: SyncSchemaSchema,
  ServicePrincipal: ServicePrincipalSchema,
  StringKeyStringValue: StringKeyStringValueSchema,
  ProvisioningLogPage: pageOf(ProvisioningLogEntrySchema),
  DirectoryObjectPage: pageOf(DirectoryObjectSchema),
  PartnerPolicy: PartnerPolicySchema,
  PartnerIdentitySync: PartnerIdentitySyncSchema,
  BatchResponse: BatchResponseSchema,
  AppRoleAssignmentPage: pageOf(AppRoleAssignmentSchema),
  DirectoryAuditPage: pageOf(DirectoryAuditSchema),
  DynamicGroupPage: pageOf(DynamicGroupSchema),
  UserSignIn: UserSignInSchema,
  DefaultAccessPolicy: DefaultAccessPolicySchema,
} satisfies Record<string, ZodTypeAny>;

const DIR = path.join(__dirname, 'fixtures');
const fixtures = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => [f.replace(/\.json$/, ''), JSON.parse(readFileSync(path.join(DIR, f), 'utf8')) as Fixture] as const);

const C = DEMO.tenants.contoso.id;
const F = DEMO.tenants.fabrikam.id;
const cfg = DEMO.configurations.contosoToFabrikam;
let sim: RunningSimulator;

async function http<T = unknown>(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(url, {
    method,
    headers: { authorization: 'Bearer contract', 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}
const graph = <T = unknown>(tenant: string, method: string, p: string, body?: unknown, headers?: Record<string, string>) =>
  http<T>(method, `${sim.url}/${tenant}/v1.0${p}`, body, headers);
const control = (method: string, p: string, body?: unknown) => http(method, `${sim.url}/_sim${p}`, body);
const JOB_PATH = `/servicePrincipals/${cfg.servicePrincipalId}/synchronization/jobs/${encodeURIComponent(cfg.jobId)}`;

async function ruleId(): Promise<string> {
  const schema = (await graph<SynchronizationSchema>(C, 'GET', `${JOB_PATH}/schema`)).body;
  const id = schema.synchronizationRules?.find((r) => r.name === 'USER_INBOUND_USER')?.id;
  if (!id) throw new Error('the schema has no USER_INBOUND_USER rule');
  return id;
}

async function assignLee(): Promise<void> {
  const sp = (await graph<ServicePrincipal>(C, 'GET', `/servicePrincipals/${cfg.servicePrincipalId}`)).body;
  const role = sp.appRoles?.find((r) => r.displayName === 'msiam_access');
  await graph(C, 'POST', `/servicePrincipals/${sp.id}/appRoleAssignedTo`, { principalId: DEMO.users.lee.id, resourceId: sp.id, appRoleId: role?.id });
}

/** Brings the simulator into the state the documented example shows. */
const SETUPS: Record<string, () => Promise<void>> = {
  assignLee,
  assignLeeGeneric: async () => {
    await assignLee();
    await control('POST', `/tenants/${C}/switches`, { onDemandShape: 'generic' });
  },
  limitedRoles: async () => void (await control('POST', `/tenants/${C}/switches`, { limitedDirectoryRoles: true })),
  policyConsentMissing: async () => {
    await graph(F, 'PATCH', `/policies/crossTenantAccessPolicy/partners/${C}`, { automaticUserConsentSettings: { inboundAllowed: false } });
    await control('POST', `/tenants/${C}/jobs/${encodeURIComponent(cfg.jobId)}/cycle`);
  },
  policyChanged: async () => {
    const admin = (await graph<Page<User>>(F, 'GET', '/users?$top=1')).body.value[0];
    await graph(
      F,
      'PATCH',
      `/policies/crossTenantAccessPolicy/partners/${C}/identitySynchronization`,
      { userSyncInbound: { isSyncAllowed: false } },
      { 'x-sim-actor': admin.userPrincipalName ?? '' },
    );
  },
  stagedDeletesAndDisables: async () => {
    await control('POST', `/tenants/${C}/trip-deletes/${encodeURIComponent(cfg.jobId)}`);
    await graph(C, 'PATCH', `/users/${DEMO.users.megan.id}`, { accountEnabled: false });
    await control('POST', `/tenants/${C}/jobs/${encodeURIComponent(cfg.jobId)}/cycle`);
  },
};

async function bodyFor(kind: Fixture['request']['body']): Promise<unknown> {
  if (!kind) return undefined;
  const pod = { parameters: [{ ruleId: await ruleId(), subjects: [{ objectId: DEMO.users.lee.id, objectTypeName: 'User' }] }] };
  if (kind === 'podBody') return pod;
  // Six provisionOnDemand calls in one batch: the sixth is throttled on its own (5 per 10 s) inside an outer 200.
  const url = `${JOB_PATH}/provisionOnDemand`;
  return {
    requests: Array.from({ length: 6 }, (_, i) => ({ id: String(i + 1), method: 'POST', url, headers: { 'Content-Type': 'application/json' }, body: pod })),
  };
}

function fill(p: string): string {
  return p
    .replace('{sp}', cfg.servicePrincipalId)
    .replace(/\{job\}/g, encodeURIComponent(cfg.jobId))
    .replace('{megan}', DEMO.users.megan.id)
    .replace('{botsp}', `b0700000-0000-4000-8000-${F.slice(-12)}`)
    .replace('{fabrikam}', F)
    .replace('{contoso}', C);
}

beforeAll(async () => {
  sim = await startSimulator({ cycleIntervalMs: null });
});
afterAll(() => sim.close());
beforeEach(async () => {
  await control('POST', '/reset', {});
});

describe.each(fixtures)('%s', (_name, fx) => {
  test('the documented answer passes the gateway parser', () => {
    const parsed = SCHEMAS[fx.schema].safeParse(fx.response);
    expect(parsed.success ? 'ok' : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toBe('ok');
    if (fx.schema === 'StringKeyStringValue')
      expect(parseProvisionOnDemand(fx.response as { key: string; value: string })).toMatchObject({ understood: true, outcome: 'success' });
  });

  test('the simulator answers the same request in the same shape', async () => {
    if (fx.request.setup) await SETUPS[fx.request.setup]();
    const tenant = fx.request.tenant === 'fabrikam' ? F : C;
    const answer = await graph(tenant, fx.request.method, fill(fx.request.path), await bodyFor(fx.request.body), fx.request.headers);
    expect(answer.status).toBe(200);
    // The @odata.context URL differs by host; its presence is what matters.
    const strip = (v: unknown): unknown => (isRecord(v) && '@odata.context' in v ? { ...v, '@odata.context': 'x' } : v);
    expect(shapeDiff(strip(fx.response), strip(answer.body), fx)).toEqual([]);
  });
});
