/**
 * `audit export` over /api/messages, and the download link over real HTTP: the card (count, range, CSV preview,
 * links), the CSV and JSON files, and the refusals (range too long, start after end, altered, missing and expired
 * tokens).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ManualClock } from '../../src/domain/clock';
import { ROLE } from '../../src/domain/roles';
import { AUDIT_CSV_COLUMNS, csvRow, EXPORT_LINK_TTL_MS, toCsv } from '../../src/services/auditExport';
import type { AuditRecord } from '../../src/store';
import { cardText } from '../harness/activities';
import type { CardElement } from '../harness/cardTypes';
import { parseAs } from '../harness/json';
import { ADELE, BotUnderTest, LEE, MEGAN } from '../harness/bot';

const NOW = Date.UTC(2026, 2, 15, 12, 0, 0); // 2026-03-15 12:00 UTC

/** The JSON download (UNVERIFIED beyond what these tests assert: it is our own format). */
interface ExportDocument {
  formatVersion: number;
  from: string;
  to: string;
  count: number;
  records: AuditRecord[];
}

function record(at: string, over: Partial<AuditRecord> = {}): AuditRecord {
  return {
    schemaVersion: 1,
    id: `seed-${at.replace(/\D/g, '')}`,
    at,
    actor: { aadObjectId: MEGAN.aadObjectId, name: MEGAN.name },
    action: 'job.pause',
    configuration: 'contoso-to-fabrikam',
    outcome: 'ok',
    ...over,
  };
}

const SEEDED: AuditRecord[] = [
  record('2026-01-10T08:00:00.000Z'), // outside the default 30 days
  record('2026-02-14T00:00:00.000Z', { action: 'scope.approved', target: 'REQ-AB123' }), // first instant of the default range
  record('2026-02-20T09:30:00.000Z', {
    actor: 'system',
    action: 'subscriptions.deactivate',
    target: '19:x@thread.v2',
    outcome: 'refused',
    detail: '403 "blocked", by user\nsecond line',
  }),
  record('2026-03-01T10:00:00.000Z', { action: 'scope.requested', detail: '=HYPERLINK("http://evil.example","x")', graphRequestId: 'req-1' }),
];

async function get(url: string): Promise<{ status: number; type: string | null; disposition: string | null; cache: string | null; text: string }> {
  const res = await fetch(url);
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    disposition: res.headers.get('content-disposition'),
    cache: res.headers.get('cache-control'),
    text: await res.text(),
  };
}

function links(card: CardElement): { csv: string; json: string } {
  const urls = (card.actions ?? []).filter((a) => a.type === 'Action.OpenUrl').map((a) => a.url as string);
  return { csv: urls.find((u) => !u.includes('format=json'))!, json: urls.find((u) => u.includes('format=json'))! };
}

