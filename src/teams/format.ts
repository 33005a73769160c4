/** How times and states read on cards. Pure; `now` is passed in so cards render the same in tests. */

export function ago(iso: string | null | undefined, now: number): string {
  if (!iso) return 'never';
  const t = Date.parse(iso);
  if (Number.isNaN(t) || t <= Date.UTC(1, 0, 2)) return 'never';
  const s = Math.round((now - t) / 1000);
  if (s < 0) return `in ${span(-s)}`;
  if (s < 45) return 'just now';
  return `${span(s)} ago`;
}

export function until(iso: string | null | undefined, now: number): string {
  if (!iso) return 'not scheduled';
  const t = Date.parse(iso);
  if (Number.isNaN(t) || t <= Date.UTC(1, 0, 2)) return 'not scheduled';
  const s = Math.round((t - now) / 1000);
  return s <= 0 ? 'due now' : `in ${span(s)}`;
}

export function span(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} s`;
  const m = Math.round(seconds / 60);
  if (m < 90) return `${m} min`;
  const h = Math.round(seconds / 3600);
  if (h < 36) return `${h} h`;
  return `${Math.round(seconds / 86400)} d`;
}

/**
 * Adaptive Card text colours for a job state. No "Warning": Teams' yellow text on a white card is hard to read, so
 * states that need a look but are not failures are blue (Accent).
 */
export function stateColor(code: string): 'Good' | 'Accent' | 'Attention' | 'Default' {
  switch (code) {
    case 'Active':
      return 'Good';
    case 'Quarantine':
      return 'Attention';
    case 'Paused':
    case 'NotRun':
    case 'NotConfigured':
      return 'Accent';
    default:
      return 'Default';
  }
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** An ISO 8601 duration as people say it: PT40M → "40 min", P1D → "1 d". Unknown shapes are shown as they are. */
export function isoDuration(value: string | null | undefined): string {
  if (!value) return 'unknown';
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(value);
  if (!m || value === 'P' || value === 'PT') return value;
  const [, d, h, min, sec] = m.map((x) => (x ? Number(x) : 0));
  return span(d * 86400 + h * 3600 + min * 60 + sec);
}

/**
 * A moment in the reader's own time zone and locale: Teams expands DATE/TIME in TextBlocks on the device (not in
 * FactSets). The call must be exact RFC 3339 without fractions, or Teams shows it raw; an unreadable value reads "never".
 */
export function localTime(iso: string | null | undefined): string {
  if (!iso) return 'never';
  const t = Date.parse(iso);
  if (Number.isNaN(t) || t <= Date.UTC(1, 0, 2)) return 'never';
  const z = new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return `{{DATE(${z}, SHORT)}} {{TIME(${z})}}`;
}

/** A moment in UTC for places Teams does not localise (FactSet values, logs): "2026-11-23 14:05 UTC". */
export function utcTime(iso: string | null | undefined): string {
  if (!iso) return 'never';
  const t = Date.parse(iso);
  if (Number.isNaN(t) || t <= Date.UTC(1, 0, 2)) return 'never';
  return `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
