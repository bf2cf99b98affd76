// Reading the page: schema.org Product JSON-LD first, then the site adapter's titles and brand fields, then a
// generic fallback. Pure DOM reading (works on a real page and on a parsed fixture in node tests).
import { cleanText } from './normalize.js';

const MAX_TEXT = 500;
// Brand, model, MPN and GTIN are short by nature. A page may publish anything there, and the backend refuses a field
// over 2,000 characters, which would send the whole batch of the page's items to offline matching.
export const MAX_FIELD = 200;

function products(node, out) {
  if (Array.isArray(node)) { node.forEach((n) => products(n, out)); return; }
  if (!node || typeof node !== 'object') return;
  const type = node['@type'];
  if (type === 'Product' || (Array.isArray(type) && type.includes('Product'))) out.push(node);
  if (node['@graph']) products(node['@graph'], out);
  if (node.itemListElement) products(node.itemListElement, out);
  if (node.item) products(node.item, out);
}

function name(value) {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') return typeof value.name === 'string' ? value.name : null;
  return null;
}

/** A structured field as sent: text (a number in the markup included), whitespace collapsed, at most MAX_FIELD. */
function field(value) {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  return typeof text === 'string' && text.trim() ? cleanText(text).slice(0, MAX_FIELD) : null;
}

/** schema.org Product objects in JSON-LD scripts (nested @graph and lists included; bad JSON skipped). */
export function jsonLdProducts(doc) {
  const out = [];
  for (const script of doc.querySelectorAll('script[type="application/ld+json"]')) {
    try { products(JSON.parse(script.textContent || ''), out); } catch { /* a broken block is the page's problem */ }
  }
  return out.map((p) => ({
    text: cleanText(name(p) || '').slice(0, MAX_TEXT),
    fields: { brand: field(name(p.brand) || name(p.manufacturer)), model: field(typeof p.model === 'string' ? p.model : name(p.model)),
              mpn: field(p.mpn), gtin: field(p.gtin13 || p.gtin || p.gtin12 || p.gtin14 || p.gtin8) },
  })).filter((p) => p.text);
}

function breadcrumbNames(node, out) {
  if (Array.isArray(node)) { node.forEach((n) => breadcrumbNames(n, out)); return; }
  if (!node || typeof node !== 'object') return;
  const type = node['@type'];
  if (type === 'BreadcrumbList' || (Array.isArray(type) && type.includes('BreadcrumbList'))) {
    for (const el of Array.isArray(node.itemListElement) ? node.itemListElement : []) {
      const n = name(el) || name(el?.item);
      if (n) out.push(n);
    }
  }
  if (node['@graph']) breadcrumbNames(node['@graph'], out);
}

/** The page's category as the shop shows it — its breadcrumbs (the adapter's selector, else schema.org
 * BreadcrumbList JSON-LD) and a JSON-LD Product's category — joined with " / ", the most specific part kept when long.
 * Every product on the page is judged with it: "Tide" under "Пральні порошки" is the detergent. */
export function pageCategory(doc, adapter) {
  const parts = [];
  if (adapter.category) for (const el of doc.querySelectorAll(adapter.category)) parts.push(cleanText(el.textContent));
  if (!parts.some(Boolean)) {
    for (const script of doc.querySelectorAll('script[type="application/ld+json"]')) {
      try {
        const data = JSON.parse(script.textContent || '');
        breadcrumbNames(data, parts);
        const found = [];
        products(data, found);
        for (const p of found) if (typeof p.category === 'string') parts.push(cleanText(p.category));
      } catch { /* a broken block is the page's problem */ }
    }
  }
  const text = [...new Set(parts.filter(Boolean))].join(' / ');
  if (text.length <= MAX_FIELD) return text || null;
  const tail = text.slice(-MAX_FIELD);
  return tail.slice(tail.indexOf(' ') + 1) || null;
}

/** Product-page candidates: JSON-LD (anchored at the page title) or the page title with the brand field; both with
 * the page's category. */
export function pageCandidates(doc, adapter, category = pageCategory(doc, adapter)) {
  const anchor = adapter.pageTitle ? doc.querySelector(adapter.pageTitle) : null;
  const structured = jsonLdProducts(doc);
  const withCategory = (fields) => (category ? { ...fields, category } : fields);
  if (structured.length) return structured.slice(0, 1).map((p) => ({ ...p, fields: withCategory(p.fields), anchor }));
  if (!anchor) return [];
  const brandEl = adapter.brand ? doc.querySelector(adapter.brand) : null;
  const brand = brandEl ? cleanText(brandEl.textContent).replace(/^(?:Visit the|Brand:|Бренд:|Марка:)\s*/i, '').replace(/\s*Store$/i, '') : null;
  const text = cleanText(anchor.textContent).slice(0, MAX_TEXT);
  return text ? [{ text, fields: withCategory({ brand: field(brand) }), anchor }] : [];
}

/** Tile candidates inside a root (the page, or nodes added later), each with the page's fields (its category). */
export function tileCandidates(root, adapter, fields = {}) {
  const out = [];
  const tiles = [];
  if (root.matches && adapter.tiles && root.matches(adapter.tiles)) tiles.push(root);
  if (root.querySelectorAll && adapter.tiles) tiles.push(...root.querySelectorAll(adapter.tiles));
  const anchors = new Set();  // nested tile selectors (rz-product-tile > .goods-tile) must not count twice
  for (const tile of tiles) {
    const title = adapter.tileTitle ? tile.querySelector(adapter.tileTitle) : null;
    const anchor = title || tile;
    if (anchors.has(anchor)) continue;
    anchors.add(anchor);
    const text = cleanText(anchor.textContent).slice(0, MAX_TEXT);
    if (text) out.push({ text, fields: { ...fields }, anchor });
  }
  return out;
}
