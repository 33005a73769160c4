import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ENV_VARIABLES, loadConfig, parseEstate } from '../../src/config';
import { CREDENTIAL_VARIABLES } from '../../src/graph/credentials';

/**
 * No Bicep compiler can be installed here, so the template's app settings are read as text and held against what
 * the bot reads: no setting the bot would ignore, every setting a deployment in Azure needs.
 */
const INFRA = path.resolve(__dirname, '..', '..', 'infra');
const bicep = readFileSync(path.join(INFRA, 'main.bicep'), 'utf8');

/** App Service's own settings (read by the platform, not by the bot). */
const PLATFORM = ['WEBSITES_PORT'];
/** What the bot needs in Azure: listening publicly, bot auth by managed identity, Graph by federation, shared state. */
const REQUIRED_IN_AZURE = [
  'HOST',
  'MicrosoftAppId',
  'MicrosoftAppType',
  'MicrosoftAppTenantId',
  'AZURE_CLIENT_ID',
  'AZURE_MANAGED_IDENTITY_CLIENT_ID',
  'AZURE_STORAGE_ACCOUNT_URL',
  'CTS_CONFIG_JSON',
  'PUBLIC_URL',
];

function appSettings(): { name: string; value: string }[] {
  const block = /appSettings:\s*\[([\s\S]*?)\n\s*\]/.exec(bicep)?.[1];
  if (!block) throw new Error('no appSettings array in infra/main.bicep');
  return [...block.matchAll(/\{\s*name:\s*'([^']+)'\s*,\s*value:\s*([^}]+?)\s*\}/g)].map((m) => ({ name: m[1], value: m[2] }));
}

describe('infra/main.bicep app settings match the configuration the bot reads', () => {
  const settings = appSettings();
  const names = settings.map((s) => s.name);

  it('found the settings, each once', () => {
    expect(names.length).toBeGreaterThanOrEqual(REQUIRED_IN_AZURE.length);
    expect(new Set(names).size).toBe(names.length);
  });

  it('names no setting the bot does not read (a typo would be silently ignored)', () => {
    const known = new Set([...ENV_VARIABLES, ...CREDENTIAL_VARIABLES, ...PLATFORM]);
    expect(names.filter((n) => !known.has(n))).toEqual([]);
  });

  it('sets every setting a deployment in Azure needs', () => {
    expect(REQUIRED_IN_AZURE.filter((n) => !names.includes(n))).toEqual([]);
  });

  it('with placeholder values for the Bicep expressions, the settings pass loadConfig (bot by managed identity, Blob state)', () => {
    const placeholder: Record<string, string> = {
      'identity.properties.clientId': '0f0e0d0c-0b0a-4909-8807-060504030201',
      'tenant().tenantId': 'a5f2c9d1-3b7e-4c8a-9f16-2d4e8b0c7a31',
      graphAppClientId: '11111111-2222-4333-8444-555555555555',
      'storage.properties.primaryEndpoints.blob': 'https://ctsopsstabc.blob.core.windows.net/',
      stateContainer: 'cts-ops',
      estateJson: readFileSync(path.join(INFRA, 'estate.json'), 'utf8'),
      publicUrl: 'https://ctsops-bot-abc.azurewebsites.net',
      'insights.properties.ConnectionString':
        'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://example.in.applicationinsights.azure.com/',
    };
    const env: Record<string, string> = {};
    for (const s of settings) {
      const literal = /^'(.*)'$/.exec(s.value);
      const value = literal ? literal[1] : placeholder[s.value];
      if (value === undefined) throw new Error(`no placeholder for ${s.name} = ${s.value}`);
      env[s.name] = value;
    }
    const config = loadConfig(env);
    expect(config).toMatchObject({ host: '0.0.0.0', mode: 'graph', storage: { kind: 'blob', container: 'cts-ops' }, bot: { appType: 'UserAssignedMSI' } });
    expect(config.telemetryConnectionString).toContain('InstrumentationKey=');
  });

  it('the example estate in infra/ is valid, and the Bot resource and the bot setting agree on the app type', () => {
    expect(parseEstate(JSON.parse(readFileSync(path.join(INFRA, 'estate.json'), 'utf8'))).ok).toBe(true);
    expect(bicep).toMatch(/msaAppType: 'UserAssignedMSI'/);
    expect(bicep).toMatch(/channelName: 'MsTeamsChannel'/);
    expect(bicep).toMatch(/healthCheckPath: '\/healthz'/);
    expect(readFileSync(path.join(INFRA, 'main.bicepparam'), 'utf8')).toMatch(/^using '\.\/main\.bicep'$/m);
  });
});

describe('CTS_CONFIG_JSON: the estate as an app setting', () => {
  it('is read like the file; with CTS_CONFIG too, or not JSON, it is a problem', async () => {
    const text = readFileSync(path.join(INFRA, 'estate.json'), 'utf8');
    expect(loadConfig({ CTS_CONFIG_JSON: text, ALLOW_ANONYMOUS_REAL_TENANTS: 'true' }).estate?.configurations[0].name).toBe('contoso-to-fabrikam');
    const { problemsOf } = await import('../harness/config');
    expect(problemsOf({ CTS_CONFIG_JSON: text, CTS_CONFIG: 'estate.json', ALLOW_ANONYMOUS_REAL_TENANTS: 'true' })).toEqual([
      'CTS_CONFIG_JSON: set either CTS_CONFIG (a file) or CTS_CONFIG_JSON (the estate itself), not both',
    ]);
    expect(problemsOf({ CTS_CONFIG_JSON: '{nope' })[0]).toMatch(/^CTS_CONFIG_JSON: is not valid JSON/);
    expect(problemsOf({ CTS_CONFIG_JSON: '{"homeTenantId":"x"}' })[0]).toMatch(/^CTS_CONFIG_JSON homeTenantId: homeTenantId must be a GUID/);
  });
});
