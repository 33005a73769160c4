import { SIMULATOR_BOT_APP_ID } from '../graph/permissions';
import type { Estate } from './estate';
import { isLoopbackUrl } from './net';

/**
 * The bot's application (client) id in a tenant, for `doctor` to find its own service principal: the tenant's
 * credential.clientId, else AZURE_CLIENT_ID (what @azure/identity signs in with). A loopback tenant (the
 * simulator) signs in with no credential at all, so it answers the simulator's stand-in id.
 */
export function botAppIdFor(estate: Estate, tenantId: string, env: NodeJS.ProcessEnv): string | undefined {
  const tenant = estate.tenants.find((t) => t.id === tenantId.toLowerCase());
  if (!tenant) return undefined;
  const fromCredential = tenant.credential && 'clientId' in tenant.credential ? tenant.credential.clientId : undefined;
  if (fromCredential) return fromCredential;
  if (isLoopbackUrl(tenant.graphBaseUrl)) return SIMULATOR_BOT_APP_ID;
  return env.AZURE_CLIENT_ID || undefined;
}
