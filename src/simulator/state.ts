import type { Clock } from '../domain/clock';
import type { EngineContext } from './engine';
import { buildWorld, type EstateSize } from './estate';
import type { SimWorld } from './model';
import { Prng } from './prng';

/** Everything one simulator instance holds; `reset()` seeds it again from scratch. */

export interface FaultSettings {
  latencyMs: number;
  rate429: number;
  rate503: number;
}

/** "Applied but answered 5xx": the next matching write happens, then the client gets `status` (a lost answer). */
export interface ApplyThenFault {
  status: number;
  /** Only writes whose path contains this (case-insensitive); all writes when absent. */
  match?: string;
  remaining: number;
}

/** Per-tenant fidelity switches (the control API and SimulatorOptions set them). */
export interface TenantSwitches {
  /** The bot's app lacks RoleManagement.Read.Directory: directoryRole objects come back as type and id only. */
  limitedDirectoryRoles: boolean;
  /** provisionOnDemand answer: the CTS guide's (key = type name, value = JSON array) or the generic docs'. */
  onDemandShape: 'cts' | 'generic';
}

export const DEFAULT_SWITCHES: TenantSwitches = { limitedDirectoryRoles: false, onDemandShape: 'cts' };

export interface RequestRecord {
  tenantId: string;
  method: string;
  path: string;
  status: number;
  inBatch: boolean;
  /** The `request-id` the simulator answered with (what the bot should write into its audit). */
  requestId: string;
}

export class SimState {
  world!: SimWorld;
  engine!: EngineContext;
  faultDice!: Prng;
  /** Per tenant id, or '*' for all tenants. */
  faults = new Map<string, FaultSettings>();
  /** Per tenant id, or '*'. */
  applyThen = new Map<string, ApplyThenFault>();
  switches = new Map<string, TenantSwitches>();
  requests: RequestRecord[] = [];
  /** provisionOnDemand call times per source tenant, for the 5-per-10-s limit. */
  onDemandCalls = new Map<string, number[]>();

  constructor(
    readonly seed: number,
    readonly size: EstateSize,
    readonly clock: Pick<Clock, 'now'>,
    /** Switches applied at every reset (from SimulatorOptions). */
    private readonly initialSwitches: Record<string, Partial<TenantSwitches>> = {},
  ) {
    this.reset();
  }

  reset(): void {
    const ids = new Prng(this.seed ^ 0x5eed1d5);
    this.world = buildWorld(this.size, { clock: this.clock, ids }, this.seed);
    this.engine = { world: this.world, clock: this.clock, ids };
    this.restartFaultDice();
    this.faults.clear();
    this.applyThen.clear();
    this.switches.clear();
    for (const [t, s] of Object.entries(this.initialSwitches)) this.setSwitches(t, s);
    this.requests = [];
    this.onDemandCalls.clear();
  }

  restartFaultDice(): void {
    this.faultDice = new Prng(this.seed ^ 0xfa017);
  }

  switchesFor(tenantId: string): TenantSwitches {
    return this.switches.get(tenantId.toLowerCase()) ?? DEFAULT_SWITCHES;
  }

  setSwitches(tenantId: string, patch: Partial<TenantSwitches>): TenantSwitches {
    const next = { ...this.switchesFor(tenantId), ...patch };
    this.switches.set(tenantId.toLowerCase(), next);
    return next;
  }

  /** Consumes one "applied, then answered 5xx" fault for this write, if one is armed. */
  takeApplyThen(tenantId: string, path: string): number | undefined {
    for (const key of [tenantId.toLowerCase(), '*']) {
      const f = this.applyThen.get(key);
      if (!f || (f.match && !path.toLowerCase().includes(f.match.toLowerCase()))) continue;
      if (--f.remaining <= 0) this.applyThen.delete(key);
      return f.status;
    }
    return undefined;
  }

  faultsFor(tenantId: string): FaultSettings | undefined {
    return this.faults.get(tenantId) ?? this.faults.get('*');
  }
}
