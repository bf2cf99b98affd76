// End to end: the unpacked extension in headless Chromium on fixture pages modelled on each supported site,
// with the real backend running; then with the backend stopped (offline snapshot).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, fixtureServer, backend, browser, configure, badges } from './harness.mjs';

let fixtures; let be; let br; let base;
const url = (host, path) => `http://${host}:${base}/${path}`;

before(async () => {
  fixtures = await fixtureServer();
  base = fixtures.address().port;
  be = await backend();
  br = await browser();
  await configure(br.worker, be.url);
});

after(async () => {
  await br?.context.close();
  be?.proc.kill();
  fixtures?.close();
});

test('rozetka: sponsor tiles get badges with the right maker, others none, tiles added later too', async () => {
  const page = await br.context.newPage();
  await page.goto(url('rozetka.com.ua', 'search.html'));
  let found = await badges(page, 3);
  assert.deepEqual(found.map((b) => b.vendor), ['hikvision', 'dahua', 'hikvision']);
  assert.ok(found.every((b) => !/Ajax|Кронштейн|Tapo/.test(b.text)));
  await page.click('#more');
  found = await badges(page, 5);
  assert.equal(found.length, 5);
  assert.deepEqual(found.slice(3).map((b) => b.vendor), ['hikvision', 'dahua']);
  await page.waitForTimeout(300);
  const toolbar = await br.worker.evaluate(async () => {
    // No "tabs" permission: find this page's tab through the per-tab lists the popup reads.
    const all = await chrome.storage.session.get(null);
    const [key, flags] = Object.entries(all).find(([, v]) => v.some((f) => /DS-2CD2143G2-IS/.test(f.text)));
    return { text: await chrome.action.getBadgeText({ tabId: Number(key.slice(4)) }), flags };
  });
  assert.equal(toolbar.text, '5');  // the toolbar badge counts what was flagged on this page
  assert.equal(toolbar.flags.length, 5);  // what the popup lists
  if (process.env.SPONSORWATCH_SCREENSHOT_DIR) {
    await page.locator('[data-sponsorwatch-vendor] >> button').first().click();
    await page.screenshot({ path: join(process.env.SPONSORWATCH_SCREENSHOT_DIR, 'extension.png') });
    await page.locator('[data-sponsorwatch-vendor] >> button').first().click();
  }
  await page.close();
});

test('every supported site: positives flagged, negatives and mentions not', async () => {
  const cases = [
    ['prom.ua', 'product.html', ['hikvision']],
    ['olx.ua', 'search.html', ['hikvision']],
    ['epicentrk.ua', 'search.html', ['dahua']],
    ['allo.ua', 'search.html', ['dahua', 'xiaomi']],
    ['amazon.com', 'product.html', ['dahua']],
    ['aliexpress.com', 'search.html', ['dahua']],
    ['ebay.com', 'item.html', ['hikvision']],
    // a brand named with "або еквівалент" is a specification of that product: flagged (relation specified)
    ['prozorro.gov.ua', 'tender.html', ['hikvision', 'dahua']],
  ];
  for (const [host, path, want] of cases) {
    const page = await br.context.newPage();
    await page.goto(url(host, path));
    const found = await badges(page, want.length);
    assert.deepEqual(found.map((b) => b.vendor), want, `${host}: ${JSON.stringify(found)}`);
    await page.close();
  }
});

test('amazon search: an OEM relabel is flagged, a compatible bracket is not, a late tile is', async () => {
  const page = await br.context.newPage();
  await page.goto(url('amazon.com', 'search.html'));
  const found = await badges(page, 2, 8000);
  assert.deepEqual(found.map((b) => b.vendor), ['dahua', 'hikvision']);
  assert.match(found[0].text, /Amcrest/);
  assert.match(found[1].text, /HiLook/);
  await page.close();
});

