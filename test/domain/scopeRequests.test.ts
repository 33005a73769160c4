import fc from 'fast-check';
import {
  allowedActions,
  ApprovalAction,
  DecideContext,
  Person,
  REQUEST_STATUSES,
  RequestStatus,
  SYSTEM_ACTOR,
  ScopeRequest,
  createRequest,
  decide,
  isExpired,
  isTerminal,
  newRequestId,
  parseScopeRequest,
  requiresDeletesAllow,
} from '../../src/domain/scopeRequests';
import { isRequestId } from '../../src/domain/commands';
import { Permission } from '../../src/domain/permissions';

const T0 = Date.UTC(2026, 0, 1, 9, 0, 0);
const HOUR = 3_600_000;
const alice: Person = { aadObjectId: 'aaaa', name: 'Alice Requester' };
const bob: Person = { aadObjectId: 'bbbb', name: 'Bob Approver' };
const APPROVER: Permission[] = ['sync.read', 'scope.request', 'scope.approve'];
const DELETER: Permission[] = [...APPROVER, 'deletes.allow'];

function request(over: Partial<Parameters<typeof createRequest>[0]> = {}): ScopeRequest {
  return createRequest({
    id: 'REQ-7K2M9',
    configuration: 'contoso-to-fabrikam',
    op: 'add',
    principalType: 'user',
    principals: [{ id: 'u1', displayName: 'Adele', userPrincipalName: 'adele@contoso.com' }],
    reason: 'new project',
    requester: alice,
    now: T0,
    ...over,
  });
}

const ctx = (actor: Person, perms: readonly Permission[] = APPROVER, now = T0 + HOUR, needsDeletesAllow = false): DecideContext => ({
  now,
  actor,
  actorPermissions: perms,
  needsDeletesAllow,
});

function step(r: ScopeRequest, action: ApprovalAction, c: DecideContext): ScopeRequest {
  const res = decide(r, action, c);
  if (!res.ok) throw new Error(`${res.code}: ${res.message}`);
  return res.next;
}

function inStatus(status: RequestStatus): ScopeRequest {
  const r = request();
  const sys = ctx(SYSTEM_ACTOR, [], T0 + 2 * HOUR);
  switch (status) {
    case 'pending':
      return r;
    case 'approved':
      return step(r, { type: 'approve' }, ctx(bob));
    case 'executing':
      return step(inStatus('approved'), { type: 'beginExecution' }, sys);
    case 'done':
      return step(inStatus('executing'), { type: 'completeExecution', results: [{ principalId: 'u1', outcome: 'assigned', assignmentId: 'as1' }] }, sys);
    case 'failed':
      return step(inStatus('executing'), { type: 'failExecution', error: 'Graph said 403' }, sys);
    case 'rejected':
      return step(r, { type: 'reject', reason: 'no' }, ctx(bob));
    case 'cancelled':
      return step(r, { type: 'cancel' }, ctx(alice));
    case 'expired':
      return step(r, { type: 'expire' }, ctx(SYSTEM_ACTOR, [], T0 + 73 * HOUR));
  }
}

describe('createRequest', () => {
  test('a new request is pending, versioned and expires after 72 hours by default', () => {
    const r = request();
    expect(r).toMatchObject({
      schemaVersion: 1,
      status: 'pending',
      cardVersion: 1,
      createdAt: '2026-01-01T09:00:00.000Z',
      expiresAt: '2026-01-04T09:00:00.000Z',
    });
    expect(r.history).toEqual([{ at: r.createdAt, status: 'pending', by: alice }]);
    expect(request({ expiresAfterHours: 1 }).expiresAt).toBe('2026-01-01T10:00:00.000Z');
    expect(parseScopeRequest(JSON.parse(JSON.stringify(r)))).toEqual({ ok: true, request: r });
  });

  test('a corrupted stored record is refused with the field named', () => {
    const r = parseScopeRequest({ ...request(), status: 'maybe' });
    expect(r.ok === false && r.problems.join()).toMatch(/^status:/);
    expect(parseScopeRequest({ ...request(), schemaVersion: 2 }).ok).toBe(false);
  });

  test('newRequestId gives canonical ids', () => {
    expect(isRequestId(newRequestId(() => 0.42))).toBe(true);
  });
});

