import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CARDS_DIR, renderCard } from '../../src/teams/cards';
import { checkCard } from './cardChecker';
import { SAMPLES } from './samples';

const templates = readdirSync(CARDS_DIR)
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.replace(/\.json$/, ''));
const cases = templates.flatMap((t) => Object.entries(SAMPLES[t] ?? {}).map(([state, data]) => [t, state, data] as const));

describe('card templates against Adaptive Cards 1.5 and Teams', () => {
  it('every template in cards/ has samples for its states', () => {
    expect(templates.filter((t) => !SAMPLES[t])).toEqual([]);
    expect(Object.keys(SAMPLES).filter((t) => !templates.includes(t))).toEqual([]);
  });

  it.each(cases)('%s (%s) renders a valid card', (template, _state, data) => {
    expect(checkCard(renderCard(template, data))).toEqual([]);
  });

  it('every template declares version 1.5', () => {
    for (const t of templates) expect((JSON.parse(readFileSync(path.join(CARDS_DIR, `${t}.json`), 'utf8')) as { version: string }).version).toBe('1.5');
  });
});

describe('the checker catches what Teams gets wrong', () => {
  const base = { type: 'AdaptiveCard', version: '1.5' };
  it('a number in a FactSet value', () => {
    expect(checkCard({ ...base, body: [{ type: 'FactSet', facts: [{ title: 'Records', value: 3 }] }] }).join()).toMatch(/must be strings/);
  });
  it('an unbound expression, a bad colour, free text in button data', () => {
    const problems = checkCard({
      ...base,
      body: [{ type: 'TextBlock', text: 'x ${y}', color: 'Purple' }],
      actions: [{ type: 'Action.Execute', title: 'Go', data: { requestId: 'REQ-1', note: 'hello' } }],
    }).join('\n');
    expect(problems).toMatch(/unbound/);
    expect(problems).toMatch(/Purple/);
    expect(problems).toMatch(/without a verb/);
    expect(problems).toMatch(/"note"/);
  });
  it('a card over 28 KB', () => {
    expect(checkCard({ ...base, body: [{ type: 'TextBlock', text: 'x'.repeat(29 * 1024) }] }).join()).toMatch(/28 KB/);
  });
});
