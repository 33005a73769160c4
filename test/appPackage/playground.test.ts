/**
 * .m365agentsplayground.yml: valid for the installed Playground (checked against the config schema the
 * Playground itself validates with, read out of its bundle), and it plays the demo home tenant's people.
 */
import Ajv from 'ajv';
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { DUMMY_BOT_ID } from '../../scripts/appManifest';
import { parsePlaygroundConfig, PLAYGROUND_CONFIG_PATH, PlaygroundConfig, PlaygroundConfigError, playgroundConfigAs } from '../../scripts/playground-as';

const TENANT_ID = 'a5f2c9d1-3b7e-4c8a-9f16-2d4e8b0c7a31';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The Playground ships its config schema inside its webpack bundle as JSON.parse('…'). Reading it from
 * there keeps this test in step with the installed version instead of with a copy of ours.
 */
function playgroundConfigSchema(): object {
  const bundle = readFileSync(require.resolve('@microsoft/m365agentsplayground/dist/index.js'), 'utf8');
  const marker = `JSON.parse('{"$id":"https://aka.ms/teams-app-test-tool-config`;
  const start = bundle.indexOf(marker);
  if (start < 0) throw new Error('config schema not found in the Playground bundle: check the yml by starting the Playground');
  const from = start + "JSON.parse('".length;
  const literal = bundle.slice(from, bundle.indexOf("')", from));
  const unescaped = literal.replace(/\\(['\\])/g, '$1');
  if (/\\[^"\\/bfnrtu]/.test(unescaped)) throw new Error('unexpected escape in the Playground config schema literal');
  return JSON.parse(unescaped) as object;
}

/** Schema errors plus the two uniqueness rules the Playground checks in code after the schema. */
function playgroundProblems(config: unknown): string[] {
  const validate = new Ajv({ allErrors: true, strict: false }).compile(playgroundConfigSchema());
  if (!validate(config)) return (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
  const c = config as PlaygroundConfig & {
    groupChat: { id: string };
    team: { id: string; channels: { id: string }[] };
  };
  const problems: string[] = [];
  const userIds = [c.currentUser.id, ...c.users.map((u) => u.id)];
  if (new Set(userIds).size !== userIds.length) problems.push('User ID must be unique');
  const chatIds = [c.personalChat.id, c.groupChat.id, c.team.id, ...c.team.channels.map((ch) => ch.id)];
  if (new Set(chatIds).size !== chatIds.length) problems.push('chat, team and channel ids must be unique');
  return problems;
}

const configText = readFileSync(PLAYGROUND_CONFIG_PATH, 'utf8');
const config = parsePlaygroundConfig(configText);

describe('.m365agentsplayground.yml', () => {
  it('is valid for the installed Playground', () => {
    expect(playgroundProblems(parse(configText))).toEqual([]);
  });

  it('the schema check has teeth: four users, or a duplicate user id, are refused', () => {
    const raw = parse(configText) as PlaygroundConfig;
    expect(playgroundProblems({ ...raw, users: raw.users.slice(0, 4) })).not.toEqual([]);
    expect(playgroundProblems({ ...raw, users: [{ ...raw.users[0], id: raw.currentUser.id }, ...raw.users.slice(1)] })).toEqual(['User ID must be unique']);
  });

  it('plays the demo home tenant: Megan Bowen chatting, Adele Vance and Lee Gu first among the others', () => {
    const raw = parse(configText) as { tenantId: string; bot: { id: string; name: string } };
    expect(raw.tenantId).toBe(TENANT_ID);
    expect(raw.bot).toEqual({ id: DUMMY_BOT_ID, name: 'CTS Ops' });
    expect(config.currentUser).toMatchObject({
      name: 'Megan Bowen',
      aadObjectId: 'e1c7a3f0-92b4-4d6e-8a15-7c3b9d2f4e61',
      userPrincipleName: 'MeganB@contoso.onmicrosoft.com',
    });
    expect(config.users.slice(0, 2).map((u) => [u.name, u.aadObjectId, u.userPrincipleName])).toEqual([
      ['Adele Vance', 'f2d8b4a1-a3c5-4e7f-9b26-8d4cae305f72', 'AdeleV@contoso.onmicrosoft.com'],
      ['Lee Gu', '03e9c5b2-b4d6-4f80-8c37-9e5dbf416083', 'LeeG@contoso.onmicrosoft.com'],
    ]);
    const everyone = [config.currentUser, ...config.users];
    for (const user of everyone) {
      expect(user.aadObjectId).toMatch(GUID);
      expect(user.userPrincipleName.endsWith('@contoso.onmicrosoft.com')).toBe(true);
    }
    expect(new Set(everyone.map((u) => u.aadObjectId)).size).toBe(6);
  });
});

describe('playgroundConfigAs', () => {
  it('swaps the chosen person into currentUser and the usual one into their place', () => {
    const { config: asAdele, user, slot } = playgroundConfigAs(config, 'adele');
    expect(user.name).toBe('Adele Vance');
    expect(slot).toBe(1);
    expect(asAdele.currentUser).toEqual(config.users[0]);
    expect(asAdele.users[0]).toEqual(config.currentUser);
    expect(asAdele.users.slice(1)).toEqual(config.users.slice(1));
    expect(asAdele.personalChat.id).not.toBe(config.personalChat.id);
  });

  it('writes a config the Playground accepts', () => {
    const { config: asLee } = playgroundConfigAs(config, 'LeeG@contoso.onmicrosoft.com');
    expect(asLee.currentUser.name).toBe('Lee Gu');
    expect(playgroundProblems(parse(stringify(asLee)))).toEqual([]);
  });

  it('keeps the config as it is for the configured current user, and names the people it knows otherwise', () => {
    expect(playgroundConfigAs(config, 'Megan')).toEqual({ config, user: config.currentUser, slot: 0 });
    expect(() => playgroundConfigAs(config, 'mallory')).toThrow(PlaygroundConfigError);
    expect(() => playgroundConfigAs(config, 'mallory')).toThrow(/megan, adele, lee/);
  });
});

describe('playground-as finds the bot where it listens', () => {
  it('uses PORT (or BOT_ENDPOINT), not a hard-coded 3978', async () => {
    const { botEndpoint } = await import('../../scripts/playground-as');
    expect(botEndpoint({ PORT: '4100' })).toBe('http://localhost:4100/api/messages');
    expect(botEndpoint({ BOT_ENDPOINT: 'http://127.0.0.1:5000/api/messages' })).toBe('http://127.0.0.1:5000/api/messages');
    expect(botEndpoint({})).toBe('http://localhost:3978/api/messages');
    expect(() => botEndpoint({ PORT: 'abc' })).toThrow(/port number/);
  });
});