describe('decide: happy paths', () => {
  test('approve → beginExecution → completeExecution ends done; every step bumps cardVersion and history', () => {
    const approved = step(request(), { type: 'approve' }, ctx(bob));
    expect(approved.status).toBe('approved');
    expect(approved.decision).toEqual({ by: bob, at: '2026-01-01T10:00:00.000Z', verdict: 'approved' });
    expect(approved.cardVersion).toBe(2);
    const executing = step(approved, { type: 'beginExecution' }, ctx(SYSTEM_ACTOR, [], T0 + 2 * HOUR));
    expect(executing.execution).toEqual({ startedAt: '2026-01-01T11:00:00.000Z' });
    const done = step(executing, { type: 'completeExecution', results: [{ principalId: 'u1', outcome: 'already' }] }, ctx(SYSTEM_ACTOR, [], T0 + 3 * HOUR));
    expect(done.status).toBe('done');
    expect(done.execution).toEqual({
      startedAt: '2026-01-01T11:00:00.000Z',
      finishedAt: '2026-01-01T12:00:00.000Z',
      results: [{ principalId: 'u1', outcome: 'already' }],
    });
    expect(done.cardVersion).toBe(4);
    expect(done.history.map((h) => h.status)).toEqual(['pending', 'approved', 'executing', 'done']);
  });

  test('a failed principal makes the request failed, with the results kept', () => {
    const failed = step(
      inStatus('executing'),
      {
        type: 'completeExecution',
        results: [
          { principalId: 'u1', outcome: 'assigned' },
          { principalId: 'u2', outcome: 'failed', error: 'not found' },
        ],
      },
      ctx(SYSTEM_ACTOR, []),
    );
    expect(failed.status).toBe('failed');
    expect(failed.execution?.results).toHaveLength(2);
  });

  test('failExecution records the error', () => {
    expect(inStatus('failed').execution?.error).toBe('Graph said 403');
  });

  test('reject keeps a trimmed reason; no reason is fine', () => {
    expect(step(request(), { type: 'reject', reason: '  wrong group ' }, ctx(bob)).decision).toMatchObject({
      verdict: 'rejected',
      reason: 'wrong group',
      by: bob,
    });
    expect(step(request(), { type: 'reject' }, ctx(bob)).decision).not.toHaveProperty('reason');
  });

  test('the requester may cancel while pending', () => {
    expect(inStatus('cancelled')).toMatchObject({ status: 'cancelled', decision: { verdict: 'cancelled', by: alice } });
  });

  test('decide never mutates its input', () => {
    const r = request();
    const copy = JSON.parse(JSON.stringify(r)) as typeof r;
    decide(r, { type: 'approve' }, ctx(bob));
    expect(r).toEqual(copy);
  });
});

