import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { runBatch } from './batch';
import { SimError } from './engine';
import { matchRoute, type GraphRequest, type GraphResponse, type Route } from './graphHttp';
import { handleControl } from './control';
import { auditLogRoutes } from './routes/auditLogs';
import { altKeyRoute, botAppRoutes, permissionDenied } from './botApp';
import { defaultPolicyRoutes } from './defaultPolicy';
import { directoryAuditRoutes } from './directoryAudits';
import { directoryRoutes } from './routes/directory';
import { dynamicGroupRoutes } from './dynamicGroups';
import { policyRoutes } from './routes/policy';
import { servicePrincipalRoutes } from './routes/servicePrincipals';
import { synchronizationRoutes } from './routes/synchronization';
import { userWriteRoutes } from './routes/users';
import { contactRoutes } from './routes/contacts';
import type { SimState } from './state';

/** The HTTP face: /{tenantId}/v1.0/... speaks Graph; /_sim/... is the control API. */

const ROUTES: Route[] = [
  ...directoryRoutes,
  ...dynamicGroupRoutes,
  ...userWriteRoutes,
  ...contactRoutes,
  ...servicePrincipalRoutes,
  ...synchronizationRoutes,
  ...policyRoutes,
  ...defaultPolicyRoutes,
  ...auditLogRoutes,
  ...directoryAuditRoutes,
  ...botAppRoutes,
  altKeyRoute,
];

const JSON_TYPE = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
const MAX_BODY = 1024 * 1024;

export interface ServerContext {
  state: SimState;
  url: () => string;
  pageSize: number;
  retryAfterSeconds: number;
}

function envelope(code: string, message: string, requestId: string, clientRequestId: string, date: string): unknown {
  return { error: { code, message, innerError: { date, 'request-id': requestId, 'client-request-id': clientRequestId } } };
}

function errorResponse(e: unknown, requestId: string, clientRequestId: string, date: string): GraphResponse {
  if (e instanceof SimError) return { status: e.status, headers: e.headers, body: envelope(e.code, e.message, requestId, clientRequestId, date) };
  // Never leak a stack trace; the request id ties the answer to the server log.
  return { status: 500, body: envelope('InternalServerError', 'The simulator hit an unexpected error.', requestId, clientRequestId, date) };
}

/** The tenant, after the fault dice: each request, batched or not, is throttled on its own (reference §8). */
function admit(ctx: ServerContext, tenantId: string) {
  const { state } = ctx;
  const tenant = state.world.tenants.get(tenantId.toLowerCase());
  if (!tenant) throw new SimError(404, 'ResourceNotFound', `Tenant '${tenantId}' is not part of the simulated estate.`);
  const faults = state.faultsFor(tenant.id);
  if (faults && faults.rate429 > 0 && state.faultDice.chance(faults.rate429)) {
    throw new SimError(429, 'TooManyRequests', 'Too many requests (injected fault).', { 'retry-after': String(ctx.retryAfterSeconds) });
  }
  if (faults && faults.rate503 > 0 && state.faultDice.chance(faults.rate503)) {
    throw new SimError(503, 'ServiceUnavailable', 'The service is temporarily unavailable (injected fault).', { 'retry-after': String(ctx.retryAfterSeconds) });
  }
  return tenant;
}

/** Runs one Graph request (top level or inside $batch) against a tenant, including injected faults. */
function dispatch(
  ctx: ServerContext,
  tenantId: string,
  method: string,
  pathAndQuery: string,
  headers: Record<string, string>,
  body: unknown,
  inBatch: boolean,
  requestId: string,
): GraphResponse {
  const { state } = ctx;
  const clientRequestId = headers['client-request-id'] ?? requestId;
  const date = new Date(state.clock.now()).toISOString().replace(/\.\d{3}Z$/, '');
  const qIndex = pathAndQuery.indexOf('?');
  const path = qIndex < 0 ? pathAndQuery : pathAndQuery.slice(0, qIndex);
  const query = new URLSearchParams(qIndex < 0 ? '' : pathAndQuery.slice(qIndex + 1));
  let res: GraphResponse;
  try {
    const tenant = admit(ctx, tenantId);
    const m = matchRoute(ROUTES, method, path);
    if (m === 'method') throw new SimError(405, 'Request_BadRequest', `The method ${method} is not supported on '${path}'.`);
    if (!m) throw new SimError(404, 'ResourceNotFound', `Resource not found for the segment '${path.split('/').filter(Boolean).pop() ?? ''}'.`);
    const denied = permissionDenied(tenant, method, path);
    if (denied) throw denied;
    const req: GraphRequest = { state, tenant, method, path, query, headers, body, baseUrl: `${ctx.url()}/${tenant.id}/v1.0`, pageSize: ctx.pageSize };
    res = m.route.handler(req, m.params);
    if (method !== 'GET' && res.status < 300) {
      const lost = state.takeApplyThen(tenant.id, path);
      // The write happened; only its answer is lost, as when Graph times out behind its front door.
      if (lost)
        res = {
          status: lost,
          body: envelope(
            lost >= 500 ? 'InternalServerError' : 'Error',
            'The request was applied but the answer failed (injected fault).',
            requestId,
            clientRequestId,
            date,
          ),
        };
    }
  } catch (e) {
    res = errorResponse(e, requestId, clientRequestId, date);
  }
  state.requests.push({ tenantId: tenantId.toLowerCase(), method, path, status: res.status, inBatch, requestId });
  return res;
}

