import { Client, ResponseType, type AuthenticationProvider, type Context, type Middleware } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials';
import type { ZodType, ZodTypeDef } from 'zod';
import { DEFAULT_GRAPH_BASE_URL } from '../config/estate';
import { isLoopbackUrl } from '../config/net';
import { scrubPersonal } from '../logger';
import { checkTenantToken, credentialForTenant, type CredentialEnv, type CredentialExtras, type CredentialTenant, type TokenFailure } from './credentials';
import { GraphError, GraphInputError, GraphResponseInvalidError } from './errors';
import { queryString } from './odata';
import { pageOf } from './schemas';
import { parseRetryAfter } from '../domain/backoff';
import { systemClock, type Clock } from '../domain/clock';
import { DEFAULT_RETRY, RequestPolicy, RetryMiddleware, type RetryEvent, type RetrySettings } from './retry';

/** What the gateway needs to know about a tenant (structurally the estate's TenantConfig). */
export interface GraphTenant extends CredentialTenant {
  id: string;
  graphBaseUrl?: string;
}

/** Minimal logger surface (pino's), so tests can pass a spy. Only ids, paths and statuses are logged. */
export interface GraphLog {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface GraphClientOptions {
  tenants: GraphTenant[];
  /** Where credentials come from; defaults to process.env. */
  env?: CredentialEnv;
  /** Options for every credential (tests: TLS trust for a loopback token endpoint). */
  credentialExtras?: CredentialExtras;
  retry?: Partial<RetrySettings>;
  /** Defaults to the system clock; tests pass a virtual one (any part of it). */
  time?: Partial<Clock>;
  log?: GraphLog;
  /** Told of every Graph answer (status and request id), for traces and the 429 count. */
  onResponse?: (e: { tenantId: string; status: number; requestId?: string; method: string }) => void;
  /** Replaces global fetch (tests). */
  fetch?: typeof fetch;
  /** Replaces the credential-based auth provider per tenant (tests, or a custom credential). */
  authProviderFor?: (tenant: GraphTenant) => AuthenticationProvider;
}

class AuthMiddleware implements Middleware {
  private next?: Middleware;
  constructor(
    private readonly provider: AuthenticationProvider,
    private readonly tenantId: string,
  ) {}
  setNext(next: Middleware): void {
    this.next = next;
  }
  async execute(context: Context): Promise<void> {
    let token: string;
    try {
      token = await this.provider.getAccessToken();
    } catch (err) {
      const policy = context.middlewareControl?.getMiddlewareOptions(RequestPolicy) as RequestPolicy | undefined;
      const failure = new GraphError({
        operation: policy?.operation ?? 'call Microsoft Graph',
        status: 0,
        code: 'AuthenticationFailed',
        // azure-identity messages name the tenant and client id, never the secret.
        graphMessage: `could not sign in to tenant ${this.tenantId}: ${String((err as Error)?.message ?? err).split('\n')[0]}`,
      });
      if (policy) policy.failure = failure;
      throw failure;
    }
    const headers = (context.options!.headers ?? {}) as Record<string, string>;
    headers['Authorization'] = `Bearer ${token}`;
    context.options!.headers = headers;
    await this.next!.execute(context);
  }
}

/** Reports each attempt's answer (inside the retry, so every 429 counts); never changes it. */
class ObserveMiddleware implements Middleware {
  private next?: Middleware;
  constructor(
    private readonly tenantId: string,
    private readonly report: NonNullable<GraphClientOptions['onResponse']>,
  ) {}
  setNext(next: Middleware): void {
    this.next = next;
  }
  async execute(context: Context): Promise<void> {
    await this.next!.execute(context);
    const res = context.response;
    if (!res) return;
    try {
      this.report({
        tenantId: this.tenantId,
        status: res.status,
        requestId: res.headers.get('request-id') ?? undefined,
        method: String(context.options?.method ?? 'GET'),
      });
    } catch {
      /* observation must never break a call */
    }
  }
}

class FetchMiddleware implements Middleware {
  constructor(private readonly fetchImpl: typeof fetch) {}
  async execute(context: Context): Promise<void> {
    context.response = await this.fetchImpl(context.request as string, context.options);
  }
}

/** A token for loopback hosts (the simulator): there is nothing to sign in to, and no secret to leak. */
const staticToken: AuthenticationProvider = { getAccessToken: () => Promise.resolve('simulator') };

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface GraphCall<T> {
  method: HttpMethod;
  /** Relative to the tenant's base URL, already encoded (see odata.ts). */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  operation: string;
  schema?: ZodType<T, ZodTypeDef, unknown>;
  idempotent?: boolean;
  timeoutMs?: number;
  headers?: Record<string, string>;
}

export interface GraphAnswer<T> {
  status: number;
  data: T;
  requestId?: string;
}

/** One tenant's Graph: the library client with our middleware, plus error mapping and validation. */
export class TenantGraph {
  readonly baseUrl: string;
  private readonly client: Client;