describe('decide: refusals', () => {
  test('four-eyes: the requester cannot approve their own request, even as Global Administrator', () => {
    const res = decide(request(), { type: 'approve' }, ctx(alice, DELETER));
    expect(res).toMatchObject({ ok: false, code: 'self-approval' });
    expect(!res.ok && res.message).toMatch(/someone else/);
  });

  test('approving without scope.approve is not allowed', () => {
    expect(decide(request(), { type: 'approve' }, ctx(bob, ['sync.read']))).toMatchObject({ ok: false, code: 'not-allowed' });
  });

  test('approving a removal needs deletes.allow as well', () => {
    const removal = request({ op: 'remove' });
    expect(requiresDeletesAllow(removal)).toBe(true);
    const refused = decide(removal, { type: 'approve' }, ctx(bob, APPROVER, T0 + HOUR, true));
    expect(refused).toMatchObject({ ok: false, code: 'not-allowed' });
    expect(!refused.ok && refused.message).toMatch(/deletes\.allow/);
    expect(decide(removal, { type: 'approve' }, ctx(bob, DELETER, T0 + HOUR, true)).ok).toBe(true);
  });

  test('rejecting without scope.approve is not allowed, and the requester is pointed to cancel', () => {
    const res = decide(request(), { type: 'reject' }, ctx(alice, ['scope.request']));
    expect(res).toMatchObject({ ok: false, code: 'not-allowed' });
    expect(!res.ok && res.message).toMatch(/cancel REQ-7K2M9/);
  });

  test('only the requester can cancel', () => {
    expect(decide(request(), { type: 'cancel' }, ctx(bob, DELETER))).toMatchObject({ ok: false, code: 'not-requester' });
  });

  test('a pending request past its expiry cannot be approved, rejected or cancelled', () => {
    const late = T0 + 72 * HOUR;
    expect(isExpired(request(), late)).toBe(true);
    expect(isExpired(request(), late - 1)).toBe(false);
    for (const [action, actor] of [
      [{ type: 'approve' }, bob],
      [{ type: 'reject' }, bob],
      [{ type: 'cancel' }, alice],
    ] as const) {
      expect(decide(request(), action, ctx(actor, APPROVER, late))).toMatchObject({ ok: false, code: 'expired' });
    }
    expect(decide(request(), { type: 'expire' }, ctx(SYSTEM_ACTOR, [], late - 1))).toMatchObject({ ok: false, code: 'not-expired' });
    expect(decide(request(), { type: 'expire' }, ctx(SYSTEM_ACTOR, [], late))).toMatchObject({ ok: true, next: { status: 'expired' } });
  });

  // Idempotence: a second click (or a stale card) gets the current state back, never a second transition.
  const actions: [string, ApprovalAction, Person][] = [
    ['approve', { type: 'approve' }, bob],
    ['reject', { type: 'reject' }, bob],
    ['cancel', { type: 'cancel' }, alice],
    ['expire', { type: 'expire' }, SYSTEM_ACTOR],
  ];
  const decided: RequestStatus[] = ['approved', 'executing', 'done', 'failed', 'rejected', 'cancelled'];
  test.each(decided.flatMap((s) => actions.map(([name, a, who]) => [s, name, a, who] as const)))(
    'on a %s request, %s is already-decided and returns the current record',
    (status, _name, action, who) => {
      const current = inStatus(status);
      const res = decide(current, action, ctx(who, DELETER, T0 + 100 * HOUR));
      expect(res).toMatchObject({ ok: false, code: 'already-decided' });
      expect(!res.ok && res.current).toBe(current);
    },
  );

  test.each(actions)('on an expired request, %s says expired', (_n, action, who) => {
    expect(decide(inStatus('expired'), action, ctx(who, DELETER, T0 + 100 * HOUR))).toMatchObject({ ok: false, code: 'expired' });
  });

  test('the approval message names who decided', () => {
    const res = decide(inStatus('approved'), { type: 'approve' }, ctx({ aadObjectId: 'cccc', name: 'Carol' }, APPROVER));
    expect(!res.ok && res.message).toBe('Request REQ-7K2M9 was already approved by Bob Approver.');
  });

  test.each<[RequestStatus, ApprovalAction, string]>([
    ['pending', { type: 'beginExecution' }, 'invalid-transition'],
    ['executing', { type: 'beginExecution' }, 'already-decided'],
    ['done', { type: 'beginExecution' }, 'already-decided'],
    ['pending', { type: 'completeExecution', results: [] }, 'invalid-transition'],
    ['approved', { type: 'failExecution', error: 'x' }, 'invalid-transition'],
    ['done', { type: 'completeExecution', results: [] }, 'already-decided'],
    ['failed', { type: 'failExecution', error: 'x' }, 'already-decided'],
  ])('execution steps out of order: %s + %j → %s', (status, action, code) => {
    expect(decide(inStatus(status), action, ctx(SYSTEM_ACTOR, []))).toMatchObject({ ok: false, code });
  });
});

