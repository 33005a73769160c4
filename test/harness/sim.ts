import type { SynchronizationJob } from '@microsoft/microsoft-graph-types';
import type { Page } from './json';

/** Direct HTTP access to the simulator, for arranging a scenario and checking its effects (not through the bot). */

export interface SimRequest {
  tenantId: string;
  method: string;
  path: string;
  status: number;
  inBatch?: boolean;
  requestId?: string;
}

/** What POST /_sim/tenants/{t}/trip-deletes/{job} answers (src/simulator/control.ts). */
export interface TripDeletesAnswer {
  removedAssignments: { id: string; principalId: string; resourceId: string; appRoleId: string; principalType?: string }[];
  wouldDelete: number;
  threshold: number;
  thresholdEnabled: boolean;
}

export class SimControl {
  constructor(readonly url: string) {}

  /** `headers`: extra request headers, e.g. `x-sim-actor` (who the directory audit log says made a change). */
  async graph<T = unknown>(tenantId: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const res = await fetch(`${this.url}/${tenantId}/v1.0${path}`, {
      method,
      headers: { Authorization: 'Bearer test', 'Content-Type': 'application/json', ConsistencyLevel: 'eventual', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Every item of a Graph collection, following @odata.nextLink. */
  async all<T = unknown>(tenantId: string, path: string): Promise<T[]> {
    const out: T[] = [];
    let page = await this.graph<Page<T>>(tenantId, 'GET', path);
    for (;;) {
      out.push(...page.value);
      const next = page['@odata.nextLink'];
      if (!next) return out;
      page = await this.graph<Page<T>>(tenantId, 'GET', next.slice(`${this.url}/${tenantId}/v1.0`.length));
    }
  }

  async control<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url}/_sim${path}`, {
      method,
      headers: { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`control ${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  cycle(tenantId: string, jobId: string) {
    return this.control<SynchronizationJob>('POST', `/tenants/${tenantId}/jobs/${encodeURIComponent(jobId)}/cycle`);
  }

  quarantine(tenantId: string, jobId: string, reason = 'EncounteredQuarantineException') {
    return this.control<SynchronizationJob>('POST', `/tenants/${tenantId}/jobs/${encodeURIComponent(jobId)}/quarantine`, { reason });
  }

  async requests(): Promise<SimRequest[]> {
    return (await this.control<{ requests: SimRequest[] }>('GET', '/requests')).requests;
  }

  clearRequests() {
    return this.control('DELETE', '/requests');
  }

  /** Graph writes (anything but GET) the simulator received, optionally only those whose path matches. */
  async writes(match?: RegExp): Promise<SimRequest[]> {
    return (await this.requests()).filter((r) => r.method !== 'GET' && !r.path.endsWith('/$batch') && (!match || match.test(r.path)));
  }

  job(tenantId: string, spId: string, jobId: string) {
    return this.graph<SynchronizationJob>(tenantId, 'GET', `/servicePrincipals/${spId}/synchronization/jobs/${encodeURIComponent(jobId)}`);
  }
}
