import { z } from 'zod';
import { SimError, parseResetScope, pauseJob, restartJob, startJob } from '../engine';
import { provisionOnDemand } from '../onDemand';
import { collection, noContent, ok, parseBody, route, type GraphRequest, type Route } from '../graphHttp';
import { USER_RULE_ID, type SimJob } from '../model';
import { jobJson, schemaJson } from '../wire';
import { requireSp } from './servicePrincipals';

/** /servicePrincipals/{id}/synchronization: jobs, their operations, schema and secrets. */

const JOBS = '/servicePrincipals/:sp/synchronization/jobs';

function requireJob(req: GraphRequest, spId: string, jobId: string): SimJob {
  const sp = requireSp(req, spId);
  const job = sp.jobIds.includes(jobId) ? req.state.world.jobs.get(jobId) : undefined;
  if (!job) throw new SimError(404, 'ResourceNotFound', `The synchronization job '${jobId}' was not found on service principal '${sp.id}'.`);
  return job;
}

const troubleshootBase = (req: GraphRequest) => req.baseUrl.replace(/\/v1\.0$/, '');

const RestartBody = z
  .object({ criteria: z.object({ resetScope: z.string().nullable().optional() }).passthrough().nullable().optional() })
  .passthrough()
  .nullable()
  .optional();

const Subject = z
  .object({
    objectId: z.string().min(1),
    objectTypeName: z.string().min(1),
    links: z
      .object({ members: z.array(z.object({ objectId: z.string(), objectTypeName: z.string() })).optional() })
      .passthrough()
      .nullable()
      .optional(),
  })
  .passthrough();
const OnDemandBody = z
  .object({
    parameters: z.array(z.object({ ruleId: z.string(), subjects: z.array(Subject).min(1) }).passthrough()).min(1),
  })
  .passthrough();

const SecretsBody = z.object({ value: z.array(z.object({ key: z.string().min(1), value: z.string() }).passthrough()) }).passthrough();

const ON_DEMAND_LIMIT = 5;
const ON_DEMAND_WINDOW_MS = 10_000;

/** 5 requests per 10 s per tenant (reference §8), on the injected clock. */
function onDemandRateLimit(req: GraphRequest): void {
  const now = req.state.clock.now();
  const calls = (req.state.onDemandCalls.get(req.tenant.id) ?? []).filter((t) => now - t < ON_DEMAND_WINDOW_MS);
  if (calls.length >= ON_DEMAND_LIMIT) {
    const retryAfter = Math.max(1, Math.ceil((calls[0] + ON_DEMAND_WINDOW_MS - now) / 1000));
    req.state.onDemandCalls.set(req.tenant.id, calls);
    throw new SimError(429, 'TooManyRequests', `Too many provisionOnDemand requests: the limit is ${ON_DEMAND_LIMIT} per 10 seconds.`, {
      'retry-after': String(retryAfter),
    });
  }
  calls.push(now);
  req.state.onDemandCalls.set(req.tenant.id, calls);
}

const SchemaBody = z
  .object({
    synchronizationRules: z
      .array(
        z
          .object({
            id: z.string(),
            objectMappings: z.array(z.object({ attributeMappings: z.array(z.object({ targetAttributeName: z.string() }).passthrough()) }).passthrough()),
          })
          .passthrough(),
      )
      .min(1),
  })
  .passthrough();

