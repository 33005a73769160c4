/**
 * The per-configuration review slot (`reviews/config/<configuration>`): the open review's id (one at a time: taking the
 * slot is a CAS that refuses while another review holds it), and when the last one started and completed (the schedule).
 */
import { z } from 'zod';
import type { Logger } from '../logger';
import { readItem, updateWithCasDetailed, type Storage } from '../store';

export const slotKey = (configuration: string) => `reviews/config/${configuration.toLowerCase()}`;

const SlotSchema = z.object({
  configuration: z.string(),
  openReviewId: z.string().optional(),
  lastReviewId: z.string().optional(),
  lastStartedAt: z.string().optional(),
  lastCompletedAt: z.string().optional(),
});
export type Slot = z.infer<typeof SlotSchema>;

/** The slot, or undefined when absent; an unreadable one is logged and treated as free. */
export async function readSlot(storage: Storage, logger: Logger | undefined, configuration: string): Promise<Slot | undefined> {
  const raw = await readItem(storage, slotKey(configuration));
  if (!raw) return undefined;
  const parsed = SlotSchema.safeParse(raw);
  if (!parsed.success) logger?.error({ configuration }, 'review slot unreadable: treated as free');
  return parsed.success ? parsed.data : undefined;
}

/** Frees the slot if `reviewId` still holds it, noting when that review completed. */
export async function releaseSlot(storage: Storage, configuration: string, reviewId: string, completedAt: string): Promise<void> {
  await updateWithCasDetailed<Slot>(storage, slotKey(configuration), (cur) =>
    cur && cur.openReviewId === reviewId ? { ...cur, openReviewId: undefined, lastReviewId: reviewId, lastCompletedAt: completedAt } : 'abort',
  );
}
