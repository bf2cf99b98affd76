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

/** Product-page candidates: JSON-LD (anchored at the page title) or the page title with the brand field. */
export function pageCandidates(doc, adapter) {
  const anchor = adapter.pageTitle ? doc.querySelector(adapter.pageTitle) : null;
  const structured = jsonLdProducts(doc);
  if (structured.length) return structured.slice(0, 1).map((p) => ({ ...p, anchor }));
  if (!anchor) return [];
  const brandEl = adapter.brand ? doc.querySelector(adapter.brand) : null;
  const brand = brandEl ? cleanText(brandEl.textContent).replace(/^(?:Visit the|Brand:|Бренд:|Марка:)\s*/i, '').replace(/\s*Store$/i, '') : null;
  const text = cleanText(anchor.textContent).slice(0, MAX_TEXT);
  return text ? [{ text, fields: { brand: field(brand) }, anchor }] : [];
}

/** Tile candidates inside a root (the page, or nodes added later). */
export function tileCandidates(root, adapter) {
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
    if (text) out.push({ text, fields: {}, anchor });
  }
  return out;
}
