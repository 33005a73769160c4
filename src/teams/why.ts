/**
 * `why <user> [in <configuration>]`: one card with the verdict and the evidence, and its two buttons. "Provision
 * now" goes through the provisioning service the `provision` command uses (sync.operate, roles fresh); "Request add
 * to scope" answers with the request form, pre-filled. Button data carries the configuration and the user's object
 * id only; everything else is read again when clicked.
 */
import type { Application } from '@microsoft/teams-ai';
import type { TurnContext } from 'botbuilder';
import { z } from 'zod';
import { COMMANDS } from '../domain/commands';
import type { Permission } from '../domain/permissions';
import type { WhyReport, WhyRowStatus, WhyVerdict } from '../domain/why';
import type { Logger } from '../logger';
import type { AccessService } from '../services/access';
import type { Configurations } from '../services/configurations';
import type { ProvisioningService } from '../services/provisioning';
import type { WhyOutcome, WhyService } from '../services/why';
import { cardOfReply } from './alertCards';
import type { CommandHandler } from './app';
import { requestFormCard } from './approvalCards';
import { plain, renderCard, type AdaptiveCard } from './cards';
import type { Gate } from './gate';
import { provisionCard } from './operationCards';
import { notice, type Reply } from './reply';
import { noteTurn } from './turnLog';

export interface WhyDeps {
  why: WhyService;
  configs: Configurations;
  access: AccessService;
  gate: Gate;
  provisioning: ProvisioningService;
  logger: Logger;
}

export const WHY_VERBS = { provision: 'why.provision', request: 'why.request' } as const;

/** The permission the `provision` command needs: the button is shown only to those who hold it. */
const PROVISION_PERMISSION = COMMANDS.find((c) => c.kind === 'provision')!.permission as Permission;
const USAGE = 'Type: why <user> [in <configuration>]\nExample: why adele@contoso.com in contoso-to-fabrikam';

const MARK: Record<WhyRowStatus, string> = { pass: '✅', blocker: '❌', info: 'ℹ️', unknown: '❔' };
const ROW_COLOR: Record<WhyRowStatus, string> = { pass: 'Good', blocker: 'Attention', info: 'Default', unknown: 'Default' };
const GOOD: ReadonlySet<WhyVerdict> = new Set(['synced', 'waiting']);

export function whyCard(out: Extract<WhyOutcome, { kind: 'report' }>, route: string, opts: { canProvision: boolean }): Reply {
  const r: WhyReport = out.report;
  const firstBlocker = r.rows.findIndex((x) => x.status === 'blocker');
  const facts = [
    { title: 'User', value: plain(`${out.user.displayName} (${out.user.userPrincipalName})`, 200) },
    { title: 'Source object', value: out.user.id },
    ...(r.targetObjectId ? [{ title: 'Target object', value: r.targetObjectId }] : []),
  ];
  const buttons = [
    ...(opts.canProvision && r.offerProvision
      ? [{ title: 'Provision now', verb: WHY_VERBS.provision, config: out.config, id: out.user.id, style: 'positive' }]
      : []),
    ...(r.offerScopeRequest ? [{ title: 'Request add to scope', verb: WHY_VERBS.request, config: out.config, id: out.user.id, style: 'default' }] : []),
  ];
  const later = firstBlocker >= 0 && r.rows.slice(firstBlocker + 1).some((x) => x.status === 'blocker');
  const title = `Why: ${r.headline}`;
  return {
    card: renderCard('why', {
      title: plain(title, 200),
      color: r.verdict === 'synced' ? 'Good' : GOOD.has(r.verdict) ? 'Default' : r.verdict === 'unknown' ? 'Default' : 'Attention',
      subtitle: `${out.config} · ${route}`,
      facts,
      rows: r.rows.map((x) => ({ mark: MARK[x.status], title: plain(x.title, 200), detail: plain(x.detail, 700), color: ROW_COLOR[x.status] })),
      note: later ? 'Fix the first ❌ first: the ones after it are listed so nothing surprises you next.' : '',
      buttons,
    }),
    summary: plain(`${title}.`, 300),
  };
}

