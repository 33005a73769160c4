import fc from 'fast-check';
import {
  COMMANDS,
  Command,
  MAX_REQUEST_PRINCIPALS,
  RESTART_SCOPES,
  formatCommand,
  isRequestId,
  newRequestId,
  normalizeRequestId,
  parseCommand,
  suggestConfig,
} from '../../src/domain/commands';

describe('parseCommand: verbs and arguments', () => {
  test.each<[string, Command]>([
    ['help', { kind: 'help' }],
    ['HELP', { kind: 'help' }],
    ['?', { kind: 'help' }],
    ['whoami', { kind: 'whoami' }],
    ['status', { kind: 'status' }],
    ['Status Contoso-To-Fabrikam', { kind: 'status', config: 'Contoso-To-Fabrikam' }],
    ['start cfg1', { kind: 'start', config: 'cfg1' }],
    ['pause', { kind: 'pause' }],
    ['restart', { kind: 'restart', scope: 'default' }],
    ['restart watermark', { kind: 'restart', scope: 'watermark' }],
    ['restart cfg', { kind: 'restart', config: 'cfg', scope: 'default' }],
    ['restart cfg QUARANTINE', { kind: 'restart', config: 'cfg', scope: 'quarantine' }],
    ['restart cfg quarantine', { kind: 'restart', config: 'cfg', scope: 'quarantine' }],
    ['provision a@x.com', { kind: 'provision', users: ['a@x.com'] }],
    ['provision A@X.com b@x.com to cfg', { kind: 'provision', users: ['A@X.com', 'b@x.com'], config: 'cfg' }],
    ['request', { kind: 'requestForm' }],
    [
      'request add user a@x.com, b@x.com to cfg because Reason Words',
      { kind: 'request', op: 'add', principalType: 'user', principals: ['a@x.com', 'b@x.com'], config: 'cfg', reason: 'Reason Words' },
    ],
    [
      'REQUEST Remove Groups "Sales Team",g2 FROM cfg BECAUSE Left the project',
      { kind: 'request', op: 'remove', principalType: 'group', principals: ['Sales Team', 'g2'], config: 'cfg', reason: 'Left the project' },
    ],
    [
      'request add user a@x.com because needed, urgently',
      { kind: 'request', op: 'add', principalType: 'user', principals: ['a@x.com'], reason: 'needed, urgently' },
    ],
    ['pending', { kind: 'pending' }],
    ['approve REQ-7K2M9', { kind: 'approve', id: 'REQ-7K2M9' }],
    ['approve req-7k2m9.', { kind: 'approve', id: 'REQ-7K2M9' }],
    ['approve 7K2M9', { kind: 'approve', id: 'REQ-7K2M9' }],
    ['reject REQ-7K2M9', { kind: 'reject', id: 'REQ-7K2M9' }],
    // Unquoted multi-word group names are one group; commas separate groups.
    [
      'request add group Engineering Team because new hires',
      { kind: 'request', op: 'add', principalType: 'group', principals: ['Engineering Team'], reason: 'new hires' },
    ],
    [
      'request add group Engineering Team, Sales Ops to cfg because merger',
      { kind: 'request', op: 'add', principalType: 'group', principals: ['Engineering Team', 'Sales Ops'], config: 'cfg', reason: 'merger' },
    ],
    [
      'request add group "Eng, Berlin" , Design because x',
      { kind: 'request', op: 'add', principalType: 'group', principals: ['Eng, Berlin', 'Design'], reason: 'x' },
    ],
    ['reject REQ-7K2M9 because Wrong group', { kind: 'reject', id: 'REQ-7K2M9', reason: 'Wrong group' }],
    ['reject REQ-7K2M9 wrong group', { kind: 'reject', id: 'REQ-7K2M9', reason: 'wrong group' }],
    ['cancel REQ-7K2M9', { kind: 'cancel', id: 'REQ-7K2M9' }],
    ['subscribe alerts', { kind: 'subscribe', topic: 'alerts', config: 'all' }],
    ['subscribe approvals for cfg', { kind: 'subscribe', topic: 'approvals', config: 'cfg' }],
    ['unsubscribe alert ALL', { kind: 'unsubscribe', topic: 'alerts', config: 'all' }],
    ['subscriptions', { kind: 'subscriptions' }],
    ['audit', { kind: 'audit' }],
    ['audit 20', { kind: 'audit', count: 20 }],
    ['audit cfg 200', { kind: 'audit', config: 'cfg', count: 200 }],
    ['audit 5 cfg', { kind: 'audit', config: 'cfg', count: 5 }],
    ['audit export', { kind: 'auditExport' }],
    ['audit export from 2026-01-01 to 2026-01-31', { kind: 'auditExport', from: '2026-01-01', to: '2026-01-31' }],
    ['audit export 2026-01-01', { kind: 'auditExport', from: '2026-01-01' }],
    ['audit export to 2026-02-28', { kind: 'auditExport', to: '2026-02-28' }],
    ['frobnicate the thing', { kind: 'unknown', text: 'frobnicate the thing' }],
  ])('%s', (text, expected) => {
    expect(parseCommand(text)).toEqual(expected);
  });
});

