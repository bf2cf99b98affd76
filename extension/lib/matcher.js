// Offline matching from the catalog snapshot: exact aliases, technology trademarks and model families, with
// the compatibility, negation, service and other-brand cues; "or equivalent" marks a specified product (still
// flagged); with no maker, model or company name, a listed company's consumer brand (lib/brands.js). Used when the backend is unreachable; the backend's engine (scanner/identify) is fuller.
import { aliasKey, fold, tokens } from './normalize.js';
import { BrandMatcher } from './brands.js';

const MAX_WORDS = 6;
const GAP = 2;
const EQ_WINDOW = 10;
const START_TOKENS = 5;
const AFTER_SALE = 0.6;  // a former subsidiary's products are the owner's only from the years of ownership
const MENTIONS = { compatible: 'compatible', negation: 'not-this-maker', service: 'service', 'other-brand': 'other-maker' };
const LOOSE_HYPHEN = /(?<=[A-Z]{2})-(?=[0-9A-Z])/g;

function phrases(list) {
  return (list || []).map((p) => tokens(fold(p)).map((t) => t.text)).filter((w) => w.length);
}

function endsWith(words, end, phrase) {
  const first = end - phrase.length + 1;
  if (first < 0) return false;
  return phrase.every((w, k) => words[first + k] === w);
}

export class OfflineMatcher {
  constructor(snapshot) {
    this.snapshot = snapshot;
    this.aliases = snapshot.aliases || {};
    this.entities = snapshot.entities || {};
    const cues = snapshot.cues || {};
    this.compatible = phrases(cues.compatible);
    this.negation = phrases(cues.negation);
    this.equivalent = phrases(cues.equivalent);
    this.trailing = new Set(phrases(cues.trailing_compatible).flat());
    this.surveillance = (cues.surveillance || []).map((w) => fold(w));
    this.service = phrases(cues.service);
    this.serviceWindow = cues.service_window_tokens || 4;
    this.otherMakers = phrases(cues.other_makers);
    this.trademarks = snapshot.trademarks || {};
    this.brands = snapshot.brands ? new BrandMatcher(snapshot.brands, cues) : null;
    this.families = (snapshot.families || []).map((f) => ({
      ...f,
      regex: new RegExp(`(?<![0-9A-Za-z])(?:${f.pattern.replace(LOOSE_HYPHEN, '[- ]?')})(?![0-9A-Za-z])`, 'gi'),
    }));
  }

  cue(words, first, last, text, toks) {
    for (let gap = 0; gap <= GAP; gap += 1) {
      const end = first - 1 - gap;
      if (end < 0) break;
      const between = text.slice(toks[end].end, toks[first].start);
      if (/[.;|!?\n]/.test(between)) break;
      // With words between the cue and the name, the last must name a device ("для камер Hikvision").
      if (gap && !this.surveillance.some((w) => words[first - 1].startsWith(w))) continue;
      if (this.negation.some((p) => endsWith(words, end, p))) return 'negation';
      if (this.compatible.some((p) => endsWith(words, end, p))) return 'compatible';
    }
    if (last + 1 < words.length && this.trailing.has(words[last + 1])) return 'compatible';
    for (let end = last + 1; end < Math.min(words.length, last + 1 + EQ_WINDOW); end += 1) {
      if (/[;\n]/.test(text.slice(toks[last].end, toks[end].start))) break;
      if (this.equivalent.some((p) => endsWith(words, end, p))) return 'equivalent';
    }
    return null;
  }

  /** Whether a service word stands among the first words (it then applies to every name in the title). */
  serviceCue(words) {
    for (let end = 0; end < Math.min(words.length, this.serviceWindow); end += 1) {
      if (this.service.some((p) => endsWith(words, end, p))) return true;
    }
    return false;
  }

  /** Index of another camera maker's name among the first words, or -1. */
  otherMaker(words) {
    for (let i = 0; i < Math.min(words.length, START_TOKENS); i += 1) {
      if (this.otherMakers.some((p) => p.every((w, k) => words[i + k] === w))) return i;
    }
    return -1;
  }

