import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { Estate, EstateSchema, guid } from './estate';
import { isLoopbackHost, isLoopbackUrl } from './net';
import { ConfigError, ConfigProblem, problemsFromZod } from './problems';
import { DEFAULT_POLICY, parsePolicy, type Policy } from '../domain/policy';

export { ConfigError, formatProblems } from './problems';
export type { ConfigProblem } from './problems';
export type { Estate, SyncConfiguration, TenantConfig } from './estate';
export { EstateSchema } from './estate';
export { isLoopbackHost, isLoopbackUrl } from './net';

const port = (name: string) =>
  z.coerce
    .number({ invalid_type_error: `${name} must be a port number (0-65535)` })
    .int(`${name} must be a whole number`)
    .min(0, `${name} must be between 0 and 65535`)
    .max(65535, `${name} must be between 0 and 65535`);

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optional = <T extends z.ZodTypeAny>(schema: T) => z.preprocess(blankToUndefined, schema.optional());

const EnvSchema = z.object({
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  PORT: z.preprocess(blankToUndefined, port('PORT').default(3978)),
  SIM_PORT: optional(port('SIM_PORT')),
  SIM_CYCLE_SECONDS: z.preprocess(
    blankToUndefined,
    z.coerce.number({ invalid_type_error: 'SIM_CYCLE_SECONDS must be a number of seconds' }).min(1, 'SIM_CYCLE_SECONDS must be at least 1').default(15),
  ),
  DATA_DIR: z.preprocess(blankToUndefined, z.string().default('./data')),
  LOG_LEVEL: z.preprocess(
    blankToUndefined,
    z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
        errorMap: () => ({ message: 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent' }),
      })
      .default('info'),
  ),
  CTS_CONFIG: optional(z.string()),
  /** The estate as JSON text instead of a file (an App Service or Container Apps setting); not with CTS_CONFIG. */
  CTS_CONFIG_JSON: optional(z.string()),
  CTS_POLICY: optional(z.string()),
  MONITOR: z.preprocess(blankToUndefined, z.enum(['on', 'off'], { errorMap: () => ({ message: 'MONITOR must be "on" or "off"' }) }).default('on')),
  AZURE_STORAGE_CONNECTION_STRING: optional(z.string()),
  AZURE_STORAGE_ACCOUNT_URL: optional(z.string().url('AZURE_STORAGE_ACCOUNT_URL must be a URL such as https://<account>.blob.core.windows.net')),
  AZURE_STORAGE_CONTAINER: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(
        /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/,
        'AZURE_STORAGE_CONTAINER must be a blob container name: 3-63 lower-case letters, digits and single dashes',
      )
      .default('cts-ops'),
  ),
  INSTANCE_ID: optional(z.string().max(100)),
  PUBLIC_URL: optional(z.string().url('PUBLIC_URL must be the URL people reach the bot at, such as https://cts-ops.example.com')),
  LEASE_SECONDS: z.preprocess(
    blankToUndefined,
    z.coerce
      .number({ invalid_type_error: 'LEASE_SECONDS must be a whole number of seconds from 15 to 60' })
      .int('LEASE_SECONDS must be a whole number of seconds from 15 to 60')
      .min(15, 'LEASE_SECONDS must be at least 15 (the shortest lease Azure Blob Storage grants)')
      .max(60, 'LEASE_SECONDS must be at most 60 (the longest fixed lease Azure Blob Storage grants)')
      .default(30),
  ),
  /** Application Insights (Azure Monitor OpenTelemetry); unset = no telemetry, nothing loaded. */
  APPLICATIONINSIGHTS_CONNECTION_STRING: optional(
    z
      .string()
      .regex(
        /InstrumentationKey=/i,
        'APPLICATIONINSIGHTS_CONNECTION_STRING must be an Application Insights connection string (InstrumentationKey=…;IngestionEndpoint=…)',
      ),
  ),
  MicrosoftAppId: optional(guid('MicrosoftAppId')),
  MicrosoftAppPassword: optional(z.string()),
  MicrosoftAppType: z.preprocess(
    blankToUndefined,
    z
      .enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI'], {
        errorMap: () => ({ message: 'MicrosoftAppType must be MultiTenant, SingleTenant or UserAssignedMSI' }),
      })
      .default('MultiTenant'),
  ),
  MicrosoftAppTenantId: optional(guid('MicrosoftAppTenantId')),
  /** Without an app id, anyone on this machine can act as any user: against real tenants only when said outright. */
  ALLOW_ANONYMOUS_REAL_TENANTS: z.preprocess(
    blankToUndefined,
    z.enum(['true', 'false'], { errorMap: () => ({ message: 'ALLOW_ANONYMOUS_REAL_TENANTS must be "true" or "false"' }) }).default('false'),
  ),
});

