import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/**
 * One bot as its own OS process, started the way `npm start` starts it (node + ts-node transpile-only on
 * src/index.ts), on an ephemeral port read from its start-up banner. Output is kept (bounded) for failure messages.
 */
export class BotProcess {
  url = '';
  private child?: ChildProcess;
  private output = '';
  private exited?: { code: number | null; signal: NodeJS.Signals | null };

  constructor(
    readonly name: string,
    private readonly env: Record<string, string>,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get alive(): boolean {
    return !!this.child && !this.exited;
  }

  /** Resolves with the bot's base URL once it listens; rejects (and kills it) after `timeoutMs`. */
  start(timeoutMs = 60_000): Promise<string> {
    const child = spawn(process.execPath, ['--disable-warning=DEP0111', '-r', 'ts-node/register/transpile-only', 'src/index.ts'], {
      cwd: REPO_ROOT,
      env: { ...process.env, HOST: '127.0.0.1', PORT: '0', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exited = undefined;
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        void this.kill();
        reject(new Error(`bot ${this.name} did not start within ${timeoutMs} ms:\n${this.output}`));
      }, timeoutMs);
      const keep = (chunk: Buffer) => {
        this.output = (this.output + chunk.toString('utf8')).slice(-20_000);
        const m = /listening on (http:\/\/[^\s]+)\/api\/messages/.exec(this.output);
        if (m && !this.url) {
          this.url = m[1];
          clearTimeout(timer);
          resolve(this.url);
        }
      };
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      child.once('exit', (code, signal) => {
        this.exited = { code, signal };
        clearTimeout(timer);
        if (!this.url) reject(new Error(`bot ${this.name} exited (${code ?? signal}) before listening:\n${this.output}`));
      });
    });
  }

  /** SIGKILL: no clean-up, no lease release; resolves once the process is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || this.exited) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await gone;
  }

  /** Forget the old process so the same BotProcess can be started again. */
  reset(): void {
    this.url = '';
    this.output = '';
  }

  log(): string {
    return this.output;
  }
}

/** Polls `probe` every `everyMs` until it returns a value other than undefined; throws after `timeoutMs` with `what`. */
export async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