export const synchronizationRoutes: Route[] = [
  route('GET', JOBS, (req, [sp]) => {
    const jobs = requireSp(req, sp).jobIds.map((id) => jobJson(req.state.world.jobs.get(id)!, troubleshootBase(req)));
    return collection(req, jobs, { context: `servicePrincipals('${sp}')/synchronization/jobs`, filterable: ['id', 'templateId'], directory: false });
  }),
  route('POST', `${JOBS}/validateCredentials`, (req, [sp]) => {
    const s = requireSp(req, sp);
    const job = req.state.world.jobs.get(s.jobIds[0] ?? '');
    if (job && !job.credentialsValid)
      throw new SimError(400, 'CredentialValidationUnavailable', 'The credentials could not be validated against the target tenant.');
    return noContent();
  }),
  // The per-job form with useSavedCredentials (what doctor sends): 204 when the saved credentials work.
  route('POST', `${JOBS}/:job/validateCredentials`, (req, [sp, job]) => {
    if (!requireJob(req, sp, job).credentialsValid)
      throw new SimError(400, 'CredentialValidationUnavailable', 'The credentials could not be validated against the target tenant.');
    return noContent();
  }),
  route('GET', `${JOBS}/:job`, (req, [sp, job]) =>
    ok({
      '@odata.context': `${req.baseUrl}/$metadata#servicePrincipals('${sp}')/synchronization/jobs/$entity`,
      ...jobJson(requireJob(req, sp, job), troubleshootBase(req)),
    }),
  ),
  route('POST', `${JOBS}/:job/start`, (req, [sp, job]) => {
    startJob(requireJob(req, sp, job));
    return noContent();
  }),
  route('POST', `${JOBS}/:job/pause`, (req, [sp, job]) => {
    pauseJob(requireJob(req, sp, job));
    return noContent();
  }),
  route('POST', `${JOBS}/:job/restart`, (req, [sp, job]) => {
    const j = requireJob(req, sp, job);
    const body = parseBody(req, RestartBody, false);
    restartJob(req.state.engine, j, parseResetScope(body?.criteria?.resetScope));
    return noContent();
  }),
  route('POST', `${JOBS}/:job/provisionOnDemand`, (req, [sp, job]) => {
    const j = requireJob(req, sp, job);
    onDemandRateLimit(req);
    const body = parseBody(req, OnDemandBody, false);
    const param = body.parameters[0];
    if (param.ruleId.toLowerCase() !== USER_RULE_ID) {
      throw new SimError(400, 'RequestParameterInvalid', `The parameter ruleId '${param.ruleId}' is invalid: the job does not include the rule.`);
    }
    const subject = param.subjects[0];
    if (body.parameters.length > 1 || param.subjects.length > 1)
      throw new SimError(400, 'RequestParameterInvalid', 'Cross-tenant synchronization provisions one user per request.');
    if (subject.objectTypeName.toLowerCase() !== 'user') {
      throw new SimError(
        400,
        'RequestParameterInvalid',
        `On-demand provisioning of '${subject.objectTypeName}' objects is not supported for cross-tenant synchronization.`,
      );
    }
    const result = provisionOnDemand(req.state.engine, j, subject.objectId.toLowerCase(), req.state.switchesFor(req.tenant.id).onDemandShape);
    return ok({ '@odata.context': `${req.baseUrl}/$metadata#microsoft.graph.stringKeyStringValuePair`, ...result });
  }),
  route('GET', `${JOBS}/:job/schema`, (req, [sp, job]) =>
    ok({
      '@odata.context': `${req.baseUrl}/$metadata#servicePrincipals('${sp}')/synchronization/jobs('${job}')/schema/$entity`,
      ...schemaJson(requireJob(req, sp, job)),
    }),
  ),
  // PUT replaces the whole schema (Graph: 204 No Content); only its rules are checked, the rest is kept as sent.
  route('PUT', `${JOBS}/:job/schema`, (req, [sp, job]) => {
    const j = requireJob(req, sp, job);
    const body = parseBody(req, SchemaBody, false);
    const { ['@odata.context']: _context, ...schema } = body as Record<string, unknown>;
    j.schema = schema;
    return noContent();
  }),
  route('GET', '/servicePrincipals/:sp/synchronization/templates', (req, [sp]) => {
    requireSp(req, sp);
    return ok({
      '@odata.context': `${req.baseUrl}/$metadata#servicePrincipals('${sp}')/synchronization/templates`,
      value: [{ id: 'Azure2Azure', factoryTag: 'Azure2Azure', default: true, description: 'Cross-tenant synchronization', discoverable: true, metadata: [] }],
    });
  }),
  route('GET', '/servicePrincipals/:sp/synchronization/secrets', (req, [sp]) => {
    const s = requireSp(req, sp);
    return ok({
      '@odata.context': `${req.baseUrl}/$metadata#servicePrincipals('${sp}')/synchronization/secrets`,
      value: [...s.secrets].map(([key, value]) => ({ key, value })),
    });
  }),
  // PUT merges by key (reference §3 marks this UNVERIFIED; the preview guide PUTs a single key). An empty value
  // removes a plain secret; a JSON secret such as SyncNotificationSettings can't be cleared (msgraph-metadata#347).
  route('PUT', '/servicePrincipals/:sp/synchronization/secrets', (req, [sp]) => {
    const s = requireSp(req, sp);
    const body = parseBody(req, SecretsBody, false);
    for (const { key, value } of body.value) {
      if (key === 'SyncNotificationSettings') {
        let parsed: unknown;
        try {
          parsed = JSON.parse(value);
        } catch {
          throw new SimError(400, 'InvalidNotificationSettings', 'SyncNotificationSettings must be a JSON object string.');
        }
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
          throw new SimError(400, 'InvalidNotificationSettings', 'SyncNotificationSettings must be a JSON object string.');
        if (Object.keys(parsed).length === 0) continue; // "{}" leaves the key in place
        s.secrets.set(key, value);
      } else if (value === '') {
        s.secrets.delete(key);
      } else {
        s.secrets.set(key, value);
      }
    }
    return noContent();
  }),
];