export type Env = z.infer<typeof EnvSchema>;

/** Every environment variable loadConfig reads (the Bicep's app settings are checked against these). */
export const ENV_VARIABLES: readonly string[] = Object.keys(EnvSchema.shape);

export interface BotAuthConfig {
  appId?: string;
  appPassword?: string;
  appType: 'MultiTenant' | 'SingleTenant' | 'UserAssignedMSI';
  appTenantId?: string;
}

export interface AppConfig {
  host: string;
  port: number;
  dataDir: string;
  logLevel: Env['LOG_LEVEL'];
  bot: BotAuthConfig;
  monitorEnabled: boolean;
  /** Durable state: a data directory (one process) or an Azure Blob container (several instances, one elected monitor). */
  storage: { kind: 'file' } | { kind: 'blob'; connectionString?: string; accountUrl?: string; container: string };
  /** Names this instance in the leader record. */
  instanceId: string;
  /** Blob mode: the leader lease (15–60 s); a dead leader is replaced within about two of these. */
  leaseSeconds: number;
  /** Base of links the bot hands out (audit export downloads); default the server's own URL. */
  publicUrl?: string;
  /** Application Insights connection string; unset = telemetry off. */
  telemetryConnectionString?: string;
  /** Who may do what: the defaults, overridden by the CTS_POLICY file when set. */
  policy: Policy;
  mode: 'simulator' | 'graph';
  /** In graph mode, the validated CTS_CONFIG estate. In simulator mode it comes from the simulator at start-up. */
  estate?: Estate;
  simulator?: { port: number; cycleSeconds: number };
}

/**
 * Reads and validates everything the bot is configured with, reporting every problem at once.
 * Throws ConfigError; never half-configures.
 */
export function loadConfig(env: NodeJS.ProcessEnv, cwd = process.cwd()): AppConfig {
  const problems: ConfigProblem[] = [];
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push({ where: String(issue.path[0] ?? 'environment'), message: issue.message });
    }
  }
  const e = parsed.success ? parsed.data : undefined;

  let estate: Estate | undefined;
  const configPath = typeof env.CTS_CONFIG === 'string' && env.CTS_CONFIG.trim() ? path.resolve(cwd, env.CTS_CONFIG) : undefined;
  const inlineEstate = typeof env.CTS_CONFIG_JSON === 'string' && env.CTS_CONFIG_JSON.trim() ? env.CTS_CONFIG_JSON : undefined;
  if (configPath && inlineEstate) {
    problems.push({ where: 'CTS_CONFIG_JSON', message: 'set either CTS_CONFIG (a file) or CTS_CONFIG_JSON (the estate itself), not both' });
  } else if (configPath) {
    const result = readEstateFile(configPath);
    if (result.ok) estate = result.estate;
    else problems.push(...result.problems);
  } else if (inlineEstate) {
    let json: unknown;
    try {
      json = JSON.parse(inlineEstate);
    } catch (err) {
      problems.push({ where: 'CTS_CONFIG_JSON', message: `is not valid JSON: ${(err as Error).message}` });
    }
    if (json !== undefined) {
      const result = parseEstate(json, 'CTS_CONFIG_JSON');
      if (result.ok) estate = result.estate;
      else problems.push(...result.problems);
    }
  }

  let policy = DEFAULT_POLICY;
  const policyPath = typeof env.CTS_POLICY === 'string' && env.CTS_POLICY.trim() ? path.resolve(cwd, env.CTS_POLICY) : undefined;
  if (policyPath) {
    const result = readPolicyFile(policyPath);
    if (result.ok) policy = result.policy;
    else problems.push(...result.problems);
  }

  if (e) {
    if (!e.MicrosoftAppId && !isLoopbackHost(e.HOST)) {
      problems.push({
        where: 'HOST',
        message: `"${e.HOST}" is not a loopback address and MicrosoftAppId is not set. Without an app id the bot accepts unauthenticated requests, which is only safe on 127.0.0.1/localhost. Set MicrosoftAppId (and MicrosoftAppPassword) or use HOST=127.0.0.1.`,
      });
    }
    const realTenants = estate ? tenantsNeedingCredentials(estate) : [];
    if (!e.MicrosoftAppId && realTenants.length > 0 && e.ALLOW_ANONYMOUS_REAL_TENANTS !== 'true') {
      problems.push({
        where: 'MicrosoftAppId',
        message: `is not set, so requests are not authenticated and any process or web page on this machine could act as any user, but CTS_CONFIG names ${realTenants.length} tenant(s) reached over a non-loopback Graph URL (${realTenants.join(', ')}). Set MicrosoftAppId (and MicrosoftAppPassword), or set ALLOW_ANONYMOUS_REAL_TENANTS=true to run unauthenticated against them anyway.`,
      });
    }
    if (e.AZURE_STORAGE_CONNECTION_STRING && e.AZURE_STORAGE_ACCOUNT_URL) {
      problems.push({
        where: 'AZURE_STORAGE_ACCOUNT_URL',
        message: 'set either AZURE_STORAGE_CONNECTION_STRING or AZURE_STORAGE_ACCOUNT_URL (with a managed identity), not both',
      });
    }
    if (e.MicrosoftAppId && e.MicrosoftAppType !== 'UserAssignedMSI' && !e.MicrosoftAppPassword) {
      problems.push({
        where: 'MicrosoftAppPassword',
        message: `is required when MicrosoftAppId is set with MicrosoftAppType=${e.MicrosoftAppType} (only UserAssignedMSI signs in without one)`,
      });
    }
    if (e.MicrosoftAppId && e.MicrosoftAppType !== 'MultiTenant' && !e.MicrosoftAppTenantId) {
      problems.push({ where: 'MicrosoftAppTenantId', message: `is required when MicrosoftAppType=${e.MicrosoftAppType}` });
    }
  }

  if (problems.length > 0 || !e) throw new ConfigError(problems);

  return Object.freeze({
    host: e.HOST,
    port: e.PORT,
    dataDir: path.resolve(cwd, e.DATA_DIR),
    logLevel: e.LOG_LEVEL,
    bot: { appId: e.MicrosoftAppId, appPassword: e.MicrosoftAppPassword, appType: e.MicrosoftAppType, appTenantId: e.MicrosoftAppTenantId },
    monitorEnabled: e.MONITOR === 'on',
    storage:
      e.AZURE_STORAGE_CONNECTION_STRING || e.AZURE_STORAGE_ACCOUNT_URL
        ? {
            kind: 'blob' as const,
            connectionString: e.AZURE_STORAGE_CONNECTION_STRING,
            accountUrl: e.AZURE_STORAGE_ACCOUNT_URL,
            container: e.AZURE_STORAGE_CONTAINER,
          }
        : { kind: 'file' as const },
    instanceId: e.INSTANCE_ID ?? `${hostname()}-${process.pid}`,
    leaseSeconds: e.LEASE_SECONDS,
    publicUrl: e.PUBLIC_URL,
    telemetryConnectionString: e.APPLICATIONINSIGHTS_CONNECTION_STRING,
    policy,
    mode: estate ? 'graph' : 'simulator',
    estate,
    simulator: estate ? undefined : { port: e.SIM_PORT ?? 0, cycleSeconds: e.SIM_CYCLE_SECONDS },
  });
}

