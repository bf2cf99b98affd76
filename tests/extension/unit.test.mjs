// Pure extension modules under node's test runner: normalisation, the offline matcher on the shared test
// vectors, site adapters and JSON-LD reading on saved fixture pages, the verdict cache, the flag policy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { parseHTML } from 'linkedom';

import { fold, aliasKey, tokens } from '../../extension/lib/normalize.js';
import { OfflineMatcher } from '../../extension/lib/matcher.js';
import { adapterFor } from '../../extension/lib/adapters.js';
import { jsonLdProducts, pageCandidates, tileCandidates } from '../../extension/lib/extract.js';
import { VerdictCache } from '../../extension/lib/cache.js';
import { shouldFlag, safeUrl } from '../../extension/lib/policy.js';
import { t, STRINGS } from '../../extension/lib/i18n.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const snapshot = JSON.parse(readFileSync(join(root, 'extension', 'data', 'snapshot.json'), 'utf8'));
const vectors = JSON.parse(readFileSync(join(here, 'vectors.json'), 'utf8'));
const page = (site, file) => parseHTML(readFileSync(join(here, 'fixtures', site, file), 'utf8')).document;

test('normalisation matches the Python side', () => {
  assert.equal(fold('HIKVISION™ DS–2CD'), 'hikvision  ds-2cd');
  assert.equal(aliasKey('CP PLUS'), 'cpplus');
  assert.equal(aliasKey('Hik-Connect'), 'hikconnect');
  assert.deepEqual(tokens('ab cd').map((x) => x.text), ['ab', 'cd']);
});

test('offline matcher agrees with the shared test vectors', () => {
  const m = new OfflineMatcher(snapshot);
  for (const v of vectors) {
    const got = m.judge(v.text, v.fields || {});
    assert.equal(got.flagged, v.flagged, `${v.text} → ${JSON.stringify(got)}`);
    if (v.flagged) assert.equal(got.vendor, v.vendor, v.text);
    if (v.relation) assert.equal(got.relation, v.relation, v.text);
  }
});

test('offline verdicts carry relation and designations', () => {
  const m = new OfflineMatcher(snapshot);
  const v = m.judge('HiWatch HWN-2104MH-4P');
  assert.equal(v.vendor, 'hikvision');
  assert.equal(v.relation, 'brand');
  assert.ok(v.designations.some((d) => /NACP/.test(d.short)));
  const lts = m.judge('LTS CMIP8242WB camera');
  assert.equal(lts.relation, 'oem');
});

test('adapters pick the site, with a generic fallback', () => {
  assert.equal(adapterFor('rozetka.com.ua').id, 'rozetka');
  assert.equal(adapterFor('www.amazon.co.uk').id, 'amazon');
  assert.equal(adapterFor('hard.rozetka.com.ua').id, 'rozetka');
  assert.equal(adapterFor('example.org').id, 'generic');
});

test('rozetka tiles are read from the saved page', () => {
  const doc = page('rozetka.com.ua', 'search.html');
  const items = tileCandidates(doc, adapterFor('rozetka.com.ua'));
  assert.equal(items.length, 6);
  assert.equal(items[0].text, 'IP-камера Hikvision DS-2CD2143G2-IS (2.8 мм)');
  assert.equal(items[0].anchor.className, 'goods-tile__title');
});

test('JSON-LD Product comes first, nested in @graph; a broken block is skipped', () => {
  const doc = page('prom.ua', 'product.html');
  const products = jsonLdProducts(doc);
  assert.equal(products.length, 1);
  assert.equal(products[0].fields.brand, 'HiWatch');
  assert.equal(products[0].fields.model, 'HWI-B120-D/W');
  const cands = pageCandidates(doc, adapterFor('prom.ua'));
  assert.equal(cands[0].anchor.tagName, 'H1');
});

