import { z } from 'zod';
import type { Logger } from '../logger';
import { BatchedWriter, readItem, updateWithCas, type Storage } from '../store';
import { ConversationTargetSchema, type CardRenderer, type CardSender, type ConversationRef, type OutgoingCard, type SendResult } from './ports';

/**
 * The outbox: one durable fan-out for every card that has copies in several conversations (alerts, approvals). One
 * record per subject (`outbox/<kind>/<id>`) keeps, per conversation, the activity id of the card posted there, the
 * subject version it shows and whether it is pending, delivered, gone or failed. `publish` adds copies, `changed`
 * raises the version so every copy is due, `flush` sends what is due through the CardSender — a post where nothing
 * was posted yet, an update otherwise — rendering the subject's CURRENT state with the renderer of its kind.
 *
 * Every change to a record is a CAS, so an instance that takes over continues pending copies and never re-posts a
 * delivered one. The one accepted exception: a post that succeeded but whose activity id was not stored before a
 * crash is posted again (an unknown outcome cannot be read back from Teams).
 */

/** Failed sends that are not transient (400, 413) are not retried forever. */
export const MAX_SEND_ATTEMPTS = 20;
const TRANSIENT = [0, 412, 429, 502, 503, 504];

const CopySchema = z.object({
  target: ConversationTargetSchema,
  /** Which view this copy shows (e.g. 'approvers', 'requester'); the renderer decides what it means. */
  role: z.string(),
  activityId: z.string().optional(),
  /** The subject version last shown in this conversation; 0 = never posted. */
  versionShown: z.number().int().min(0),
  state: z.enum(['pending', 'delivered', 'gone', 'failed']),
  attempts: z.number().int().min(0),
  lastError: z.string().optional(),
});
export type OutboxCopy = z.infer<typeof CopySchema>;

const RecordSchema = z.object({
  schemaVersion: z.literal(1),
  kind: z.string(),
  id: z.string(),
  version: z.number().int().min(1),
  copies: z.record(CopySchema),
});
export type OutboxRecord = z.infer<typeof RecordSchema>;

export interface Subject {
  kind: string;
  id: string;
}

export interface Recipient {
  target: ConversationRef;
  role: string;
  /** The card is already there (e.g. the reply a command sent): record it, update it from now on. */
  activityId?: string;
  /** The version that card shows. */
  versionShown?: number;
}

export interface FlushTally {
  posted: number;
  updated: number;
  failed: number;
  gone: number;
}

export interface OutboxDeps {
  storage: Storage;
  sender: CardSender;
  logger?: Logger;
  /** A conversation answered 403/404 to a post (or 403 to an update): the bot is out of it. */
  onGone?: (key: string, reason: string) => Promise<unknown>;
}

/**
 * One copy per conversation for cards the outbox posts; a card that was already there (a command's reply) is its own
 * copy, so a conversation may hold several known cards of one subject.
 */
export const copyKey = (r: Pick<Recipient, 'target' | 'activityId'>) => (r.activityId ? `${r.target.key}#${r.activityId}` : r.target.key);
export const outboxKey = (s: Subject) => `outbox/${s.kind}/${s.id.toLowerCase()}`;
const empty = (): FlushTally => ({ posted: 0, updated: 0, failed: 0, gone: 0 });
const statusText = (r: Extract<SendResult, { ok: false }>) => `HTTP ${r.status}${r.code ? ` ${r.code}` : ''}`;

export class Outbox {
  private readonly renderers = new Map<string, CardRenderer>();
  private readonly running = new Map<string, Promise<FlushTally>>();
  private readonly rerun = new Map<string, Promise<FlushTally>>();

  constructor(private readonly deps: OutboxDeps) {}

  /** The renderer of one kind of subject: every flush renders the current state through it. */
  register(kind: string, render: CardRenderer): void {
    this.renderers.set(kind, render);
  }

  /**
   * Adds a copy for every recipient not yet in the record (existing copies are kept as they are) and sets the
   * subject's version when it is newer. `withdrawOthers`: pending copies never posted whose conversation is not
   * among the recipients any more are dropped (marked gone). Returns how many copies were added.
   */
  async publish(subject: Subject, version: number, recipients: Recipient[], opts: { withdrawOthers?: boolean } = {}): Promise<number> {
    let added = 0;
    await this.update(subject, version, (r) => {
      added = 0;
      let withdrawn = 0;
      const copies = { ...r.copies };
      if (opts.withdrawOthers) {
        // A conversation that left the audience before its card was posted gets none; posted cards stay current.
        const wanted = new Set(recipients.map((t) => t.target.key));
        for (const [key, c] of Object.entries(copies)) {
          if (!wanted.has(key) && !c.activityId && c.state === 'pending') {
            copies[key] = { ...c, state: 'gone', lastError: 'no longer in the audience' };
            withdrawn++;
          }
        }
      }
      for (const to of recipients) {
        const key = copyKey(to);
        if (copies[key]) continue;
        copies[key] = to.activityId
          ? { target: to.target, role: to.role, activityId: to.activityId, versionShown: to.versionShown ?? 0, state: 'delivered', attempts: 0 }
          : { target: to.target, role: to.role, versionShown: 0, state: 'pending', attempts: 0 };
        added++;
      }
      return added || withdrawn || version > r.version ? { ...r, version: Math.max(r.version, version), copies } : 'abort';
    });
    return added;
  }

