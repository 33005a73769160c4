import { execFileSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

describe('telemetry is off, and costs nothing, without APPLICATIONINSIGHTS_CONNECTION_STRING', () => {
  it('loading the whole bot and starting telemetry with no connection string never loads the Azure Monitor distro', () => {
    const script = `
      const { startTelemetry } = require('./src/observability');
      require('./src/index');
      const handle = startTelemetry(undefined);
      const loaded = Object.keys(require.cache).filter((k) => /monitor-opentelemetry|sdk-trace|sdk-metrics/.test(k));
      process.stdout.write(JSON.stringify({ enabled: handle.enabled, loaded }));`;
    const out = execFileSync(process.execPath, ['--disable-warning=DEP0111', '-r', 'ts-node/register/transpile-only', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
    });
    expect(JSON.parse(out)).toEqual({ enabled: false, loaded: [] });
  });

  it('a connection string that is not one is a configuration problem', async () => {
    const { problemsOf } = await import('../harness/config');
    expect(problemsOf({ APPLICATIONINSIGHTS_CONNECTION_STRING: 'https://example.com' })).toEqual([
      'APPLICATIONINSIGHTS_CONNECTION_STRING: APPLICATIONINSIGHTS_CONNECTION_STRING must be an Application Insights connection string (InstrumentationKey=…;IngestionEndpoint=…)',
    ]);
  });
});
