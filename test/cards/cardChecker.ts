/* eslint-disable @typescript-eslint/no-require-imports */
/**
 * Holds a rendered card against Adaptive Cards 1.5 (the object model of Microsoft's `adaptivecards` package, which
 * reports invalid property values and unknown element or action types for a target version) and against what Teams
 * needs: nothing left unbound, FactSet values as strings, Action.Execute with a verb and only ids, a verb and a version
 * in its data, and under 28 KB.
 */
const AC = require('adaptivecards/dist/adaptivecards.min.js') as {
  AdaptiveCard: new () => { parse(json: unknown, context: unknown): void };
  SerializationContext: new (version: unknown) => { eventCount: number; getEventAt(i: number): { event: number; message: string } };
  Versions: { v1_5: unknown };
  ValidationEvent: Record<string, number>;
};

/** Keys a button's data may carry: an id of the thing acted on, the verb, a card version (and an input's own id). */
export const DATA_ID_KEYS = ['id', 'requestId', 'incident', 'op', 'config', 'topic', 'scope', 'reviewId', 'itemId', 'page'];
const DATA_KEYS = new Set([...DATA_ID_KEYS, 'verb', 'version', 'cardVersion']);
export const MAX_CARD_BYTES = 28 * 1024;

export function checkCard(card: unknown): string[] {
  const problems: string[] = [];
  const json = JSON.stringify(card);
  if (Buffer.byteLength(json, 'utf8') > MAX_CARD_BYTES) problems.push(`card is ${Buffer.byteLength(json, 'utf8')} bytes, over Teams' 28 KB`);
  const unbound = json.match(/\$\{[^}]*\}/g);
  if (unbound) problems.push(`unbound template expressions: ${[...new Set(unbound)].join(', ')}`);
  if (/"\$(data|when)"/.test(json)) problems.push('template keywords ($data/$when) left in the card');

  const context = new AC.SerializationContext(AC.Versions.v1_5);
  new AC.AdaptiveCard().parse(card, context);
  for (let i = 0; i < context.eventCount; i++) {
    const e = context.getEventAt(i);
    if (e.event !== AC.ValidationEvent.Hint) problems.push(`Adaptive Cards 1.5: ${e.message}`);
  }
  walk(card, '$', problems);
  return problems;
}

function walk(node: unknown, where: string, problems: string[]): void {
  if (Array.isArray(node)) {
    node.forEach((n, i) => walk(n, `${where}[${i}]`, problems));
    return;
  }
  if (!node || typeof node !== 'object') return;
  const o = node as Record<string, unknown>;
  if (o.type === 'FactSet') {
    for (const [i, f] of ((o.facts as unknown[]) ?? []).entries()) {
      const fact = f as { title?: unknown; value?: unknown };
      if (typeof fact.title !== 'string' || typeof fact.value !== 'string')
        problems.push(`${where}.facts[${i}]: title and value must be strings (got ${typeof fact.title}, ${typeof fact.value})`);
    }
  }
  // Yellow (and light green on some hosts) text on a white card is hard to read: colour short bold labels only,
  // and never with Warning.
  if (o.type === 'TextBlock' && o.color === 'Warning') problems.push(`${where}: Warning-coloured text is low-contrast on a white card`);
  if (o.type === 'TextBlock' && o.color === 'Good' && o.weight !== 'Bolder') problems.push(`${where}: Good-coloured text must be bold to stay readable`);
  if (o.type === 'Action.Execute') {
    if (typeof o.verb !== 'string' || !o.verb) problems.push(`${where}: Action.Execute without a verb`);
    const data = o.data;
    if (data !== undefined) {
      if (!data || typeof data !== 'object' || Array.isArray(data)) problems.push(`${where}: data must be an object`);
      else
        for (const [k, v] of Object.entries(data)) {
          if (!DATA_KEYS.has(k)) problems.push(`${where}: data key "${k}" is not an id, a verb or a version`);
          if (typeof v !== 'string' && typeof v !== 'number') problems.push(`${where}: data.${k} is ${typeof v}, not an id`);
          if (typeof v === 'string' && v.length > 100) problems.push(`${where}: data.${k} is ${v.length} characters: ids only`);
        }
    }
  }
  for (const [k, v] of Object.entries(o)) walk(v, `${where}.${k}`, problems);
}
