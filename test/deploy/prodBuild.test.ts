import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAs } from '../harness/json';

/**
 * The production build, laid out as in the image (/app/package.json, /app/dist), started with plain node (no
 * ts-node), answering /healthz and stopping cleanly on SIGTERM. The production-only install (npm ci --omit=dev) is
 * checked by scripts/smoke-prod.sh in .ci/run, which needs the registry.
 */
const ROOT = path.resolve(__dirname, '..', '..');

describe('production build', () => {
  const app = mkdtempSync(path.join(tmpdir(), 'cts-dist-'));
  afterAll(() => rmSync(app, { recursive: true, force: true }));

  it('compiles src/ to dist/src, runs with node alone, serves /healthz and exits 0 on SIGTERM', async () => {
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.build.json'), '--outDir', path.join(app, 'dist')], {
      cwd: ROOT,
      stdio: 'pipe',
    });
    cpSync(path.join(ROOT, 'cards'), path.join(app, 'dist', 'cards'), { recursive: true });
    cpSync(path.join(ROOT, 'package.json'), path.join(app, 'package.json'));
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(app, 'node_modules'), 'dir');
    mkdirSync(path.join(app, 'data'));

    const child = spawn(process.execPath, ['dist/src/index.js'], {
      cwd: app,
      env: { PATH: process.env.PATH ?? '', PORT: '0', DATA_DIR: path.join(app, 'data'), LOG_LEVEL: 'warn', NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const check = setInterval(() => {
          const m = /listening on (http:\/\/[^/\s]+)\/api\/messages/.exec(out);
          if (m) {
            clearInterval(check);
            resolve(m[1]);
          }
        }, 100);
        void exited.then((code) => {
          clearInterval(check);
          reject(new Error(`exited ${code} before listening:\n${out}`));
        });
      });
      const res = await fetch(`${url}/healthz`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        status: 'ok',
        mode: 'simulator',
        version: parseAs<{ version: string }>(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version,
      });
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(out).toContain('SIGTERM: finishing turns in flight and releasing the leader lease');
      expect(out).not.toMatch(/ts-node/);
    } finally {
      child.kill('SIGKILL');
    }
  }, 240_000);
});
