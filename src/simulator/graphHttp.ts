import { SimError } from './engine';
import { FilterSyntaxError, filterProperties, matches, parseFilter } from './odata/filter';
import type { SimTenant } from './model';
import type { SimState } from './state';

/** The Graph request/response model the routes work with, plus the OData collection machinery. */

export interface GraphRequest {
  state: SimState;
  tenant: SimTenant;
  method: string;
  /** Path after /{tenant}/v1.0, e.g. /users/abc */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: unknown;
  /** http://host:port/{tenant}/v1.0 */
  baseUrl: string;
  pageSize: number;
}

export interface GraphResponse {
  status: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON, strings as text/plain, undefined as an empty body. */
  body?: unknown;
}

export type Handler = (req: GraphRequest, params: string[]) => GraphResponse;

export interface Route {
  method: string;
  segments: string[];
  handler: Handler;
}

export function route(method: string, pattern: string, handler: Handler): Route {
  return { method, segments: pattern.split('/').filter(Boolean), handler };
}

/** Literal segments match case-insensitively (Graph does); ':x' captures one decoded segment. */
export function matchRoute(routes: Route[], method: string, path: string): { route: Route; params: string[] } | 'method' | null {
  const parts = path
    .split('/')
    .filter(Boolean)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
  let methodMismatch = false;
  for (const r of routes) {
    if (r.segments.length !== parts.length) continue;
    const params: string[] = [];
    const ok = r.segments.every((seg, i) => {
      if (seg.startsWith(':')) {
        params.push(parts[i]);
        return true;
      }
      return seg.toLowerCase() === parts[i].toLowerCase();
    });
    if (!ok) continue;
    if (r.method !== method) {
      methodMismatch = true;
      continue;
    }
    return { route: r, params };
  }
  return methodMismatch ? 'method' : null;
}

export const ok = (body: unknown, status = 200): GraphResponse => ({ status, body });
export const noContent = (): GraphResponse => ({ status: 204 });

export function notFound(what: string, directory = true): SimError {
  return new SimError(
    404,
    directory ? 'Request_ResourceNotFound' : 'ResourceNotFound',
    `Resource '${what}' does not exist or one of its queried reference-property objects are not present.`,
  );
}

export function badRequest(message: string, directory = true): SimError {
  return new SimError(400, directory ? 'Request_BadRequest' : 'BadRequest', message);
}

export function parseBody<T>(
  req: GraphRequest,
  schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: (string | number)[]; message: string }[] } } },
  directory = true,
): T {
  const r = schema.safeParse(req.body);
  if (!r.success) {
    const first = r.error.issues[0];
    throw badRequest(`Invalid request body${first ? `: ${first.path.join('.') || '(root)'} ${first.message}` : ''}.`, directory);
  }
  return r.data;
}

function consistencyEventual(req: GraphRequest): boolean {
  return (req.headers['consistencylevel'] ?? '').toLowerCase() === 'eventual';
}

export interface CollectionOptions {
  context: string;
  /** Lower-cased property paths that $filter may use. */
  filterable: string[];
  caseInsensitive?: boolean;
  /** Directory objects need ConsistencyLevel: eventual for $count (advanced queries). */
  countNeedsEventual?: boolean;
  orderable?: string[];
  resourceName?: string;
  directory?: boolean;
}

function select(item: Record<string, unknown>, fields: string[] | null): Record<string, unknown> {
  if (!fields) return item;
  const out: Record<string, unknown> = {};
  if (item['@odata.type']) out['@odata.type'] = item['@odata.type'];
  for (const f of fields) {
    const key = Object.keys(item).find((k) => k.toLowerCase() === f.toLowerCase());
    if (key) out[key] = item[key];
  }
  return out;
}

export function selectFields(req: GraphRequest): string[] | null {
  const raw = req.query.get('$select');
  return raw
    ? raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : null;
}

export function single(req: GraphRequest, item: Record<string, unknown>, context: string): GraphResponse {
  return ok({ '@odata.context': `${req.baseUrl}/$metadata#${context}/$entity`, ...select(item, selectFields(req)) });
}

