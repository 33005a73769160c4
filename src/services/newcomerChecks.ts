/**
 * The look-alike and dynamic-group checks of an add request: reads the TARGET tenant's privileged role holders and
 * dynamic groups (cached per tenant for a few minutes on the one clock: every add request would otherwise list them
 * again), the job's user attribute mappings, and each newcomer's attributes in the source; the judging is domain code.
 * A read that fails does not block the request: the approver is told what could not be checked.
 */
import pLimit from 'p-limit';
import type { SyncConfiguration } from '../config';
import type { Clock } from '../domain/clock';
import { dynamicGroupSignals, type DynamicGroupView } from '../domain/dynamicGroupRisk';
import { findLookalikes, type Newcomer, type PrivilegedTarget } from '../domain/lookalike';
import { attributesInTarget, type AttributeLookup, type AttributeMapping } from '../domain/membershipRule';
import type { NewcomerFacts } from '../domain/risk';
import { PRIVILEGED_ROLES, roleName } from '../domain/roles';
import type { CtsGraph } from '../graph/gateway';
import type { SyncSchema } from '../graph/schemas';
import type { Logger } from '../logger';
import type { Configurations } from './configurations';

/** How long a tenant's role holders, dynamic groups and a job's mappings are reused. */
export const TARGET_FACTS_TTL_MS = 5 * 60_000;
/** Newcomers whose attributes are read for the dynamic-group check (one Graph read each). */
export const DYNAMIC_SAMPLE = 50;

export interface NewcomerChecksDeps {
  graph: CtsGraph;
  configs: Configurations;
  clock: Clock;
  protectedNames: readonly string[];
  logger?: Logger;
  ttlMs?: number;
}

const reasonOf = (err: unknown): string => {
  const m = (err instanceof Error ? err.message : String(err)).replace(/[.\s]+$/, '');
  return m.length > 200 ? `${m.slice(0, 200)}…` : m;
};

interface RawMapping {
  targetAttributeName?: string;
  source?: { type?: string | null; name?: string | null; expression?: string | null } | null;
}

/** The user rule's attribute mappings (USER_INBOUND_USER, or the first rule that maps users), as the domain reads them. */
export function userMappings(schema: SyncSchema): AttributeMapping[] {
  const rules = schema.synchronizationRules as (SyncSchema['synchronizationRules'][number] & {
    objectMappings?: { sourceObjectName?: string; attributeMappings?: RawMapping[] }[];
  })[];
  const rule =
    rules.find((r) => r.name === 'USER_INBOUND_USER' || r.id === 'USER_INBOUND_USER') ??
    rules.find((r) => r.objectMappings?.some((m) => m.sourceObjectName === 'User')) ??
    rules[0];
  const objectMapping = rule?.objectMappings?.find((m) => m.sourceObjectName === 'User') ?? rule?.objectMappings?.[0];
  return (objectMapping?.attributeMappings ?? [])
    .filter((m): m is RawMapping & { targetAttributeName: string } => typeof m.targetAttributeName === 'string')
    .map((m) => ({
      target: m.targetAttributeName,
      sourceType: m.source?.type ?? null,
      // A Direct mapping names its source attribute; a Constant carries its value in name; a Function its expression.
      source: m.source?.type === 'Function' ? (m.source?.expression ?? m.source?.name ?? null) : (m.source?.name ?? m.source?.expression ?? null),
    }));
}

export class NewcomerChecks {
  private readonly cache = new Map<string, { at: number; value: Promise<unknown> }>();
  private readonly ttlMs: number;

  constructor(private readonly deps: NewcomerChecksDeps) {
    this.ttlMs = deps.ttlMs ?? TARGET_FACTS_TTL_MS;
  }

  /** Reuses a read younger than the TTL; a failed read is forgotten at once so the next request tries again. */
  private cached<T>(key: string, read: () => Promise<T>): Promise<T> {
    const now = this.deps.clock.now();
    const hit = this.cache.get(key);
    if (hit && now - hit.at < this.ttlMs) return hit.value as Promise<T>;
    const value = read();
    this.cache.set(key, { at: now, value });
    value.catch(() => {
      if (this.cache.get(key)?.value === value) this.cache.delete(key);
    });
    return value;
  }