describe('audit export', () => {
  const clock = new ManualClock(NOW);
  const t = new BotUnderTest();

  beforeAll(async () => {
    await t.start({}, { clock });
    for (const r of SEEDED) await t.bot.audit.appendRecord(r);
  });
  afterAll(() => t.stop());

  it('defaults to the last 30 days: a card with the count, the range, the CSV and two links', async () => {
    const card = await t.card(MEGAN, 'audit export');
    const text = cardText(card);
    expect(text).toContain('Range: 2026-02-14 to 2026-03-15 (UTC, 30 days)');
    expect(text).toContain('Records: 3');
    expect(text).toContain('Link valid until: 2026-03-15 12:10 UTC');
    expect(text).toContain(AUDIT_CSV_COLUMNS.join(','));
    expect(text).toContain('REQ-AB123');
    expect(text).toContain('do not forward it');
    const monospace = JSON.stringify(card).match(/"fontType":"Monospace"/g) ?? [];
    expect(monospace).toHaveLength(4); // header + 3 records
    const { csv, json } = links(card);
    expect(csv).toMatch(new RegExp(`^${t.bot.url}/api/audit/export\\?token=[A-Za-z0-9_-]{43}$`));
    expect(json).toBe(`${csv}&format=json`);
    expect(Buffer.byteLength(JSON.stringify(card))).toBeLessThan(28 * 1024);

    const exported = await t.bot.audit.last(1, { action: 'audit.exported' });
    expect(exported[0]).toMatchObject({
      actor: { aadObjectId: MEGAN.aadObjectId },
      target: '2026-02-14..2026-03-15',
      detail: expect.stringContaining('3 records') as unknown,
    });
  });

  it('serves the CSV (fixed columns, RFC 4180 quoting, formulas neutralised) and the JSON with schemaVersion', async () => {
    const card = await t.card(MEGAN, 'audit export from 2026-02-14 to 2026-03-01');
    expect(cardText(card)).toContain('Records: 3');
    const { csv, json } = links(card);

    const file = await get(csv);
    expect(file.status).toBe(200);
    expect(file.type).toMatch(/^text\/csv; charset=utf-8/);
    expect(file.disposition).toBe('attachment; filename="cts-audit-2026-02-14_2026-03-01.csv"');
    expect(file.cache).toBe('no-store');
    expect(file.text).toBe(toCsv(SEEDED.slice(1)));
    const lines = file.text.split('\r\n');
    expect(lines[0]).toBe('schemaVersion,id,at,actorType,actorId,actorName,action,configuration,target,outcome,detail,graphRequestId');
    expect(lines[1]).toBe(
      `1,seed-20260214000000000,2026-02-14T00:00:00.000Z,user,${MEGAN.aadObjectId},Megan Bowen,scope.approved,contoso-to-fabrikam,REQ-AB123,ok,,`,
    );
    expect(file.text).toContain(',system,,,subscriptions.deactivate,contoso-to-fabrikam,19:x@thread.v2,refused,"403 ""blocked"", by user\nsecond line",');
    expect(file.text).toContain(`,"'=HYPERLINK(""http://evil.example"",""x"")",req-1\r\n`);

    const doc = await get(json);
    expect(doc.status).toBe(200);
    expect(doc.type).toMatch(/^application\/json/);
    const body = parseAs<ExportDocument>(doc.text);
    expect(body).toMatchObject({ formatVersion: 1, from: '2026-02-14', to: '2026-03-01', count: 3 });
    expect(body.records).toEqual(SEEDED.slice(1));
    expect(body.records.every((r: AuditRecord) => r.schemaVersion === 1)).toBe(true);
  });

  it('refuses a range over 366 days and a start after the end, in words', async () => {
    const long = cardText(await t.card(MEGAN, 'audit export from 2024-01-01 to 2025-12-31'));
    expect(long).toContain('Cannot export that range');
    expect(long).toContain('731 days; an export covers at most 366 days');
    expect(cardText(await t.card(MEGAN, 'audit export from 2025-03-15 to 2026-03-15'))).toContain('Range: 2025-03-15 to 2026-03-15 (UTC, 366 days)');
    expect(cardText(await t.card(MEGAN, 'audit export to 2026-01-10'))).toContain('Range: 2025-12-12 to 2026-01-10');
    const backwards = cardText(await t.card(MEGAN, 'audit export from 2026-03-02 to 2026-03-01'));
    expect(backwards).toContain('after the end date');
    const bad = cardText(await t.card(MEGAN, 'audit export from 2026-02-30'));
    expect(bad).toMatch(/yyyy-mm-dd/);
  });

  it('shows no preview for many records, but the download has them all', async () => {
    for (let i = 0; i < 12; i++) await t.bot.audit.appendRecord(record(`2026-03-10T10:00:${String(i).padStart(2, '0')}.000Z`));
    const card = await t.card(MEGAN, 'audit export from 2026-03-10 to 2026-03-10');
    const text = cardText(card);
    expect(text).toContain('Records: 12');
    expect(text).toContain('Too many records to show here');
    expect(JSON.stringify(card)).not.toContain('Monospace');
    const file = await get(links(card).csv);
    expect(file.text.trimEnd().split('\r\n')).toHaveLength(13);
  });

  it('answers altered, missing and unknown tokens with 404, expired ones with 410, a bad format with 400', async () => {
    const card = await t.card(MEGAN, 'audit export from 2026-02-14 to 2026-03-01');
    const { csv } = links(card);
    const token = new URL(csv).searchParams.get('token')!;
    const flipped = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');

    for (const url of [
      `${t.bot.url}/api/audit/export?token=${flipped}`,
      `${t.bot.url}/api/audit/export`,
      `${t.bot.url}/api/audit/export?token=short`,
      `${t.bot.url}/api/audit/export?token=${token}x`,
    ]) {
      const res = await get(url);
      expect(res.status).toBe(404);
      expect(res.type).toMatch(/^application\/json/);
      expect(JSON.parse(res.text)).toEqual({ error: 'not_found', message: 'This export link is not valid.' });
    }
    expect((await get(`${csv}&format=xml`)).status).toBe(400);

    expect((await get(csv)).status).toBe(200);
    clock.advance(EXPORT_LINK_TTL_MS - 1);
    expect((await get(csv)).status).toBe(200);
    clock.advance(1);
    const expired = await get(csv);
    expect(expired.status).toBe(410);
    expect(parseAs<unknown>(expired.text)).toMatchObject({ error: 'expired', message: expect.stringContaining('Type "audit export" again') as unknown });
    expect(expired.text).not.toContain('REQ-AB123');
  });

  it('is handed out only in a personal chat: in a channel or group chat it says where to ask, and no link is made', async () => {
    const before = (await t.bot.audit.last(50, { action: 'audit.exported' })).length;
    const channel = cardText(await t.card(MEGAN, 'audit export', { kind: 'channel', teamId: '19:t@thread.tacv2', channelId: '19:c@thread.tacv2' }));
    expect(channel).toContain('Audit exports go to a personal chat');
    expect(channel).not.toContain('/api/audit/export');
    const group = cardText(await t.card(MEGAN, 'audit export', { kind: 'groupChat', conversationId: '19:g@thread.v2' }));
    expect(group).toContain('Audit exports go to a personal chat');
    expect((await t.bot.audit.last(50, { action: 'audit.exported' })).length).toBe(before);
  });

  it('needs sync.read: refused to a member without a reader or admin role, and no link is made', async () => {
    const before = (await t.bot.audit.last(100, { action: 'audit.exported' })).length;
    const card = await t.card(LEE, 'audit export');
    expect(cardText(card)).toContain('Not allowed');
    expect(cardText(card)).toContain('sync.read');
    expect(links(card).csv).toBeUndefined();
    expect(await t.bot.audit.last(100, { action: 'audit.exported' })).toHaveLength(before);
  });
});

