import { createHash, randomBytes } from 'node:crypto';
import type { Storage } from '../store';
import { z } from 'zod';
import type { Clock } from '../domain/clock';
import { createIfAbsent, updateWithCasDetailed, type AuditLog, type AuditRecord } from '../store';

/**
 * `audit export`: the audit log for a date range, as a download link that any instance can serve.
 *
 * Range: whole UTC days, both ends included. Default the last 30 days (today and the 29 before); at most 366 days;
 * a start after the end is refused. Records are read when the link is used, up to the moment it was issued, so
 * the file holds what the card counted (and nothing written after it).
 *
 * Reach: the caller sees what `audit` would show them — records of the configurations a per-configuration policy lets
 * them read (`sync.read`), and those that belong to no configuration. The readable names are fixed when the link is
 * issued and stored with the token, so whoever holds the link gets no more than the person it was issued to.
 *
 * Link: `GET /api/audit/export?token=…[&format=json]`. The token is 32 random bytes (base64url), good for one
 * range only and for 10 minutes. Storage keeps its SHA-256, never the token itself, in a record created
 * create-only (CAS), so a token cannot be overwritten or reused for another range; every download is counted on
 * the record by CAS. Unknown or altered tokens answer 404, expired ones 410, each with a short JSON error.
 *
 * CSV (RFC 4180: comma, CRLF, quotes doubled, a header row), columns fixed — see AUDIT_CSV_COLUMNS. Text cells that
 * a spreadsheet would run as a formula get a leading apostrophe (see FORMULA_START).
 */

export const EXPORT_LINK_TTL_MS = 10 * 60_000;
export const DEFAULT_EXPORT_DAYS = 30;
export const MAX_EXPORT_DAYS = 366;
/** The JSON download's own shape version (the records inside carry the audit schemaVersion). */
export const AUDIT_EXPORT_FORMAT_VERSION = 1;
export const AUDIT_EXPORT_PATH = '/api/audit/export';

/** The CSV header, in order. Never reorder: append new columns at the end. */
export const AUDIT_CSV_COLUMNS = [
  'schemaVersion',
  'id',
  'at',
  'actorType',
  'actorId',
  'actorName',
  'action',
  'configuration',
  'target',
  'outcome',
  'detail',
  'graphRequestId',
] as const;

const DAY_MS = 86_400_000;

export interface ExportRange {
  /** yyyy-mm-dd, UTC, included. */
  from: string;
  /** yyyy-mm-dd, UTC, included. */
  to: string;
  days: number;
}

export type RangeResult = ({ ok: true } & ExportRange) | { ok: false; problem: string; hint: string };

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const dayStart = (day: string) => Date.parse(`${day}T00:00:00.000Z`);

/** Fills in the defaults and checks the bounds. Dates are already valid yyyy-mm-dd (the parser checks them). */
export function resolveRange(input: { from?: string; to?: string }, now: number): RangeResult {
  const to = input.to ?? (input.from ? isoDay(Math.max(now, dayStart(input.from))) : isoDay(now));
  const from = input.from ?? isoDay(dayStart(to) - (DEFAULT_EXPORT_DAYS - 1) * DAY_MS);
  if (from > to) {
    return { ok: false, problem: `The start date ${from} is after the end date ${to}.`, hint: 'Try: audit export from 2026-01-01 to 2026-01-31' };
  }
  const days = Math.round((dayStart(to) - dayStart(from)) / DAY_MS) + 1;
  if (days > MAX_EXPORT_DAYS) {
    return {
      ok: false,
      problem: `${from} to ${to} is ${days} days; an export covers at most ${MAX_EXPORT_DAYS} days.`,
      hint: 'Export a longer period in parts, a year or less each.',
    };
  }
  return { ok: true, from, to, days };
}

/** The instants a range covers: from ≤ at < until, never past `cutoff`. */
export function rangeBounds(range: Pick<ExportRange, 'from' | 'to'>, cutoff: number): { from: Date; until: Date } {
  return { from: new Date(dayStart(range.from)), until: new Date(Math.min(dayStart(range.to) + DAY_MS, cutoff)) };
}

/**
 * Columns people type into (names, reasons, targets): a spreadsheet could run them as a formula. Ids, times and
 * numbers are ours and never start that way on purpose, so they are written as they are (an id may start with "-").
 */
const TEXT_COLUMNS: ReadonlySet<(typeof AUDIT_CSV_COLUMNS)[number]> = new Set(['actorName', 'action', 'configuration', 'target', 'outcome', 'detail']);

/**
 * What a spreadsheet may read as the start of a formula: = + - @, their full-width forms (＝ ＋ － ＠, which some
 * spreadsheets fold to ASCII), and any leading whitespace or control character (tab, CR, LF, space), behind which
 * a formula can hide.
 */
const FORMULA_START = /^(?:\s|\p{Cc}|[=+\-@\uFF1D\uFF0B\uFF0D\uFF20])/u;

