import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LEDGER_ENV } from './ledger';

/** jest globalSetup: one fresh ledger file for this run, inherited by every worker through the environment. */
export default function setup(): void {
  process.env[LEDGER_ENV] = path.join(mkdtempSync(path.join(tmpdir(), 'cts-faults-')), 'ledger.jsonl');
}
