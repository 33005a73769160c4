/** audit / audit export: reading the audit log. */
import { isConfigName } from './names';
import { configProblem, echo, invalid, isKeyword, type Token } from './tokens';
import { MAX_AUDIT_COUNT, type Command } from './types';

export function parseAudit(args: Token[]): Command {
  let config: string | undefined;
  let count: number | undefined;
  if (args.length > 2) return invalid('audit', 'audit takes a configuration name and a count at most.');
  for (const t of args) {
    if (/^[-+]?\d+(\.\d*)?$/.test(t.text)) {
      const n = Number(t.text);
      if (count !== undefined || !Number.isInteger(n) || n < 1 || n > MAX_AUDIT_COUNT) {
        return invalid('audit', `The count must be a whole number from 1 to ${MAX_AUDIT_COUNT}, not "${echo(t.text)}".`);
      }
      count = n;
    } else if (config === undefined && isConfigName(t.text)) {
      config = t.text;
    } else {
      return invalid('audit', configProblem(t.text));
    }
  }
  const cmd: Command = { kind: 'audit' };
  if (config !== undefined) cmd.config = config;
  if (count !== undefined) cmd.count = count;
  return cmd;
}

/** yyyy-mm-dd that names a real calendar day. */
export function isIsoDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return d.getUTCFullYear() === +m[1] && d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3];
}

export function parseAuditExport(args: Token[]): Command {
  let from: string | undefined;
  let to: string | undefined;
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const t = args[i];
    if (isKeyword(t, 'from', 'to')) {
      const date = args[i + 1]?.text;
      if (!date || !isIsoDate(date)) {
        return invalid('auditExport', `After "${echo(t.text)}" give a date as yyyy-mm-dd${date ? `, not "${echo(date)}"` : ''}.`);
      }
      if (t.key === 'from') from = date;
      else to = date;
      i++;
    } else if (isIsoDate(t.text)) {
      positional.push(t.text);
    } else {
      return invalid('auditExport', `"${echo(t.text)}" is not a date: use yyyy-mm-dd, like 2026-01-31.`);
    }
  }
  for (const d of positional) {
    if (from === undefined) from = d;
    else if (to === undefined) to = d;
    else return invalid('auditExport', 'Give at most two dates: from and to.');
  }
  if (from && to && from > to) return invalid('auditExport', `The start date ${from} is after the end date ${to}.`);
  const cmd: Command = { kind: 'auditExport' };
  if (from !== undefined) cmd.from = from;
  if (to !== undefined) cmd.to = to;
  return cmd;
}
