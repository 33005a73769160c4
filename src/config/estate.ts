import { z } from 'zod';
import { cloudMismatch } from './clouds';
import { isLoopbackUrl } from './net';

/**
 * The estate file named by CTS_CONFIG: which tenants the bot talks to and which CTS configurations it runs.
 * The simulator's `GET /_sim/estate` answers this same shape, so a demo estate can be saved and reused.
 */

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const GUID_EXAMPLE = '72f988bf-86f1-41af-91ab-2d7cd011db47';

export const guid = (what: string) =>
  z
    .string({
      required_error: `${what} is required (a GUID such as ${GUID_EXAMPLE})`,
      invalid_type_error: `${what} must be a string GUID such as ${GUID_EXAMPLE}`,
    })
    .regex(GUID, { message: `${what} must be a GUID such as ${GUID_EXAMPLE}` })
    .transform((s) => s.toLowerCase());

/** Configuration names are typed in chat, so keep them to one word that needs no quoting. */
const CONFIG_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/i;

function urlPart(u: string, part: 'protocol' | 'pathname'): string {
  try {
    return new URL(u)[part];
  } catch {
    return '';
  }
}

export const DEFAULT_GRAPH_BASE_URL = 'https://graph.microsoft.com/v1.0';

const TenantSchema = z
  .object({
    id: guid('tenant id'),
    name: z.string({ required_error: 'tenant name is required (e.g. "Contoso")' }).trim().min(1, 'tenant name must not be empty'),
    graphBaseUrl: z
      .string()
      .url('graphBaseUrl must be an absolute URL such as https://graph.microsoft.com/v1.0')
      .refine((u) => /^https?:$/.test(new URL(u).protocol), 'graphBaseUrl must be http(s)')
      .refine(
        (u) => isLoopbackUrl(u) || urlPart(u, 'protocol') === 'https:',
        'graphBaseUrl must use https (plain http is only allowed on a loopback address such as the local simulator)',
      )
      .refine((u) => /\/(v1\.0|beta)\/*$/.test(urlPart(u, 'pathname')), 'graphBaseUrl must end in /v1.0 or /beta, e.g. https://graph.microsoft.com/v1.0')
      .transform((u) => u.replace(/\/+$/, ''))
      .default(DEFAULT_GRAPH_BASE_URL),
    /** Where this tenant signs in (its cloud's Entra host); default AZURE_AUTHORITY_HOST, else the Graph host's cloud. */
    authorityHost: z
      .string()
      .url('authorityHost must be an absolute URL such as https://login.microsoftonline.us')
      .refine((u) => isLoopbackUrl(u) || urlPart(u, 'protocol') === 'https:', 'authorityHost must use https (plain http is only allowed on a loopback address)')
      .transform((u) => u.replace(/\/+$/, ''))
      .optional(),
    /** How the bot's app signs in to this tenant; absent = @azure/identity's environment variables. */
    credential: z.lazy(() => CredentialSchema).optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (t.authorityHost && !isLoopbackUrl(t.graphBaseUrl)) {
      const mismatch = cloudMismatch(t.authorityHost, t.graphBaseUrl);
      if (mismatch) ctx.addIssue({ code: 'custom', path: ['authorityHost'], message: `tenant ${t.name} (${t.id}): ${mismatch}` });
    }
  });

/** The name of an environment variable (secrets are never written in the estate file, only where to find them). */
const envName = (what: string) =>
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, `${what} must be the NAME of an environment variable (letters, digits, _), not the value itself`);

const clientId = guid("credential.clientId (the application (client) id of the bot's multi-tenant app)").optional();

/**
 * One multi-tenant app registration, consented in each tenant, signing in with one of three kinds of proof.
 * Every field but `kind` defaults to @azure/identity's environment variables (AZURE_CLIENT_ID, …).
 */
const CredentialSchema = z.discriminatedUnion(
  'kind',
  [
    z.object({ kind: z.literal('secret'), clientId, secretVariable: envName('credential.secretVariable').optional() }).strict(),
    z
      .object({
        kind: z.literal('certificate'),
        clientId,
        /** A PEM file holding the certificate and its private key. */
        certificatePath: z.string().trim().min(1, 'credential.certificatePath must not be empty').optional(),
        certificatePasswordVariable: envName('credential.certificatePasswordVariable').optional(),
      })
      .strict(),
    z
      .object({
        kind: z.literal('managedIdentity'),
        clientId,
        /** The user-assigned managed identity registered as a federated credential of the app. */
        managedIdentityClientId: guid('credential.managedIdentityClientId').optional(),
      })
      .strict(),
  ],
  {
    errorMap: (issue, ctx) =>
      issue.code === 'invalid_union_discriminator'
        ? {
            message:
              'credential.kind must be "secret", "certificate" or "managedIdentity" (a managed identity as federated credential of the app: no secret anywhere)',
          }
        : { message: ctx.defaultError },
  },
);

export type TenantCredentialConfig = z.infer<typeof CredentialSchema>;

const ConfigurationSchema = z
  .object({
    name: z
      .string({ required_error: 'configuration name is required (e.g. "contoso-to-fabrikam")' })
      .regex(CONFIG_NAME, 'configuration name must be one word of letters, digits, ".", "_" or "-" (e.g. "contoso-to-fabrikam"), at most 64 characters'),
    sourceTenantId: guid('sourceTenantId'),
    targetTenantId: guid('targetTenantId'),
    servicePrincipalId: guid('servicePrincipalId (the object id of the CTS service principal, not its appId)'),
    jobId: z.string().trim().min(1, 'jobId must not be empty; leave it out to find the job by listing').optional(),
  })
  .strict();

