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
import { jsonLdProducts, pageCandidates, pageCategory, tileCandidates } from '../../extension/lib/extract.js';
import { VerdictCache } from '../../extension/lib/cache.js';
import { brandKey, shouldFlag, shouldShow, safeUrl } from '../../extension/lib/policy.js';
import { t, STRINGS, resolveLanguage } from '../../extension/lib/i18n.js';
import { badgeWords, panelWords, firstSentence, tenderWords, position } from '../../extension/lib/wording.js';
import { BrandMatcher } from '../../extension/lib/brands.js';

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
    if (v.brand) assert.equal(got.brand, v.brand, v.text);
  }
  assert.ok(vectors.filter((v) => v.relation === 'brand').length >= 10, 'consumer-brand vectors');
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
  assert.equal(t('uk', 'madeBy', { maker: 'Dahua' }), 'Виробник: Dahua');
  assert.equal(t('en', 'madeBy', { other: 1 }), 'Made by {maker}');  // a missing value stays visible, not "undefined"
  // Every placeholder a translation uses exists in the English string, and the other way round.
  const holes = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  for (const key of Object.keys(STRINGS.en)) assert.deepEqual(holes(STRINGS.uk[key]), holes(STRINGS.en[key]), key);
});

test('the interface language follows the browser unless the options choose one', () => {
  assert.equal(resolveLanguage('auto', ['uk-UA', 'uk', 'en-US']), 'uk');
  assert.equal(resolveLanguage('auto', ['de-DE', 'uk']), 'uk');  // the first language we have
  assert.equal(resolveLanguage('auto', ['de-DE', 'fr']), 'en');
  assert.equal(resolveLanguage(undefined, []), 'en');
  assert.equal(resolveLanguage('en', ['uk-UA']), 'en');
  assert.equal(resolveLanguage('uk', ['en-US']), 'uk');
});

// A verdict as the backend answers it for "IP-камера Hikvision DS-2CD2143G2-IS" (fields trimmed to what is shown).
const nacp = { id: 'nacp-war-sponsors', short: 'NACP war sponsors list', entity: 'hikvision', entity_name: 'Hikvision', status: 'active',
  summary: 'Listed by Ukraine\'s NACP as an "international sponsor of war" on 5 June 2023. The list was withdrawn from public view on 20 March 2024.',
  summary_uk: 'НАЗК внесло до переліку «міжнародних спонсорів війни» 5 червня 2023 року. Перелік прибрали з публічного доступу 20 березня 2024 року.',
  sources: [{ url: null, ref: 'a book' }, { url: 'https://espreso.tv/x' }] };
const hik = { flagged: true, vendor: 'hikvision', brand: 'hikvision', relation: 'manufacturer', confidence: 0.99, device_class: 'ip-camera',
  names: { hikvision: 'Hikvision' }, designations: [nacp],
  evidence: [{ kind: 'alias-start', term: 'Hikvision', entity: 'hikvision', mention: null },
    { kind: 'model-family', term: 'DS-2CD2143G2-IS', entity: 'hikvision', mention: null },
    { kind: 'alias', term: 'Dahua', entity: 'dahua', mention: 'compatible' }] };

test('badge words: the maker\'s name, the brand after a dot, "⚠ …?" for a weak link; never an id', () => {
  assert.equal(badgeWords(hik, 'en').text, 'Hikvision');
  assert.equal(badgeWords(hik, 'uk').aria, 'Hikvision: чому позначено цей товар');
  const imou = { ...hik, vendor: 'dahua', brand: 'imou', relation: 'brand', confidence: 0.71, names: { dahua: 'Dahua', imou: 'Imou' } };
  assert.equal(badgeWords(imou, 'en').text, 'Dahua · Imou');
  const weak = { ...hik, flagged: false, relation: 'oem', confidence: 0.41 };
  assert.equal(badgeWords(weak, 'en').text, '⚠ Hikvision?');
  assert.equal(badgeWords(weak, 'en').aria, 'Hikvision: a possible link, see why');
  // Without names (an old cached verdict), the listing's holder name, then the id capitalised.
  assert.equal(badgeWords({ ...hik, names: undefined }, 'en').text, 'Hikvision');
  assert.equal(badgeWords({ flagged: true, confidence: 0.9, vendor: 'xiaomi', brand: 'xiaomi' }, 'en').text, 'Xiaomi');
});

