import { plain } from '../domain/text';
import type { Estate, SyncConfiguration } from '../config';
import { suggestConfig } from '../domain/commands';
import type { CtsGraph } from '../graph/gateway';
import type { JobRef } from '../graph/jobs';
import type { SyncJob } from '../graph/schemas';

/** One configuration's job as read, or why it could not be read (the raw error: callers word it their own way). */
export type JobRead = { config: SyncConfiguration; job: SyncJob } | { config: SyncConfiguration; error: unknown };

export type ConfigLookup = { ok: true; config: SyncConfiguration } | { ok: false; problem: string; hint: string };

/** The CTS template every cross-tenant sync job is created from. */
const CTS_TEMPLATE = 'Azure2Azure';

/**
 * The configured CTS configurations: name resolution for chat ("did you mean") and the job each one runs.
 * A configuration without a jobId has its job found once by listing the service principal's jobs.
 */
export class Configurations {
  private readonly jobRefs = new Map<string, Promise<JobRef>>();

  constructor(
    readonly estate: Estate,
    private readonly graph: CtsGraph,
  ) {}

  get all(): readonly SyncConfiguration[] {
    return this.estate.configurations;
  }

  names(): string[] {
    return this.estate.configurations.map((c) => c.name);
  }

  tenantName(id: string): string {
    return this.estate.tenants.find((t) => t.id === id)?.name ?? id;
  }

  route(config: SyncConfiguration): string {
    return `${this.tenantName(config.sourceTenantId)} → ${this.tenantName(config.targetTenantId)}`;
  }

  /** `name` as typed in chat; may be omitted when there is only one configuration. */
  resolve(name: string | undefined): ConfigLookup {
    const names = this.names();
    if (!name) {
      if (this.estate.configurations.length === 1) return { ok: true, config: this.estate.configurations[0] };
      return { ok: false, problem: 'Which configuration?', hint: `Name one of: ${names.join(', ')}.` };
    }
    const found = suggestConfig(name, names);
    if (found.match) return { ok: true, config: this.estate.configurations.find((c) => c.name === found.match)! };
    return {
      ok: false,
      problem: `There is no configuration called "${plain(name, 64)}".`,
      hint: found.didYouMean ? `Did you mean ${found.didYouMean}? Configurations: ${names.join(', ')}.` : `Configurations: ${names.join(', ')}.`,
    };
  }

  find(name: string): SyncConfiguration | undefined {
    return this.estate.configurations.find((c) => c.name.toLowerCase() === name.toLowerCase());
  }

  /**
   * Every configuration's job, in configuration order, read through $batch: one request per 20 jobs of a source
   * tenant. A failure is that job's own result, never the whole read's. Used by `status` and by the monitor.
   */
  async readAllJobs(): Promise<JobRead[]> {
    const byTenant = new Map<string, SyncConfiguration[]>();
    for (const c of this.all) byTenant.set(c.sourceTenantId, [...(byTenant.get(c.sourceTenantId) ?? []), c]);
    const reads = new Map<string, JobRead>();
    await Promise.all(
      [...byTenant].map(async ([tenantId, configs]) => {
        const refs = await Promise.allSettled(configs.map((c) => this.jobRef(c)));
        const known: { config: SyncConfiguration; jobId: string }[] = [];
        refs.forEach((r, i) => {
          if (r.status === 'fulfilled') known.push({ config: configs[i], jobId: r.value.jobId });
          else reads.set(configs[i].name, { config: configs[i], error: r.reason });
        });
        if (!known.length) return;
        try {
          const results = await this.graph.getJobs(
            tenantId,
            known.map((k) => ({ servicePrincipalId: k.config.servicePrincipalId, jobId: k.jobId })),
          );
          results.forEach((r, i) =>
            reads.set(known[i].config.name, r.ok ? { config: known[i].config, job: r.job } : { config: known[i].config, error: r.error }),
          );
        } catch (err) {
          for (const k of known) reads.set(k.config.name, { config: k.config, error: err });
        }
      }),
    );
    return this.all.map((c) => reads.get(c.name)!);
  }

  async jobRef(config: SyncConfiguration): Promise<JobRef> {
    const base = { tenantId: config.sourceTenantId, servicePrincipalId: config.servicePrincipalId, label: config.name };
    if (config.jobId) return { ...base, jobId: config.jobId };
    let ref = this.jobRefs.get(config.name);
    if (!ref) {
      ref = this.graph.listJobs(config.sourceTenantId, config.servicePrincipalId).then((jobs) => {
        const cts = jobs.filter((j) => j.templateId === CTS_TEMPLATE);
        const pick = cts.length === 1 ? cts[0] : jobs.length === 1 ? jobs[0] : undefined;
        if (!pick) {
          throw new Error(
            `configuration ${config.name}: expected one ${CTS_TEMPLATE} job on service principal ${config.servicePrincipalId}, found ${cts.length} (of ${jobs.length} jobs); set jobId in CTS_CONFIG`,
          );
        }
        return { ...base, jobId: pick.id };
      });
      // A failed look-up is not cached: the next command tries again.
      ref.catch(() => this.jobRefs.delete(config.name));
      this.jobRefs.set(config.name, ref);
    }
    return ref;
  }
}
