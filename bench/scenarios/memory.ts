import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { startBot } from '../../src/index';
import { createLogger } from '../../src/logger';
import { OPEN_INDEX_KEY, openEntryOf, requestKey, type OpenIndex, type StoredApproval } from '../../src/services/approvalRecords';
import { updateWithCas } from '../../src/store';
import { CONTOSO, LEE } from '../../test/harness/bot';
import type { BenchContext } from '../context';
import { Child } from '../procs';
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
  const bot = await startBot(loadConfig({ HOST: '127.0.0.1', PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent', MONITOR: 'off', CTS_CONFIG: input.estateFile }), { logger: createLogger('silent') });
  try {
    const idle = settle();
    const tenants = bot.estate.tenants.map((t) => t.id);
    const config = bot.estate.configurations.find((c) => /^bench-/.test(c.name) && tenants.indexOf(c.sourceTenantId) >= 3);
    if (!config) throw new Error('memory: the estate has no added tenants to request users from');
    // The approvals scenario may have put the first users in scope already: take the first one still out of it.
    let first: Awaited<ReturnType<typeof bot.approvals.create>> | undefined;
    for (let u = input.usersPerTenant - 1; u >= 0 && !first?.ok; u--) {
      first = await bot.approvals.create({
        configuration: config.name,
        op: 'add',
        principalType: 'user',
        principals: [`user${u}@bench${tenants.indexOf(config.sourceTenantId)}.example`],
        reason: 'bench',
        requester: { aadObjectId: LEE.aadObjectId, tenantId: CONTOSO, name: LEE.name },
      });
    }
    if (!first?.ok) throw new Error(`memory: could not create the template request: ${first?.problem.title}`);
    const template = first.record;
    const configs = bot.estate.configurations;
    const made: StoredApproval[] = [];
    for (let k = 1; k < input.pending; k++) {
      const id = `REQ-${k.toString(36).toUpperCase().padStart(5, '0')}`;
      const c = configs[k % configs.length]!;
      made.push({
        ...template,
        request: { ...template.request, id, configuration: c.name, principals: [{ ...template.request.principals[0]!, id: `bench-user-${k}` }] },
      });
      if (made.length === 500 || k === input.pending - 1) {
        await bot.storage.write(Object.fromEntries(made.map((r) => [requestKey(r.request.id), { ...r }])));
        await updateWithCas<OpenIndex>(bot.storage, OPEN_INDEX_KEY, (cur) => ({ schemaVersion: 1, entries: [...(cur?.entries ?? []), ...made.map((r) => openEntryOf(r.request))] }));
        made.length = 0;
      }
    }
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
  const input: MemoryProbeInput = { estateFile: ctx.estateFile({ pollIntervalSeconds: 60 }), pending: ctx.opts.memory.pending, usersPerTenant: ctx.opts.estate.usersPerTenant };
  if (!ctx.opts.children) return { ...(await measureMemory(input)), ownProcess: false };
  const { child, match } = await Child.start('memory probe', 'bench/child.ts', ['memory'], { BENCH_MEMORY: JSON.stringify(input) }, /RESULT (\{.*\})\n/, 240_000, ['--expose-gc']);
  await child.stop();
  return { ...JSON.parse(match[1]!), ownProcess: true };
}