/** $filter, $orderby, $count, $top, $skiptoken and $select over an in-memory list, with an absolute nextLink. */
export function collection(req: GraphRequest, items: Record<string, unknown>[], o: CollectionOptions): GraphResponse {
  const directory = o.directory ?? true;
  const q = req.query;
  let list = items;
  const filterText = q.get('$filter');
  if (filterText) {
    let tree;
    try {
      tree = parseFilter(filterText);
    } catch (e) {
      if (e instanceof FilterSyntaxError) throw badRequest(`Invalid filter clause: ${e.message}`, directory);
      throw e;
    }
    const allowed = new Set(o.filterable.map((p) => p.toLowerCase()));
    for (const p of filterProperties(tree)) {
      if (!allowed.has(p.toLowerCase())) {
        throw new SimError(
          400,
          directory ? 'Request_UnsupportedQuery' : 'BadRequest',
          `Unsupported or invalid query filter clause specified for property '${p}' of resource '${o.resourceName ?? o.context}'.`,
        );
      }
    }
    const opts = { caseInsensitive: o.caseInsensitive ?? true };
    list = list.filter((it) => matches(tree, it, opts));
  }
  const orderBy = q.get('$orderby');
  if (orderBy) {
    const [prop = '', dir = 'asc'] = orderBy.trim().split(/\s+/);
    if (!(o.orderable ?? []).map((p) => p.toLowerCase()).includes(prop.toLowerCase()) || !/^(asc|desc)$/i.test(dir)) {
      throw badRequest(`Unsupported $orderby '${orderBy}'.`, directory);
    }
    const sign = dir.toLowerCase() === 'desc' ? -1 : 1;
    list = [...list].sort((a, b) => {
      const [x, y] = [sortKey(a[prop]), sortKey(b[prop])];
      return x < y ? -sign : x > y ? sign : 0;
    });
  }
  const count = q.get('$count');
  if (count !== null && count !== 'true' && count !== 'false') throw badRequest(`Invalid $count value '${count}'.`, directory);
  if (count === 'true' && o.countNeedsEventual && !consistencyEventual(req)) {
    throw new SimError(400, 'Request_UnsupportedQuery', '$count is only supported with the ConsistencyLevel header set to eventual.');
  }
  const topRaw = q.get('$top');
  let pageSize = req.pageSize;
  if (topRaw !== null) {
    const top = Number(topRaw);
    if (!Number.isInteger(top) || top < 1 || top > 999) throw badRequest(`Invalid $top value '${topRaw}': use 1 to 999.`, directory);
    pageSize = top;
  }
  let offset = 0;
  const skip = q.get('$skiptoken');
  if (skip !== null) {
    const m = /^o(\d+)$/.exec(Buffer.from(skip, 'base64url').toString('utf8'));
    if (!m) throw badRequest('Invalid $skiptoken.', directory);
    offset = Number(m[1]);
  }
  const page = list.slice(offset, offset + pageSize);
  const fields = selectFields(req);
  const body: Record<string, unknown> = { '@odata.context': `${req.baseUrl}/$metadata#${o.context}` };
  if (count === 'true') body['@odata.count'] = list.length;
  if (offset + pageSize < list.length) {
    const next = new URLSearchParams(q);
    next.set('$skiptoken', Buffer.from(`o${offset + pageSize}`).toString('base64url'));
    // Keep OData's $ and commas readable; URLSearchParams would escape them.
    const qs = [...next.entries()].map(([k, v]) => `${k}=${encodeURIComponent(v).replace(/%24/g, '$').replace(/%2C/g, ',')}`).join('&');
    body['@odata.nextLink'] = `${req.baseUrl}${req.path}?${qs}`;
  }
  body.value = page.map((it) => select(it, fields));
  return ok(body);
}

/** Strings and numbers sort by their text; objects (not orderable in Graph either) and absent values as ''. */
function sortKey(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
}
