import type { SimWorld } from './model';

/** Exactly the bot's CTS_CONFIG shape (src/config/estate.ts). */
export interface EstateConfig {
  homeTenantId: string;
  tenants: { id: string; name: string; graphBaseUrl: string }[];
  configurations: { name: string; sourceTenantId: string; targetTenantId: string; servicePrincipalId: string; jobId: string }[];
  pollIntervalSeconds?: number;
}

export function estateConfig(world: SimWorld, url: string): EstateConfig {
  return {
    homeTenantId: world.homeTenantId,
    tenants: [...world.tenants.values()].map((t) => ({ id: t.id, name: t.name, graphBaseUrl: `${url}/${t.id}/v1.0` })),
    configurations: world.configurations.map((c) => ({ ...c })),
    pollIntervalSeconds: 15,
  };
}
