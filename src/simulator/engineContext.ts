import type { Clock } from '../domain/clock';
import type { Prng } from './prng';
import type { ServicePrincipal, SimJob, SimTenant, SimWorld } from './model';

/** What every engine step works on: the simulated world, the time, and the seeded id stream. */
export interface EngineContext {
  world: SimWorld;
  // The simulator only reads the time.
  clock: Pick<Clock, 'now'>;
  /** Ids minted at run time come from their own seeded stream, so a run is repeatable. */
  ids: Prng;
}

export class SimError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function jobParts(ctx: EngineContext, job: SimJob): { source: SimTenant; target: SimTenant; sp: ServicePrincipal } {
  const source = ctx.world.tenants.get(job.sourceTenantId)!;
  const target = ctx.world.tenants.get(job.targetTenantId)!;
  const sp = source.servicePrincipals.get(job.servicePrincipalId)!;
  return { source, target, sp };
}