/** `why <user> [in <configuration>]` (sync.read, checked by the router). */
export function whyHandler(deps: WhyDeps): CommandHandler<'why'> {
  return async (turn, command) => {
    const found = deps.configs.resolve(command.config);
    if (!found.ok) return notice(found.problem, found.hint, { hint: USAGE, style: 'warning', outcome: 'invalid' });
    const config = found.config;
    const out = await deps.why.explain(config, command.user);
    if (out.kind === 'unknownUser') {
      return notice(
        `No user "${plain(out.text, 80)}" in ${out.tenant}`,
        `I looked for that user principal name, mail or object id in ${out.tenant}, the source of ${config.name}, and found nobody.`,
        {
          hint: `Check the spelling, or name the user by object id. ${USAGE}`,
          style: 'warning',
          outcome: 'not-found',
        },
      );
    }
    if (out.kind === 'userUnreadable')
      return notice('Could not look the user up', `Could not check: ${out.reason}.`, { hint: USAGE, style: 'error', outcome: 'failed' });
    const canProvision = !!turn.resolved && deps.access.permissions(turn.resolved, config.name).includes(PROVISION_PERMISSION);
    return whyCard(out, deps.configs.route(config), { canProvision });
  };
}

const ButtonData = z.object({ verb: z.string().optional(), config: z.string().min(1).max(64), id: z.string().uuid() }).strict();

export function registerWhyRoutes(app: Application, deps: WhyDeps): void {
  const button = (verb: string, run: (context: TurnContext, data: z.output<typeof ButtonData>) => Promise<Reply>) => {
    app.adaptiveCards.actionExecute(verb, async (context, _state, raw): Promise<AdaptiveCard> => {
      let reply: Reply;
      try {
        const parsed = ButtonData.safeParse(raw);
        reply = parsed.success
          ? await run(context, parsed.data)
          : notice('That button is out of date', 'Its data could not be read, so nothing was done.', { hint: USAGE, style: 'warning', outcome: 'invalid' });
      } catch (err) {
        deps.logger.error({ err, verb }, 'why button failed');
        reply = notice('Something went wrong', 'I could not finish that. The error is logged; type the why command again to see the current state.', {
          style: 'error',
          outcome: 'failed',
        });
      }
      noteTurn(context, { command: verb, outcome: reply.outcome ?? 'ok' });
      return cardOfReply(reply);
    });
  };

  // Provision now: the same service and the same permission as the `provision` command, roles resolved afresh.
  button(WHY_VERBS.provision, async (context, data) => {
    const config = deps.configs.find(data.config);
    if (!config)
      return notice(`There is no configuration called "${plain(data.config, 64)}"`, 'The card is older than the configuration list.', {
        style: 'warning',
        outcome: 'invalid',
      });
    const g = await deps.gate.check(context, PROVISION_PERMISSION, { fresh: true, configuration: config.name });
    if (!g.ok) return g.reply;
    const report = await deps.provisioning.prepare(config, [data.id]);
    if (!report.items.some((i) => i.state === 'queued')) return { ...provisionCard({ ...report, finished: true }), outcome: 'invalid' };
    const done = await deps.provisioning.run(config, report, { aadObjectId: g.caller.aadObjectId, name: g.caller.name }, () => undefined);
    return provisionCard({ ...done, finished: true });
  });

  // Request add to scope: the request form, pre-filled; filing it is the form's own submit (scope.request, fresh).
  button(WHY_VERBS.request, async (context, data) => {
    const config = deps.configs.find(data.config);
    if (!config)
      return notice(`There is no configuration called "${plain(data.config, 64)}"`, 'The card is older than the configuration list.', {
        style: 'warning',
        outcome: 'invalid',
      });
    const g = await deps.gate.check(context, 'scope.request', { fresh: false, configuration: config.name });
    if (!g.ok) return g.reply;
    const upn = (await deps.why.userPrincipalName(config, data.id)) ?? data.id;
    return requestFormCard(deps.configs.names(), { configuration: config.name, op: 'add', principalType: 'user', principals: upn, reason: '' });
  });
}