export const EstateSchema = z
  .object({
    homeTenantId: guid('homeTenantId'),
    tenants: z.array(TenantSchema).min(1, 'tenants must list at least one tenant'),
    configurations: z.array(ConfigurationSchema).min(1, 'configurations must list at least one CTS configuration'),
    pollIntervalSeconds: z
      .number({ invalid_type_error: 'pollIntervalSeconds must be a number of seconds (10 or more)' })
      .int('pollIntervalSeconds must be a whole number')
      .min(10, 'pollIntervalSeconds must be at least 10')
      .max(86400, 'pollIntervalSeconds must be at most 86400')
      .default(60),
    /** How often the leader re-runs the doctor's checks to raise drift alerts (docs/doctor.md). */
    driftCheckMinutes: z
      .number({ invalid_type_error: 'driftCheckMinutes must be a number of minutes (1 or more), e.g. 60' })
      .int('driftCheckMinutes must be a whole number of minutes, e.g. 60')
      .min(1, 'driftCheckMinutes must be at least 1')
      .max(7 * 24 * 60, 'driftCheckMinutes must be at most 10080 (one week)')
      .default(60),
    /** Scope growth between two drift checks above this share raises a drift alert. */
    scopeGrowthAlertPercent: z
      .number({ invalid_type_error: 'scopeGrowthAlertPercent must be a number, e.g. 20 for 20 %' })
      .min(0, 'scopeGrowthAlertPercent must be 0 or more (0 = any growth alerts), e.g. 20')
      .max(100_000, 'scopeGrowthAlertPercent must be at most 100000')
      .default(20),
    approvals: z
      .object({
        expiresAfterHours: z
          .number()
          .positive('approvals.expiresAfterHours must be positive')
          .max(24 * 30)
          .default(72),
      })
      .strict()
      .default({}),
    /**
     * Names a synced account must not pass for (executives, say): display names or UPN prefixes. An add request
     * whose account resembles one warns the approver (docs/risk-signals.md).
     */
    protectedNames: z
      .array(
        z
          .string({ invalid_type_error: 'protectedNames must list names as strings, e.g. ["Satya Nadella", "satyan"]' })
          .trim()
          .min(2, 'protectedNames entries must be at least 2 characters (a display name or a UPN prefix)')
          .max(256, 'protectedNames entries must be at most 256 characters'),
        { invalid_type_error: 'protectedNames must be a list of names, e.g. ["Satya Nadella", "satyan"]' },
      )
      .max(1000, 'protectedNames may list at most 1000 names')
      .default([]),
    // Periodic scope review (docs/review.md): off unless reviewEveryDays is set.
    reviewEveryDays: z
      .number({ invalid_type_error: 'reviewEveryDays must be a number of days (leave it out to start reviews only by command)' })
      .int('reviewEveryDays must be a whole number of days')
      .min(1, 'reviewEveryDays must be at least 1')
      .max(366, 'reviewEveryDays must be at most 366')
      .optional(),
    reviewDays: z
      .number({ invalid_type_error: 'reviewDays must be a number of days (how long approvers have to decide; default 14)' })
      .int('reviewDays must be a whole number of days')
      .min(1, 'reviewDays must be at least 1')
      .max(90, 'reviewDays must be at most 90')
      .default(14),
    reviewDefault: z
      .enum(['keep', 'remove'], {
        errorMap: () => ({ message: 'reviewDefault must be "keep" or "remove" (what undecided items get at the deadline; default keep)' }),
      })
      .default('keep'),
  })
  .strict()
  .superRefine((estate, ctx) => {
    if (estate.reviewEveryDays !== undefined && estate.reviewEveryDays < estate.reviewDays) {
      ctx.addIssue({
        code: 'custom',
        path: ['reviewEveryDays'],
        message: `reviewEveryDays (${estate.reviewEveryDays}) must be at least reviewDays (${estate.reviewDays}): a review must end before the next one starts`,
      });
    }
    const tenantIds = new Set(estate.tenants.map((t) => t.id));
    estate.tenants.forEach((t, i) => {
      if (estate.tenants.findIndex((o) => o.id === t.id) !== i) {
        ctx.addIssue({ code: 'custom', path: ['tenants', i, 'id'], message: `tenant ${t.id} is listed twice` });
      }
    });
    if (!tenantIds.has(estate.homeTenantId)) {
      ctx.addIssue({
        code: 'custom',
        path: ['homeTenantId'],
        message: `home tenant ${estate.homeTenantId} must also be listed in tenants (roles are read there)`,
      });
    }
    const seen = new Set<string>();
    estate.configurations.forEach((c, i) => {
      for (const key of ['sourceTenantId', 'targetTenantId'] as const) {
        if (!tenantIds.has(c[key])) {
          ctx.addIssue({ code: 'custom', path: ['configurations', i, key], message: `tenant ${c[key]} is not listed in tenants` });
        }
      }
      if (c.sourceTenantId === c.targetTenantId) {
        ctx.addIssue({ code: 'custom', path: ['configurations', i, 'targetTenantId'], message: 'source and target tenant must differ' });
      }
      const lower = c.name.toLowerCase();
      if (seen.has(lower)) {
        ctx.addIssue({
          code: 'custom',
          path: ['configurations', i, 'name'],
          message: `configuration name "${c.name}" is used twice (names are case-insensitive)`,
        });
      }
      seen.add(lower);
    });
  });

export type Estate = z.infer<typeof EstateSchema>;
export type TenantConfig = Estate['tenants'][number];
export type SyncConfiguration = Estate['configurations'][number];