  /** The subject changed to `version` (or, without one, to the next version): every live copy is due. */
  async changed(subject: Subject, version?: number): Promise<void> {
    await this.update(subject, version ?? 1, (r) =>
      version === undefined ? { ...r, version: r.version + 1 } : version > r.version ? { ...r, version } : 'abort',
    );
  }

  async read(subject: Subject): Promise<OutboxRecord | undefined> {
    const key = outboxKey(subject);
    const raw = await readItem(this.deps.storage, key);
    if (raw === undefined) return undefined;
    const parsed = RecordSchema.safeParse(raw);
    return parsed.success ? parsed.data : undefined;
  }

  /**
   * Sends what is due for one subject. One pass per subject at a time in this process (a second call waits for the
   * running pass and then runs once more), so racing passes never post the same copy twice.
   */
  flush(subject: Subject): Promise<FlushTally> {
    const key = outboxKey(subject);
    const running = this.running.get(key);
    if (running) {
      let again = this.rerun.get(key);
      if (!again) {
        again = running
          .catch(() => undefined)
          .then(() => {
            this.rerun.delete(key);
            return this.flush(subject);
          });
        this.rerun.set(key, again);
      }
      return again;
    }
    const pass = this.pass(subject).finally(() => this.running.delete(key));
    this.running.set(key, pass);
    return pass;
  }

  private async pass(subject: Subject): Promise<FlushTally> {
    const tally = empty();
    const record = await this.read(subject);
    if (!record) return tally;
    const due = Object.entries(record.copies).filter(([, c]) => (c.state === 'pending' || c.state === 'delivered') && c.versionShown < record.version);
    if (!due.length) return tally;
    const render = this.renderers.get(subject.kind);
    if (!render) throw new Error(`no card renderer for ${subject.kind}`);
    // One rendering per role: every copy of a role shows the same card.
    const cards = new Map<string, Promise<OutgoingCard | undefined>>();
    const cardFor = (c: OutboxCopy) => {
      if (!cards.has(c.role)) cards.set(c.role, render(subject.id, { role: c.role, target: c.target }));
      return cards.get(c.role)!;
    };
    type CopyUpdate = { key: string; apply: (c: OutboxCopy) => OutboxCopy };
    const writer = new BatchedWriter(async (batch: CopyUpdate[]) => {
      await this.update(subject, 0, (r) => {
        const copies = { ...r.copies };
        for (const { key, apply } of batch) if (copies[key]) copies[key] = apply(copies[key]);
        return { ...r, copies };
      });
    });
    const gone: { key: string; reason: string }[] = [];
    await Promise.all(
      due.map(async ([key, copy]) => {
        const card = await cardFor(copy);
        if (!card) return;
        const isUpdate = !!copy.activityId;
        const result = isUpdate ? await this.deps.sender.update(copy.target, copy.activityId!, card) : await this.deps.sender.post(copy.target, card);
        if (result.ok) tally[isUpdate ? 'updated' : 'posted']++;
        else tally[result.gone ? 'gone' : 'failed']++;
        if (!result.ok && result.gone && (!isUpdate || result.status === 403))
          gone.push({ key: copy.target.key, reason: `Teams answered ${statusText(result)} to a ${subject.kind} card` });
        await writer.push({ key, apply: (now) => afterSend(now, result, record.version) });
      }),
    );
    await writer.flush();
    for (const g of gone) await this.deps.onGone?.(g.key, g.reason).catch((err) => this.deps.logger?.warn({ err }, 'could not deactivate a subscription'));
    return tally;
  }

  /** CAS over the subject's record; an unreadable record is started afresh (its copies are lost, never crash). */
  private async update(subject: Subject, version: number, decide: (r: OutboxRecord) => OutboxRecord | 'abort'): Promise<void> {
    await updateWithCas<OutboxRecord>(this.deps.storage, outboxKey(subject), (raw) => {
      const parsed = raw === undefined ? undefined : RecordSchema.safeParse(raw);
      if (parsed && !parsed.success) this.deps.logger?.error({ key: outboxKey(subject) }, 'outbox record unreadable: starting it afresh');
      const current = parsed?.success
        ? parsed.data
        : { schemaVersion: 1 as const, kind: subject.kind, id: subject.id, version: Math.max(1, version), copies: {} };
      return decide(current);
    });
  }
}

/** A copy after one send of `version`. */
function afterSend(now: OutboxCopy, result: SendResult, version: number): OutboxCopy {
  if (result.ok) {
    const { lastError: _e, ...rest } = now;
    return { ...rest, activityId: now.activityId ?? result.activityId, versionShown: Math.max(now.versionShown, version), state: 'delivered', attempts: 0 };
  }
  if (result.gone) return { ...now, state: 'gone', lastError: statusText(result) };
  const attempts = now.attempts + 1;
  const permanent = !TRANSIENT.includes(result.status) || attempts >= MAX_SEND_ATTEMPTS;
  return { ...now, state: permanent ? 'failed' : now.state, attempts, lastError: statusText(result) };
}
