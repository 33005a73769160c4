import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAs } from '../harness/json';

/**
 * No Docker engine runs on the test machines, so the Dockerfile is checked as text: what the image copies, who it
 * runs as, how it is probed and started.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
const ignore = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));

interface Instruction {
  op: string;
  args: string;
}

/** Instructions per stage, with line continuations joined and comments dropped. */
function stages(): Instruction[][] {
  const lines = dockerfile
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const out: Instruction[][] = [];
  for (const line of lines) {
    const [, op, args] = /^(\w+)\s+(.*)$/.exec(line)!;
    if (op.toUpperCase() === 'FROM') out.push([]);
    out.at(-1)!.push({ op: op.toUpperCase(), args });
  }
  return out;
}

describe('Dockerfile (checked without a Docker engine)', () => {
  const all = stages();
  const runtime = all.at(-1)!;
  const find = (stage: Instruction[], op: string) => stage.filter((i) => i.op === op);

  it('is multi-stage on Node 20 slim; the runtime stage installs production dependencies only', () => {
    expect(all.length).toBeGreaterThanOrEqual(2);
    for (const stage of all) expect(stage[0].args).toMatch(/^node:20(-[a-z]+)?-slim\b/);
    expect(find(all[0], 'RUN').map((i) => i.args)).toContainEqual(expect.stringContaining('npm run build'));
    const installs = find(runtime, 'RUN')
      .map((i) => i.args)
      .filter((a) => a.includes('npm ci'));
    expect(installs).toEqual([expect.stringContaining('--omit=dev')]);
  });

  it('copies dist/ (with the card templates the build puts in dist/cards) and the package files dist/ needs', () => {
    const copies = find(runtime, 'COPY').map((i) => i.args);
    expect(copies).toContainEqual(expect.stringMatching(/^--from=build \/app\/dist \.\/dist$/));
    expect(copies).toContainEqual('package.json package-lock.json ./');
    // The compiled src/teams/cards.js reads ../../cards, i.e. dist/cards: the build script must put them there.
    const pkg = parseAs<{ scripts: Record<string, string> }>(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.scripts.build).toContain("cpSync('cards','dist/cards'");
    expect(find(all[0], 'COPY').map((i) => i.args)).toEqual(expect.arrayContaining(['src ./src', 'cards ./cards', 'tsconfig.json tsconfig.build.json ./']));
    // Every source the Dockerfile copies from the build context exists and is not excluded by .dockerignore.
    for (const copy of find(all[0], 'COPY')
      .concat(find(runtime, 'COPY'))
      .map((i) => i.args)
      .filter((a) => !a.startsWith('--from'))) {
      for (const source of copy.split(/\s+/).slice(0, -1)) {
        expect(existsSync(path.join(ROOT, source))).toBe(true);
        expect(ignore.some((pattern) => source === pattern || source.startsWith(`${pattern}/`))).toBe(false);
      }
    }
  });

  it('runs as a non-root user, probes /healthz, and starts the compiled entry point', () => {
    const user = find(runtime, 'USER').at(-1)?.args;
    expect(user).toBe('node');
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    const userIndex = runtime.findIndex((i) => i.op === 'USER');
    expect(runtime.slice(userIndex).filter((i) => i.op === 'RUN')).toEqual([]); // nothing runs as root after USER
    expect(find(runtime, 'HEALTHCHECK')[0]?.args).toContain('/healthz');
    expect(find(runtime, 'STOPSIGNAL')[0]?.args).toBe('SIGTERM');
    expect(JSON.parse(find(runtime, 'CMD').at(-1)!.args)).toEqual(['node', '--disable-warning=DEP0111', 'dist/src/index.js']);
    expect(
      find(runtime, 'ENV')
        .map((i) => i.args)
        .join(' '),
    ).toMatch(/HOST=0\.0\.0\.0/);
  });

  it('.dockerignore keeps secrets, state and local builds out of the build context', () => {
    for (const p of ['node_modules', 'dist', 'data', '.env', '.env.*', '*.pem', '.git']) expect(ignore).toContain(p);
  });
});
