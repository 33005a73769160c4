import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { startBot, type RunningBot } from '../src/index';
import { createLogger } from '../src/logger';
import type { EstateConfig } from '../src/simulator/estateConfig';
import { SimControl } from '../test/harness/sim';
import type { BenchOptions } from './options';

/** What every scenario shares: the simulator (its URL and full estate) and a scratch directory. */
export class BenchContext {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'cts-bench-'));
  readonly control: SimControl;
  private seq = 0;

  constructor(
    readonly opts: BenchOptions,
    readonly simUrl: string,
    readonly estate: EstateConfig,
  ) {
    this.control = new SimControl(simUrl);
  }

  /** Writes a CTS_CONFIG with the first `configurations` configurations (all by default) and their tenants. */
  estateFile(options: { configurations?: number; pollIntervalSeconds: number }): string {
    const configurations = this.estate.configurations.slice(0, options.configurations ?? this.estate.configurations.length);
    const used = new Set([this.estate.homeTenantId, ...configurations.flatMap((c) => [c.sourceTenantId, c.targetTenantId])]);
    const estate = {
      ...this.estate,
      tenants: this.estate.tenants.filter((t) => used.has(t.id)),
      configurations,
      pollIntervalSeconds: options.pollIntervalSeconds,
    };
    const file = path.join(this.dir, `estate-${++this.seq}.json`);
    writeFileSync(file, JSON.stringify(estate));
    return file;
  }

  dataDir(): string {
    return mkdtempSync(path.join(this.dir, 'data-'));
  }

  /** The bot as `npm start` builds it, in this process, on the given estate file. */
  async bot(estateFile: string, env: Record<string, string> = {}): Promise<RunningBot> {
    const config = loadConfig({ HOST: '127.0.0.1', PORT: '0', DATA_DIR: this.dataDir(), LOG_LEVEL: 'silent', MONITOR: 'off', CTS_CONFIG: estateFile, ...env });
    return startBot(config, { logger: createLogger('silent') });
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