export function readPolicyFile(file: string): { ok: true; policy: Policy } | { ok: false; problems: ConfigProblem[] } {
  const text = readText(file, 'CTS_POLICY');
  if (!text.ok) return text;
  const result = parsePolicy(text.text);
  if (result.ok) return result;
  // The policy parser words its problems as "$.path: what is wrong"; prefix the variable so the admin knows which file.
  return { ok: false, problems: result.problems.map((p) => ({ where: 'CTS_POLICY', message: `${file} ${p}` })) };
}

function readText(file: string, variable: string): { ok: true; text: string } | { ok: false; problems: ConfigProblem[] } {
  try {
    return { ok: true, text: readFileSync(file, 'utf8') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied' : `cannot be read (${code ?? 'error'})`;
    return { ok: false, problems: [{ where: variable, message: `${file}: ${why}` }] };
  }
}

export function readEstateFile(file: string): { ok: true; estate: Estate } | { ok: false; problems: ConfigProblem[] } {
  const read = readText(file, 'CTS_CONFIG');
  if (!read.ok) return read;
  let json: unknown;
  try {
    json = JSON.parse(read.text);
  } catch (err) {
    return { ok: false, problems: [{ where: 'CTS_CONFIG', message: `${file} is not valid JSON: ${(err as Error).message}` }] };
  }
  return parseEstate(json, 'CTS_CONFIG');
}

export function parseEstate(json: unknown, where = 'estate'): { ok: true; estate: Estate } | { ok: false; problems: ConfigProblem[] } {
  const result = EstateSchema.safeParse(json);
  if (result.success) return { ok: true, estate: result.data };
  return { ok: false, problems: problemsFromZod(where, result.error.issues) };
}

/** Tenants reached over a non-loopback URL need a real credential; loopback ones (the simulator) do not. */
export function tenantsNeedingCredentials(estate: Estate): string[] {
  return estate.tenants.filter((t) => !isLoopbackUrl(t.graphBaseUrl)).map((t) => t.id);
}