  private async privileged(tenantId: string): Promise<PrivilegedTarget[]> {
    const g = this.deps.graph;
    if (!g.roleHolders) throw new Error('this build cannot list role holders');
    const holders = await this.cached(`roles|${tenantId}`, () => g.roleHolders!(tenantId, PRIVILEGED_ROLES));
    return holders.map((h) => ({
      id: h.id,
      displayName: h.displayName,
      mail: h.mail,
      userPrincipalName: h.userPrincipalName,
      roles: h.roleTemplateIds.map(roleName),
    }));
  }

  private async dynamicGroups(tenantId: string): Promise<DynamicGroupView[]> {
    const g = this.deps.graph;
    if (!g.dynamicGroupFacts) throw new Error('this build cannot list dynamic groups');
    return this.cached(`dyn|${tenantId}`, () => g.dynamicGroupFacts!(tenantId));
  }

  private async mappings(config: SyncConfiguration): Promise<AttributeMapping[]> {
    return this.cached(`map|${config.name}`, async () => userMappings(await this.deps.graph.getSchema(await this.deps.configs.jobRef(config))));
  }

  /** Both checks for the accounts an add request brings into `config`'s target tenant. */
  async check(config: SyncConfiguration, newcomers: readonly Newcomer[]): Promise<NewcomerFacts> {
    const target = config.targetTenantId;
    const targetName = this.deps.configs.tenantName(target);
    const unchecked: string[] = [];
    const people = newcomers.filter((n) => n.id);
    const [privileged, dynamic] = await Promise.all([
      this.privileged(target).catch((err) => {
        this.deps.logger?.warn({ err, tenant: target }, 'could not read the privileged role holders for the look-alike check');
        unchecked.push(`Look-alike names were not compared with ${targetName}'s privileged accounts: ${reasonOf(err)}.`);
        return [] as PrivilegedTarget[];
      }),
      this.dynamicSignals(config, people).catch((err) => {
        this.deps.logger?.warn({ err, tenant: target }, 'could not run the dynamic-group check');
        unchecked.push(`The dynamic groups of ${targetName} were not checked: ${reasonOf(err)}.`);
        return [];
      }),
    ]);
    if (people.length > DYNAMIC_SAMPLE) {
      unchecked.push(`Dynamic groups were checked for the first ${DYNAMIC_SAMPLE} of ${people.length} accounts only.`);
    }
    return { targetName, lookalikes: findLookalikes(people, privileged, this.deps.protectedNames), dynamicGroups: dynamic, unchecked };
  }

  private async dynamicSignals(config: SyncConfiguration, people: readonly Newcomer[]): Promise<ReturnType<typeof dynamicGroupSignals>> {
    const groups = await this.dynamicGroups(config.targetTenantId);
    if (!groups.length || !people.length) return [];
    const mappings = await this.mappings(config);
    const graph = this.deps.graph;
    const read = graph.userAttributes ? (tenantId: string, id: string) => graph.userAttributes!(tenantId, id) : undefined;
    const limit = pLimit(5);
    const sample = people.slice(0, DYNAMIC_SAMPLE);
    const lookups = await Promise.all(
      sample.map((n) =>
        limit(async (): Promise<{ id: string; displayName: string; lookup: AttributeLookup }> => {
          const displayName = n.displayName ?? n.userPrincipalName ?? n.id;
          if (!read) return { id: n.id, displayName, lookup: () => ({ unknown: 'this build cannot read user attributes' }) };
          const attrs = await read(config.sourceTenantId, n.id).catch((err) => {
            this.deps.logger?.warn({ err, id: n.id }, 'could not read the source attributes for the dynamic-group check');
            return undefined;
          });
          if (!attrs) return { id: n.id, displayName, lookup: (a) => ({ unknown: `user.${a}: the account's attributes could not be read in the source` }) };
          return { id: n.id, displayName, lookup: attributesInTarget(attrs, mappings) };
        }),
      ),
    );
    return dynamicGroupSignals(lookups, groups);
  }
}
