import type { Storage } from '../store';
import { z } from 'zod';
import type { Clock } from '../domain/clock';
import { updateWithCasDetailed, updateWithCas, type AuditLog } from '../store';
import { ConversationTargetSchema, type ConversationTarget, type Subscription, type SubscriptionTopic } from './ports';

/**
 * Where the bot may post: every conversation it was installed in or spoken to (a ConversationTarget), and what each
 * conversation subscribed to. Storage has no "list", so two small index records keep `targetsFor` and
 * `personalTargetOf` to one or two reads:
 *   conversations/<key>           the target and its subscriptions (the source of truth)
 *   subscriptions-index/<topic>   the conversation keys with an ACTIVE subscription to the topic
 *   personal-index/<aadObjectId>  the personal conversation of a user
 * Every write is a CAS; an index that lost an entry is repaired by the next subscribe, and an index entry whose
 * conversation no longer holds the subscription is ignored (the conversation record decides).
 */

export const ALL_CONFIGURATIONS = 'all';

const conversationKey = (key: string) => `conversations/${key}`;
const indexKey = (topic: SubscriptionTopic) => `subscriptions-index/${topic}`;
const personalKey = (aadObjectId: string) => `personal-index/${aadObjectId.toLowerCase()}`;

const TargetSchema = ConversationTargetSchema;

const SubscriptionSchema = z.object({
  targetKey: z.string(),
  topic: z.enum(['alerts', 'approvals']),
  configuration: z.string(),
  by: z.object({ aadObjectId: z.string(), name: z.string() }),
  at: z.string(),
  active: z.boolean(),
  deactivatedReason: z.string().optional(),
});

const ConversationRecordSchema = z.object({
  schemaVersion: z.literal(1),
  target: TargetSchema,
  firstSeenAt: z.string(),
  updatedAt: z.string(),
  subscriptions: z.array(SubscriptionSchema),
  /** Set when a send answered 403/404: the bot was removed or blocked. Cleared when the conversation speaks again. */
  gone: z.object({ at: z.string(), reason: z.string() }).optional(),
  /** When the welcome card was posted for the current installation. */
  welcomedAt: z.string().optional(),
});
export type ConversationRecord = z.infer<typeof ConversationRecordSchema>;

const IndexSchema = z.object({ keys: z.array(z.string()) });
type Index = z.infer<typeof IndexSchema>;

/** A stored record that fails validation is treated as absent for reads and never silently overwritten by merges. */
export class StoredRecordInvalidError extends Error {
  constructor(
    readonly key: string,
    detail: string,
  ) {
    super(`stored record ${key} is not valid: ${detail}`);
  }
}

