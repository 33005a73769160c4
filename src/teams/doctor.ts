import type { CheckStatus, Finding } from '../domain/doctor';
import type { AccessService } from '../services/access';
import type { Configurations } from '../services/configurations';
import type { Doctor, DoctorReport } from '../services/doctor';
import type { Application } from '@microsoft/teams-ai';
import { z } from 'zod';
import type { DriftWatch } from '../services/driftWatch';
import type { Logger } from '../logger';
import { DRIFT_DOCTOR_VERB, cardOfReply, renderAlert } from './alertCards';
import type { CommandHandler } from './app';
import type { Gate } from './gate';
import { plain, renderCard, type AdaptiveCard } from './cards';
import { notice, toActivity, type Reply } from './reply';

export interface DoctorDeps {
  doctor: Doctor;
  configs: Configurations;
  /** Per-configuration policy: `doctor all` covers only the configurations the caller may read, as `audit` does. */
  access: AccessService;
}

const MARK: Record<CheckStatus, string> = { pass: '✅', warn: '⚠️', fail: '❌', unknown: '❔' };
const COLOR: Record<CheckStatus, string> = { pass: 'Good', warn: 'Default', fail: 'Attention', unknown: 'Default' };

/** Passing checks collapse to one line per configuration, so a card for many configurations stays under Teams' size. */
function rows(findings: readonly Finding[]): object[] {
  const open = findings.filter((f) => f.status !== 'pass');
  const passed = findings.length - open.length;
  const out: object[] = open.map((f) => ({
    mark: MARK[f.status],
    title: plain(f.title, 200),
    color: COLOR[f.status],
    found: plain(f.found, 600),
    fix: plain(f.fix, 500),
  }));
  if (passed)
    out.push({
      mark: MARK.pass,
      title: open.length ? `${passed} other checks pass` : `All ${passed} checks pass`,
      color: COLOR.pass,
      found: open.length ? '' : 'Nothing to fix.',
      fix: '',
    });
  return out;
}

export function doctorCard(report: DoctorReport): Reply {
  const c = report.counts;
  const n = report.configurations.length;
  const title =
    report.worst === 'pass'
      ? 'Doctor: all checks pass'
      : `Doctor: ${[c.fail ? `${c.fail} to fix` : '', c.warn ? `${c.warn} warning${c.warn === 1 ? '' : 's'}` : '', c.unknown ? `${c.unknown} could not be checked` : ''].filter(Boolean).join(', ')}`;
  const summary = `${n} configuration${n === 1 ? '' : 's'} checked: ${c.pass} pass, ${c.warn} warn, ${c.fail} fail, ${c.unknown} could not check.`;
  return {
    card: renderCard('doctor', {
      title,
      color: COLOR[report.worst],
      summary,
      configurations: report.configurations.map((d) => ({ name: d.config, route: d.route, rows: rows(d.findings) })),
    }),
    summary: `${title}. ${summary}`,
  };
}

/** `doctor [<configuration>|all]`: one card, a row per check that needs attention. */
export function doctorHandler(deps: DoctorDeps): CommandHandler<'doctor'> {
  return async (turn, command) => {
    let names: string[];
    if (command.config) {
      const found = deps.configs.resolve(command.config);
      if (!found.ok) return notice(found.problem, found.hint, { hint: 'Type: doctor [<configuration>|all]', style: 'warning', outcome: 'invalid' });
      names = [found.config.name];
    } else {
      const resolved = turn.resolved;
      names = deps.configs.names().filter((name) => !!resolved && deps.access.permissions(resolved, name).includes('sync.read'));
      if (!names.length)
        return notice('Nothing to check', 'You may not read any configuration, so there is nothing to check.', { style: 'warning', outcome: 'refused' });
    }
    return doctorCard(await deps.doctor.run(names));
  };
}

const DriftData = z.object({ incident: z.string().min(3).max(200) });

/**
 * "Run doctor" on a drift card: `sync.read` on that configuration, then the doctor's card for it as a new message;
 * the drift card itself is answered as it stands now.
 */
export function registerDriftRoutes(app: Application, deps: { doctor: Doctor; drift: DriftWatch; configs: Configurations; gate: Gate; logger: Logger }): void {
  app.adaptiveCards.actionExecute(DRIFT_DOCTOR_VERB, async (context, _state, data): Promise<AdaptiveCard> => {
    const parsed = DriftData.safeParse(data);
    if (!parsed.success) return cardOfReply(notice('That button is out of date', 'Type "doctor" instead.', { style: 'warning' }));
    const config = deps.configs.find(parsed.data.incident.split('@')[0]);
    if (!config) return cardOfReply(notice('There is no such configuration any more', 'Type "doctor all" to check the others.', { style: 'warning' }));
    const g = await deps.gate.check(context, 'sync.read', { fresh: false, configuration: config.name });
    if (!g.ok) return cardOfReply(g.reply);
    try {
      await context.sendActivity(toActivity(doctorCard(await deps.doctor.run([config.name]))));
    } catch (err) {
      deps.logger.error({ err }, 'doctor from a drift card failed');
      return cardOfReply(notice('Something went wrong', `I could not run the checks. Type "doctor ${config.name}" to try again.`, { style: 'error' }));
    }
    const record = await deps.drift.record(config.name);
    return record?.alert
      ? (renderAlert(deps.drift.view(record, record.alert)).card as AdaptiveCard)
      : cardOfReply(notice('Doctor', `The checks of ${config.name} were posted below.`));
  });
}
