import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { problemsOf } from '../harness/config';

const HOME = 'a5f2c9d1-3b7e-4c8a-9f16-2d4e8b0c7a31';
const OTHER = 'b6e3d0e2-4c8f-4d9b-8a27-3e5f9c1d8b42';
const SP = '11111111-2222-4333-8444-555555555555';

function estate(overrides: Record<string, unknown> = {}) {
  return {
    homeTenantId: HOME,
    tenants: [
      { id: HOME, name: 'Contoso' },
      { id: OTHER, name: 'Fabrikam' },
    ],
    configurations: [{ name: 'contoso-to-fabrikam', sourceTenantId: HOME, targetTenantId: OTHER, servicePrincipalId: SP }],
    ...overrides,
  };
}

function writeJson(content: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'cts-config-'));
  const file = path.join(dir, 'estate.json');
  writeFileSync(file, content);
  return file;
}

/** Real (non-loopback) tenants without an app id must be allowed outright; most tests here are about something else. */
const ANONYMOUS_OK = { ALLOW_ANONYMOUS_REAL_TENANTS: 'true' };

describe('loadConfig', () => {
  it('defaults to the embedded simulator on loopback with no configuration', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ host: '127.0.0.1', port: 3978, mode: 'simulator', monitorEnabled: true });
    expect(config.simulator).toEqual({ port: 0, cycleSeconds: 15 });
    expect(config.bot.appId).toBeUndefined();
  });

  it('reads a valid estate into graph mode with defaults filled in', () => {
    const config = loadConfig({ CTS_CONFIG: writeJson(JSON.stringify(estate())), ...ANONYMOUS_OK });
    expect(config.mode).toBe('graph');
    expect(config.estate?.tenants[0].graphBaseUrl).toBe('https://graph.microsoft.com/v1.0');
    expect(config.estate?.pollIntervalSeconds).toBe(60);
    expect(config.estate?.approvals.expiresAfterHours).toBe(72);
    expect(config.estate?.driftCheckMinutes).toBe(60);
    expect(config.estate?.scopeGrowthAlertPercent).toBe(20);
  });

  it('names bad drift settings with what to write instead', () => {
    const problems = problemsOf({
      CTS_CONFIG: writeJson(JSON.stringify(estate({ driftCheckMinutes: 0, scopeGrowthAlertPercent: 'twenty' }))),
      ...ANONYMOUS_OK,
    });
    expect(problems).toEqual([
      'CTS_CONFIG driftCheckMinutes: driftCheckMinutes must be at least 1',
      'CTS_CONFIG scopeGrowthAlertPercent: scopeGrowthAlertPercent must be a number, e.g. 20 for 20 %',
    ]);
    expect(problemsOf({ CTS_CONFIG: writeJson(JSON.stringify(estate({ driftCheckMinutes: 1.5, scopeGrowthAlertPercent: -1 }))), ...ANONYMOUS_OK })).toEqual([
      'CTS_CONFIG driftCheckMinutes: driftCheckMinutes must be a whole number of minutes, e.g. 60',
      'CTS_CONFIG scopeGrowthAlertPercent: scopeGrowthAlertPercent must be 0 or more (0 = any growth alerts), e.g. 20',
    ]);
  });

  it('names a missing file', () => {
    expect(problemsOf({ CTS_CONFIG: '/nonexistent/estate.json' })).toEqual(['CTS_CONFIG: /nonexistent/estate.json: file not found']);
  });

  it('names broken JSON', () => {
    const [problem] = problemsOf({ CTS_CONFIG: writeJson('{ "homeTenantId": ') });
    expect(problem).toMatch(/^CTS_CONFIG: .*estate\.json is not valid JSON/);
  });

  it('names every bad GUID and unknown tenant at once, with the JSON path and a valid example', () => {
    const bad = estate({
      homeTenantId: 'contoso',
      configurations: [{ name: 'a', sourceTenantId: HOME, targetTenantId: '99999999-9999-4999-8999-999999999999', servicePrincipalId: 'not-a-guid' }],
    });
    const problems = problemsOf({ CTS_CONFIG: writeJson(JSON.stringify(bad)) });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^CTS_CONFIG homeTenantId: homeTenantId must be a GUID such as [0-9a-f-]{36}$/),
        expect.stringMatching(/^CTS_CONFIG configurations\[0\]\.servicePrincipalId: .*must be a GUID/),
      ]),
    );
    // The unknown target tenant is reported once the GUIDs are valid.
    const unknownTenant = estate({
      configurations: [{ name: 'a', sourceTenantId: HOME, targetTenantId: '99999999-9999-4999-8999-999999999999', servicePrincipalId: SP }],
    });
    expect(problemsOf({ CTS_CONFIG: writeJson(JSON.stringify(unknownTenant)) })).toEqual([
      'CTS_CONFIG configurations[0].targetTenantId: tenant 99999999-9999-4999-8999-999999999999 is not listed in tenants',
    ]);
  });

  it('reports environment and file problems together', () => {
    const problems = problemsOf({ PORT: 'eighty', LOG_LEVEL: 'loud', CTS_CONFIG: writeJson(JSON.stringify(estate({ pollIntervalSeconds: 5 }))) });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^PORT: PORT must be a port number/),
        expect.stringMatching(/^LOG_LEVEL: LOG_LEVEL must be one of/),
        'CTS_CONFIG pollIntervalSeconds: pollIntervalSeconds must be at least 10',
      ]),
    );
    expect(problems).toHaveLength(3);
  });

  it('refuses duplicate configuration names, case-insensitively, and unknown keys', () => {
    const dup = estate({
      configurations: [
        { name: 'Sync', sourceTenantId: HOME, targetTenantId: OTHER, servicePrincipalId: SP },
        { name: 'sync', sourceTenantId: OTHER, targetTenantId: HOME, servicePrincipalId: SP, colour: 'blue' },
      ],
    });
    const problems = problemsOf({ CTS_CONFIG: writeJson(JSON.stringify(dup)) });
    expect(problems).toEqual([
      expect.stringMatching(/^CTS_CONFIG configurations\[1\]: Unrecognized key\(s\) in object: 'colour'/),
      'CTS_CONFIG configurations[1].name: configuration name "sync" is used twice (names are case-insensitive)',
    ]);
  });

  it('refuses to listen beyond loopback without a Bot Framework app id', () => {
    expect(problemsOf({ HOST: '0.0.0.0' })).toEqual([expect.stringMatching(/^HOST: "0\.0\.0\.0" is not a loopback address and MicrosoftAppId is not set/)]);
    expect(loadConfig({ HOST: '::1' }).host).toBe('::1');
    const withApp = loadConfig({ HOST: '0.0.0.0', MicrosoftAppId: '0d6d2a3c-1111-4222-8333-444455556666', MicrosoftAppPassword: 'x' });
    expect(withApp.bot.appId).toBe('0d6d2a3c-1111-4222-8333-444455556666');
  });

  it('needs MicrosoftAppPassword for SingleTenant and MultiTenant apps, not for UserAssignedMSI', () => {
    const app = { MicrosoftAppId: '0d6d2a3c-1111-4222-8333-444455556666', MicrosoftAppTenantId: HOME };
    expect(problemsOf({ ...app, MicrosoftAppType: 'SingleTenant' })).toEqual([
      expect.stringMatching(/^MicrosoftAppPassword: is required when MicrosoftAppId is set with MicrosoftAppType=SingleTenant/),
    ]);
    expect(problemsOf({ ...app, MicrosoftAppType: 'MultiTenant' })).toEqual([expect.stringMatching(/^MicrosoftAppPassword: is required/)]);
    expect(loadConfig({ ...app, MicrosoftAppType: 'SingleTenant', MicrosoftAppPassword: 'x' }).bot.appType).toBe('SingleTenant');
    expect(loadConfig({ ...app, MicrosoftAppType: 'UserAssignedMSI' }).bot.appType).toBe('UserAssignedMSI');
  });

  it('requires https (except on loopback) and a /v1.0 or /beta graphBaseUrl', () => {
    const withUrl = (graphBaseUrl: string) =>
      writeJson(
        JSON.stringify(
          estate({
            tenants: [
              { id: HOME, name: 'Contoso', graphBaseUrl },
              { id: OTHER, name: 'Fabrikam' },
            ],
          }),
        ),
      );
    expect(problemsOf({ CTS_CONFIG: withUrl('http://graph.microsoft.com/v1.0') })).toEqual([
      'CTS_CONFIG tenants[0].graphBaseUrl: graphBaseUrl must use https (plain http is only allowed on a loopback address such as the local simulator)',
    ]);
    expect(problemsOf({ CTS_CONFIG: withUrl('https://graph.microsoft.com') })).toEqual([
      'CTS_CONFIG tenants[0].graphBaseUrl: graphBaseUrl must end in /v1.0 or /beta, e.g. https://graph.microsoft.com/v1.0',
    ]);
    expect(problemsOf({ CTS_CONFIG: withUrl('https://graph.microsoft.com/v2.0') })).toHaveLength(1);
    expect(loadConfig({ CTS_CONFIG: withUrl('https://graph.microsoft.com/beta/'), ...ANONYMOUS_OK }).estate?.tenants[0].graphBaseUrl).toBe(
      'https://graph.microsoft.com/beta',
    );
    expect(loadConfig({ CTS_CONFIG: withUrl('http://127.0.0.1:5000/tenant/v1.0'), ...ANONYMOUS_OK }).estate?.tenants[0].graphBaseUrl).toBe(
      'http://127.0.0.1:5000/tenant/v1.0',
    );
  });

  it('refuses real tenants without an app id unless ALLOW_ANONYMOUS_REAL_TENANTS=true, and says which setting', () => {
    const file = writeJson(JSON.stringify(estate()));
    const [problem, ...rest] = problemsOf({ CTS_CONFIG: file });
    expect(rest).toEqual([]);
    expect(problem).toMatch(/^MicrosoftAppId: is not set/);
    expect(problem).toContain(`${HOME}, ${OTHER}`);
    expect(problem).toContain('ALLOW_ANONYMOUS_REAL_TENANTS=true');
    expect(loadConfig({ CTS_CONFIG: file, ALLOW_ANONYMOUS_REAL_TENANTS: 'true' }).mode).toBe('graph');
    expect(loadConfig({ CTS_CONFIG: file, MicrosoftAppId: '0d6d2a3c-1111-4222-8333-444455556666', MicrosoftAppPassword: 'x' }).mode).toBe('graph');
    // Loopback tenants (the simulator) need no app id.
    const local = writeJson(
      JSON.stringify(
        estate({
          tenants: [
            { id: HOME, name: 'Contoso', graphBaseUrl: 'http://127.0.0.1:5000/a/v1.0' },
            { id: OTHER, name: 'Fabrikam', graphBaseUrl: 'http://localhost:5000/b/v1.0' },
          ],
        }),
      ),
    );
    expect(loadConfig({ CTS_CONFIG: local }).mode).toBe('graph');
  });
});