describe('properties', () => {
  const people = [alice, bob, { aadObjectId: 'cccc', name: 'Carol' }, SYSTEM_ACTOR];
  const action: fc.Arbitrary<ApprovalAction> = fc.oneof(
    fc.constant({ type: 'approve' as const }),
    fc.record({ type: fc.constant('reject' as const), reason: fc.option(fc.string(), { nil: undefined }) }),
    fc.constant({ type: 'cancel' as const }),
    fc.constant({ type: 'expire' as const }),
    fc.constant({ type: 'beginExecution' as const }),
    fc.record({
      type: fc.constant('completeExecution' as const),
      results: fc.array(
        fc.record({ principalId: fc.constantFrom('u1', 'u2'), outcome: fc.constantFrom('assigned', 'removed', 'already', 'absent', 'failed' as const) }),
        { maxLength: 3 },
      ),
    }),
    fc.record({ type: fc.constant('failExecution' as const), error: fc.string() }),
  );
  const stepArb = fc.record({
    action,
    actor: fc.constantFrom(...people),
    perms: fc.subarray<Permission>(['sync.read', 'scope.request', 'scope.approve', 'deletes.allow']),
    dt: fc.integer({ min: 0, max: 30 * HOUR }),
  });

  test('any sequence: only legal transitions, versions step by one, the requester never approves, terminal is final', () => {
    fc.assert(
      fc.property(fc.constantFrom<'add' | 'remove'>('add', 'remove'), fc.array(stepArb, { maxLength: 25 }), (op, steps) => {
        let r = request({ op });
        let now = T0;
        const legal: Record<RequestStatus, RequestStatus[]> = {
          pending: ['approved', 'rejected', 'expired', 'cancelled'],
          approved: ['executing'],
          executing: ['done', 'failed'],
          done: [],
          failed: [],
          rejected: [],
          expired: [],
          cancelled: [],
        };
        for (const s of steps) {
          now += s.dt;
          const res = decide(r, s.action, { now, actor: s.actor, actorPermissions: s.perms, needsDeletesAllow: requiresDeletesAllow(r) });
          if (!res.ok) {
            expect(res.current).toBe(r);
            continue;
          }
          expect(legal[r.status]).toContain(res.next.status);
          expect(res.next.cardVersion).toBe(r.cardVersion + 1);
          expect(res.next.history).toHaveLength(r.history.length + 1);
          if (res.next.status === 'approved') {
            expect(s.actor.aadObjectId).not.toBe(alice.aadObjectId);
            expect(s.perms).toContain('scope.approve');
            if (op === 'remove') expect(s.perms).toContain('deletes.allow');
          }
          r = res.next;
          expect(parseScopeRequest(JSON.parse(JSON.stringify(r))).ok).toBe(true);
        }
        if (isTerminal(r.status)) {
          for (const a of ['approve', 'reject', 'cancel', 'expire', 'beginExecution'] as const) {
            expect(decide(r, { type: a }, ctx(bob, DELETER, now)).ok).toBe(false);
          }
        }
        expect(REQUEST_STATUSES).toContain(r.status);
      }),
      { numRuns: 400 },
    );
  });
});

describe('allowedActions: what a card may offer, by the same rules as decide', () => {
  it('the requester may cancel (and, holding scope.approve, reject), never approve; an approver may approve or reject, not cancel', () => {
    const r = request();
    expect(allowedActions(r, ctx(alice, APPROVER))).toEqual({ approve: false, reject: true, cancel: true });
    expect(allowedActions(r, ctx(alice, ['scope.request']))).toEqual({ approve: false, reject: false, cancel: true });
    expect(allowedActions(r, ctx(bob, APPROVER))).toEqual({ approve: true, reject: true, cancel: false });
  });

  it('a removal that needs deletes.allow can be rejected by any approver but approved only with it', () => {
    const r = request();
    expect(allowedActions(r, ctx(bob, APPROVER, T0 + HOUR, true))).toMatchObject({ approve: false, reject: true });
    expect(allowedActions(r, ctx(bob, DELETER, T0 + HOUR, true))).toMatchObject({ approve: true, reject: true });
  });

  it('offers nothing on a decided or expired request', () => {
    expect(allowedActions(inStatus('done'), ctx(bob))).toEqual({ approve: false, reject: false, cancel: false });
    expect(allowedActions(request(), ctx(bob, APPROVER, T0 + 100 * HOUR))).toMatchObject({ approve: false, reject: false });
  });
});
