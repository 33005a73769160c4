import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { startBot } from '../../src/index';
import { createLogger } from '../../src/logger';
import type { BenchContext } from '../context';
import { Child } from '../procs';
import { seedPending } from '../seed';
import { round } from '../stats';

export interface MemoryResult {
  pendingApprovals: number;
  watchedJobs: number;
  idleRssMB: number;
  loadedRssMB: number;
  idleHeapMB: number;
  loadedHeapMB: number;
  growthMB: number;
  heapGrowthMB: number;
  /** false when measured in the bench's own process (smoke): then the numbers include the bench. */
  ownProcess: boolean;
}

export interface MemoryProbeInput {
  estateFile: string;
  pending: number;
  usersPerTenant: number;
}

const MB = 1024 * 1024;

function settle(): { rss: number; heap: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 3; i++) gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss / MB, heap: m.heapUsed / MB };
}

/**
 * In a process of its own (node --expose-gc): the bot on the whole estate, idle; then holding `pending` open approval
 * requests (one made through the service, the rest copies of it under new ids, written as the service writes them,
 * with their index) after a monitor poll of every job and the sweeps that read every open request.
 */
export async function measureMemory(input: MemoryProbeInput): Promise<Omit<MemoryResult, 'ownProcess'>> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'cts-bench-memory-'));
  const bot = await startBot(
    loadConfig({ HOST: '127.0.0.1', PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent', MONITOR: 'off', CTS_CONFIG: input.estateFile }),
    { logger: createLogger('silent') },
  );
  try {
    const idle = settle();
    const tenants = bot.estate.tenants.map((t) => t.id);
    const config = bot.estate.configurations.find((c) => /^bench-/.test(c.name) && tenants.indexOf(c.sourceTenantId) >= 3);
    if (!config) throw new Error('memory: the estate has no added tenants to request users from');
    const configs = bot.estate.configurations;
    const items = Array.from({ length: input.pending }, (_, k) => ({
      configuration: k ? configs[k % configs.length].name : config.name,
      principal: { id: `bench-user-${k}`, displayName: `Bench ${k}` },
    }));
    // The approvals scenario may have put the first users in scope already: ask for the last ones.
    const t = tenants.indexOf(config.sourceTenantId);
    await seedPending(bot, () => Array.from({ length: input.usersPerTenant }, (_, i) => `user${input.usersPerTenant - 1 - i}@bench${t}.example`), items);
    await bot.monitor.pollOnce();
    const open = await bot.approvals.pending();
    if (open.length !== input.pending) throw new Error(`memory: expected ${input.pending} pending requests, the service lists ${open.length}`);
    await bot.approvals.expireDue();
    const loaded = settle();
    return {
      pendingApprovals: open.length,
      watchedJobs: configs.length,
      idleRssMB: round(idle.rss, 1),
      loadedRssMB: round(loaded.rss, 1),
      idleHeapMB: round(idle.heap, 1),
      loadedHeapMB: round(loaded.heap, 1),
      growthMB: round(loaded.rss - idle.rss, 1),
      heapGrowthMB: round(loaded.heap - idle.heap, 1),
    };
  } finally {
    await bot.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function memoryScenario(ctx: BenchContext): Promise<MemoryResult> {
  const input: MemoryProbeInput = {
    estateFile: ctx.estateFile({ pollIntervalSeconds: 60 }),
    pending: ctx.opts.memory.pending,
    usersPerTenant: ctx.opts.estate.usersPerTenant,
  };
  if (!ctx.opts.children) return { ...(await measureMemory(input)), ownProcess: false };
  const { child, match } = await Child.start(
    'memory probe',
    'bench/child.ts',
    ['memory'],
    { BENCH_MEMORY: JSON.stringify(input) },
    /RESULT (\{.*\})\n/,
    240_000,
    ['--expose-gc'],
  );
  await child.stop();
  return { ...(JSON.parse(match[1]) as Omit<MemoryResult, 'ownProcess'>), ownProcess: true };
}
