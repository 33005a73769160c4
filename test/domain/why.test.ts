import { explain, nextCycle, plainReason, read, unread, type WhyFacts, type WhyLogEntry, type WhyTargetObject } from '../../src/domain/why';

const ok: WhyFacts = {
  config: 'contoso-to-fabrikam',
  sourceName: 'Contoso',
  targetName: 'Fabrikam',
  user: {
    id: 'u1',
    userPrincipalName: 'ada@contoso.com',
    displayName: 'Ada',
    mail: 'ada@contoso.com',
    userType: 'Member',
    creationType: null,
    externalUserState: null,
    accountEnabled: true,
  },
  scope: read({ direct: true, groups: [], nestedOnly: [] }),
  job: read({ code: 'Active', scheduleState: 'Active', quarantineReason: null, quarantineMessage: null, nextRun: '2026-11-23T10:40:00Z' }),
  logs: read([]),
  target: read([]),
  userTypeAlways: read(true),
};
const with_ = (patch: Partial<WhyFacts>): WhyFacts => ({ ...ok, ...patch });
const entry = (p: Partial<WhyLogEntry>): WhyLogEntry => ({
  at: '2026-11-23T10:00:00Z',
  action: 'create',
  status: 'success',
  step: null,
  errorCode: null,
  reason: null,
  targetId: 't1',
  ...p,
});
const member = (p: Partial<WhyTargetObject>): WhyTargetObject => ({
  kind: 'user',
  id: 't1',
  displayName: 'Ada',
  userPrincipalName: 'ada_contoso.com#EXT#@fabrikam.com',
  mail: 'ada@contoso.com',
  userType: 'Member',
  externalUserState: null,
  ...p,
});