describe('audit export under a per-configuration policy', () => {
  const clock = new ManualClock(NOW);
  const t = new BotUnderTest();
  const dir = mkdtempSync(path.join(tmpdir(), 'cts-export-policy-'));
  const secret = record('2026-03-02T10:00:00.000Z', {
    id: 'seed-secret',
    configuration: 'contoso-to-fabrikam',
    actor: { aadObjectId: ADELE.aadObjectId, name: 'Adele Vance' },
    action: 'scope.requested',
    target: 'REQ-SECRET',
    detail: 'reason only admins may read',
  });
  const open = record('2026-03-03T10:00:00.000Z', { id: 'seed-open', configuration: 'contoso-to-northwind', target: 'REQ-OPEN' });
  const none = record('2026-03-04T10:00:00.000Z', { id: 'seed-none', configuration: undefined, action: 'subscriptions.deactivate', target: '19:x@thread.v2' });

  beforeAll(async () => {
    const policyFile = path.join(dir, 'policy.json');
    // contoso-to-fabrikam is read by Global Administrators only; Megan (Hybrid Identity Administrator) keeps the rest.
    writeFileSync(
      policyFile,
      JSON.stringify({ configurations: { 'contoso-to-fabrikam': { permissions: { 'sync.read': { roles: [ROLE.globalAdministrator] } } } } }),
    );
    await t.start({ CTS_POLICY: policyFile }, { clock });
    for (const r of [secret, open, none]) await t.bot.audit.appendRecord(r);
  });
  afterAll(async () => {
    await t.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds only the configurations the caller may read (and records of none), on the card and in both files', async () => {
    const card = await t.card(MEGAN, 'audit export from 2026-03-01 to 2026-03-05');
    const text = cardText(card);
    expect(text).toContain('Records: 2');
    expect(text).toContain('REQ-OPEN');
    expect(text).not.toContain('REQ-SECRET');
    const { csv, json } = links(card);
    const file = await get(csv);
    expect(file.status).toBe(200);
    expect(file.text).toBe(toCsv([open, none]));
    const doc = parseAs<ExportDocument>((await get(json)).text);
    expect(doc.count).toBe(2);
    expect(doc.records.map((r: AuditRecord) => r.id)).toEqual(['seed-open', 'seed-none']);
    expect(JSON.stringify(doc)).not.toContain(ADELE.aadObjectId);
    expect(JSON.stringify(doc)).not.toContain('reason only admins may read');
  });
});

describe('the CSV formula guard', () => {
  const row = (over: Partial<AuditRecord>) => csvRow(record('2026-03-01T10:00:00.000Z', over)).split(',');
  const col = (name: (typeof AUDIT_CSV_COLUMNS)[number]) => AUDIT_CSV_COLUMNS.indexOf(name);

  it('guards text cells that start with a formula character, a full-width one, or whitespace hiding one', () => {
    for (const detail of ['=1+1', '+1', '-1', '@SUM(A1)', ' =1+1', '\t=1', '＝HYPERLINK("x")', '＋1', '－1', '＠x']) {
      expect(csvRow(record('2026-03-01T10:00:00.000Z', { detail })).includes(`'${detail.replace(/"/g, '""')}`)).toBe(true);
    }
    expect(toCsv([record('2026-03-01T10:00:00.000Z', { detail: '\n=1+1' })])).toContain(`"'\n=1+1"`);
    expect(row({ actor: { aadObjectId: MEGAN.aadObjectId, name: '=cmd' } })[col('actorName')]).toBe("'=cmd");
    expect(row({ target: '-REQ' })[col('target')]).toBe("'-REQ");
    expect(row({ detail: 'plain reason' })[col('detail')]).toBe('plain reason');
  });

  it('leaves ids, times and request ids as they are, even when an id starts with "-"', () => {
    const cells = row({ id: '-k3x9', graphRequestId: '-abc' });
    expect(cells[col('id')]).toBe('-k3x9');
    expect(cells[col('graphRequestId')]).toBe('-abc');
    expect(cells[col('at')]).toBe('2026-03-01T10:00:00.000Z');
  });
});
