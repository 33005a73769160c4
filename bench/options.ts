/**
 * Sizes and switches of one bench run. Every number can be set by an environment variable (BENCH_TURN_CLIENTS=20) or
 * a flag (--turn-clients=20); `--smoke` (or BENCH_SMOKE=1) starts from tiny sizes for the check inside `npm test`.
 */
export interface BenchOptions {
  /** Simulator, echo bot, turn-throughput bot and memory probe in their own processes (the real bench) or in this one (smoke). */
  children: boolean;
  only?: string[];
  out: string;
  estate: { tenants: number; jobs: number; usersPerTenant: number };
  turns: { clients: number; seconds: number; rounds: number };
  poll: { cycles: number };
  alerts: { pollSeconds: number; jobs: number; spanSeconds: number; manualPoll: boolean };
  approvals: { count: number; concurrency: number; duplicateShare: number; latencyMs: number; timeoutSeconds: number };
  memory: { pending: number };
  fanout: { conversations: number };
}

export const FULL: BenchOptions = {
  children: true,
  out: 'bench/results.json',
  estate: { tenants: 20, jobs: 1000, usersPerTenant: 20 },
  turns: { clients: 50, seconds: 6, rounds: 2 },
  poll: { cycles: 5 },
  alerts: { pollSeconds: 10, jobs: 50, spanSeconds: 30, manualPoll: false },
  approvals: { count: 1000, concurrency: 200, duplicateShare: 0.1, latencyMs: 20, timeoutSeconds: 60 },
  memory: { pending: 10_000 },
  fanout: { conversations: 200 },
};

export const SMOKE: BenchOptions = {
  children: false,
  out: 'bench/results.smoke.json',
  estate: { tenants: 4, jobs: 8, usersPerTenant: 4 },
  turns: { clients: 3, seconds: 0.3, rounds: 1 },
  poll: { cycles: 1 },
  alerts: { pollSeconds: 10, jobs: 2, spanSeconds: 0, manualPoll: true },
  approvals: { count: 4, concurrency: 4, duplicateShare: 0.5, latencyMs: 0, timeoutSeconds: 60 },
  memory: { pending: 20 },
  fanout: { conversations: 4 },
};

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const envName = (group: string, key: string) => `BENCH_${kebab(group).replace(/-/g, '_').toUpperCase()}_${kebab(key).replace(/-/g, '_').toUpperCase()}`;

/** Options from defaults, then environment, then flags. Unknown flags are refused so a typo is not silently ignored. */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions {
  const flags = new Map<string, string>();
  for (const a of argv) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`bench: cannot read the argument "${a}" (use --name=value)`);
    flags.set(m[1], m[2] ?? 'true');
  }
  const smoke = flags.get('smoke') === 'true' || env.BENCH_SMOKE === '1';
  flags.delete('smoke');
  const base: BenchOptions = structuredClone(smoke ? SMOKE : FULL);
  const record = base as unknown as Record<string, Record<string, unknown>>;
  for (const [group, values] of Object.entries(record)) {
    if (typeof values !== 'object' || values === null || Array.isArray(values)) continue;
    for (const [key, value] of Object.entries(values)) {
      const flag = `${kebab(group)}-${kebab(key)}`;
      const raw = flags.get(flag) ?? env[envName(group, key)];
      flags.delete(flag);
      if (raw === undefined) continue;
      if (typeof value === 'boolean') values[key] = raw === 'true' || raw === '1';
      else {
        const n = Number(raw);
        if (!Number.isFinite(n) || n < 0) throw new Error(`bench: ${flag} must be a number ≥ 0, got "${raw}"`);
        values[key] = n;
      }
    }
  }
  const children = flags.get('children') ?? env.BENCH_CHILDREN;
  if (children !== undefined) base.children = children === 'true' || children === '1';
  const out = flags.get('out') ?? env.BENCH_OUT;
  if (out) base.out = out;
  const only = flags.get('only') ?? env.BENCH_ONLY;
  if (only) base.only = only.split(',').map((s) => s.trim());
  for (const k of ['children', 'out', 'only']) flags.delete(k);
  if (flags.size) throw new Error(`bench: unknown option(s) ${[...flags.keys()].map((k) => `--${k}`).join(', ')}`);
  return base;
}