describe('why: the verdict is the first blocker, and every row is still listed', () => {
  it('synced fine names the target object', () => {
    const r = explain(with_({ logs: read([entry({})]), target: read([member({})]) }));
    expect(r.verdict).toBe('synced');
    expect(r.targetObjectId).toBe('t1');
    expect(r.rows.map((x) => x.status)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass']);
    expect(r.offerProvision).toBe(true);
    expect(r.offerScopeRequest).toBe(false);
  });

  it('a guest blocks first, but scope, job, logs and target are still evaluated', () => {
    const r = explain(with_({ user: { ...ok.user, userType: 'Guest' }, scope: read({ direct: false, groups: [], nestedOnly: [] }) }));
    expect(r.verdict).toBe('guest');
    expect(r.rows.filter((x) => x.status === 'blocker').map((x) => x.verdict)).toEqual(['guest', 'notInScope']);
    expect(r.offerProvision).toBe(false);
  });

  it('an external member (B2B, even with userType Member) is not synced', () => {
    expect(explain(with_({ user: { ...ok.user, creationType: 'Invitation', externalUserState: 'Accepted' } })).verdict).toBe('externalMember');
  });

  it('disabled', () => {
    const r = explain(with_({ user: { ...ok.user, accountEnabled: false } }));
    expect(r.verdict).toBe('disabled');
    expect(r.rows[0].detail).toContain('accountEnabled false');
  });

  it('not in scope, nested only, and direct group membership', () => {
    expect(explain(with_({ scope: read({ direct: false, groups: [], nestedOnly: [] }) })).verdict).toBe('notInScope');
    const nested = explain(with_({ scope: read({ direct: false, groups: [], nestedOnly: [{ id: 'g', name: 'Sync' }] }) }));
    expect(nested.verdict).toBe('nestedOnly');
    expect(nested.rows[1].detail).toContain('Only through a nested group inside "Sync"');
    expect(nested.offerScopeRequest).toBe(true);
    expect(explain(with_({ scope: read({ direct: false, groups: [{ id: 'g', name: 'Sync' }], nestedOnly: [] }) })).rows[1].status).toBe('pass');
  });

  it('quarantined, paused and disabled jobs block; the next cycle shows when running', () => {
    expect(
      explain(
        with_({
          job: read({
            code: 'Quarantine',
            scheduleState: 'Active',
            quarantineReason: 'EncounteredQuarantineException',
            quarantineMessage: null,
            nextRun: null,
          }),
        }),
      ).verdict,
    ).toBe('jobQuarantined');
    expect(
      explain(with_({ job: read({ code: 'Paused', scheduleState: 'Paused', quarantineReason: null, quarantineMessage: null, nextRun: null }) })).verdict,
    ).toBe('jobPaused');
    expect(
      explain(with_({ job: read({ code: 'Active', scheduleState: 'Disabled', quarantineReason: null, quarantineMessage: null, nextRun: null }) })).verdict,
    ).toBe('jobDisabled');
    expect(explain(ok).rows[2].detail).toBe('Running. Next cycle: 2026-11-23 10:40 UTC.');
  });

  it('a failed export names the step and the code in plain words', () => {
    const r = explain(
      with_({
        logs: read([
          entry({
            status: 'failure',
            targetId: null,
            errorCode: 'AzureActiveDirectoryConflict',
            step: { name: 'EntryExportAdd', type: 'export', status: 'failure', description: 'x' },
          }),
        ]),
      }),
    );
    expect(r.verdict).toBe('exportFailed');
    expect(r.rows[3].detail).toContain('at step EntryExportAdd: matching conflict');
    expect(r.rows[3].detail).toContain('(AzureActiveDirectoryConflict)');
  });

  it('a skip out of scope blocks while the user is out of scope, and is history once in scope', () => {
    const skip = entry({ action: 'other', status: 'skipped', targetId: null, errorCode: 'NotEffectivelyEntitled' });
    expect(explain(with_({ logs: read([skip]), scope: read({ direct: false, groups: [], nestedOnly: [] }) })).rows[3].verdict).toBe('skipped');
    const now = explain(with_({ logs: read([skip]) }));
    expect(now.rows[3].status).toBe('info');
    expect(now.verdict).toBe('waiting');
    // Scope unread: the skip is not called the blocker; the verdict is "could not check".
    const unreadScope = explain(with_({ logs: read([skip]), scope: unread('needs Application.Read.All in Contoso') }));
    expect(unreadScope.rows[3].status).toBe('info');
    expect(unreadScope.rows[3].detail).toContain('Whether the user is in scope now could not be checked');
    expect(unreadScope.verdict).toBe('unknown');
  });

  it('target side: a pending-acceptance guest, a contact, an internal member with the same mail, a guest that stays Guest', () => {
    expect(explain(with_({ target: read([member({ id: 'g1', userType: 'Guest', externalUserState: 'PendingAcceptance' })]) })).verdict).toBe('pendingGuest');
    const contact = explain(
      with_({
        target: read([
          {
            kind: 'contact',
            id: 'c1',
            displayName: 'Ada (ext)',
            userPrincipalName: null,
            mail: 'ada@contoso.com',
            userType: null,
            externalUserState: null,
            proxyAddress: 'SMTP:ada@contoso.com',
          },
        ]),
      }),
    );
    expect(contact.verdict).toBe('targetConflict');
    expect(contact.rows[4].detail).toContain('proxy address SMTP:ada@contoso.com');
    expect(explain(with_({ target: read([member({ id: 'm2', userPrincipalName: 'ada@fabrikam.com' })]) })).verdict).toBe('targetConflict');
    const guest = member({ id: 'g2', userType: 'Guest', externalUserState: 'Accepted' });
    expect(explain(with_({ target: read([guest]), userTypeAlways: read(false) })).verdict).toBe('staysGuest');
    expect(explain(with_({ target: read([guest]), userTypeAlways: read(true) })).rows[4].status).toBe('info');
  });

  it('without a log entry, an external member with the mail is the likely copy, not a conflict', () => {
    const r = explain(with_({ target: read([member({})]) }));
    expect(r.verdict).toBe('synced');
    expect(r.targetObjectId).toBe('t1');
  });

  it('a read that failed is "could not check" with the reason; it never hides a blocker', () => {
    const r = explain(with_({ logs: unread('needs AuditLog.Read.All and Directory.Read.All in Contoso') }));
    expect(r.verdict).toBe('unknown');
    expect(r.rows[3]).toMatchObject({ status: 'unknown', detail: 'Could not check: needs AuditLog.Read.All and Directory.Read.All in Contoso.' });
    expect(explain(with_({ logs: unread('x'), user: { ...ok.user, accountEnabled: false } })).verdict).toBe('disabled');
  });
});

describe('why helpers', () => {
  it('plain words for codes, Graph reason otherwise', () => {
    expect(plainReason('AzureDirectoryB2BManagementPolicyCheckFailure', null)).toContain('automatic redemption');
    expect(plainReason('SomethingNew', 'The thing broke')).toBe('export error: The thing broke');
    expect(plainReason(null, null)).toBe('export error');
  });
  it('next cycle from the last end and the ISO 8601 interval', () => {
    expect(nextCycle('2026-11-23T10:00:00Z', 'PT40M')).toBe('2026-11-23T10:40:00.000Z');
    expect(nextCycle('2026-11-23T10:00:00Z', 'P1DT2H')).toBe('2026-11-24T12:00:00.000Z');
    expect(nextCycle(null, 'PT40M')).toBeNull();
    expect(nextCycle('2026-11-23T10:00:00Z', 'soon')).toBeNull();
  });
});
