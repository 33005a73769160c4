import type { CheckStatus, Finding } from '../domain/doctor';
import type { AccessService } from '../services/access';
import type { Configurations } from '../services/configurations';
import type { Doctor, DoctorReport } from '../services/doctor';
import type { CommandHandler } from './app';
import { plain, renderCard } from './cards';
import { notice, type Reply } from './reply';

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
  const out: object[] = open.map((f) => ({ mark: MARK[f.status], title: plain(f.title, 200), color: COLOR[f.status], found: plain(f.found, 600), fix: plain(f.fix, 500) }));
  if (passed) out.push({ mark: MARK.pass, title: open.length ? `${passed} other checks pass` : `All ${passed} checks pass`, color: COLOR.pass, found: open.length ? '' : 'Nothing to fix.', fix: '' });
  return out;
}

export function doctorCard(report: DoctorReport): Reply {
  const c = report.counts;
  const n = report.configurations.length;
  const title =
    report.worst === 'pass' ? 'Doctor: all checks pass'
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
      if (!names.length) return notice('Nothing to check', 'You may not read any configuration, so there is nothing to check.', { style: 'warning', outcome: 'refused' });
    }
    return doctorCard(await deps.doctor.run(names));
  };
}
