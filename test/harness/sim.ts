/** Direct HTTP access to the simulator, for arranging a scenario and checking its effects (not through the bot). */

export interface SimRequest {
  tenantId: string;
  method: string;
  path: string;
  status: number;
  inBatch?: boolean;
  requestId?: string;
}

export class SimControl {
  constructor(readonly url: string) {}

  /** `headers`: extra request headers, e.g. `x-sim-actor` (who the directory audit log says made a change). */
  async graph(tenantId: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<any> {
    const res = await fetch(`${this.url}/${tenantId}/v1.0${path}`, {
      method,
      headers: { Authorization: 'Bearer test', 'Content-Type': 'application/json', ConsistencyLevel: 'eventual', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  /** Every item of a Graph collection, following @odata.nextLink. */
  async all(tenantId: string, path: string): Promise<any[]> {
    const out: any[] = [];
    let page = await this.graph(tenantId, 'GET', path);
    for (;;) {
      out.push(...page.value);
      const next: string | undefined = page['@odata.nextLink'];
      if (!next) return out;
      page = await this.graph(tenantId, 'GET', next.slice(`${this.url}/${tenantId}/v1.0`.length));
    }
  }

  async control(method: string, path: string, body?: unknown): Promise<any> {
    const res = await fetch(`${this.url}/_sim${path}`, { method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    if (!res.ok) throw new Error(`control ${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  cycle(tenantId: string, jobId: string) {
    return this.control('POST', `/tenants/${tenantId}/jobs/${encodeURIComponent(jobId)}/cycle`);
  }

  quarantine(tenantId: string, jobId: string, reason = 'EncounteredQuarantineException') {
    return this.control('POST', `/tenants/${tenantId}/jobs/${encodeURIComponent(jobId)}/quarantine`, { reason });
  }

  async requests(): Promise<SimRequest[]> {
    return (await this.control('GET', '/requests')).requests;
  }

  clearRequests() {
    return this.control('DELETE', '/requests');
  }

  /** Graph writes (anything but GET) the simulator received, optionally only those whose path matches. */
  async writes(match?: RegExp): Promise<SimRequest[]> {
    return (await this.requests()).filter((r) => r.method !== 'GET' && !r.path.endsWith('/$batch') && (!match || match.test(r.path)));
  }

  job(tenantId: string, spId: string, jobId: string) {
    return this.graph(tenantId, 'GET', `/servicePrincipals/${spId}/synchronization/jobs/${encodeURIComponent(jobId)}`);
  }
}
