import { existsSync, readFileSync } from 'node:fs';
import { LEDGER_ENV, type Tally } from './ledger';

/** jest globalTeardown: adds up every worker's records and prints the suite's one closing line. */
export default function summary(): void {
  const file = process.env[LEDGER_ENV];
  const total: Required<Tally> = { attacks: 0, refused: 0, faults: 0, duplicateExecutions: 0, lostRequests: 0, lostAuditRecords: 0 };
  if (file && existsSync(file)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const t = JSON.parse(line) as Tally;
      for (const k of Object.keys(total) as (keyof Tally)[]) total[k] += t[k] ?? 0;
    }
  }
  const line =
    `attacks ${total.attacks}, refused ${total.refused}, faults ${total.faults}, ` +
    `duplicate executions ${total.duplicateExecutions}, lost requests ${total.lostRequests}, lost audit records ${total.lostAuditRecords}`;
  process.stdout.write(`\n${line}\n`);
  if (total.duplicateExecutions + total.lostRequests + total.lostAuditRecords > 0) {
    throw new Error(`fault suite: ${line}`);
  }
}