function send(resp: http.ServerResponse, r: GraphResponse, requestId: string, clientRequestId: string): void {
  const headers: Record<string, string> = { 'request-id': requestId, 'client-request-id': clientRequestId, ...(r.headers ?? {}) };
  let payload = '';
  if (r.body !== undefined) {
    if (typeof r.body === 'string') {
      payload = r.body;
      headers['content-type'] ??= 'text/plain';
    } else {
      payload = JSON.stringify(r.body);
      headers['content-type'] = JSON_TYPE;
    }
  }
  headers['content-length'] = String(Buffer.byteLength(payload));
  resp.writeHead(r.status, headers);
  resp.end(r.status === 204 ? undefined : payload);
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new SimError(413, 'RequestEntityTooLarge', 'The request body is too large.');
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function flatHeaders(req: http.IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

const GRAPH_PATH = /^\/([^/]+)\/v1\.0(\/.*)?$/i;

export function createServer(ctx: ServerContext): http.Server {
  return http.createServer((req, resp) => {
    void handle(ctx, req, resp);
  });
}

async function handle(ctx: ServerContext, req: http.IncomingMessage, resp: http.ServerResponse): Promise<void> {
  const requestId = randomUUID();
  const headers = flatHeaders(req);
  const clientRequestId = headers['client-request-id'] ?? requestId;
  const date = new Date(ctx.state.clock.now()).toISOString().replace(/\.\d{3}Z$/, '');
  const rawUrl = req.url ?? '/';
  const method = (req.method ?? 'GET').toUpperCase();
  try {
    const text = await readBody(req);
    let body: unknown;
    if (text.trim()) {
      try {
        body = JSON.parse(text);
      } catch {
        throw new SimError(400, 'BadRequest', 'The request body is not valid JSON.');
      }
    }
    const pathOnly = rawUrl.split('?')[0];
    if (pathOnly === '/_sim' || pathOnly.startsWith('/_sim/')) {
      return send(resp, handleControl(ctx, method, rawUrl, body), requestId, clientRequestId);
    }
    const m = GRAPH_PATH.exec(pathOnly);
    if (!m) throw new SimError(404, 'ResourceNotFound', 'Use /{tenantId}/v1.0/... for Graph or /_sim/... for the control API.');
    const tenantId = m[1];
    const rest = rawUrl.slice(m[0].length - (m[2]?.length ?? 0)) || '/';
    if (!/^Bearer\s+\S+/i.test(headers['authorization'] ?? '')) {
      const r = { status: 401, body: envelope('InvalidAuthenticationToken', 'Access token is empty.', requestId, clientRequestId, date) };
      ctx.state.requests.push({ tenantId: tenantId.toLowerCase(), method, path: pathOnly, status: 401, inBatch: false, requestId });
      return send(resp, r, requestId, clientRequestId);
    }
    const faults = ctx.state.faultsFor(tenantId.toLowerCase());
    if (faults && faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
    if (method === 'POST' && /^\/\$batch\/?(\?.*)?$/i.test(rest)) {
      let status = 200;
      try {
        admit(ctx, tenantId);
        const batch = runBatch(body, (item, path) => {
          const innerHeaders: Record<string, string> = { ...headers };
          for (const [k, v] of Object.entries(item.headers ?? {})) innerHeaders[k.toLowerCase()] = v;
          return dispatch(ctx, tenantId, item.method, path, innerHeaders, item.body, true, randomUUID());
        });
        return send(resp, { status: 200, body: batch }, requestId, clientRequestId);
      } catch (e) {
        const r = errorResponse(e, requestId, clientRequestId, date);
        status = r.status;
        return send(resp, r, requestId, clientRequestId);
      } finally {
        ctx.state.requests.push({ tenantId: tenantId.toLowerCase(), method, path: '/$batch', status, inBatch: false, requestId });
      }
    }
    return send(resp, dispatch(ctx, tenantId, method, rest, headers, body, false, requestId), requestId, clientRequestId);
  } catch (e) {
    send(resp, errorResponse(e, requestId, clientRequestId, date), requestId, clientRequestId);
  }
}