test('the panel explains, dismissing an item and turning a site off stick', async () => {
  const page = await br.context.newPage();
  await page.goto(url('rozetka.com.ua', 'search.html'));
  await badges(page, 3);
  const host = page.locator('[data-sponsorwatch-vendor]').first();
  await host.locator('button').click();
  const panel = host.locator('.p');
  await panel.waitFor();
  const text = await panel.innerText();
  assert.match(text, /Made by/);
  assert.match(text, /NACP/);
  const links = await panel.locator('a').evaluateAll((as) => as.map((a) => a.href));
  assert.ok(links.length && links.every((h) => h.startsWith('https://')));
  await panel.getByText('Report a wrong flag').click();
  await panel.getByText('Thank you').waitFor();
  await panel.getByText('Hide this item').click();
  assert.equal((await badges(page, 2)).length, 2);
  await page.reload();
  const after = await badges(page, 2);
  assert.equal(after.length, 2);
  assert.ok(!after.some((b) => /DS-2CD2143G2-IS/.test(b.text)));
  await page.locator('[data-sponsorwatch-vendor] button').first().click();
  await page.getByText('Turn off on this site').click();
  assert.equal(await page.locator('[data-sponsorwatch-vendor]').count(), 0);
  await page.reload();
  await page.waitForTimeout(1500);
  assert.equal(await page.locator('[data-sponsorwatch-vendor]').count(), 0);
  const rows = execFileSync(be.python, ['-c', `import sqlite3;print(sqlite3.connect(${JSON.stringify(be.db.replace('sqlite:///', ''))}).execute("select count(*) from feedback").fetchone()[0])`]).toString().trim();
  assert.equal(rows, '1');
  await configure(br.worker, be.url);
  await page.close();
});

test('a Ukrainian interface shows the listings in Ukrainian, worded as the maker\'s', async () => {
  await configure(br.worker, be.url, { language: 'uk' });
  const page = await br.context.newPage();
  await page.goto(url('rozetka.com.ua', 'search.html'));
  await badges(page, 3);
  const host = page.locator('[data-sponsorwatch-vendor]').first();
  await host.locator('button').click();
  const panel = host.locator('.p');
  await panel.waitFor();
  assert.match(await panel.innerText(), /НАЗК внесло до переліку «міжнародних спонсорів війни» 5 червня 2023 року/);
  await configure(br.worker, be.url);
  await page.close();
});

test('shop pages cannot load the extension\'s files: the extension is not detectable by its URLs', async () => {
  const page = await br.context.newPage();
  await page.goto(url('rozetka.com.ua', 'search.html'));
  assert.equal((await badges(page, 3)).length, 3);  // the content script and everything it needs still run
  // What a fingerprinting page does: request files every copy of the extension has, at the extension's static URL.
  const probes = await page.evaluate(async (id) => {
    const out = {};
    for (const path of ['lib/adapters.js', 'lib/sites.js', 'lib/extract.js', 'lib/i18n.js', 'content/content.js', 'data/snapshot.json']) {
      try { out[path] = (await fetch(`chrome-extension://${id}/${path}`)).ok ? 'loaded' : 'refused'; } catch { out[path] = 'refused'; }
    }
    out.import = await import(`chrome-extension://${id}/lib/policy.js`).then(() => 'loaded', () => 'refused');
    return out;
  }, br.extensionId);
  assert.deepEqual(Object.entries(probes).filter(([, v]) => v !== 'refused'), []);
  await page.close();
});

test('a product page with a 5,000-character JSON-LD brand is still judged by the backend, not offline', async () => {
  const brand = `Hikvision ${'x'.repeat(5000)}`;
  const html = `<!doctype html><html><head><meta charset="utf-8"><script type="application/ld+json">${JSON.stringify({
    '@type': 'Product', name: 'IP-камера Hikvision DS-2CD2143G2-IS', brand: { '@type': 'Brand', name: brand }, mpn: 'm'.repeat(3000) })}</script>`
    + '</head><body><h1 data-qaid="page_title">IP-камера Hikvision DS-2CD2143G2-IS</h1></body></html>';
  const extra = await fixtureServer({ 'prom.ua/long-brand.html': html });
  try {
    const page = await br.context.newPage();
    await page.goto(`http://prom.ua:${extra.address().port}/long-brand.html`);
    assert.deepEqual((await badges(page, 1)).map((b) => b.vendor), ['hikvision']);
    await page.locator('[data-sponsorwatch-vendor] button').first().click();
    const panel = page.locator('[data-sponsorwatch-vendor] .p');
    await panel.waitFor();
    assert.match(await panel.innerText(), /Made by/);
    assert.doesNotMatch(await panel.innerText(), /Offline check/);  // the backend answered: nothing was refused
    await page.close();
  } finally {
    extra.close();
  }
});

test('offline: with the backend stopped the bundled snapshot still flags exact matches', async () => {
  be.proc.kill();
  await new Promise((r) => setTimeout(r, 500));
  const page = await br.context.newPage();
  await page.goto(url('hotline.ua', 'search.html'));
  const found = await badges(page, 1);
  assert.deepEqual(found.map((b) => b.vendor), ['hikvision']);
  await page.locator('[data-sponsorwatch-vendor] button').first().click();
  await page.getByText('Offline check').waitFor();
  await page.close();
});
