import { z } from 'zod';
import { SimError, computeScope, deleteThreshold, jobParts, quarantine, runCycle } from './engine';
import { BotPermissionsBody, changeBotPermissions } from './botApp';
import { estateConfig } from './estateConfig';
import type { GraphResponse } from './graphHttp';
import type { SimJob } from './model';
import type { ServerContext } from './server';
import { jobJson } from './wire';

/**
 * /_sim/...: the control API (no auth, not Graph). Errors use the same envelope so one client can read both.
 *   GET  /_sim/estate                                      EstateConfig (CTS_CONFIG shape)
 *   POST /_sim/tenants/{tenantId}/jobs/{jobId}/cycle       run one cycle now → { status } of the job
 *   POST /_sim/tenants/{tenantId}/jobs/{jobId}/quarantine  { reason } → sticky quarantine until restart/start
 *   POST /_sim/tenants/{tenantId}/jobs/{jobId}/credentials { valid } → next cycle quarantines when false
 *   POST /_sim/tenants/{tenantId}/trip-deletes/{jobId}     unassign principals until the next cycle exceeds the threshold
 *   POST /_sim/faults                                      { tenantId?, latencyMs?, rate429?, rate503? } (0 clears),
 *                                                          or { tenantId?, applyThenStatus: 500, match?, times? }: the next
 *                                                          matching write is APPLIED, then answered with that status
 *   POST /_sim/tenants/{tenantId}/switches                 { limitedDirectoryRoles?, onDemandShape?: 'cts'|'generic' }
 *   POST /_sim/tenants/{tenantId}/bot-permissions         { remove?, restore? }: take Graph permissions from the bot's app
 *   POST /_sim/reset                                       seed everything again
 *   GET  /_sim/state                                       dump of the model
 *   GET  /_sim/requests   DELETE /_sim/requests            Graph request log (per tenant counts + entries)
 */

const REASONS = [
  'EncounteredBaseEscrowThreshold',
  'EncounteredTotalEscrowThreshold',
  'EncounteredEscrowProportionThreshold',
  'EncounteredQuarantineException',
  'Unknown',
  'QuarantinedOnDemand',
  'TooManyDeletes',
  'IngestionInterrupted',
] as const;
const QuarantineBody = z.object({ reason: z.enum(REASONS).default('QuarantinedOnDemand'), message: z.string().optional() }).strict();
const CredentialsBody = z.object({ valid: z.boolean() }).strict();
const Rate = z.number().min(0).max(1);
const FaultsBody = z
  .object({
    tenantId: z.string().optional(),
    latencyMs: z.number().int().min(0).max(60_000).optional(),
    rate429: Rate.optional(),
    rate503: Rate.optional(),
    /** 0 clears an armed fault. */
    applyThenStatus: z.union([z.literal(0), z.number().int().min(500).max(599)]).optional(),
    match: z.string().min(1).optional(),
    times: z.number().int().min(1).max(100).optional(),
  })
  .strict();
const SwitchesBody = z.object({ limitedDirectoryRoles: z.boolean().optional(), onDemandShape: z.enum(['cts', 'generic']).optional() }).strict();

function parse<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, body: unknown): T {
  const r = schema.safeParse(body ?? {});
  if (!r.success) throw new SimError(400, 'BadRequest', `Invalid control request: ${r.error.issues[0]?.path.join('.')} ${r.error.issues[0]?.message}`);
  return r.data;
}

function findJob(ctx: ServerContext, tenantId: string, jobId: string): SimJob {
  const job = ctx.state.world.jobs.get(jobId);
  if (!job || job.sourceTenantId !== tenantId.toLowerCase()) throw new SimError(404, 'ResourceNotFound', `No job '${jobId}' in source tenant '${tenantId}'.`);
  return job;
}

const json = (body: unknown, status = 200): GraphResponse => ({ status, body });

function jobStatus(ctx: ServerContext, job: SimJob): GraphResponse {
  const j = jobJson(job, `${ctx.url()}/${job.sourceTenantId}`);
  return json({ id: job.id, schedule: j.schedule, status: j.status });
}

/**
 * Unassign principals, group assignments first, until the users the next cycle would delete exceed the threshold.
 * Answers the removed assignments so a test can restore them (POST appRoleAssignedTo) to recover.
 */
function tripDeletes(ctx: ServerContext, job: SimJob): GraphResponse {
  const { source, sp } = jobParts(ctx.state.engine, job);
  const threshold = deleteThreshold(sp);
  const removed = [];
  const pending = () => [...job.links.keys()].filter((id) => !computeScope(source, sp).has(id)).length;
  const order = [...sp.assignments].sort((a, b) => (a.principalType === b.principalType ? 0 : a.principalType === 'Group' ? -1 : 1));
  for (const a of order) {
    if (pending() > threshold.value) break;
    sp.assignments.splice(sp.assignments.indexOf(a), 1);
    removed.push(a);
  }
  const wouldDelete = pending();
  if (wouldDelete <= threshold.value) {
    throw new SimError(409, 'Conflict', `Even with every assignment removed only ${wouldDelete} users would be deleted; the threshold is ${threshold.value}.`);
  }
  return json({ removedAssignments: removed, wouldDelete, threshold: threshold.value, thresholdEnabled: threshold.enabled });
}

