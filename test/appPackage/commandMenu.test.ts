/** The pure manifest builder: menu from the catalogue, placeholders, package settings from env. */
import {
  buildCommandLists,
  buildManifest,
  DUMMY_BOT_ID,
  fillPlaceholders,
  ManifestBuildError,
  MenuCandidate,
  settingsFromEnv,
} from '../../scripts/appManifest';

const entry = (kind: string, overrides: Partial<MenuCandidate> = {}): MenuCandidate => ({
  kind,
  name: kind,
  description: `Does ${kind}.`,
  manifest: true,
  ...overrides,
});

describe('buildCommandLists', () => {
  it('keeps only routed entries flagged for the manifest, in catalogue order, one list per scope', () => {
    const lists = buildCommandLists([entry('help'), entry('status', { manifest: false }), entry('pending'), entry('whoami')], ['whoami', 'status', 'help']);
    expect(lists.map((l) => l.scopes)).toEqual([['personal'], ['team'], ['groupChat']]);
    for (const list of lists) {
      expect(list.commands).toEqual([
        { title: 'help', description: 'Does help.' },
        { title: 'whoami', description: 'Does whoami.' },
      ]);
    }
  });

  it('stops at ten commands, the first ten of the catalogue', () => {
    const catalogue = Array.from({ length: 13 }, (_, i) => entry(`c${i}`));
    const lists = buildCommandLists(
      catalogue,
      catalogue.map((c) => c.kind),
    );
    expect(lists[0].commands.map((c) => c.title)).toEqual(catalogue.slice(0, 10).map((c) => c.name));
  });

  it('lists a title once even if two kinds share it', () => {
    const lists = buildCommandLists([entry('audit'), entry('auditExport', { name: 'Audit' })], ['audit', 'auditExport']);
    expect(lists[0].commands.map((c) => c.title)).toEqual(['audit']);
  });

  it('refuses overlong or empty text instead of cutting it', () => {
    expect(() => buildCommandLists([entry('help', { description: 'x'.repeat(129) })], ['help'])).toThrow(/description must be 1-128 characters \(has 129\)/);
    expect(() => buildCommandLists([entry('help', { description: 'x'.repeat(128) })], ['help'])).not.toThrow();
    expect(() => buildCommandLists([entry('help', { name: 'h'.repeat(33) })], ['help'])).toThrow(ManifestBuildError);
    expect(() => buildCommandLists([entry('help', { description: '  ' })], ['help'])).toThrow(ManifestBuildError);
  });

  it('ignores overlong text on commands that are not in the menu', () => {
    const lists = buildCommandLists([entry('help'), entry('audit', { description: 'x'.repeat(500) })], ['help']);
    expect(lists[0].commands).toHaveLength(1);
  });
});

describe('fillPlaceholders', () => {
  it('replaces ${{NAME}} in nested strings and leaves other values alone', () => {
    expect(fillPlaceholders({ a: ['${{X}}-${{Y}}', 3, null, true], b: { c: 'v${{X}}' } }, { X: '1', Y: '2' })).toEqual({
      a: ['1-2', 3, null, true],
      b: { c: 'v1' },
    });
  });

  it('refuses an unknown placeholder', () => {
    expect(() => fillPlaceholders({ a: '${{NOPE}}' }, {})).toThrow(/unknown placeholder \$\{\{NOPE\}\}/);
  });
});

describe('buildManifest', () => {
  const template = {
    version: '${{APP_VERSION}}',
    bots: [{ botId: '${{BOT_ID}}', commandLists: [] }],
    validDomains: ['${{BOT_DOMAIN}}', 'token.botframework.com'],
  };
  const lists = buildCommandLists([entry('help')], ['help']);

  it('drops the BOT_DOMAIN entry when no domain is set', () => {
    const m = buildManifest(template, { botId: DUMMY_BOT_ID, botIdIsDummy: true, botDomain: undefined, appVersion: '1.2.3' }, lists);
    expect(m).toEqual({
      version: '1.2.3',
      bots: [{ botId: DUMMY_BOT_ID, commandLists: lists }],
      validDomains: ['token.botframework.com'],
    });
  });

  it('does not change the template it was given', () => {
    buildManifest(template, { botId: DUMMY_BOT_ID, botIdIsDummy: true, botDomain: 'a.example.com', appVersion: '1.0.0' }, lists);
    expect(template.bots[0].botId).toBe('${{BOT_ID}}');
  });

  it('refuses a template without exactly one bot', () => {
    expect(() => buildManifest({ bots: [] }, settingsFromEnv({}, '1.0.0'), lists)).toThrow(/exactly one bot/);
  });
});

describe('settingsFromEnv', () => {
  it('uses the dummy bot id when MicrosoftAppId is unset or blank', () => {
    for (const env of [{}, { MicrosoftAppId: '' }, { MicrosoftAppId: '   ' }]) {
      expect(settingsFromEnv(env, '0.1.0')).toEqual({
        botId: DUMMY_BOT_ID,
        botIdIsDummy: true,
        botDomain: undefined,
        appVersion: '0.1.0',
      });
    }
  });

  it('takes a GUID bot id and a host name', () => {
    const s = settingsFromEnv({ MicrosoftAppId: ' 3C9F1A2B-8D4E-4F60-9A7B-1E2D3C4B5A69 ', BOT_DOMAIN: 'bot.contoso.com' }, '1.0.0');
    expect(s).toMatchObject({ botId: '3C9F1A2B-8D4E-4F60-9A7B-1E2D3C4B5A69', botIdIsDummy: false, botDomain: 'bot.contoso.com' });
  });

  it('refuses a bot id that is not a GUID and a domain given as a URL', () => {
    expect(() => settingsFromEnv({ MicrosoftAppId: 'bot' }, '1.0.0')).toThrow(ManifestBuildError);
    expect(() => settingsFromEnv({ BOT_DOMAIN: 'https://bot.contoso.com/api' }, '1.0.0')).toThrow(/BOT_DOMAIN must be a host name/);
  });
});