  constructor(
    readonly tenantId: string,
    baseUrl: string,
    middleware: Middleware[],
    private readonly clock: Pick<Clock, 'now'> = systemClock,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    const m = /^(.*)\/(v1\.0|beta)$/.exec(this.baseUrl);
    this.client = Client.initWithMiddleware({ middleware, baseUrl: m ? m[1] : this.baseUrl, defaultVersion: m ? m[2] : '' });
  }

  async call<T = unknown>(req: GraphCall<T>): Promise<GraphAnswer<T>> {
    const policy = new RequestPolicy(req.operation, req.idempotent, req.timeoutMs);
    const request = this.client
      .api(req.path + queryString(req.query ?? {}))
      .responseType(ResponseType.RAW)
      .middlewareOptions([policy]);
    for (const [k, v] of Object.entries(req.headers ?? {})) request.header(k, v);
    let res: Response;
    try {
      switch (req.method) {
        case 'GET':
          res = (await request.get()) as Response;
          break;
        case 'POST':
          res = (await request.post(req.body)) as Response;
          break;
        case 'PUT':
          res = (await request.put(req.body)) as Response;
          break;
        case 'PATCH':
          res = (await request.patch(req.body)) as Response;
          break;
        case 'DELETE':
          res = (await request.delete()) as Response;
          break;
      }
    } catch (err) {
      if (policy.failure) throw policy.failure;
      throw new GraphError({ operation: req.operation, status: 0, code: 'ClientError', graphMessage: String((err as Error)?.message ?? err) });
    }
    const headerRequestId = res.headers.get('request-id') ?? res.headers.get('client-request-id') ?? undefined;
    const text = await res.text();
    if (!res.ok) throw errorFromResponse(req.operation, res.status, text, headerRequestId, res.headers.get('retry-after'), this.clock.now());
    if (!req.schema) return { status: res.status, data: undefined as T, requestId: headerRequestId };
    return { status: res.status, data: parseBody(req.operation, text, req.schema, headerRequestId), requestId: headerRequestId };
  }

  async get<T>(
    path: string,
    schema: ZodType<T, ZodTypeDef, unknown>,
    operation: string,
    query?: GraphCall<T>['query'],
    headers?: Record<string, string>,
  ): Promise<T> {
    return (await this.call({ method: 'GET', path, query, schema, operation, headers })).data;
  }

  /** Follows @odata.nextLink until the end or `maxItems`; nextLinks must stay on this tenant's base URL. */
  async getAll<T>(
    path: string,
    itemSchema: ZodType<T, ZodTypeDef, unknown>,
    operation: string,
    query?: GraphCall<T>['query'],
    maxItems = 10_000,
  ): Promise<T[]> {
    const page = pageOf(itemSchema);
    const items: T[] = [];
    let next: { path: string; query?: GraphCall<T>['query'] } | undefined = { path, query };
    for (let pages = 0; next && items.length < maxItems; pages++) {
      if (pages >= 1000) throw new GraphResponseInvalidError(operation, 'more than 1000 pages; stopping');
      const answer = (await this.get(next.path, page, operation, next.query)) as { value: T[]; '@odata.nextLink'?: string };
      items.push(...answer.value);
      next = answer['@odata.nextLink'] ? { path: this.relativeLink(answer['@odata.nextLink'], operation) } : undefined;
    }
    return items.slice(0, maxItems);
  }

  /** Turns an absolute nextLink into a path for this client; refuses links to other hosts (our token goes with it). */
  relativeLink(link: string, operation: string): string {
    if (link.startsWith(`${this.baseUrl}/`)) return link.slice(this.baseUrl.length);
    throw new GraphResponseInvalidError(operation, `@odata.nextLink leaves ${this.baseUrl}`);
  }
}

function parseBody<T>(operation: string, text: string, schema: ZodType<T, ZodTypeDef, unknown>, requestId?: string): T {
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    throw new GraphResponseInvalidError(operation, 'body is not JSON', requestId);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new GraphResponseInvalidError(operation, issues, requestId);
  }
  return parsed.data;
}

export function errorFromResponse(
  operation: string,
  status: number,
  text: string,
  headerRequestId: string | undefined,
  retryAfter: string | null | undefined,
  nowMs: number,
): GraphError {
  let code: string | undefined;
  let message: string | undefined;
  let requestId = headerRequestId;
  try {
    const body = JSON.parse(text) as {
      error?: { code?: unknown; message?: unknown; innerError?: Record<string, unknown>; innererror?: Record<string, unknown> };
    };
    const e = body?.error;
    if (e && typeof e === 'object') {
      if (typeof e.code === 'string') code = e.code;
      if (typeof e.message === 'string') message = e.message;
      const inner = e.innerError ?? e.innererror;
      const rid = inner?.['request-id'] ?? inner?.['requestId'];
      if (typeof rid === 'string') requestId = rid;
    }
  } catch {
    /* not JSON: keep the status */
  }
  return new GraphError({ operation, status, code, graphMessage: message, requestId, retryAfterMs: parseRetryAfter(retryAfter, nowMs) });
}

