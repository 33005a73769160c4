import { readFileSync } from 'node:fs';
import { ledgerFile, record } from './ledger';

test('records reach the ledger file that the closing line is added up from', () => {
  const file = ledgerFile();
  expect(file).toMatch(/ledger\.jsonl$/);
  record({ test: 'ledger self-check' });
  const lines = readFileSync(file!, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(lines).toContainEqual({ test: 'ledger self-check' });
});
