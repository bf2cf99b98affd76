// Which verdicts get a badge, given the user's options. Strictness: "strict" shows confirmed makers and their own brands
// and subsidiaries; "broad" adds OEM relabels, former subsidiaries and low-confidence links.
const STRONG = new Set(['manufacturer', 'brand', 'subsidiary']);

export function shouldFlag(verdict, strictness = 'broad') {
  if (!verdict || !verdict.vendor) return false;
  if (['compatible', 'equivalent', 'not-this-maker'].includes(verdict.relation)) return false;
  if (strictness === 'strict') return Boolean(verdict.flagged) && STRONG.has(verdict.relation);
  return Boolean(verdict.flagged) || (['oem', 'former-subsidiary'].includes(verdict.relation) && verdict.confidence >= 0.3);
}

/** Only https links may be shown (remote data never decides a scheme). */
export function safeUrl(url) {
  try { return new URL(url).protocol === 'https:' ? new URL(url).href : null; } catch { return null; }
}

/** The key a per-brand dismissal is stored under: the maker and the brand on the label (Mondelez|Milka). */
export function brandKey(verdict) {
  return `${verdict.vendor}|${verdict.brand || verdict.vendor}`;
}

/** Whether a verdict gets a badge, given the options: what to flag (strictness), whose products (scope: 'all' listed
 * companies, or 'cameras', the camera makers only) and the brands the user asked not to be flagged again. */
export function shouldShow(verdict, { strictness = 'broad', scope = 'all', cameraMakers = [], dismissedBrands = [] } = {}) {
  if (!shouldFlag(verdict, strictness)) return false;
  if (scope === 'cameras' && !cameraMakers.includes(verdict.vendor)) return false;
  return !dismissedBrands.includes(brandKey(verdict));
}