test('JSON-LD and brand fields are cut to a sane length before they are sent', () => {
  // The server refuses a field over 2,000 characters, and one refusal sends the whole batch to offline matching.
  const long = `Hikvision ${'x'.repeat(5000)}`;
  const { document: doc } = parseHTML(`<html><head><script type="application/ld+json">${JSON.stringify({
    '@type': 'Product', name: 'IP camera DS-2CD2143G2-IS', brand: { '@type': 'Brand', name: long }, model: `DS-2CD2143G2-IS ${'9'.repeat(3000)}`,
    mpn: 1234567890, gtin13: 'g'.repeat(4000) })}</script></head><body><h1>IP camera</h1><span class="brand">${long}</span></body></html>`);
  const [product] = jsonLdProducts(doc);
  for (const key of ['brand', 'model', 'mpn', 'gtin']) assert.ok(product.fields[key].length <= 200, `${key}: ${product.fields[key].length}`);
  assert.ok(product.fields.brand.startsWith('Hikvision x') && product.fields.model.startsWith('DS-2CD2143G2-IS 9'));
  assert.equal(product.fields.mpn, '1234567890');  // a number in the markup is sent as text
  const titled = pageCandidates(parseHTML(`<html><body><h1>IP camera DS-2CD2143G2-IS</h1><span class="brand">${long}</span></body></html>`).document,
    { pageTitle: 'h1', brand: '.brand' });
  assert.ok(titled[0].fields.brand.length <= 200 && titled[0].fields.brand.startsWith('Hikvision'));
});

test('amazon product page: title and the byline brand', () => {
  const cands = pageCandidates(page('amazon.com', 'product.html'), adapterFor('amazon.com'));
  assert.equal(cands[0].text, '4K Smart Deterrence Outdoor Security Camera LNE8964AB');
  assert.equal(cands[0].fields.brand, 'Lorex');
  const m = new OfflineMatcher(snapshot);
  assert.equal(m.judge(cands[0].text, cands[0].fields).vendor, 'dahua');
});

test('every fixture site yields candidates through its adapter', () => {
  for (const [site, file, min] of [['olx.ua', 'search.html', 3], ['epicentrk.ua', 'search.html', 2], ['allo.ua', 'search.html', 3],
    ['hotline.ua', 'search.html', 2], ['amazon.com', 'search.html', 3], ['aliexpress.com', 'search.html', 2],
    ['prozorro.gov.ua', 'tender.html', 3], ['ebay.com', 'item.html', 0]]) {
    const doc = page(site, file);
    const a = adapterFor(site);
    const n = tileCandidates(doc, a).length + pageCandidates(doc, a).length;
    assert.ok(n >= min, `${site}: ${n}`);
  }
  const ebay = pageCandidates(page('ebay.com', 'item.html'), adapterFor('ebay.com'));
  assert.equal(ebay[0].fields.brand, 'Hikvision');
});

test('verdict cache: TTL and size bound', async () => {
  let now = 0;
  const backing = new Map();
  const store = { get: async (k) => backing.get(k), set: async (k, v) => backing.set(k, v) };
  const cache = new VerdictCache({ store, ttlMs: 1000, max: 2, now: () => now });
  await cache.set({ text: 'a' }, { flagged: true });
  assert.deepEqual(await cache.get({ text: 'a' }), { flagged: true });
  now = 2000;
  assert.equal(await cache.get({ text: 'a' }), null);
  await cache.set({ text: 'b' }, 1); await cache.set({ text: 'c' }, 2); await cache.set({ text: 'd' }, 3);
  assert.equal(await cache.get({ text: 'b' }), null);
  await cache.persist();
  const reloaded = new VerdictCache({ store, ttlMs: 1e9, now: () => now });
  assert.equal(await reloaded.get({ text: 'd' }), 3);
});

test('flag policy by strictness, https-only links, both languages complete', () => {
  const oem = { vendor: 'hikvision', relation: 'oem', flagged: false, confidence: 0.41 };
  assert.equal(shouldFlag(oem, 'strict'), false);
  assert.equal(shouldFlag(oem, 'broad'), true);
  assert.equal(shouldFlag({ vendor: 'hikvision', relation: 'compatible', flagged: false, confidence: 0.9 }, 'broad'), false);
  assert.equal(shouldFlag({ vendor: 'dahua', relation: 'manufacturer', flagged: true, confidence: 0.99 }, 'strict'), true);
  assert.equal(safeUrl('javascript:alert(1)'), null);
  assert.equal(safeUrl('http://example.org'), null);
  assert.equal(safeUrl('https://babel.ua/x'), 'https://babel.ua/x');
  assert.deepEqual(Object.keys(STRINGS.uk).sort(), Object.keys(STRINGS.en).sort());
  assert.equal(t('uk', 'badge'), 'Спонсор');
});