function csvCell(value: string | number | undefined, text: boolean): string {
  let s = value === undefined ? '' : String(value);
  if (text && FORMULA_START.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRow(record: AuditRecord): string {
  const actor = record.actor;
  const cells: Record<(typeof AUDIT_CSV_COLUMNS)[number], string | number | undefined> = {
    schemaVersion: record.schemaVersion,
    id: record.id,
    at: record.at,
    actorType: actor === 'system' ? 'system' : 'user',
    actorId: actor === 'system' ? '' : actor.aadObjectId,
    actorName: actor === 'system' ? '' : actor.name,
    action: record.action,
    configuration: record.configuration,
    target: record.target,
    outcome: record.outcome,
    detail: record.detail,
    graphRequestId: record.graphRequestId,
  };
  return AUDIT_CSV_COLUMNS.map((c) => csvCell(cells[c], TEXT_COLUMNS.has(c))).join(',');
}

export function toCsv(records: AuditRecord[]): string {
  return [AUDIT_CSV_COLUMNS.join(','), ...records.map(csvRow)].map((line) => `${line}\r\n`).join('');
}

// schemaVersion 2 added `readable`: a version-1 token (issued before, unfiltered) is no longer honoured.
const TokenRecordSchema = z.object({
  schemaVersion: z.literal(2),
  purpose: z.literal('audit-export'),
  from: z.string(),
  to: z.string(),
  issuedAt: z.string(),
  expiresAt: z.string(),
  issuedTo: z.object({ aadObjectId: z.string(), name: z.string().optional() }),
  /** The configurations whose records the link may show (records with no configuration are always shown). */
  readable: z.array(z.string()),
  count: z.number().int().min(0),
  downloads: z.number().int().min(0),
});
type TokenRecord = z.infer<typeof TokenRecordSchema>;

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const tokenKey = (token: string) => `audit-exports/${createHash('sha256').update(token).digest('hex')}`;

export interface IssuedExport {
  token: string;
  expiresAt: string;
  records: AuditRecord[];
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const jsonError = (status: number, error: string, message: string): HttpAnswer => ({
  status,
  headers: { 'Content-Type': 'application/json; charset=utf-8' },
  body: JSON.stringify({ error, message }),
});

function visible(records: AuditRecord[], readable: readonly string[]): AuditRecord[] {
  const allowed = new Set(readable);
  return records.filter((r) => !r.configuration || allowed.has(r.configuration));
}

export class AuditExports {
  private readonly ttlMs: number;

  constructor(
    private readonly storage: Storage,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    options: { ttlMs?: number } = {},
  ) {
    this.ttlMs = options.ttlMs ?? EXPORT_LINK_TTL_MS;
  }

  /**
   * Reads the range now, keeps what `mayRead` allows, stores a fresh token for it and audits the export.
   * `mayRead` says whether the caller may read a configuration's records (per-configuration `sync.read`).
   */
  async issue(range: ExportRange, by: { aadObjectId: string; name?: string }, mayRead: (configuration: string) => boolean): Promise<IssuedExport> {
    const now = this.clock.now();
    const { from, until } = rangeBounds(range, now);
    const all = await this.audit.between(from, until);
    const named = [...new Set(all.flatMap((r) => (r.configuration ? [r.configuration] : [])))];
    const readable = named.filter((c) => mayRead(c)).sort();
    const records = visible(all, readable);
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now + this.ttlMs).toISOString();
    const record: TokenRecord = {
      schemaVersion: 2,
      purpose: 'audit-export',
      from: range.from,
      to: range.to,
      issuedAt: new Date(now).toISOString(),
      expiresAt,
      issuedTo: by.name === undefined ? { aadObjectId: by.aadObjectId } : { aadObjectId: by.aadObjectId, name: by.name },
      readable,
      count: records.length,
      downloads: 0,
    };
    // 256 random bits never collide; create-only all the same, so a stored token is never replaced.
    if (!(await createIfAbsent(this.storage, tokenKey(token), record))) throw new Error('audit export: token collision');
    await this.audit.append({
      actor: by,
      action: 'audit.exported',
      target: `${range.from}..${range.to}`,
      outcome: 'ok',
      detail: `${records.length} records; link valid until ${expiresAt}`,
    });
    return { token, expiresAt, records };
  }

  /** Answers a download: the file, or 404 (unknown/altered token) / 410 (expired) with a short JSON error. */
  async download(token: string | null, format: string | null): Promise<HttpAnswer> {
    if (format !== null && format !== 'csv' && format !== 'json') return jsonError(400, 'bad_format', 'format must be csv or json.');
    if (!token || !TOKEN_PATTERN.test(token)) return jsonError(404, 'not_found', 'This export link is not valid.');
    const key = tokenKey(token);
    const now = this.clock.now();
    let expired = false;
    const r = await updateWithCasDetailed<TokenRecord>(this.storage, key, (cur) => {
      const parsed = TokenRecordSchema.safeParse(cur);
      if (!parsed.success) return 'abort';
      if (now >= Date.parse(parsed.data.expiresAt)) {
        expired = true;
        return 'abort';
      }
      return { ...parsed.data, downloads: parsed.data.downloads + 1 };
    });
    const rec = TokenRecordSchema.safeParse(r.item);
    if (!rec.success) return jsonError(404, 'not_found', 'This export link is not valid.');
    if (expired) return jsonError(410, 'expired', `This export link expired at ${rec.data.expiresAt}. Type "audit export" again for a new one.`);

    const { from, until } = rangeBounds(rec.data, Date.parse(rec.data.issuedAt));
    const records = visible(await this.audit.between(from, until), rec.data.readable);
    const name = `cts-audit-${rec.data.from}_${rec.data.to}`;
    const common = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' };
    if (format === 'json') {
      const body = JSON.stringify(
        { formatVersion: AUDIT_EXPORT_FORMAT_VERSION, from: rec.data.from, to: rec.data.to, generatedAt: rec.data.issuedAt, count: records.length, records },
        null,
        2,
      );
      return {
        status: 200,
        headers: { ...common, 'Content-Type': 'application/json; charset=utf-8', 'Content-Disposition': `attachment; filename="${name}.json"` },
        body,
      };
    }
    return {
      status: 200,
      headers: { ...common, 'Content-Type': 'text/csv; charset=utf-8; header=present', 'Content-Disposition': `attachment; filename="${name}.csv"` },
      body: toCsv(records),
    };
  }
}
