import { execFile } from 'node:child_process';
import path from 'node:path';
import { DEMO, startSimulator, type RunningSimulator } from '../../src/simulator';
import { SimControl } from '../harness/sim';

/** `npm run doctor` as a pipeline runs it: a child process against a standalone simulator; the exit code is the verdict. */
const ROOT = path.resolve(__dirname, '../..');

function doctor(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, CTS_CONFIG: '' };
    execFile(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'scripts/doctor.ts', ...args],
      { cwd: ROOT, env, timeout: 120_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe('npm run doctor', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ cycleIntervalMs: null });
  });
  afterAll(() => sim.close());

  it('exits 0 on the demo estate and 1 after the target stops allowing inbound sync', async () => {
    const ok = await doctor(['--simulator', sim.url]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/PASS {2}Fabrikam allows inbound sync from Contoso/);

    await new SimControl(sim.url).graph(
      DEMO.tenants.fabrikam.id,
      'PATCH',
      `/policies/crossTenantAccessPolicy/partners/${DEMO.tenants.contoso.id}/identitySynchronization`,
      { userSyncInbound: { isSyncAllowed: false } },
    );
    const broken = await doctor(['--simulator', sim.url, 'contoso-to-fabrikam']);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain('FAIL  Fabrikam allows inbound sync from Contoso: userSyncInbound.isSyncAllowed is false.');
    expect(broken.stdout).toContain('fix: A Security Administrator of Fabrikam');
  }, 240_000);

  it('exits 2 with the usage when there is no estate', async () => {
    const r = await doctor([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Set CTS_CONFIG');
  }, 120_000);
});