describe('parseCommand: what Teams delivers around the command', () => {
  test.each([
    '<at>CTS Ops</at> status cfg',
    '<at>CTS Ops</at>&nbsp;status cfg',
    '&nbsp;<at>CTS Ops</at> <at>Other Bot</at>\nstatus cfg\n',
    '<at id="0">CTS&nbsp;Ops</at>   status   cfg  ',
    '@CTSOps status cfg',
    '@CTS Ops status cfg',
    'status! cfg',
    '/status cfg',
    '<p>status cfg</p>',
    '<p><at>CTS Ops</at>&nbsp;status cfg</p>',
    '<div><span><at>CTS Ops</at></span> status cfg</div>',
    'status\u200b cfg',
  ])('%j is status cfg', (text) => {
    expect(parseCommand(text)).toEqual({ kind: 'status', config: 'cfg' });
  });

  test('a mention with nothing after it asks for help', () => {
    expect(parseCommand('<at>CTS Ops</at>&nbsp;')).toEqual({ kind: 'help' });
  });

  test('entities in a reason are decoded, case is kept', () => {
    expect(parseCommand('<at>Bot</at> reject REQ-7K2M9 because R&amp;D &lt;team&gt;')).toEqual({
      kind: 'reject',
      id: 'REQ-7K2M9',
      reason: 'R&D <team>',
    });
  });

  test('Teams auto-linked addresses are read as text', () => {
    expect(parseCommand('provision <a href="mailto:a@x.com">a@x.com</a>')).toEqual({ kind: 'provision', users: ['a@x.com'] });
  });
});

describe('parseCommand: bad arguments say what was wrong and what to type', () => {
  test.each<[string, string, RegExp]>([
    ['request add user a@x.com to cfg', 'request', /reason is required/],
    ['request add user a@x.com because   ', 'request', /reason|because/],
    ['request move user a@x.com because x', 'request', /"add" or "remove"/],
    ['request add person a@x.com because x', 'request', /"user" or "group"/],
    ['request add user because x', 'request', /which users/],
    ['request add user bob because x', 'request', /not a user principal name/],
    ['request add user a@x.com to because x', 'request', /exactly one configuration/],
    ['restart cfg sideways', 'restart', /not a reset scope/],
    ['restart cfg full', 'restart', /ConnectorDataStore.*without Microsoft Support/],
    ['restart a b c', 'restart', /at most/],
    ['status a b', 'status', /at most one/],
    ['status c*fg', 'status', /not a configuration name/],
    ['provision', 'provision', /which user/],
    [`provision ${Array.from({ length: 21 }, (_, i) => `u${i}@x.com`).join(' ')}`, 'provision', /At most 20 users at a time; you gave 21/],
    ['approve', 'approve', /which request/],
    ['approve 123', 'approve', /not a request id/],
    ['approve REQ-7K2M9 REQ-7K2M8', 'approve', /only the request id/],
    ['reject nope', 'reject', /not a request id/],
    ['cancel', 'cancel', /which request/],
    ['subscribe', 'subscribe', /"alerts" or "approvals"/],
    ['subscribe news', 'subscribe', /not "news"/],
    ['unsubscribe alerts a b', 'unsubscribe', /one configuration/],
    ['audit 0', 'audit', /1 to 200/],
    ['audit 201', 'audit', /1 to 200/],
    ['audit 2.5', 'audit', /whole number/],
    ['audit 1 2', 'audit', /whole number/],
    ['audit export from 2026-02-30', 'audit export', /yyyy-mm-dd/],
    ['audit export yesterday', 'audit export', /not a date/],
    ['audit export 2026-02-01 2026-01-01', 'audit export', /after the end date/],
  ])('%s', (text, command, problem) => {
    const parsed = parseCommand(text);
    expect(parsed.kind).toBe('invalid');
    if (parsed.kind !== 'invalid') return;
    expect(parsed.command).toBe(command);
    expect(parsed.problem).toMatch(problem);
    const info = COMMANDS.find((c) => c.name === command)!;
    expect(parsed.usage).toBe(info.usage);
    expect(parsed.example).toBe(info.example);
  });

  test(`more than ${MAX_REQUEST_PRINCIPALS} principals is refused, exactly that many is fine`, () => {
    const users = (n: number) => Array.from({ length: n }, (_, i) => `u${i}@x.com`).join(', ');
    const ok = parseCommand(`request add user ${users(MAX_REQUEST_PRINCIPALS)} because team`);
    expect(ok.kind === 'request' && ok.principals.length).toBe(MAX_REQUEST_PRINCIPALS);
    const tooMany = parseCommand(`request add user ${users(MAX_REQUEST_PRINCIPALS + 1)} because team`);
    expect(tooMany.kind === 'invalid' && tooMany.problem).toMatch(/At most 50/);
  });

  test('duplicate principals count once', () => {
    expect(parseCommand('request add user a@x.com A@x.com because x')).toMatchObject({ principals: ['a@x.com'] });
  });

  test('every catalogue example parses to its own command', () => {
    for (const info of COMMANDS) {
      const parsed = parseCommand(info.example);
      expect(parsed.kind).toBe(info.kind);
    }
  });
});