test('panel words: maker, the most relevant listing with its date, how sure and why, in both languages', () => {
  const en = panelWords(hik, 'en');
  assert.equal(en.heading, 'Made by Hikvision');
  assert.equal(en.relation, null);
  assert.equal(en.headline.text, 'Hikvision: Listed by Ukraine\'s NACP as an "international sponsor of war" on 5 June 2023.');
  assert.equal(en.headline.url, 'https://espreso.tv/x');  // the first https source, not the one without a URL
  assert.equal(en.sure, 'How sure: certain — the model number DS-2CD2143G2-IS is a Hikvision camera model.');
  assert.deepEqual(en.also, ['the title names Hikvision']);  // the "compatible with Dahua" mention is no reason
  assert.equal(en.more.length, 1);
  assert.match(en.more[0].text, /withdrawn from public view/);
  const uk = panelWords(hik, 'uk');
  assert.equal(uk.heading, 'Виробник: Hikvision');
  assert.equal(uk.headline.text, 'Hikvision: НАЗК внесло до переліку «міжнародних спонсорів війни» 5 червня 2023 року.');
  assert.equal(uk.sure, 'Наскільки певно: напевно — номер моделі DS-2CD2143G2-IS — це модель камери Hikvision.');
  assert.deepEqual(uk.also, ['у назві товару названо Hikvision']);
  const amcrest = { ...hik, vendor: 'dahua', brand: 'amcrest', relation: 'oem', confidence: 0.71, device_class: null,
    names: { dahua: 'Dahua', amcrest: 'Amcrest' }, designations: [{ ...nacp, entity: 'dahua', entity_name: 'Dahua', status: 'suspended' }],
    evidence: [{ kind: 'structured-brand', term: 'Amcrest', entity: 'amcrest' }, { kind: 'model-family', term: 'IP8M-2496EB', entity: 'amcrest' }] };
  const words = panelWords(amcrest, 'en');
  assert.equal(words.heading, 'Made by Dahua');
  assert.equal(words.relation, 'Amcrest is reported to sell relabelled Dahua hardware.');
  assert.equal(words.sure, 'How sure: very likely — the shop lists the brand as Amcrest.');  // the brand field outranks the rest
  assert.deepEqual(words.also, ['the model number IP8M-2496EB is a Amcrest model']);
  assert.equal(words.headline.note, '(this listing was later suspended)');
  // A listed company's consumer brand: the engine gives the brand's display name, the company's id.
  const consumer = { flagged: true, vendor: 'xiaomi', brand: 'Redmi', relation: 'brand', confidence: 0.9, names: { xiaomi: 'Xiaomi' },
    designations: [], evidence: [{ kind: 'brand', term: 'Redmi', entity: 'xiaomi', field: 'text' }] };
  assert.equal(badgeWords(consumer, 'en').text, 'Xiaomi · Redmi');
  assert.equal(panelWords(consumer, 'en').relation, 'Redmi is a Xiaomi brand.');
  assert.equal(panelWords(consumer, 'uk').sure, 'Наскільки певно: напевно — у назві товару названо Redmi — бренд компанії Xiaomi.');
  assert.equal(panelWords(consumer, 'en').headline, null);
  assert.equal(panelWords({ ...hik, relation: 'specified' }, 'uk').relation,
    'У тендері вказано Hikvision з «або еквівалент»: замовник просить продукцію цього виробника.');
});

