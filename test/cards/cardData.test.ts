import { renderAlert, welcomeCard, noteOf } from '../../src/teams/alertCards';
import { renderCard, escapeBraces } from '../../src/teams/cards';
import { localTime } from '../../src/teams/format';
import { breakableId, provisionCard, provisionSummary, statusDetailCard } from '../../src/teams/operationCards';
import { refusal } from '../../src/teams/gate';
import type { AlertView } from '../../src/domain/alerts';
import type { ProvisionItem } from '../../src/services/provisioning';
import { checkCard } from './cardChecker';

/** What an admin reads on a card: every TextBlock and fact, in order, as one string. */
function textOf(card: unknown): string {
  const out: string[] = [];
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== 'object') return;
    const o = n as Record<string, unknown>;
    if (o.type === 'TextBlock' && typeof o.text === 'string') out.push(o.text);
    if (o.type === 'FactSet') for (const f of o.facts as { title: string; value: string }[]) out.push(`${f.title}: ${f.value}`);
    if (typeof o.title === 'string' && String(o.type).startsWith('Action.')) out.push(`[${o.title}]`);
    Object.values(o).forEach(walk);
  };
  walk(card);
  return out.join('\n');
}

const view = (over: Partial<AlertView> = {}): AlertView => ({
  incidentId: 'fabrikam@2026-11-23T09:00:00Z',
  configuration: 'fabrikam',
  sourceTenant: 'Contoso',
  targetTenant: 'Fabrikam',
  kind: 'quarantine',
  title: 'Sync job quarantined: the bot cannot sign in to the target',
  explanation: 'The credentials were refused.',
  whatToDo: 'Renew the credentials, then restart.',
  openedAt: '2026-11-23T09:00:00Z',
  status: 'open',
  actions: ['restart', 'showFailures'],
  version: 3,
  ...over,
});

describe('alert card', () => {
  it('a refused click keeps the alert and says why on top (not a bare "Not allowed")', () => {
    const card = renderAlert(view(), noteOf(refusal('sync.operate', ['Hybrid Identity Administrator'], 'You have no role that grants it.'))).card;
    const named = textOf(
      renderAlert(
        view(),
        noteOf(
          refusal('sync.operate', ['Hybrid Identity Administrator'], 'You need the sync.operate permission. It is granted to: Hybrid Identity Administrator.'),
        ),
      ).card,
    );
    // Said once: the policy's reason already names the permission and who holds it.
    expect(named.match(/sync\.operate/g)).toHaveLength(1);
    const text = textOf(card);
    expect(text).toContain('Sync job quarantined');
    expect(text).toContain('What to do:** Renew the credentials');
    expect(text).toMatch(
      /Not allowed: You have no role that grants it\. This needs the permission sync\.operate\. It is granted by: Hybrid Identity Administrator\./,
    );
    expect(text).toContain('[Restart]');
    expect(checkCard(card)).toEqual([]);
  });

  it('an action the job came back from in the same trouble says it did not resolve it, and brings the advice back', () => {
    const taken = { by: 'Olga Operator', at: '2026-11-23T09:10:00Z', action: 'restart', ok: true, message: 'Restart requested.' };
    const waiting = textOf(renderAlert(view({ actionTaken: taken })).card);
    expect(waiting).toContain('Action taken');
    expect(waiting).not.toContain('What to do');
    const after = textOf(renderAlert(view({ actionTaken: { ...taken, stillOpenAt: '2026-11-23T09:12:00Z' } })).card);
    expect(after).toContain('Still open');
    expect(after).not.toContain('Action taken');
    expect(after).toContain(`Restart by Olga Operator at ${localTime(taken.at)} did not resolve it: the job was still quarantined`);
    expect(after).toContain('What to do:** Renew the credentials');
  });

  it('a failed action keeps the advice', () => {
    const text = textOf(
      renderAlert(view({ actionTaken: { by: 'Olga', at: '2026-11-23T09:10:00Z', action: 'restart', ok: false, message: 'Graph said 403.' } })).card,
    );
    expect(text).toContain('Still open');
    expect(text).toMatch(/failed: Graph said 403\./);
    expect(text).toContain('What to do');
  });

  it('a resolved card keeps who fixed it and how, and drops the advice', () => {
    const text = textOf(
      renderAlert(
        view({
          status: 'resolved',
          resolvedAt: '2026-11-23T09:15:00Z',
          durationMinutes: 15,
          actions: [],
          actionTaken: { by: 'Olga Operator', at: '2026-11-23T09:10:00Z', action: 'restart', ok: true, message: 'ok' },
        }),
      ).card,
    );
    expect(text).toContain('Resolved');
    expect(text).toContain(`Restart by Olga Operator at ${localTime('2026-11-23T09:10:00Z')}`);
    expect(text).not.toContain('What to do');
    expect(text).not.toContain('Renew the credentials');
  });

  it("times are written for the reader's time zone", () => {
    expect(textOf(renderAlert(view()).card)).toContain('Open since {{DATE(2026-11-23T09:00:00Z, SHORT)}} {{TIME(2026-11-23T09:00:00Z)}}.');
  });
});