describe('catalogue', () => {
  test('one entry per verb, Teams manifest limits respected', () => {
    const kinds = COMMANDS.map((c) => c.kind);
    expect(new Set(kinds).size).toBe(kinds.length);
    for (const c of COMMANDS) {
      expect(c.name.length).toBeLessThanOrEqual(32);
      expect(c.description.length).toBeLessThanOrEqual(128);
    }
    expect(COMMANDS.filter((c) => c.manifest).length).toBeLessThanOrEqual(10);
    expect(COMMANDS[0].kind).toBe('help');
  });
  test('operations that change sync state need sync.operate; decisions need scope.approve', () => {
    const perm = (k: string) => COMMANDS.find((c) => c.kind === k)!.permission;
    expect(['start', 'pause', 'restart', 'provision'].map(perm)).toEqual(Array(4).fill('sync.operate'));
    expect(perm('approve')).toBe('scope.approve');
    expect(perm('reject')).toBe('scope.approve');
    expect(perm('help')).toBeUndefined();
  });
});

describe('request ids', () => {
  test('newRequestId is canonical and deterministic for a given random source', () => {
    const seq = [0, 0.1, 0.5, 0.9, 0.999999];
    let i = 0;
    const id = newRequestId(() => seq[i++ % seq.length]);
    expect(isRequestId(id)).toBe(true);
    expect(id).toBe('REQ-03GWZ');
    expect(isRequestId(newRequestId(() => 1))).toBe(true); // out-of-contract random values do not escape the alphabet
    expect(isRequestId(newRequestId(() => NaN))).toBe(true);
  });
  test('normalizeRequestId accepts readable variants and refuses the rest', () => {
    expect(normalizeRequestId('req-7k2mo')).toBe('REQ-7K2M0');
    expect(normalizeRequestId('REQ7K2M9')).toBe('REQ-7K2M9');
    expect(normalizeRequestId('REQ-7K2M')).toBeUndefined();
    expect(normalizeRequestId('REQ-7K2MU')).toBeUndefined();
    expect(isRequestId('req-7k2m9')).toBe(false);
  });
});

describe('suggestConfig', () => {
  const known = ['contoso-to-fabrikam', 'contoso-to-litware', 'Adatum'];
  test.each<[string, { match?: string; didYouMean?: string }]>([
    ['CONTOSO-TO-FABRIKAM', { match: 'contoso-to-fabrikam' }],
    ['adatum', { match: 'Adatum' }],
    ['contoso-to-fabrikm', { didYouMean: 'contoso-to-fabrikam' }],
    ['contoso-to-l', { didYouMean: 'contoso-to-litware' }],
    ['adatun', { didYouMean: 'Adatum' }],
    ['contoso', {}],
    ['northwind', {}],
    ['', {}],
  ])('%s', (name, expected) => {
    expect(suggestConfig(name, known)).toEqual(expected);
  });
});