test('panel words from the offline matcher read the same as the backend\'s', () => {
  const v = new OfflineMatcher(snapshot).judge('IP-камера Hikvision DS-2CD2143G2-IS (2.8 мм)');
  v.names = { hikvision: snapshot.entities.hikvision.name };
  const words = panelWords(v, 'en');
  assert.equal(words.heading, 'Made by Hikvision');
  assert.match(words.headline.text, /^Hikvision: Listed by Ukraine's NACP as an "international sponsor of war" on 5 June 2023\.$/);
  assert.equal(words.sure, 'How sure: certain — the model number DS-2CD2143G2-IS is a Hikvision camera model.');
  assert.ok(words.offline);
  assert.ok(words.more.every((d) => d.url === null || d.url.startsWith('https://')));
  assert.ok(panelWords(v, 'uk').more.every((d) => !/Listed by/.test(d.text)), 'an English listing in the Ukrainian panel');
});

test('first sentence: up to the first full stop before a new sentence, not inside a date or number', () => {
  assert.equal(firstSentence('Named in US NDAA FY2019 section 889 (enacted on 13 August 2018): agencies may not buy. It does not bar private buyers.'),
    'Named in US NDAA FY2019 section 889 (enacted on 13 August 2018): agencies may not buy.');
  assert.equal(firstSentence('An audit (9 Feb. 2023) found 1,000 devices'), 'An audit (9 Feb. 2023) found 1,000 devices');
  assert.equal(firstSentence(''), '');
});

// ---------------------------------------------------------------- consumer brands (lib/brands.js)

/** The real brand corpus (tests/data/real_brand_titles.tsv): lang, expected, category, title, note, source. */
function brandCorpus() {
  return readFileSync(join(root, 'tests', 'data', 'real_brand_titles.tsv'), 'utf8').split('\n')
    .filter((l) => l.trim() && !l.startsWith('#')).map((l) => l.split('\t'))
    .map(([lang, expected, category, title, note]) => ({ lang, expected, category, title, doubtful: /\bdoubtful\b/i.test(note) }));
}

test('offline brand matching on the real brand corpus: per-language precision ≥ 0.98 and recall ≥ 0.95, as the engine', () => {
  const m = new OfflineMatcher(snapshot);
  const by = {};
  for (const row of brandCorpus().filter((r) => !r.doubtful)) {
    const v = m.judge(row.title);
    const got = v.flagged ? v.vendor : '-';
    const s = (by[row.lang] ??= { tp: 0, fp: 0, fn: 0, n: 0 });
    s.n += 1;
    if (got !== '-' && got === row.expected) s.tp += 1;
    else if (got !== '-') s.fp += 1;
    if (row.expected !== '-' && got !== row.expected) s.fn += 1;
  }
  for (const [lang, s] of Object.entries(by)) {
    const precision = s.tp / (s.tp + s.fp);
    const recall = s.tp / (s.tp + s.fn);
    console.log(`# ${lang}: ${s.n} titles, precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)}`);
    assert.ok(precision >= 0.98 && recall >= 0.95, `${lang}: ${JSON.stringify(s)}`);
  }
  assert.deepEqual(Object.keys(by).sort(), ['en', 'ru', 'uk']);
});

test('brand evidence: the category, the brand field, a word of the kind; never an ordinary word alone', () => {
  const b = new BrandMatcher(snapshot.brands, snapshot.cues, '2026-12-01');
  assert.equal(b.match('Tide Альпійська свіжість 2.4 кг'), null);  // "tide" alone is a word
  const tide = b.match('Tide Альпійська свіжість 2.4 кг', { category: 'Побутова хімія / Пральні порошки' });
  assert.deepEqual([tide.brand.id, tide.kinds, tide.typeWord], ['tide', ['category', 'title-start'], 'пральні']);
  const field = b.match('Шоколад молочний з цілим фундуком 90 г', { brand: 'Milka' });
  assert.deepEqual([field.brand.id, field.kinds, field.term, field.span], ['milka', ['brand-field', 'product-type'], 'Milka', null]);
  const glued = b.match('CLEAR Шам2в1 Ice Cool 400мл(Юнил):6');  // a type word glued to digits, as shop feeds write it
  assert.deepEqual([glued.brand.id, glued.typeWord, glued.term], ['clear', 'шам', 'CLEAR']);
  assert.equal(b.match('Victoria\'s Secret Bare Vanilla Body Mist 250 ml'), null);  // another name's possessive
  assert.equal(b.match('Капсули для Nespresso сумісні 10 шт'), null);  // made for the brand's machines
  const sold = b.match('Кава розчинна Jacobs Monarch 200 г');
  assert.equal(sold.sold, true);
  assert.equal(new BrandMatcher(snapshot.brands, snapshot.cues, '2015-01-01').match('Кава розчинна Jacobs Monarch 200 г').sold, false);
  const v = b.verdict('x', sold, snapshot.entities);
  assert.deepEqual([v.flagged, v.relation, v.vendor], [false, 'former-brand', 'mondelez']);
});

const GROCERY = [
  // [site, page, flagged as "maker · brand", titles that must not be flagged]
  ['silpo.ua', 'search.html', ['Mars · Twix', 'Mars · Snickers'], [/Pit Bull Extra/, /Коблево Reserve Extra/]],
  ['atbmarket.com', 'catalog.html', ['PepsiCo · 7UP', 'PepsiCo · Mirinda', 'PepsiCo · Mirinda'], [/Pit Bull Extra/]],
  ['novus.zakaz.ua', 'coffee.html', ['Nestlé · Nescafé', 'Nestlé · Nescafé'], [/Jacobs/, /Carte Noire/]],
  ['auchan.zakaz.ua', 'tea.html', ['PepsiCo · Lipton (iced tea)', 'PepsiCo · Lipton (iced tea)'], [/Чай чорний Lipton/]],
  ['metro.zakaz.ua', 'household.html', ['Procter & Gamble · Tide', 'Procter & Gamble · Tide', 'Procter & Gamble · Ariel', 'Procter & Gamble · Fairy'], [/Kettle With Clear Glass/]],
  ['zakaz.ua', 'search.html', ['Procter & Gamble · Always', 'Procter & Gamble · Always'], [/Mug Always/, /Hormel Always/]],
  ['eva.ua', 'hair.html', ['Unilever · Clear', 'Procter & Gamble · Head & Shoulders', 'Unilever · Dove'], [/Axe Brand Universal Oil/]],
  ['eva.ua', 'product.html', ['Procter & Gamble · Always'], []],
  ['prostor.ua', 'search.html', ['Procter & Gamble · Gillette', 'Procter & Gamble · Gillette', 'Procter & Gamble · Pampers'], [/Olive Oil/]],
  ['rozetka.com.ua', 'grocery.html', ['Nestlé · Nescafé', 'Nestlé · Nescafé', 'Nestlé · Nescafé'], [/Jacobs/]],
];

test('grocery and cosmetics shops: their adapters read the fixture pages; brands flagged, ordinary words and sold brands not', () => {
  const m = new OfflineMatcher(snapshot);
  for (const [site, file, want, traps] of GROCERY) {
    const doc = page(site, file);
    const a = adapterFor(site);
    assert.notEqual(a.id, 'generic', site);
    const category = pageCategory(doc, a);
    const items = [...pageCandidates(doc, a, category), ...tileCandidates(doc, a, category ? { category } : {})];
    const flagged = [];
    for (const item of items) {
      const v = m.judge(item.text, item.fields);
      v.names = Object.fromEntries([v.vendor].filter((id) => snapshot.entities[id]).map((id) => [id, snapshot.entities[id].name]));
      if (shouldShow(v)) flagged.push([badgeWords(v, 'en').label, item.text]);
    }
    assert.deepEqual(flagged.map(([l]) => l), want, `${site}/${file}: ${JSON.stringify(flagged)}`);
    for (const trap of traps) {
      assert.ok(items.some((i) => trap.test(i.text)), `${site}: the trap ${trap} is on the page`);
      assert.ok(!flagged.some(([, text]) => trap.test(text)), `${site}: ${trap} flagged`);
    }
  }
});

test('the page category: breadcrumbs by the adapter\'s selector, else JSON-LD BreadcrumbList; cut to the specific end', () => {
  assert.equal(pageCategory(page('metro.zakaz.ua', 'household.html'), adapterFor('metro.zakaz.ua')), 'Головна / Побутова хімія / Засоби для прання');
  assert.equal(pageCategory(page('eva.ua', 'product.html'), adapterFor('eva.ua')), 'Гігієна / Гігієнічні прокладки');
  assert.equal(pageCategory(page('zakaz.ua', 'search.html'), adapterFor('zakaz.ua')), null);
  const { document: long } = parseHTML(`<nav class="breadcrumbs">${Array.from({ length: 40 }, (_, i) => `<a>Розділ ${i}</a>`).join('')}<a>Пральні порошки</a></nav>`);
  const cut = pageCategory(long, { category: '.breadcrumbs a' });
  assert.ok(cut.length <= 200 && cut.endsWith('Пральні порошки') && !cut.startsWith(' '), cut);
  const [product] = pageCandidates(page('eva.ua', 'product.html'), adapterFor('eva.ua'));
  assert.deepEqual(product.fields, { brand: 'Always', model: null, mpn: null, gtin: null, category: 'Гігієна / Гігієнічні прокладки' });
});

test('options: camera makers only, and brands the user asked not to flag again', () => {
  const milka = { flagged: true, vendor: 'mondelez', brand: 'Milka', relation: 'brand', confidence: 0.98 };
  const hik = { flagged: true, vendor: 'hikvision', brand: 'hikvision', relation: 'manufacturer', confidence: 0.99 };
  const cameraMakers = ['hikvision', 'dahua'];
  assert.equal(brandKey(milka), 'mondelez|Milka');
  assert.equal(shouldShow(milka), true);  // the default: every listed company
  assert.equal(shouldShow(milka, { scope: 'cameras', cameraMakers }), false);
  assert.equal(shouldShow(hik, { scope: 'cameras', cameraMakers }), true);
  assert.equal(shouldShow(milka, { dismissedBrands: ['mondelez|Milka'] }), false);
  assert.equal(shouldShow({ ...milka, brand: 'Oreo' }, { dismissedBrands: ['mondelez|Milka'] }), true);
  assert.equal(shouldShow({ ...milka, flagged: false, relation: 'former-brand' }), false);
  // The camera makers are the makers whose model families the catalog knows.
  const makers = [...new Set(snapshot.families.map((f) => snapshot.entities[f.entity]?.maker || f.entity))].sort();
  assert.deepEqual(makers, ['dahua', 'hikvision']);
});

test('a consumer brand\'s panel: the company, the brand, and NACP\'s listing with the list\'s status', () => {
  const v = new OfflineMatcher(snapshot).judge('Моющее средство Fairy 500 мл');
  v.names = { 'procter-gamble': snapshot.entities['procter-gamble'].name };
  assert.equal(badgeWords(v, 'en').text, 'Procter & Gamble · Fairy');
  const en = panelWords(v, 'en');
  assert.equal(en.heading, 'Made by Procter & Gamble');
  assert.equal(en.relation, 'Fairy is a Procter & Gamble brand.');
  assert.match(en.headline.text, /^Procter & Gamble: Listed by Ukraine's NACP as an "international sponsor of war" before February 2023\.$/);
  assert.equal(en.headline.note, '(the list was withdrawn from public view on 20 March 2024)');
  assert.equal(en.sure, 'How sure: certain — the title names Fairy, a Procter & Gamble brand.');
  const uk = panelWords(v, 'uk');
  assert.equal(uk.relation, 'Fairy — бренд компанії Procter & Gamble.');
  assert.equal(uk.headline.note, '(перелік прибрали з публічного доступу 20 березня 2024 року)');
});

// What GET /api/v1/tenders/{id} answers for a tender with a tech spec naming Dahua (tests/extension/tender_seed.py).
const tender = { status: 'checked', names: { dahua: 'Dahua' },
  documents: [{ id: 'd1', type: 'technicalSpecifications' }, { id: 'd2', type: 'biddingDocuments' }],
  findings: [
    { where: 'document', ref: 'Технічна специфікація.docx', position: 'page 3', vendor: 'dahua', relation: 'specified', flagged: true,
      excerpt: 'Камера Dahua IPC-HFW2431S-S-S2 або еквівалент', document: { id: 'd1', title: 'Технічна специфікація.docx', url: 'https://public-docs.prozorro.gov.ua/get/d1' } },
    { where: 'document', ref: 'Тендерна документація.pdf', position: "sheet 'Лист1', row 7", vendor: 'dahua', relation: 'manufacturer', flagged: true,
      excerpt: 'x'.repeat(400), document: { id: 'd2', title: 'Тендерна документація.pdf', url: 'http://example.org/d2' } }] };

test('tender documents in plain words: where in which document, the quote, and what it means, in both languages', () => {
  const en = tenderWords(tender, 'en');
  assert.equal(en.badge, 'In the documents: Dahua');
  assert.equal(en.lines[0].text, 'In the tech spec «Технічна специфікація.docx», page 3: «Камера Dahua IPC-HFW2431S-S-S2 або еквівалент» — the buyer specified a Dahua product.');
  assert.equal(en.lines[0].url, 'https://public-docs.prozorro.gov.ua/get/d1');
  assert.match(en.lines[1].text, /^In the document «Тендерна документація\.pdf», sheet 'Лист1', row 7: «x{179}…» — it names a Dahua product\.$/);
  assert.equal(en.lines[1].url, null);  // only https links are shown
  const uk = tenderWords(tender, 'uk');
  assert.equal(uk.lines[0].text, 'У технічній специфікації «Технічна специфікація.docx», сторінка 3: «Камера Dahua IPC-HFW2431S-S-S2 або еквівалент» — замовник вказав продукцію Dahua.');
  assert.equal(position('table 1, row 4', 'uk'), 'таблиця 1, рядок 4');
  assert.equal(position('paragraph 12', 'uk'), 'абзац 12');
  assert.equal(tenderWords({ ...tender, findings: [] }, 'en'), null);
  assert.equal(tenderWords(tender, 'en', 1).more, 'And 1 more in the documents.');
});
