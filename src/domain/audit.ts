import { z } from 'zod';

/**
 * Audit events: what happened, by whom, to what. The store keeps them (store/audit.ts); teams and services read and
 * write them through the two ports below, so neither needs the store.
 */

export const AUDIT_SCHEMA_VERSION = 1;

export const actorSchema = z.union([
  z.literal('system'),
  z.object({ aadObjectId: z.string().min(1), name: z.string().optional() }).strict(),
]);

export const auditRecordSchema = z
  .object({
    schemaVersion: z.literal(AUDIT_SCHEMA_VERSION),
    id: z.string().min(1),
    at: z.string().datetime(),
    actor: actorSchema,
    action: z.string().min(1),
    configuration: z.string().optional(),
    target: z.string().optional(),
    outcome: z.enum(['ok', 'refused', 'failed']),
    detail: z.string().optional(),
    graphRequestId: z.string().optional(),
  })
  .strict();

export type AuditRecord = z.infer<typeof auditRecordSchema>;
export type AuditActor = z.infer<typeof actorSchema>;
export type AuditInput = Omit<AuditRecord, 'schemaVersion' | 'id' | 'at'>;
export interface AuditFilter {
  configuration?: string;
  action?: string;
}

/** Reads the newest events first. */
export interface AuditReader {
  last(n: number, filter?: AuditFilter): Promise<AuditRecord[]>;
}

export interface AuditWriter {
  append(input: AuditInput): Promise<AuditRecord>;
}
