import {
  ClientAssertionCredential,
  ClientCertificateCredential,
  ClientSecretCredential,
  ManagedIdentityCredential,
  WorkloadIdentityCredential,
  type TokenCredential,
} from '@azure/identity';

/**
 * One credential per tenant, chosen from the same environment variables DefaultAzureCredential reads.
 * Each target tenant needs its own token, so DefaultAzureCredential itself (home tenant only) is not enough.
 */
export interface CredentialEnv {
  AZURE_CLIENT_ID?: string;
  AZURE_CLIENT_SECRET?: string;
  AZURE_CLIENT_CERTIFICATE_PATH?: string;
  AZURE_CLIENT_CERTIFICATE_PASSWORD?: string;
  AZURE_FEDERATED_TOKEN_FILE?: string;
  AZURE_AUTHORITY_HOST?: string;
  /** Client id of a user-assigned managed identity used as the app's federated credential. */
  AZURE_MANAGED_IDENTITY_CLIENT_ID?: string;
  /** The bot's own tenant: the only one a managed identity can get tokens for directly. */
  AZURE_TENANT_ID?: string;
}

export type CredentialKind = 'clientSecret' | 'clientCertificate' | 'workloadIdentity' | 'managedIdentityAssertion' | 'managedIdentity';

export interface TenantCredential {
  kind: CredentialKind;
  credential: TokenCredential;
}

export function credentialForTenant(tenantId: string, env: CredentialEnv): TenantCredential {
  const clientId = env.AZURE_CLIENT_ID?.trim();
  const authorityHost = env.AZURE_AUTHORITY_HOST?.trim() || undefined;
  if (clientId && env.AZURE_CLIENT_SECRET) {
    return { kind: 'clientSecret', credential: new ClientSecretCredential(tenantId, clientId, env.AZURE_CLIENT_SECRET, { authorityHost }) };
  }
  if (clientId && env.AZURE_CLIENT_CERTIFICATE_PATH) {
    return {
      kind: 'clientCertificate',
      credential: new ClientCertificateCredential(
        tenantId,
        clientId,
        { certificatePath: env.AZURE_CLIENT_CERTIFICATE_PATH, certificatePassword: env.AZURE_CLIENT_CERTIFICATE_PASSWORD },
        { authorityHost },
      ),
    };
  }
  if (clientId && env.AZURE_FEDERATED_TOKEN_FILE) {
    return { kind: 'workloadIdentity', credential: new WorkloadIdentityCredential({ tenantId, clientId, tokenFilePath: env.AZURE_FEDERATED_TOKEN_FILE, authorityHost }) };
  }
  const mi = env.AZURE_MANAGED_IDENTITY_CLIENT_ID?.trim();
  if (clientId && mi) {
    // Managed identity as a federated credential of a multi-tenant app: works in every tenant that consented.
    const identity = new ManagedIdentityCredential({ clientId: mi });
    return {
      kind: 'managedIdentityAssertion',
      credential: new ClientAssertionCredential(tenantId, clientId, async () => {
        const token = await identity.getToken('api://AzureADTokenExchange/.default');
        if (!token) throw new Error('managed identity returned no token');
        return token.token;
      }),
    };
  }
  if (env.AZURE_TENANT_ID && env.AZURE_TENANT_ID.toLowerCase() !== tenantId.toLowerCase()) {
    throw new Error(
      `No credential for tenant ${tenantId}: a managed identity only reaches its own tenant. Set AZURE_CLIENT_ID with AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH, AZURE_FEDERATED_TOKEN_FILE or AZURE_MANAGED_IDENTITY_CLIENT_ID.`,
    );
  }
  return { kind: 'managedIdentity', credential: clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential() };
}
