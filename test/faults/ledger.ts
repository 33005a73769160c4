import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

/**
 * The attack-and-fault suite's tally. Every test in test/faults records what it tried and what came of it; the
 * suite's global teardown (test/faults/summary.ts) adds the records of all jest workers up and prints one line:
 *   attacks N, refused N, faults N, duplicate executions N, lost requests N, lost audit records N
 * and fails the run when any of the last three is not 0.
 *
 * Records go to an append-only JSON-lines file, because jest runs test files in separate worker processes.
 */
export interface Tally {
  /** Attempts by an attacker (forged token, spoofed identity, tampered card, ...). */
  attacks?: number;
  /** Of those, how many the bot refused (the rest must have been harmless, which the test asserts). */
  refused?: number;
  /** Faults injected (kill -9, Graph 5xx after applying, corrupt file, full disk, ...). */
  faults?: number;
  /** A change executed more than once (Graph write sent twice for one decision). Must stay 0. */
  duplicateExecutions?: number;
  /** An accepted request or decision that was never carried out nor reported failed. Must stay 0. */
  lostRequests?: number;
  /** An action that happened but has no audit record. Must stay 0. */
  lostAuditRecords?: number;
}

export const LEDGER_ENV = 'CTS_FAULT_LEDGER';

export function ledgerFile(): string | undefined {
  return process.env[LEDGER_ENV];
}

/** Adds to the suite's tally (a no-op outside `npm run test:faults`, so a fault test may also run on its own). */
export function record(tally: Tally & { test?: string }): void {
  const file = ledgerFile();
  if (!file) return;
  mkdirSync(path.dirname(file), { recursive: true });
  appendFileSync(file, JSON.stringify(tally) + '\n');
}
