import { z } from 'zod';
import { AlertSchema } from '../domain/alerts';
import type { Clock } from '../domain/clock';
import { DriftBaselineSchema } from '../domain/drift';
import type { IncidentState } from '../domain/incidents';
import type { CtsGraph } from '../graph/gateway';
import type { Logger } from '../logger';
import { canListKeys, canMoveItems, createIfAbsent, readItem, updateWithCas, type Storage } from '../store';
import type { Configurations } from './configurations';
import { errorText } from './operations';

/**
 * One incident record per job (`incidents/<configuration>`): the detector's state, the open or last alert, and the
 * ids of earlier incidents. Every change is a CAS; a record that cannot be read is quarantined (moved aside, logged as
 * an error) so that one bad record never stops the alerts of its configuration.
 */

const RecordSchema = z.object({
  schemaVersion: z.literal(1),
  configuration: z.string(),
  state: z.custom<IncidentState>((v) => !!v && typeof v === 'object' && typeof (v as IncidentState).configuration === 'string'),
  alert: AlertSchema.optional(),
  /** Ids of earlier incidents of this job, newest last: a click on an old card is answered, not obeyed. */
  closed: z.array(z.string()),
  /** Drift records only (`drift/<configuration>`): what the previous drift check saw. */
  driftBaseline: DriftBaselineSchema.optional(),
});
export type IncidentRecord = z.infer<typeof RecordSchema>;

export const incidentKey = (configuration: string, prefix = 'incidents') => `${prefix}/${configuration.toLowerCase()}`;

/** What the services that act on an incident (alert buttons, Allow deletes) are built from. */
export interface IncidentServiceDeps {
  configs: Configurations;
  graph: CtsGraph;
  records: IncidentRecords;
  clock: Clock;
  logger?: Logger;
  /** The alert of this configuration changed: bring its cards up to date. */
  changed: (configuration: string) => void;
}

export class IncidentRecords {
  /** Incident records moved aside because they could not be read. */
  quarantined = 0;

  /** `prefix`: 'incidents' (the job's alerts) or 'drift' (the drift watch's, so the two never replace each other). */
  constructor(private readonly deps: { storage: Storage; clock: Clock; logger?: Logger; prefix?: string }) {}

  private key(configuration: string): string {
    return incidentKey(configuration, this.deps.prefix);
  }

  async read(configuration: string): Promise<IncidentRecord | undefined> {
    const key = this.key(configuration);
    const raw = await readItem(this.deps.storage, key);
    // Most jobs never had an incident: a failed parse of nothing costs zod an issue list, once per job and poll.
    if (raw === undefined) return undefined;
    const parsed = RecordSchema.safeParse(raw);
    return parsed.success ? parsed.data : undefined;
  }

  /**
   * Which configurations have a record now (lower-cased names), from one listing of the store; undefined when the store
   * cannot list. Most jobs never had an incident: the poll reads only these instead of opening an absent record per job.
   */
  async existing(): Promise<Set<string> | undefined> {
    const { storage } = this.deps;
    if (!canListKeys(storage)) return undefined;
    const prefix = `${this.deps.prefix ?? 'incidents'}/`;
    return new Set((await storage.listKeys(prefix)).map((k) => k.slice(prefix.length)));
  }

  /** The record a configuration starts from when it has none. */
  static fresh(configuration: string): IncidentRecord {
    return { schemaVersion: 1, configuration, state: { configuration }, closed: [] };
  }

  /** CAS over the record; `decide` gets a valid record, a fresh one when absent or after quarantine. */
  async update(configuration: string, decide: (current: IncidentRecord) => IncidentRecord | 'abort'): Promise<IncidentRecord | undefined> {
    for (let attempt = 1; ; attempt++) {
      let invalid: { raw: unknown; reason: string } | undefined;
      try {
        const out = await updateWithCas<IncidentRecord>(this.deps.storage, this.key(configuration), (raw) => {
          const parsed = raw === undefined ? undefined : RecordSchema.safeParse(raw);
          if (parsed && !parsed.success) {
            invalid = {
              raw,
              reason: parsed.error.issues
                .slice(0, 3)
                .map((i) => `${i.path.join('.')}: ${i.message}`)
                .join('; '),
            };
            return 'abort';
          }
          return decide(parsed?.data ?? IncidentRecords.fresh(configuration));
        });
        if (!invalid) return out;
      } catch (err) {
        if ((err as { code?: unknown })?.code !== 'StoredItemCorrupt' || attempt > 1) throw err;
        invalid = { raw: undefined, reason: errorText(err) };
      }
      if (attempt > 1) throw new Error(`incident record of ${configuration} is still invalid after quarantine`);
      await this.quarantine(configuration, invalid.raw, invalid.reason);
    }
  }

  /** Moves a bad incident record aside under `incidents-quarantine/<configuration>/<time>` and says so loudly. */
  private async quarantine(configuration: string, raw: unknown, reason: string): Promise<void> {
    const key = this.key(configuration);
    const aside = `${this.deps.prefix ?? 'incidents'}-quarantine/${configuration.toLowerCase()}/${new Date(this.deps.clock.now()).toISOString()}`;
    const { storage } = this.deps;
    if (raw !== undefined) {
      const { eTag: _eTag, ...original } = raw as Record<string, unknown>;
      await createIfAbsent(storage, aside, { reason, original });
      await storage.delete([key]);
    } else if (canMoveItems(storage)) {
      await storage.moveAside(key, aside);
    } else {
      await createIfAbsent(storage, aside, { reason, original: null });
      await storage.delete([key]);
    }
    this.quarantined++;
    this.deps.logger?.error(
      { configuration, key, movedTo: aside, reason },
      'INCIDENT RECORD QUARANTINED: it could not be read; alerts for this configuration go on with a fresh record',
    );
  }
}
