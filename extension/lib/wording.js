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
    // NACP's list: its status today goes with it (withdrawn from public view on 20 March 2024).
    const withdrawn = /\bNACP\b/.test(top.short || '') ? t(lang, 'nacpWithdrawn') : '';
    headline = { text: t(lang, 'holderSays', { holder: who, text }), url: top.url, short: top.short,
      note: top.status === 'active' ? withdrawn : t(lang, `status_${top.status}`) };
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

const EXCERPT_CHARS = 180;
const POSITIONS_UK = [[/^page (\d+)$/, 'сторінка $1'], [/^paragraph (\d+)$/, 'абзац $1'], [/^table (\d+), row (\d+)$/, 'таблиця $1, рядок $2'],
  [/^sheet '(.*)', row (\d+)$/, 'аркуш «$1», рядок $2']];

/** Where in a document ("page 3", as the server says it), in the interface language. */
export function position(text, lang) {
  const p = String(text || '');
  if (lang !== 'uk') return p;
  for (const [re, to] of POSITIONS_UK) if (re.test(p)) return p.replace(re, to);
  return p;
}

const clip = (text) => {
  const s = String(text || '').replace(/\s+/g, ' ').trim();
  return s.length > EXCERPT_CHARS ? `${s.slice(0, EXCERPT_CHARS - 1)}…` : s;
};

/** What the server found in a Prozorro tender's documents (GET /api/v1/tenders/{id}, document findings only), in
 * plain words: "In the tech spec «…», page 3: «…» — the buyer specified a Dahua product." Null when nothing was found. */
export function tenderWords(result, lang, shown = 10) {
  const findings = (result?.findings || []).filter((f) => f && f.where === 'document');
  if (!findings.length) return null;
  const name = (id) => (id ? result.names?.[id] || displayName({}, id) : '');
  const makers = [...new Set(findings.map((f) => name(f.vendor)).filter(Boolean))].join(', ');
  const types = new Map((result.documents || []).map((d) => [d.id, d.type]));
  const lines = findings.slice(0, shown).map((f) => {
    const maker = name(f.vendor);
    const what = t(lang, f.relation === 'specified' ? 'tenderSpecified' : 'tenderNamed', { maker });
    const spec = types.get(f.document?.id) === 'technicalSpecifications';
    return { text: t(lang, spec ? 'tender_spec' : 'tender_doc', { title: f.document?.title || f.ref || '',
      at: f.position ? `, ${position(f.position, lang)}` : '', excerpt: clip(f.excerpt), what }), url: safeUrl(f.document?.url) };
  });
  return { badge: t(lang, 'tenderBadge', { makers }), aria: t(lang, 'tenderBadgeAria', { makers }), heading: t(lang, 'tenderHeading'),
    intro: t(lang, 'tenderIntro'), lines, more: findings.length > shown ? t(lang, 'tenderMore', { count: findings.length - shown }) : null };
}