/** One TenantGraph per tenant id, created on first use and kept (tokens are cached by the credential). */
export class GraphClientFactory {
  private readonly tenants = new Map<string, GraphTenant>();
  private readonly clients = new Map<string, TenantGraph>();
  readonly time: Clock;
  readonly retry: RetrySettings;

  constructor(private readonly options: GraphClientOptions) {
    for (const t of options.tenants) this.tenants.set(t.id.toLowerCase(), t);
    this.time = { ...systemClock, ...options.time };
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
  }

  forTenant(tenantId: string): TenantGraph {
    const key = (tenantId ?? '').toLowerCase();
    const existing = this.clients.get(key);
    if (existing) return existing;
    const tenant = this.tenants.get(key);
    if (!tenant) throw new GraphInputError('reach Microsoft Graph', `tenant ${tenantId} is not in the configured estate`);
    const baseUrl = (tenant.graphBaseUrl ?? DEFAULT_GRAPH_BASE_URL).replace(/\/+$/, '');
    const log = this.options.log;
    const onRetry = (e: RetryEvent) => log?.warn({ tenantId: key, ...e, operation: scrubPersonal(e.operation) }, 'graph retry');
    const chain: Middleware[] = [
      new RetryMiddleware(this.retry, this.time, onRetry),
      ...(this.options.onResponse ? [new ObserveMiddleware(key, this.options.onResponse)] : []),
      new AuthMiddleware(this.authProvider(tenant, baseUrl), key),
      new FetchMiddleware(this.options.fetch ?? ((input, init) => fetch(input, init))),
    ];
    const client = new TenantGraph(key, baseUrl, chain, this.time);
    this.clients.set(key, client);
    return client;
  }

  /**
   * Which tenants have no usable credential in the environment, said in words, without calling anything: run at
   * start-up so a missing secret is a configuration error, not a failure at the first command.
   */
  credentialProblems(): { tenantId: string; problem: string }[] {
    if (this.options.authProviderFor) return [];
    const out: { tenantId: string; problem: string }[] = [];
    for (const tenant of this.tenants.values()) {
      const baseUrl = tenant.graphBaseUrl ?? DEFAULT_GRAPH_BASE_URL;
      if (isLoopbackUrl(baseUrl)) continue;
      try {
        this.credentialFor(tenant);
      } catch (err) {
        out.push({ tenantId: tenant.id, problem: (err as Error).message });
      }
    }
    return out;
  }

  /**
   * Asks every tenant with a real credential for one token, all at once, and says for each that fails why
   * (consent missing, wrong secret, wrong cloud, unreachable). Run at start-up after credentialProblems().
   */
  async tokenProblems(timeoutMs = 15_000): Promise<({ tenantId: string } & TokenFailure)[]> {
    if (this.options.authProviderFor) return [];
    const checks = [...this.tenants.values()]
      .filter((t) => !isLoopbackUrl(t.graphBaseUrl ?? DEFAULT_GRAPH_BASE_URL))
      .map(async (tenant) => {
        const failure = await checkTenantToken(
          tenant.id,
          this.credentialFor(tenant),
          graphScope(tenant.graphBaseUrl ?? DEFAULT_GRAPH_BASE_URL),
          timeoutMs,
          this.options.credentialExtras,
        );
        return failure ? { tenantId: tenant.id, ...failure } : undefined;
      });
    return (await Promise.all(checks)).filter((x): x is { tenantId: string } & TokenFailure => x !== undefined);
  }

  /** One credential per tenant, kept: the start-up check's token is then reused by the first Graph call. */
  private readonly credentials = new Map<string, ReturnType<typeof credentialForTenant>>();
  private credentialFor(tenant: GraphTenant): ReturnType<typeof credentialForTenant> {
    const key = tenant.id.toLowerCase();
    let found = this.credentials.get(key);
    if (!found) {
      found = credentialForTenant(tenant, this.options.env ?? process.env, this.options.credentialExtras);
      this.credentials.set(key, found);
    }
    return found;
  }

  private authProvider(tenant: GraphTenant, baseUrl: string): AuthenticationProvider {
    if (this.options.authProviderFor) return this.options.authProviderFor(tenant);
    if (isLoopbackUrl(baseUrl)) return staticToken;
    return new TokenCredentialAuthenticationProvider(this.credentialFor(tenant).credential, { scopes: [graphScope(baseUrl)] });
  }
}

/** Tokens are per cloud: the scope is the tenant's own Graph host (graph.microsoft.us/.default in US Gov). */
export function graphScope(graphBaseUrl: string): string {
  return `${new URL(graphBaseUrl).origin}/.default`;
}
