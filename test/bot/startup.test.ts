import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

/** Runs the real entry point (as `npm start` does) and collects its exit code and output. */
function run(env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/index.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, stdout });
    });
  });
}

describe('start-up refuses bad configuration with exit code 1 and names each problem', () => {
  it('a missing CTS_CONFIG file', async () => {
    const result = await run({ CTS_CONFIG: '/nonexistent/estate.json' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('CTS_CONFIG: /nonexistent/estate.json: file not found');
    expect(result.stderr).not.toMatch(/\n\s+at .*\(/); // no stack trace
  });

  it('several problems at once: bad GUID, unknown tenant, non-loopback host without app id', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cts-start-'));
    const file = path.join(dir, 'estate.json');
    writeFileSync(
      file,
      JSON.stringify({
        homeTenantId: 'a5f2c9d1-3b7e-4c8a-9f16-2d4e8b0c7a31',
        tenants: [{ id: 'a5f2c9d1-3b7e-4c8a-9f16-2d4e8b0c7a31', name: 'Contoso' }],
        configurations: [
          {
            name: 'c2f',
            sourceTenantId: 'a5f2c9d1-3b7e-4c8a-9f16-2d4e8b0c7a31',
            targetTenantId: 'b6e3d0e2-4c8f-4d9b-8a27-3e5f9c1d8b42',
            servicePrincipalId: 'nope',
          },
        ],
      }),
    );
    const result = await run({ CTS_CONFIG: file, HOST: '0.0.0.0' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('configuration has 2 problem(s)');
    expect(result.stderr).toContain('CTS_CONFIG configurations[0].servicePrincipalId');
    expect(result.stderr).toContain('HOST: "0.0.0.0" is not a loopback address');
  });
});

describe('start-up checks Graph credentials before serving', () => {
  it('a tenant the credential cannot reach is a configuration problem naming it, not a failure at the first command', async () => {
    const { startBot } = await import('../../src/index');
    const { createCtsGraph } = await import('../../src/graph/gateway');
    const { loadConfig, ConfigError } = await import('../../src/config');
    const { createLogger } = await import('../../src/logger');
    const dir = mkdtempSync(path.join(tmpdir(), 'cts-cred-'));
    const HOME = 'a5f2c9d1-3b7e-4c8a-9f16-2d4e8b0c7a31';
    const OTHER = 'b6e3d0e2-4c8f-4d9b-8a27-3e5f9c1d8b42';
    const file = path.join(dir, 'estate.json');
    writeFileSync(
      file,
      JSON.stringify({
        homeTenantId: HOME,
        tenants: [
          { id: HOME, name: 'Contoso' },
          { id: OTHER, name: 'Fabrikam' },
        ],
        configurations: [{ name: 'c2f', sourceTenantId: HOME, targetTenantId: OTHER, servicePrincipalId: '9c725e4b-4d6f-4819-b5c0-27e084dafa1c' }],
      }),
    );
    const config = loadConfig({ CTS_CONFIG: file, PORT: '0', DATA_DIR: path.join(dir, 'data'), LOG_LEVEL: 'silent', ALLOW_ANONYMOUS_REAL_TENANTS: 'true' });
    // A managed identity alone (no app registration) only reaches its own tenant.
    const attempt = startBot(config, { logger: createLogger('silent'), graph: (estate) => createCtsGraph(estate, { env: { AZURE_TENANT_ID: HOME } }) });
    await expect(attempt).rejects.toBeInstanceOf(ConfigError);
    await expect(attempt).rejects.toMatchObject({
      problems: [{ where: 'CTS_CONFIG tenants[1]', message: expect.stringContaining(`tenant ${OTHER}: No credential for tenant ${OTHER}`) as unknown }],
    });
  });
});
