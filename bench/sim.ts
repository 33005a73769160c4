import type { AddressInfo } from 'node:net';
import { systemClock } from '../src/domain/clock';
import { estateConfig, type EstateConfig } from '../src/simulator/estateConfig';
import { emptyTenant, type ServicePrincipal, type SimJob, type SimTenant, type SimUser, type SimWorld } from '../src/simulator/model';
import { createServer, type ServerContext } from '../src/simulator/server';
import { SimState } from '../src/simulator/state';

/**
 * The bench's simulator: the built-in demo estate grown to `tenants` tenants and `jobs` sync jobs (one service
 * principal per job, jobs spread evenly over the tenants as sources, each syncing to the next tenant), with
 * `usersPerTenant` users in every added tenant. The added objects are copies of the demo's own (a job that has run a
 * cycle, its service principal, a user), so they keep whatever shape the simulator gives them. Nothing in the
 * simulator is changed: this builds on SimState and createServer, as startSimulator does.
 */
export interface BenchSimSizes {
  tenants: number;
  jobs: number;
  usersPerTenant: number;
}

export interface BenchSim {
  url: string;
  /** CTS_CONFIG for every configuration. */
  estate: EstateConfig;
  close(): Promise<void>;
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
export const benchTenantId = (i: number) => `b0000000-0000-4000-8000-${hex(i, 12)}`;
/** The id of user `u` of added tenant `t` (named user<u>@bench<t>.example). */
export const benchUserId = (t: number, u: number) => benchId(1, t, u);
const benchId = (kind: number, i: number, j = 0) => `b${hex(kind, 7)}-${hex(j, 4)}-4000-8000-${hex(i, 12)}`;

/** The template's settings with the simulator's own empty directory (emptyTenant), so no collection is shared. */
function copyTenant(id: string, name: string, domain: string, template: SimTenant): SimTenant {
  return { ...template, ...emptyTenant(id, name, domain) };
}

/** Adds tenants, users and jobs to the demo world in place. */
export function growWorld(world: SimWorld, sizes: BenchSimSizes): void {
  const tenants = [...world.tenants.values()];
  const template = tenants[0];
  const templateJob = [...world.jobs.values()][0];
  const templateSp = template.servicePrincipals.get(templateJob.servicePrincipalId)!;
  const templateUser = [...template.users.values()].find((u) => u.userType === 'Member')!;

  for (let i = tenants.length; i < sizes.tenants; i++) {
    const t = copyTenant(benchTenantId(i), `Bench ${String(i).padStart(2, '0')}`, `bench${i}.example`, template);
    for (let u = 0; u < sizes.usersPerTenant; u++) {
      const user: SimUser = {
        ...templateUser,
        id: benchId(1, i, u),
        displayName: `Bench User ${i}-${u}`,
        givenName: 'Bench',
        surname: `User ${i}-${u}`,
        userPrincipalName: `user${u}@${t.domain}`,
        mail: `user${u}@${t.domain}`,
        syncedFrom: undefined,
      };
      t.users.set(user.id, user);
    }
    world.tenants.set(t.id, t);
    tenants.push(t);
  }
  const n = tenants.length;
  // Every source/target pair allows the sync (as the demo's allowInbound does), so scope checks pass.
  for (let i = 0; i < n; i++) {
    const source = tenants[i];
    const target = tenants[(i + 1) % n];
    if (!target.partners.has(source.id)) {
      target.partners.set(source.id, {
        tenantId: source.id,
        automaticUserConsentSettings: { inboundAllowed: true, outboundAllowed: false },
        identitySynchronization: { tenantId: source.id, displayName: `${source.name} sync`, userSyncInbound: { isSyncAllowed: true } },
      });
    }
    if (!source.partners.has(target.id))
      source.partners.set(target.id, {
        tenantId: target.id,
        automaticUserConsentSettings: { inboundAllowed: false, outboundAllowed: true },
        identitySynchronization: null,
      });
  }
  for (let k = world.jobs.size; k < sizes.jobs; k++) {
    const s = k % n;
    const source = tenants[s];
    const target = tenants[(s + 1) % n];
    const spId = benchId(2, k);
    const jobId = `Azure2Azure.bench${k}.${hex(k, 8)}`;
    const sp: ServicePrincipal = structuredClone({ ...templateSp, assignments: [], jobIds: [] as string[] });
    sp.id = spId;
    sp.appId = benchId(3, k);
    sp.displayName = `CTS to ${target.name} (${k})`;
    sp.jobIds.push(jobId);
    source.servicePrincipals.set(spId, sp);
    const job: SimJob = {
      ...structuredClone({ ...templateJob, links: new Map() }),
      id: jobId,
      servicePrincipalId: spId,
      sourceTenantId: source.id,
      targetTenantId: target.id,
    };
    world.jobs.set(jobId, job);
    world.configurations.push({ name: `bench-${k}`, sourceTenantId: source.id, targetTenantId: target.id, servicePrincipalId: spId, jobId });
  }
}

export async function startBenchSim(sizes: BenchSimSizes, port = 0): Promise<BenchSim> {
  const state = new SimState(42, 'demo', systemClock);
  growWorld(state.world, sizes);
  let url = '';
  const ctx: ServerContext = { state, url: () => url, pageSize: 100, retryAfterSeconds: 1 };
  const server = createServer(ctx);
  // A 200-way burst of invokes opens many connections at once.
  server.maxConnections = 10_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    estate: estateConfig(state.world, url),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