describe('properties', () => {
  test('any string parses to a Command without throwing', () => {
    const kinds = new Set<string>([...COMMANDS.map((c) => c.kind), 'requestForm', 'invalid', 'unknown']);
    const texty = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc
        .array(
          fc.constantFrom(
            '<at>',
            '</at>',
            '&nbsp;',
            'request',
            'add',
            'user',
            'because',
            'to',
            'from',
            'audit',
            'export',
            '"',
            ',',
            ' ',
            '\n',
            'REQ-7K2M9',
            'a@x.com',
            'restart',
            'full',
            'reject',
            '2026-01-01',
            '&#x1F600;',
            '&#0;',
            '@Bot',
          ),
        )
        .map((parts) => parts.join('')),
    );
    fc.assert(
      fc.property(texty, (text) => {
        const cmd = parseCommand(text);
        expect(kinds.has(cmd.kind)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  const config = fc
    .stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,20}$/)
    .filter(
      (c) =>
        /[A-Za-z]/.test(c) &&
        !['all', 'full', 'default', 'quarantine', 'escrows', 'watermark', 'to', 'from', 'for', 'on', 'because', 'export'].includes(c.toLowerCase()),
    );
  const upn = fc.tuple(fc.stringMatching(/^[a-z0-9._]{1,10}$/), fc.stringMatching(/^[a-z0-9]{1,8}\.[a-z]{2,4}$/)).map(([l, d]) => `${l}@${d}`);
  const word = fc.stringMatching(/^[A-Za-z0-9'!?.()&<>-]{1,8}$/);
  const reason = fc
    .array(word, { minLength: 1, maxLength: 6 })
    .map((w) => w.join(' '))
    .filter((r) => !/&[#a-z0-9]+;|<[a-z/]/i.test(r));
  const groupName = fc
    .array(fc.stringMatching(/^[A-Za-z0-9]{1,6}$/), { minLength: 1, maxLength: 3 })
    .map((w) => w.join(' '))
    .filter((g) => !['to', 'from', 'because'].includes(g.toLowerCase()));
  const id = fc.constant(null).map(() => newRequestId());
  const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
  const strip = <T extends object>(o: T): T => JSON.parse(JSON.stringify(o)) as T;
  const uniq = (xs: string[]) => [...new Map(xs.map((x) => [x.toLowerCase(), x])).values()];

  const commands: fc.Arbitrary<Command> = fc.oneof(
    fc.constantFrom<Command>({ kind: 'help' }, { kind: 'whoami' }, { kind: 'pending' }, { kind: 'subscriptions' }, { kind: 'requestForm' }),
    fc.record({ kind: fc.constantFrom('status' as const, 'start' as const, 'pause' as const), config: opt(config) }),
    fc.record({ kind: fc.constant('restart' as const), config: opt(config), scope: fc.constantFrom(...RESTART_SCOPES) }),
    fc.record({
      kind: fc.constant('provision' as const),
      users: fc.uniqueArray(upn, { minLength: 1, maxLength: 5, selector: (u) => u.toLowerCase() }),
      config: opt(config),
    }),
    fc
      .oneof(
        fc.record({
          principalType: fc.constant('user' as const),
          principals: fc.uniqueArray(upn, { minLength: 1, maxLength: 50, selector: (u) => u.toLowerCase() }),
        }),
        fc.record({ principalType: fc.constant('group' as const), principals: fc.array(groupName, { minLength: 1, maxLength: 5 }).map(uniq) }),
      )
      .chain((p) =>
        fc.record({
          kind: fc.constant('request' as const),
          op: fc.constantFrom('add' as const, 'remove' as const),
          principalType: fc.constant(p.principalType),
          principals: fc.constant(p.principals),
          config: opt(config),
          reason,
        }),
      ),
    fc.record({ kind: fc.constantFrom('approve' as const, 'cancel' as const), id }),
    fc.record({ kind: fc.constant('reject' as const), id, reason: opt(reason) }),
    fc.record({
      kind: fc.constantFrom('subscribe' as const, 'unsubscribe' as const),
      topic: fc.constantFrom('alerts' as const, 'approvals' as const),
      config: fc.oneof(fc.constant('all'), config),
    }),
    fc.record({ kind: fc.constant('audit' as const), config: opt(config), count: opt(fc.integer({ min: 1, max: 200 })) }),
    fc
      .tuple(
        fc.date({ min: new Date('2020-01-01'), max: new Date('2030-12-31'), noInvalidDate: true }),
        fc.integer({ min: 0, max: 400 }),
        fc.boolean(),
        fc.boolean(),
      )
      .map(([d, span, hasFrom, hasTo]): Command => {
        const from = d.toISOString().slice(0, 10);
        const to = new Date(d.getTime() + span * 86_400_000).toISOString().slice(0, 10);
        return strip({ kind: 'auditExport', from: hasFrom ? from : undefined, to: hasTo ? to : undefined });
      }),
  );

  test('format → parse round-trips every valid command', () => {
    fc.assert(
      fc.property(commands, (cmd) => {
        const clean = strip(cmd);
        expect(parseCommand(formatCommand(clean))).toEqual(clean);
      }),
      { numRuns: 1500 },
    );
  });

  test('round-trip survives a channel mention, odd spacing and keyword case', () => {
    fc.assert(
      fc.property(commands, fc.boolean(), (cmd, upper) => {
        const clean = strip(cmd);
        let text = formatCommand(clean);
        if (upper) text = text.replace(/^\S+/, (v) => v.toUpperCase());
        expect(parseCommand(`<at>CTS Ops</at>&nbsp; ${text.replace(/ /g, '  ')} \n`)).toEqual(clean);
      }),
      { numRuns: 500 },
    );
  });
});