function parseRecord(key: string, raw: unknown): ConversationRecord | undefined {
  if (raw === undefined) return undefined;
  const parsed = ConversationRecordSchema.safeParse(raw);
  if (!parsed.success) throw new StoredRecordInvalidError(key, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return parsed.data;
}

function parseIndex(raw: unknown): Index {
  const parsed = IndexSchema.safeParse(raw);
  return parsed.success ? parsed.data : { keys: [] };
}

export interface Subscriber {
  aadObjectId: string;
  name: string;
}

export type SubscribeOutcome = { changed: boolean; subscription: Subscription };

export class Subscriptions {
  /** Fingerprints of what is stored, so a message from a known conversation costs no storage access. */
  private readonly known = new Map<string, string>();

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly audit?: AuditLog,
  ) {}

  private now(): string {
    return new Date(this.clock.now()).toISOString();
  }

  /** Stores the conversation when it is new or its reference changed (serviceUrl moves, renamed channel). */
  async remember(target: ConversationTarget): Promise<void> {
    const fingerprint = JSON.stringify(target);
    if (this.known.get(target.key) === fingerprint) return;
    const now = this.now();
    await updateWithCas<ConversationRecord>(this.storage, conversationKey(target.key), (raw) => {
      const current = parseRecord(conversationKey(target.key), raw);
      if (!current) return { schemaVersion: 1, target, firstSeenAt: now, updatedAt: now, subscriptions: [] };
      if (JSON.stringify(current.target) === fingerprint && !current.gone) return 'abort';
      return { ...current, target, updatedAt: now, gone: undefined };
    });
    if (target.kind === 'personal' && target.userAadObjectId) {
      const user = target.userAadObjectId;
      await updateWithCas<{ targetKey: string }>(this.storage, personalKey(user), (current) =>
        current?.targetKey === target.key ? 'abort' : { targetKey: target.key },
      );
    }
    this.known.set(target.key, fingerprint);
  }

  /**
   * True for exactly one caller per installation: the one that should post the welcome card. Teams sends both
   * installationUpdate and conversationUpdate on install, often at the same moment, so this is a CAS claim.
   */
  async claimWelcome(target: ConversationTarget): Promise<boolean> {
    const now = this.now();
    const result = await updateWithCasDetailed<ConversationRecord>(this.storage, conversationKey(target.key), (raw) => {
      const current = parseRecord(conversationKey(target.key), raw);
      if (!current) return { schemaVersion: 1, target, firstSeenAt: now, updatedAt: now, subscriptions: [], welcomedAt: now };
      if (current.welcomedAt && !current.gone) return 'abort';
      return { ...current, target, updatedAt: now, gone: undefined, welcomedAt: now };
    });
    if (result.outcome === 'committed') this.known.set(target.key, JSON.stringify(target));
    return result.outcome === 'committed';
  }

  async get(targetKey: string): Promise<ConversationRecord | undefined> {
    const key = conversationKey(targetKey);
    return parseRecord(key, (await this.storage.read([key]))[key]);
  }

  /** Subscribes a remembered conversation. Subscribing to what is already active changes nothing. */
  async subscribe(target: ConversationTarget, topic: SubscriptionTopic, configuration: string, by: Subscriber): Promise<SubscribeOutcome> {
    await this.remember(target);
    const now = this.now();
    const config = configuration.toLowerCase() === ALL_CONFIGURATIONS ? ALL_CONFIGURATIONS : configuration;
    let outcome: SubscribeOutcome | undefined;
    await updateWithCas<ConversationRecord>(this.storage, conversationKey(target.key), (raw) => {
      const current = parseRecord(conversationKey(target.key), raw) ?? {
        schemaVersion: 1 as const,
        target,
        firstSeenAt: now,
        updatedAt: now,
        subscriptions: [],
      };
      const existing = current.subscriptions.find((s) => s.topic === topic && s.configuration.toLowerCase() === config.toLowerCase());
      if (existing?.active) {
        outcome = { changed: false, subscription: existing };
        return 'abort';
      }
      const subscription: Subscription = {
        targetKey: target.key,
        topic,
        configuration: config,
        by: { aadObjectId: by.aadObjectId, name: by.name },
        at: now,
        active: true,
      };
      outcome = { changed: true, subscription };
      const others = current.subscriptions.filter((s) => s !== existing);
      return { ...current, target, updatedAt: now, gone: undefined, subscriptions: [...others, subscription] };
    });
    // The index is repaired on every subscribe, so a crash between the two writes heals itself.
    await updateWithCas<Index>(this.storage, indexKey(topic), (raw) => {
      const index = parseIndex(raw);
      return index.keys.includes(target.key) ? 'abort' : { keys: [...index.keys, target.key] };
    });
    if (outcome!.changed) {
      await this.audit?.append({
        actor: { aadObjectId: by.aadObjectId, name: by.name },
        action: `subscriptions.subscribe`,
        target: `${topic}:${config} in ${describeTarget(target)}`,
        configuration: config === ALL_CONFIGURATIONS ? undefined : config,
        outcome: 'ok',
      });
    }
    return outcome!;
  }

  /** Ends the conversation's subscription; `all` ends only the `all` subscription, not per-configuration ones. */
  async unsubscribe(targetKey: string, topic: SubscriptionTopic, configuration: string, by: Subscriber): Promise<Subscription | undefined> {
    const config = configuration.toLowerCase() === ALL_CONFIGURATIONS ? ALL_CONFIGURATIONS : configuration;
    let removed: Subscription | undefined;
    let remaining = 0;
    await updateWithCas<ConversationRecord>(this.storage, conversationKey(targetKey), (raw) => {
      const current = parseRecord(conversationKey(targetKey), raw);
      if (!current) return 'abort';
      removed = current.subscriptions.find((s) => s.topic === topic && s.active && s.configuration.toLowerCase() === config.toLowerCase());
      remaining = current.subscriptions.filter((s) => s.topic === topic && s.active && s !== removed).length;
      if (!removed) return 'abort';
      return { ...current, updatedAt: this.now(), subscriptions: current.subscriptions.filter((s) => s !== removed) };
    });
    if (removed && remaining === 0) await this.dropFromIndex(topic, targetKey);
    if (removed) {
      await this.audit?.append({
        actor: { aadObjectId: by.aadObjectId, name: by.name },
        action: 'subscriptions.unsubscribe',
        target: `${topic}:${config} in ${targetKey}`,
        configuration: config === ALL_CONFIGURATIONS ? undefined : config,
        outcome: 'ok',
      });
    }
    return removed;
  }

  /** Active and deactivated subscriptions of one conversation. */
  async list(targetKey: string): Promise<Subscription[]> {
    return (await this.get(targetKey))?.subscriptions ?? [];
  }

  /** Conversations with an active subscription to `topic` for `configuration` (or for all). One index read + one batch read. */
  async targetsFor(topic: SubscriptionTopic, configuration: string): Promise<ConversationTarget[]> {
    return (await this.audience(topic))(configuration);
  }

  /**
   * Everyone subscribed to a topic, read once (the index and its records), as a function from configuration name
   * to targets: the monitor asks for every configuration in a poll and must not re-read storage for each.
   */
  async audience(topic: SubscriptionTopic): Promise<(configuration: string) => ConversationTarget[]> {
    const index = parseIndex((await this.storage.read([indexKey(topic)]))[indexKey(topic)]);
    if (!index.keys.length) return () => [];
    const keys = index.keys.map(conversationKey);
    const items = await this.storage.read(keys);
    const records: ConversationRecord[] = [];
    for (const key of keys) {
      try {
        const record = parseRecord(key, items[key]);
        if (record && !record.gone) records.push(record);
      } catch {
        // one bad record must not stop alerts to everyone else
      }
    }
    return (configuration) =>
      records
        .filter((record) =>
          record.subscriptions.some(
            (s) => s.active && s.topic === topic && (s.configuration === ALL_CONFIGURATIONS || s.configuration.toLowerCase() === configuration.toLowerCase()),
          ),
        )
        .map((record) => record.target);
  }

  /** The conversation is gone (403/404 from Teams): stop sending to it, keep the record, say so in the audit. */
  async deactivate(targetKey: string, reason: string): Promise<boolean> {
    const now = this.now();
    let changed = false;
    await updateWithCas<ConversationRecord>(this.storage, conversationKey(targetKey), (raw) => {
      const current = parseRecord(conversationKey(targetKey), raw);
      if (!current || current.gone) return 'abort';
      changed = true;
      return {
        ...current,
        updatedAt: now,
        gone: { at: now, reason },
        subscriptions: current.subscriptions.map((s) => (s.active ? { ...s, active: false, deactivatedReason: reason } : s)),
      };
    });
    if (!changed) return false;
    this.known.delete(targetKey);
    await Promise.all((['alerts', 'approvals'] as const).map((t) => this.dropFromIndex(t, targetKey)));
    await this.audit?.append({ actor: 'system', action: 'subscriptions.deactivate', target: targetKey, outcome: 'ok', detail: reason });
    return true;
  }

  /** The personal chat with a user, when the bot has one (the user installed it or wrote to it). */
  async personalTargetOf(aadObjectId: string): Promise<ConversationTarget | undefined> {
    const pointer = (await this.storage.read([personalKey(aadObjectId)]))[personalKey(aadObjectId)] as { targetKey?: unknown } | undefined;
    if (typeof pointer?.targetKey !== 'string') return undefined;
    const record = await this.get(pointer.targetKey).catch(() => undefined);
    return record && !record.gone ? record.target : undefined;
  }

  private async dropFromIndex(topic: SubscriptionTopic, targetKey: string): Promise<void> {
    await updateWithCas<Index>(this.storage, indexKey(topic), (raw) => {
      const index = parseIndex(raw);
      return index.keys.includes(targetKey) ? { keys: index.keys.filter((k) => k !== targetKey) } : 'abort';
    });
  }
}

export function describeTarget(target: ConversationTarget): string {
  const kind = target.kind === 'personal' ? 'personal chat' : target.kind === 'groupChat' ? 'group chat' : 'channel';
  return target.name ? `${kind} ${target.name}` : kind;
}

/** `19:abc@thread.tacv2;messageid=123` → `19:abc@thread.tacv2`: a channel is one conversation, not one per thread. */
export function conversationKeyOf(conversationId: string): string {
  return conversationId.split(';messageid=')[0];
}