describe('welcome card', () => {
  it('a refused Subscribe keeps the welcome card with the refusal on top', () => {
    const card = welcomeCard('channel', ['fabrikam'], noteOf(refusal('alerts.manage', [], 'You have no role that grants it.')));
    const text = textOf(card);
    expect(text).toContain("Hello, I'm CTS Ops");
    expect(text).toContain('This needs the permission alerts.manage');
    expect(text).toContain('[Subscribe to alerts]');
  });
});

describe('text from people is never expanded by Teams', () => {
  it('{{ in bound data is broken; our own DATE/TIME calls are kept', () => {
    expect(escapeBraces('{{DATE(2026-11-23T09:00:00Z, SHORT)}}')).toBe('{{DATE(2026-11-23T09:00:00Z, SHORT)}}');
    expect(escapeBraces('x {{TIME(now)}} y')).toBe('x {\u200b{TIME(now)}} y');
    const card = renderCard('notice', {
      title: 'Reason: {{DATE(2026-01-01T00:00:00Z)}}',
      text: localTime('2026-11-23T09:00:00.123Z'),
      hint: '',
      style: 'default',
    });
    const text = textOf(card);
    expect(text).toContain('Reason: {\u200b{DATE(');
    expect(text).toContain('{{DATE(2026-11-23T09:00:00Z, SHORT)}} {{TIME(2026-11-23T09:00:00Z)}}');
  });
});

describe('status detail on a narrow screen', () => {
  it('the 70-character job id is not a fact (it wraps at its dots) and the state has its own line', () => {
    const id = 'Azure2Azure.0a1b2c3d4e5f60718293a4b5c6d7e8f9.0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9';
    const configs = { route: () => 'Contoso → Fabrikam' } as never;
    const job = {
      id,
      status: { code: 'Quarantine', quarantine: { reason: 'EncounteredQuarantineException' }, lastExecution: null, lastSuccessfulExecution: null },
      schedule: { state: 'Active', interval: 'PT40M' },
    };
    const reply = statusDetailCard({ config: { name: 'fabrikam-to-northwind' }, job, failures: [] } as never, configs, Date.parse('2026-11-23T10:00:00Z'));
    const card = 'card' in reply ? reply.card : undefined;
    const facts = JSON.stringify((card!.body as { type: string }[]).filter((b) => b.type === 'FactSet'));
    expect(facts).not.toContain('Azure2Azure');
    expect(textOf(card)).toContain(`Job id: ${breakableId(id)}`);
    expect(breakableId(id)).toBe(id.replace(/\./g, '.\u200b'));
    const body = card!.body as { type: string; text?: string }[];
    expect(body.some((b) => b.type === 'ColumnSet')).toBe(false);
    expect(body[2]).toMatchObject({ type: 'TextBlock', text: expect.stringMatching(/^Quarantine/) as unknown });
    expect(textOf(card)).toContain('[Back to all]');
  });
});

describe('provision card', () => {
  const user = (n: number) => ({ id: `u${n}`, displayName: `User ${n}`, userPrincipalName: `u${n}@contoso.com` });
  it('summarises per outcome, as the audit does (skipped is not provisioned)', () => {
    const items: ProvisionItem[] = [
      { input: 'u1', user: user(1), state: 'done', result: { outcome: 'success', understood: true, steps: [] } as never },
      { input: 'u2', user: user(2), state: 'done', result: { outcome: 'skipped', understood: true, steps: [] } as never },
    ];
    expect(provisionSummary(items)).toBe('1 provisioned, 1 skipped');
  });
  it('20 users stay a short card: steps are collapsed', () => {
    const steps = [1, 2, 3, 4].map((i) => ({
      name: `Step${i}`,
      status: 'success',
      description: 'A long description of what this step did to the user in the target tenant.',
    }));
    const items: ProvisionItem[] = Array.from({ length: 20 }, (_, i) => ({
      input: `u${i}`,
      user: user(i),
      state: 'done' as const,
      result: { outcome: 'success', understood: true, steps } as never,
    }));
    const reply = provisionCard({ configuration: 'c', items, finished: true });
    const card = 'card' in reply ? reply.card : undefined;
    expect(textOf(card)).toContain('20 users: 20 provisioned.');
    const steps80 = JSON.stringify(card).match(/"isVisible":false/g);
    expect(steps80).toHaveLength(1);
    expect(checkCard(card)).toEqual([]);
  });
});
