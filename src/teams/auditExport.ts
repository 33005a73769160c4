import type { Clock } from '../domain/clock';
import type { AccessService } from '../services/access';
import { AUDIT_CSV_COLUMNS, AUDIT_EXPORT_PATH, csvRow, resolveRange, type AuditExports } from '../services/auditExport';
import type { HttpRoute } from '../server';
import type { CommandHandler } from './app';
import { plain, renderCard } from './cards';
import { notice } from './reply';

/** Records shown on the card itself; more only in the download. */
export const PREVIEW_MAX_RECORDS = 10;
const PREVIEW_MAX_CHARS = 6000;

export interface AuditExportDeps {
  exports: AuditExports;
  /** Per-configuration policy: the export holds only the configurations the caller may read, as `audit` does. */
  access: AccessService;
  clock: Clock;
  /** Where people reach this bot over HTTPS (PUBLIC_URL, else the server's own URL). Read when a link is made. */
  baseUrl: () => string;
}

/** `audit export [from <date>] [to <date>]`: a card with the count, the range, a CSV preview when small, and download links. */
export function auditExportHandler(deps: AuditExportDeps): CommandHandler<'auditExport'> {
  return async (turn, command) => {
    // The link works for whoever holds it for 10 minutes: hand it out only where nobody else reads it.
    if (turn.context.activity.conversation?.conversationType !== 'personal') {
      return notice(
        'Audit exports go to a personal chat',
        'The download link works for whoever holds it for 10 minutes, so I only hand it out in a personal chat with me.',
        {
          hint: 'Message me directly and type: audit export',
          style: 'warning',
          outcome: 'refused',
        },
      );
    }
    const range = resolveRange(command, deps.clock.now());
    if (!range.ok) return notice('Cannot export that range', range.problem, { hint: range.hint, style: 'warning', outcome: 'invalid' });
    const resolved = turn.resolved;
    const mayRead = (configuration: string) => !!resolved && deps.access.permissions(resolved, configuration).includes('sync.read');
    const issued = await deps.exports.issue(range, { aadObjectId: turn.caller.aadObjectId, name: turn.caller.name }, mayRead);
    const link = `${deps.baseUrl().replace(/\/+$/, '')}${AUDIT_EXPORT_PATH}?token=${issued.token}`;
    const rows = issued.records.map(csvRow);
    const preview = rows.length > 0 && rows.length <= PREVIEW_MAX_RECORDS && rows.join('\n').length <= PREVIEW_MAX_CHARS;
    const card = renderCard('audit-export', {
      title: 'Audit log export',
      range: `${range.from} to ${range.to} (UTC, ${range.days} day${range.days === 1 ? '' : 's'})`,
      count: issued.records.length,
      // FactSet values must be strings: a number leaves the fact empty in Teams.
      records: String(issued.records.length),
      expires: `${issued.expiresAt.replace('T', ' ').slice(0, 16)} UTC`,
      preview,
      // Card text is Markdown: keep links and emphasis in typed reasons from rendering (the download is exact).
      lines: preview ? [AUDIT_CSV_COLUMNS.join(','), ...rows].map((line) => ({ line: plain(line, 2000) })) : [],
      ttlMinutes: Math.max(1, Math.round((Date.parse(issued.expiresAt) - deps.clock.now()) / 60_000)),
      columns: AUDIT_CSV_COLUMNS.join(', '),
      csvUrl: link,
      jsonUrl: `${link}&format=json`,
    });
    return { card, summary: `Audit export ${range.from} to ${range.to}: ${issued.records.length} records` };
  };
}

/** GET /api/audit/export?token=…[&format=json], served by every instance (tokens live in the shared store). */
export function auditExportRoute(exports: AuditExports): HttpRoute {
  return { path: AUDIT_EXPORT_PATH, handle: (query) => exports.download(query.get('token'), query.get('format')) };
}