function dump(ctx: ServerContext): unknown {
  const { world } = ctx.state;
  return {
    homeTenantId: world.homeTenantId,
    tenants: [...world.tenants.values()].map((t) => ({
      id: t.id,
      name: t.name,
      domain: t.domain,
      users: t.users.size,
      groups: t.groups.size,
      syncedUsers: [...t.users.values()].filter((u) => u.syncedFrom).length,
      provisioningLogs: t.provisioningLogs.length,
      partners: [...t.partners.values()],
      servicePrincipals: [...t.servicePrincipals.values()].map((sp) => ({
        id: sp.id,
        displayName: sp.displayName,
        assignments: sp.assignments.length,
        jobIds: sp.jobIds,
        secrets: Object.fromEntries(sp.secrets),
      })),
    })),
    jobs: [...world.jobs.values()].map((j) => ({
      id: j.id,
      sourceTenantId: j.sourceTenantId,
      targetTenantId: j.targetTenantId,
      scheduleState: j.scheduleState,
      code: j.code,
      quarantine: j.quarantine,
      credentialsValid: j.credentialsValid,
      forceDeletes: j.forceDeletes,
      linkedUsers: j.links.size,
      cycles: j.cycles,
    })),
    faults: Object.fromEntries(ctx.state.faults),
  };
}

function requests(ctx: ServerContext): unknown {
  const byTenant: Record<string, number> = {};
  for (const r of ctx.state.requests) byTenant[r.tenantId] = (byTenant[r.tenantId] ?? 0) + 1;
  return { total: ctx.state.requests.length, byTenant, requests: ctx.state.requests };
}

export function handleControl(ctx: ServerContext, method: string, rawUrl: string, body: unknown): GraphResponse {
  const path = rawUrl.split('?')[0].replace(/\/+$/, '');
  const seg = path
    .split('/')
    .filter(Boolean)
    .map((s) => decodeURIComponent(s));
  const key = `${method} ${seg.map((s, i) => (seg[1] === 'tenants' && (i === 2 || i === 4) ? '*' : s)).join('/')}`;
  const { state } = ctx;
  switch (key) {
    case 'GET _sim/estate':
      return json(estateConfig(state.world, ctx.url()));
    case 'POST _sim/reset':
      state.reset();
      return json({ reset: true });
    case 'GET _sim/state':
      return json(dump(ctx));
    case 'GET _sim/requests':
      return json(requests(ctx));
    case 'DELETE _sim/requests':
      state.requests = [];
      return { status: 204 };
    case 'POST _sim/faults': {
      const f = parse(FaultsBody, body);
      const scope = f.tenantId?.toLowerCase() ?? '*';
      if (f.applyThenStatus !== undefined) {
        if (f.applyThenStatus === 0) state.applyThen.delete(scope);
        else state.applyThen.set(scope, { status: f.applyThenStatus, match: f.match, remaining: f.times ?? 1 });
        return json({ applyThen: Object.fromEntries(state.applyThen) });
      }
      const next = { latencyMs: f.latencyMs ?? 0, rate429: f.rate429 ?? 0, rate503: f.rate503 ?? 0 };
      if (next.latencyMs === 0 && next.rate429 === 0 && next.rate503 === 0) state.faults.delete(scope);
      else state.faults.set(scope, next);
      // Setting faults restarts the dice, so the same settings give the same sequence of outcomes for a seed.
      state.restartFaultDice();
      return json({ faults: Object.fromEntries(state.faults) });
    }
    case 'POST _sim/tenants/*/jobs/*/cycle': {
      const job = findJob(ctx, seg[2], seg[4]);
      runCycle(state.engine, job);
      return jobStatus(ctx, job);
    }
    case 'POST _sim/tenants/*/jobs/*/quarantine': {
      const job = findJob(ctx, seg[2], seg[4]);
      const b = parse(QuarantineBody, body);
      quarantine(
        state.engine,
        job,
        b.reason,
        { code: b.reason, message: b.message ?? `Quarantined through the simulator control API (${b.reason}).`, tenantActionable: true },
        true,
      );
      return jobStatus(ctx, job);
    }
    case 'POST _sim/tenants/*/jobs/*/credentials': {
      const job = findJob(ctx, seg[2], seg[4]);
      job.credentialsValid = parse(CredentialsBody, body).valid;
      return jobStatus(ctx, job);
    }
    case 'POST _sim/tenants/*/switches': {
      const tenantId = seg[2].toLowerCase();
      if (!state.world.tenants.has(tenantId)) throw new SimError(404, 'ResourceNotFound', `Tenant '${seg[2]}' is not part of the simulated estate.`);
      return json({ tenantId, switches: state.setSwitches(tenantId, parse(SwitchesBody, body)) });
    }
    case 'POST _sim/tenants/*/bot-permissions': {
      const tenant = state.world.tenants.get(seg[2].toLowerCase());
      if (!tenant) throw new SimError(404, 'ResourceNotFound', `Tenant '${seg[2]}' is not part of the simulated estate.`);
      return json({ tenantId: tenant.id, ...changeBotPermissions(tenant, parse(BotPermissionsBody, body)) });
    }
    case 'POST _sim/tenants/*/trip-deletes/*':
      return tripDeletes(ctx, findJob(ctx, seg[2], seg[4]));
    default:
      break;
  }
  throw new SimError(404, 'ResourceNotFound', `No control endpoint ${method} ${path}.`);
}
