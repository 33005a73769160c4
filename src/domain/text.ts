/** Text from outside, made safe to show. Pure: cards (teams/) and command echoes (domain/) share it. */

/**
 * Text from outside (a reason someone typed, a display name from the activity, a Graph error) as it may appear on a
 * card — the one function every such string passes through. TextBlocks render a Markdown subset: links and emphasis
 * are broken with a zero-width space so the text can never become a link. Bidirectional overrides and other control
 * characters are dropped (they can make "gpj.exe" read as "exe.jpg"). Idempotent, so text neutralised once (a stored
 * name) can pass again. Identifiers (UPNs, ids) are not passed here, so they stay copyable.
 */
export function plain(text: string, max = 500): string {
  const clean = withoutControls(text);
  const clipped = clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
  return clipped
    .replace(/\](?!\u200b)\(/g, ']\u200b(')
    .replace(/([*_~`])(?!\u200b)/g, '$1\u200b')
    .replace(/^(\s*)([-+#>]|\d+\.)/gm, '$1\u200b$2');
}

/** Drops bidi embeddings, overrides and isolates (U+202A–202E, U+2066–2069) and control characters other than line breaks. */
export function withoutControls(text: string): string {
  return text.replace(/[\u202a-\u202e\u2066-\u2069]|(?![\n\r])\p{Cc}/gu, '');
}
