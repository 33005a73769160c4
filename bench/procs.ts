import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..');

/** A process the bench started (simulator, echo bot, bot, memory probe): started, awaited for a line, stopped. */
export class Child {
  private output = '';
  private exited = false;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    child.once('exit', () => (this.exited = true));
  }

  /** Starts `script` under ts-node and resolves with the first match of `ready` in its output. */
  static async start(
    name: string,
    script: string,
    args: string[],
    env: Record<string, string>,
    ready: RegExp,
    timeoutMs = 120_000,
    nodeArgs: string[] = [],
  ): Promise<{ child: Child; match: RegExpExecArray }> {
    const proc = spawn(process.execPath, ['--disable-warning=DEP0111', ...nodeArgs, '-r', 'ts-node/register/transpile-only', script, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const child = new Child(name, proc);
    const match = await new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        reject(new Error(`${name} gave no ${ready} within ${timeoutMs} ms:\n${child.output}`));
      }, timeoutMs);
      const keep = (chunk: Buffer) => {
        child.output = (child.output + chunk.toString('utf8')).slice(-20_000);
        const m = ready.exec(child.output);
        if (m) {
          clearTimeout(timer);
          proc.stdout.removeListener('data', keep);
          proc.stderr.removeListener('data', keep);
          // Keep draining so a chatty child never blocks on a full pipe.
          proc.stdout.resume();
          proc.stderr.resume();
          resolve(m);
        }
      };
      proc.stdout.on('data', keep);
      proc.stderr.on('data', keep);
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited (${code}) before it was ready:\n${child.output}`));
      });
    });
    return { child, match };
  }

  get pid(): number {
    return this.child.pid!;
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await gone;
    clearTimeout(timer);
  }
}
