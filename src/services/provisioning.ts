import type { SyncConfiguration } from '../config';
import type { CtsGraph } from '../graph/gateway';
import type { ProvisionOnDemandResult } from '../graph/provisionResult';
import type { DirectoryUser } from '../graph/schemas';
import type { AuditInput, AuditLog } from '../store';
import { scopeSnapshot } from './scope';
import type { Configurations } from './configurations';
import { errorText, requestIdOf, type Actor } from './operations';

/** One user's line on the provision card, from "queued" to what the engine did in the target. */
export interface ProvisionItem {
  input: string;
  user?: { id: string; displayName: string; userPrincipalName: string };
  state: 'invalid' | 'queued' | 'running' | 'done';
  /** Why a user was not sent, or a remark such as "not in scope". */
  note?: string;
  /** Calls ahead of this one under Graph's 5 per 10 s limit, while queued. */
  ahead?: number;
  result?: ProvisionOnDemandResult;
  error?: string;
}

export interface ProvisionReport {
  configuration: string;
  items: ProvisionItem[];
  finished: boolean;
}

/**
 * Provision on demand from chat: every user is checked first (exists, internal member, enabled, in scope), then sent
 * one at a time; the gateway's limiter keeps Graph's 5 requests per 10 s, so extra users wait in line and the card
 * shows their place.
 */
export class ProvisioningService {
  constructor(
    private readonly configs: Configurations,
    private readonly graph: CtsGraph,
    private readonly audit: AuditLog,
  ) {}

  /** Validates the users; the report's valid items are `queued`. */
  async prepare(config: SyncConfiguration, inputs: string[]): Promise<ProvisionReport> {
    const tenant = config.sourceTenantId;
    const scope = await this.scopeOf(config).catch(() => undefined);
    const items = await Promise.all(
      inputs.map(async (input): Promise<ProvisionItem> => {
        let user: DirectoryUser | null;
        try {
          user = await this.graph.findUser(tenant, input);
        } catch (err) {
          return { input, state: 'invalid', note: `could not look it up: ${errorText(err)}` };
        }
        if (!user) {
          const near = await this.graph.usersStartingWith(tenant, input.split('@')[0], 3).catch(() => []);
          const hint = near.length ? ` Did you mean ${near.map((u) => u.userPrincipalName).join(', ')}?` : '';
          return { input, state: 'invalid', note: `no such user in ${this.configs.tenantName(tenant)}.${hint}` };
        }
        const summary = { id: user.id, displayName: user.displayName ?? user.id, userPrincipalName: user.userPrincipalName ?? input };
        if ((user.userType ?? 'Member') !== 'Member') {
          return { input, user: summary, state: 'invalid', note: 'is a guest: cross-tenant sync provisions internal members only' };
        }
        const notes: string[] = [];
        if (user.accountEnabled === false) notes.push('the account is disabled, so the engine will disable or skip it in the target');
        if (scope && !scope.has(user.id.toLowerCase()))
          notes.push('not in sync scope: the engine will skip it at the scoping step unless it is assigned first');
        return { input, user: summary, state: 'queued', note: notes.join('; ') || undefined };
      }),
    );
    // The same user named twice (by UPN and by object id: the parser cannot tell them apart) is sent once.
    const first = new Map<string, string>();
    for (const item of items) {
      if (item.state !== 'queued' || !item.user) continue;
      const key = item.user.id.toLowerCase();
      const earlier = first.get(key);
      if (earlier === undefined) first.set(key, item.input);
      else Object.assign(item, { state: 'invalid', note: `the same user as ${earlier}: provisioned once` });
    }
    return { configuration: config.name, items, finished: false };
  }

  /** Sends each queued user; `onProgress` gets the report after every change. */
  async run(config: SyncConfiguration, report: ProvisionReport, actor: Actor, onProgress: (report: ProvisionReport) => void): Promise<ProvisionReport> {
    const ref = await this.configs.jobRef(config);
    const queued = report.items.filter((i) => i.state === 'queued');
    // Queue every call at once so the limiter can report each one's place; it runs them in order.
    await Promise.all(
      queued.map(async (item) => {
        let requestId: string | undefined;
        try {
          item.result = await this.graph.provisionOnDemand(ref, [{ objectId: item.user!.id, objectTypeName: 'User' }], {
            onQueued: (ahead) => {
              item.ahead = ahead;
              onProgress(report);
            },
          });
        } catch (err) {
          item.error = errorText(err);
          requestId = requestIdOf(err);
        }
        item.state = 'done';
        item.ahead = undefined;
        onProgress(report);
        requestId ??= item.result?.requestId;
        const outcome = item.error || item.result?.outcome === 'failure' ? 'failed' : 'ok';
        await this.audit.append(auditOf(actor, config, item, outcome, requestId));
      }),
    );
    report.finished = true;
    onProgress(report);
    return report;
  }

  /** Users in scope (ids in lower case): the same snapshot approvals use. */
  private async scopeOf(config: SyncConfiguration): Promise<Set<string>> {
    const scope = await scopeSnapshot(this.graph, config);
    return new Set([...scope.directUsers, ...scope.viaGroup.keys()]);
  }
}

function auditOf(actor: Actor, config: SyncConfiguration, item: ProvisionItem, outcome: 'ok' | 'failed', graphRequestId?: string): AuditInput {
  return {
    actor: { aadObjectId: actor.aadObjectId, name: actor.name },
    action: 'job.provisionOnDemand',
    configuration: config.name,
    target: item.user?.userPrincipalName ?? item.input,
    outcome,
    detail: item.error ?? (item.result ? `${item.result.outcome}${item.result.action ? `: ${item.result.action}` : ''}` : undefined),
    graphRequestId,
  };
}
