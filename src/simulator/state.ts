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

export interface RequestRecord {
  tenantId: string;
  method: string;
  path: string;
  status: number;
  inBatch: boolean;
}

export class SimState {
  world!: SimWorld;
  engine!: EngineContext;
  faultDice!: Prng;
  /** Per tenant id, or '*' for all tenants. */
  faults = new Map<string, FaultSettings>();
  requests: RequestRecord[] = [];
  /** provisionOnDemand call times per source tenant, for the 5-per-10-s limit. */
  onDemandCalls = new Map<string, number[]>();

  constructor(
    readonly seed: number,
    readonly size: EstateSize,
    readonly clock: Clock,
  ) {
    this.reset();
  }

  reset(): void {
    const ids = new Prng(this.seed ^ 0x5eed1d5);
    this.world = buildWorld(this.size, { clock: this.clock, ids }, this.seed);
    this.engine = { world: this.world, clock: this.clock, ids };
    this.restartFaultDice();
    this.faults.clear();
    this.requests = [];
    this.onDemandCalls.clear();
  }

  restartFaultDice(): void {
    this.faultDice = new Prng(this.seed ^ 0xfa017);
  }

  faultsFor(tenantId: string): FaultSettings | undefined {
    return this.faults.get(tenantId) ?? this.faults.get('*');
  }
}