  /** Judge one text (plus optional structured fields) → a verdict shaped like the backend's. */
  judge(text, fields = {}) {
    const evidence = [];
    const folded = fold(text);
    const toks = tokens(folded);
    const words = toks.map((t) => t.text);
    const about = this.surveillance.some((w) => folded.includes(w));
    const service = this.serviceCue(words);
    let other = this.otherMaker(words);
    let lastMention = null;
    for (let i = 0; i < words.length; i += 1) {
      for (let width = Math.min(MAX_WORDS, words.length - i); width >= 1; width -= 1) {
        const key = words.slice(i, i + width).join('');
        const trademark = this.trademarks[key];
        const entity = this.aliases[key] || (trademark && trademark.entity);
        if (!entity) continue;
        const info = this.entities[entity];
        if (info && info.context === 'surveillance' && !about) break;
        if (!trademark && other >= 0 && i < other) other = -1;  // our name comes first: it is the brand
        let mention = this.cue(words, i, i + width - 1, folded, toks);
        if (!mention && lastMention && lastMention.last >= i - 3
            && /^(?:[\s,/&+-]|and|or|і|й|та|або|и|или)*$/u.test(folded.slice(toks[lastMention.last].end, toks[i].start))) {
          mention = lastMention.cue;
        }
        if (!mention && service) mention = 'service';
        if (!mention && trademark && other >= 0) mention = 'other-brand';
        if (mention && !trademark) lastMention = { last: i + width - 1, cue: mention };
        const kind = trademark ? 'trademark' : (i < START_TOKENS ? 'alias-start' : 'alias');
        evidence.push({ kind, term: text.slice(toks[i].start, toks[i + width - 1].end), entity, mention,
                        weak: trademark ? trademark.confidence !== 'high' : false });
        i += width - 1;
        break;
      }
    }
    const brandKey = fields.brand ? aliasKey(fields.brand) : '';
    if (brandKey && this.aliases[brandKey]) {
      evidence.unshift({ kind: 'structured-brand', term: fields.brand, entity: this.aliases[brandKey], mention: null });
    }
    for (const source of [fields.model, fields.mpn, text]) {
      if (!source) continue;
      for (const fam of this.families) {
        fam.regex.lastIndex = 0;
        const m = fam.regex.exec(fold(source));
        if (m) {
          let mention = null;
          if (source === text) {
            const first = toks.findIndex((t) => t.end > m.index);
            if (first >= 0 && lastMention && lastMention.last >= first - 2 && lastMention.last < first) mention = lastMention.cue;
            if (!mention && first >= 0) mention = this.cue(words, first, first, folded, toks);
            if (mention === 'compatible' && fam.device_class === 'accessory') mention = null;  // the maker's own mount
            if (!mention && service) mention = 'service';
            if (!mention && other >= 0) mention = 'other-brand';
          }
          evidence.push({ kind: 'model-family', term: source.slice(m.index, m.index + m[0].length), entity: fam.entity,
                          device_class: fam.device_class, mention });
          break;
        }
      }
    }
    const verdict = this.verdict(text, evidence);
    if (!verdict.vendor && this.brands) {  // as the engine: consumer brands only where no maker was found
      const m = this.brands.match(text, { brand: fields.brand || null, category: fields.category || null });
      if (m) return this.brands.verdict(text, m, this.entities);
    }
    return verdict;
  }

  verdict(text, evidence) {
    const real = evidence.filter((e) => !e.mention || e.mention === 'equivalent');
    const pool = real.length ? real : evidence;
    if (!pool.length) {
      return { text, flagged: false, vendor: null, brand: null, relation: null, confidence: 0, evidence: [],
               designations: [], explanation: '', source: 'offline' };
    }
    const rank = { 'structured-brand': 5, 'model-family': 4, 'alias-start': 3, trademark: 2, alias: 1 };
    const best = pool.slice().sort((a, b) => rank[b.kind] - rank[a.kind])[0];
    const info = this.entities[best.entity] || { maker: best.entity, relation: 'manufacturer', confidence: 'low', listed: false };
    const maker = this.entities[info.maker] || info;
    let weight = { high: 0.95, medium: 0.7, low: 0.4 }[info.confidence] ?? 0.4;
    if (info.after_sale) weight *= AFTER_SALE;
    if (best.weak) weight = Math.min(weight, 0.4);  // a technology word other makers also use is a hint only
    const mention = real.length ? null : best.mention;
    let relation = mention ? MENTIONS[mention] : info.relation;
    if (!mention && pool.some((e) => e.mention === 'equivalent')) relation = 'specified';
    const designations = info.designations?.length ? info.designations : (maker.designations || []);
    return {
      text, flagged: !mention && Boolean(info.listed) && weight >= 0.5, vendor: info.maker, brand: best.entity,
      relation, confidence: mention ? 0 : weight, evidence: evidence.map(({ kind, term, entity, mention: m }) => ({ kind, term, entity, mention: m })),
      designations, explanation: '', source: 'offline',
      device_class: pool.find((e) => e.device_class && !e.mention)?.device_class || null,
    };
  }
}
