import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as ACData from 'adaptivecards-templating';
import { CardFactory, type Attachment } from 'botbuilder';

/**
 * Binds data to the Adaptive Card templates in /cards. Templates are read once; data is plain JSON built by the
 * routes from service results. Teams rejects cards over ~28 KB, so every rendered card is measured.
 */
export const CARDS_DIR = path.resolve(__dirname, '..', '..', 'cards');
export const MAX_CARD_BYTES = 28 * 1024;

export type AdaptiveCard = { type: 'AdaptiveCard'; [key: string]: unknown };

const templates = new Map<string, ACData.Template>();

function template(name: string): ACData.Template {
  let t = templates.get(name);
  if (!t) {
    if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`bad card template name ${name}`);
    t = new ACData.Template(JSON.parse(readFileSync(path.join(CARDS_DIR, `${name}.json`), 'utf8')));
    templates.set(name, t);
  }
  return t;
}

export class CardTooLargeError extends Error {
  constructor(
    readonly card: string,
    readonly bytes: number,
  ) {
    super(`card ${card} is ${bytes} bytes, over Teams' ${MAX_CARD_BYTES}-byte limit`);
  }
}

export function renderCard(name: string, data: object): AdaptiveCard {
  const card = keepAngleBrackets(template(name).expand({ $root: escapeHostBraces(data) })) as AdaptiveCard;
  const bytes = Buffer.byteLength(JSON.stringify(card), 'utf8');
  if (bytes > MAX_CARD_BYTES) throw new CardTooLargeError(name, bytes);
  return card;
}

/**
 * Teams drops anything that looks like an HTML tag from card text, so "status <configuration>" would show as
 * "status ". Placeholders are shown with single guillemets instead: "status ‹configuration›".
 */
function keepAngleBrackets<T>(node: T): T {
  if (typeof node === 'string') return node.replace(/<([^<>\n]{1,60})>/g, '‹$1›') as T;
  if (Array.isArray(node)) return node.map(keepAngleBrackets) as T;
  if (node && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) out[k] = k === 'text' || k === 'value' || k === 'title' || typeof v === 'object' ? keepAngleBrackets(v) : v;
    return out as T;
  }
  return node;
}

/**
 * Teams expands `{{DATE(…)}}` / `{{TIME(…)}}` in TextBlocks on the reader's device. Text from people and from Graph
 * (a reason, a display name) must stay text: every `{{` in bound data is broken with a zero-width space, except the
 * exact date and time calls `localTime` writes.
 */
const OUR_DATE_CALL = /^\{\{(?:DATE\(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, SHORT\)|TIME\(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\))\}\}/;

export function escapeBraces(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '{' && text[i + 1] === '{') {
      const ours = OUR_DATE_CALL.exec(text.slice(i));
      if (ours) {
        out += ours[0];
        i += ours[0].length - 1;
        continue;
      }
      out += '{\u200b';
      continue;
    }
    out += text[i];
  }
  return out;
}

function escapeHostBraces<T>(node: T): T {
  if (typeof node === 'string') return (node.includes('{{') ? escapeBraces(node) : node) as T;
  if (Array.isArray(node)) return node.map(escapeHostBraces) as T;
  if (node && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) out[k] = escapeHostBraces(v);
    return out as T;
  }
  return node;
}

export function cardAttachment(card: AdaptiveCard): Attachment {
  return CardFactory.adaptiveCard(card);
}

export { plain } from '../domain/text';
