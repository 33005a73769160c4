/** LEASE_SECONDS: validated with a clear message (15–60, default 30), and a bad value stops `npm start` in words. */
import { spawnSync } from 'node:child_process';
import { loadConfig } from '../../src/config';
import { REPO_ROOT } from '../scaleout/botProcess';
import { problemsOf } from '../harness/config';

describe('LEASE_SECONDS', () => {
  it('defaults to 30 and accepts 15 to 60 whole seconds', () => {
    expect(loadConfig({}).leaseSeconds).toBe(30);
    expect(loadConfig({ LEASE_SECONDS: '' }).leaseSeconds).toBe(30);
    expect(loadConfig({ LEASE_SECONDS: '15' }).leaseSeconds).toBe(15);
    expect(loadConfig({ LEASE_SECONDS: '60' }).leaseSeconds).toBe(60);
  });

  it.each([
    ['14', 'LEASE_SECONDS: LEASE_SECONDS must be at least 15 (the shortest lease Azure Blob Storage grants)'],
    ['61', 'LEASE_SECONDS: LEASE_SECONDS must be at most 60 (the longest fixed lease Azure Blob Storage grants)'],
    ['20.5', 'LEASE_SECONDS: LEASE_SECONDS must be a whole number of seconds from 15 to 60'],
    ['half a minute', 'LEASE_SECONDS: LEASE_SECONDS must be a whole number of seconds from 15 to 60'],
  ])('refuses %s with a clear message', (value, problem) => {
    expect(problemsOf({ LEASE_SECONDS: value })).toEqual([problem]);
  });

  it('PUBLIC_URL must be a URL', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://cts-ops.example.com' }).publicUrl).toBe('https://cts-ops.example.com');
    expect(problemsOf({ PUBLIC_URL: 'cts-ops' })[0]).toMatch(/^PUBLIC_URL: PUBLIC_URL must be the URL people reach the bot at/);
  });

  it('a bad value stops the bot at start-up with the message and no stack trace', () => {
    const run = spawnSync(process.execPath, ['--disable-warning=DEP0111', '-r', 'ts-node/register/transpile-only', 'src/index.ts'], {
      cwd: REPO_ROOT,
      env: { ...process.env, PORT: '0', LEASE_SECONDS: '90', LOG_LEVEL: 'silent' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('CTS Ops bot cannot start');
    expect(run.stderr).toContain('LEASE_SECONDS must be at most 60');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
