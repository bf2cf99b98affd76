// What the badge and the panel say about one verdict, in words a shopper understands: display names, never ids;
// the reason in plain language, never evidence kinds; the listings from the knowledge base in the interface
// language. Pure: a verdict (from the backend or the offline matcher) in, strings and https links out.
import { t } from './i18n.js';
import { safeUrl } from './policy.js';

// Trust order of the evidence (as the engine's): a shop's brand field › a model number › a name in the title.
const RANK = { brand: 7, 'structured-brand': 7, 'structured-model': 6, 'model-family': 5, 'alias-start': 4, trademark: 3, 'fuzzy-alias': 2, alias: 1 };
const RELATIONS = new Set(['brand', 'subsidiary', 'oem', 'former-subsidiary']);
const WEAK_BELOW = 0.5;

/** The display name of a knowledge-base id: from the verdict's names, its listings, or the id itself. */
export function displayName(verdict, id) {
  if (!id) return '';
  const named = verdict.names?.[id];
  if (named) return named;
  const d = (verdict.designations || []).find((x) => (x.holder ?? x.entity) === id);
  const listed = d && (d.holder_name ?? d.entity_name);
  return listed || id.charAt(0).toUpperCase() + id.slice(1);
}

/** Whether the link is weak: shown (in the broad setting) but not flagged, or flagged with low confidence. */
export function isWeak(verdict) {
  return !verdict.flagged || Number(verdict.confidence) < WEAK_BELOW;
}

/** The badge: the maker's name, the brand after a dot when it is not the maker's own, "⚠ …?" for a weak link. */
export function badgeWords(verdict, lang) {
  const maker = displayName(verdict, verdict.vendor);
  const brand = verdict.brand && verdict.brand !== verdict.vendor ? displayName(verdict, verdict.brand) : '';
  const label = brand && brand !== maker ? `${maker} · ${brand}` : maker;
  const weak = isWeak(verdict);
  return { text: weak ? `⚠ ${label}?` : label, aria: t(lang, weak ? 'badgeAriaWeak' : 'badgeAria', { label }), label, weak };
}

function level(confidence) {
  const c = Number(confidence) || 0;
  if (c >= 0.9) return 'certain';
  if (c >= 0.7) return 'likely';
  if (c >= WEAK_BELOW) return 'possible';
  return 'weak';
}

/** One piece of evidence in plain words ("the model number X is a Hikvision camera model"). */
export function reason(verdict, e, lang) {
  const entity = displayName(verdict, e.entity);
  const term = String(e.term || '');
  switch (e.kind) {
    case 'model-family':
    case 'structured-model': {
      const what = verdict.device_class ? t(lang, `what_${verdict.device_class}`) : '';
      return what && !what.startsWith('what_') ? t(lang, 'why_model', { term, entity, what }) : t(lang, 'why_modelPlain', { term, entity });
    }
    case 'structured-brand': return t(lang, 'why_brandField', { term });
    case 'fuzzy-alias': return t(lang, 'why_fuzzy', { term, entity });
    case 'trademark': return t(lang, 'why_trademark', { term, entity });
    // A listed company's consumer brand (the engine's brand list): the brand field, or the brand in the title.
    case 'brand': return e.field === 'brand' ? t(lang, 'why_brandField', { term }) : t(lang, 'why_consumerBrand', { term, entity });
    default: return term.toLowerCase() === entity.toLowerCase() ? t(lang, 'why_name', { entity }) : t(lang, 'why_nameAs', { entity, term });
  }
}

/** The first sentence of a summary (the listing with its date; the rest stays under "More"). */
export function firstSentence(text) {
  const m = String(text || '').match(/^.+?[.!?](?=\s+[A-ZА-ЯІЇЄҐ«"“(]|$)/su);
  return (m ? m[0] : String(text || '')).trim();
}

/** A listing in one shape whether it came from the backend (entity, sources) or the snapshot (holder, url). */
export function listing(d, lang) {
  const summary = (lang === 'uk' && d.summary_uk) || d.summary || `${d.short} (${d.date_text || d.date})`;
  const url = safeUrl(d.url || (d.sources || []).map((s) => s.url).find(Boolean));
  return { holder: d.holder ?? d.entity, holderName: d.holder_name ?? d.entity_name, summary, url, status: d.status || 'active', short: d.short };
}

/** Everything the panel says about a verdict, as strings and https links. */
export function panelWords(verdict, lang) {
  const maker = displayName(verdict, verdict.vendor);
  const brandId = verdict.brand && verdict.brand !== verdict.vendor ? verdict.brand : null;
  const brand = brandId ? displayName(verdict, brandId) : maker;
  let relation = null;
  if (verdict.relation === 'specified') relation = t(lang, 'rel_specified', { maker });
  else if (brandId && RELATIONS.has(verdict.relation)) relation = t(lang, `rel_${verdict.relation}`, { brand, maker });

  const listings = (verdict.designations || []).map((d) => listing(d, lang));
  const top = listings.find((l) => l.status === 'active') || listings[0] || null;
  let headline = null;
  if (top) {
    const text = firstSentence(top.summary);
    const who = top.holderName || maker;
    headline = { text: t(lang, 'holderSays', { holder: who, text }), url: top.url, short: top.short,
      note: top.status === 'active' ? '' : t(lang, `status_${top.status}`) };
  }

  const evidence = (verdict.evidence || []).filter((e) => !e.mention || e.mention === 'equivalent')
    .map((e, i) => [e, i]).sort(([a, i], [b, j]) => (RANK[b.kind] || 0) - (RANK[a.kind] || 0) || i - j).map(([e]) => e);
  const reasons = [...new Set(evidence.map((e) => reason(verdict, e, lang)))];
  const sure = t(lang, 'sure', { level: t(lang, `level_${level(verdict.confidence)}`), reason: reasons[0] || t(lang, 'why_name', { entity: brand }) });
  const more = listings.map((l) => ({
    text: (l.holder && l.holder !== verdict.brand && l.holderName ? `${l.holderName}: ` : '') + l.summary
      + (l.status === 'active' ? '' : ` ${t(lang, `status_${l.status}`)}`),
    url: l.url, short: l.short,
  }));
  return { heading: t(lang, 'madeBy', { maker }), relation, headline, sure, also: reasons.slice(1, 3), more,
    offline: verdict.source === 'offline' };
}
