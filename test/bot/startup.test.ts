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
        configurations: [{ name: 'c2f', sourceTenantId: 'a5f2c9d1-3b7e-4c8a-9f16-2d4e8b0c7a31', targetTenantId: 'b6e3d0e2-4c8f-4d9b-8a27-3e5f9c1d8b42', servicePrincipalId: 'nope' }],
      }),
    );
    const result = await run({ CTS_CONFIG: file, HOST: '0.0.0.0' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('configuration has 2 problem(s)');
    expect(result.stderr).toContain('CTS_CONFIG configurations[0].servicePrincipalId');
    expect(result.stderr).toContain('HOST: "0.0.0.0" is not a loopback address');
  });
});
