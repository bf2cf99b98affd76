// End to end: the unpacked extension in real headless browsers — Chromium and Firefox ESR — on fixture pages modelled
// on each supported site, with the real backend running; then with the backend stopped (offline snapshot). The same
// tests and assertions run in both browsers; where Firefox behaves differently the test says so.
// SPONSORWATCH_BROWSERS=chromium (or firefox) runs one; SPONSORWATCH_SCREENSHOT_DIR=docs writes the screenshots.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { BROWSERS, HERE, ROOT, fixtureServer, backend, browser, configure, badges, tabFlags, focused, axe, until } from './harness.mjs';

const SHOTS = process.env.SPONSORWATCH_SCREENSHOT_DIR;
const BADGE = '[data-sponsorwatch-vendor] >>> button.b';
const PANEL = '[data-sponsorwatch-vendor] >>> .p';
const wait = (ms) => new Promise((r) => setTimeout(r, ms));

/** A control inside the open panel (or the panel's "More"), found by its visible text. */
async function inPanel(page, text) {
  const handle = await page.evaluateHandle((want) => {
    for (const host of document.querySelectorAll('[data-sponsorwatch-vendor]')) {
      for (const el of host.shadowRoot?.querySelectorAll('.p button, .p summary, .p a') || []) if (el.textContent.trim() === want) return el;
    }
    return null;
  }, text);
  const el = handle.asElement();
  assert.ok(el, `no "${text}" in the panel`);
  return el;
}

// Grocery and cosmetics shops: [host, page, badges ("company · brand"), titles that must not be flagged].
const GROCERY = [
  ['silpo.ua', 'search.html', ['Mars · Twix', 'Mars · Snickers'], [/Pit Bull Extra/, /Коблево Reserve Extra/]],
  ['atbmarket.com', 'catalog.html', ['PepsiCo · 7UP', 'PepsiCo · Mirinda', 'PepsiCo · Mirinda'], [/Pit Bull Extra/]],
  ['novus.zakaz.ua', 'coffee.html', ['Nestlé · Nescafé', 'Nestlé · Nescafé'], [/Jacobs/, /Carte Noire/]],
  ['auchan.zakaz.ua', 'tea.html', ['PepsiCo · Lipton (iced tea)', 'PepsiCo · Lipton (iced tea)'], [/Чай чорний Lipton/]],
  ['metro.zakaz.ua', 'household.html', ['Procter & Gamble · Tide', 'Procter & Gamble · Tide', 'Procter & Gamble · Ariel', 'Procter & Gamble · Fairy'], [/Clear Glass/]],
  ['zakaz.ua', 'search.html', ['Procter & Gamble · Always', 'Procter & Gamble · Always'], [/Mug Always/, /Hormel Always/]],
  ['eva.ua', 'hair.html', ['Unilever · Clear', 'Procter & Gamble · Head & Shoulders', 'Unilever · Dove'], [/Axe Brand/]],
  ['eva.ua', 'product.html', ['Procter & Gamble · Always'], []],
  ['prostor.ua', 'search.html', ['Procter & Gamble · Gillette', 'Procter & Gamble · Gillette', 'Procter & Gamble · Pampers'], [/Olive Oil/]],
  ['rozetka.com.ua', 'grocery.html', ['Nestlé · Nescafé', 'Nestlé · Nescafé', 'Nestlé · Nescafé'], [/Jacobs/]],
];

const panelText = (page) => page.$eval(PANEL, (p) => p.innerText);
const panelOpen = async (page) => Boolean(await page.$(PANEL));

/** A screenshot of the tile with its badge and open panel (the page around them), for docs/. */
async function shotAround(page, path, kind) {
  const box = await page.evaluate(() => {
    const host = document.querySelector('[data-sponsorwatch-vendor]');
    const tile = host.closest('rz-product-tile, .goods-tile, li, article') || host.parentElement;
    const rects = [tile.getBoundingClientRect(), host.getBoundingClientRect(), host.shadowRoot.querySelector('.p')?.getBoundingClientRect()].filter(Boolean);
    const x = Math.max(0, Math.min(...rects.map((r) => r.left)) - 12);
    const y = Math.max(0, Math.min(...rects.map((r) => r.top)) - 12);
    return { x, y, width: Math.max(...rects.map((r) => r.right)) - x + 12, height: Math.max(...rects.map((r) => r.bottom)) - y + 12 };
  });
  await page.screenshot({ path: join(SHOTS, path.replace('{kind}', kind)), clip: box });
}

for (const kind of BROWSERS) {
  describe(kind, () => {
    let fixtures; let be; let br; let base;
    const url = (host, path) => `http://${host}:${base}/${path}`;

    before(async () => {
      fixtures = await fixtureServer();
      base = fixtures.address().port;
      be = await backend();
      br = await browser(kind);
      await configure(br, be.url, { language: 'en' });
    });

    after(async () => {
      await br?.close();
      be?.proc.kill();
      fixtures?.close();
    });

    test('rozetka: badges name the maker (and brand) in words, never an id; tiles added later too; toolbar count', async () => {
      const page = await br.newPage();
      await page.goto(url('rozetka.com.ua', 'search.html'));
      let found = await badges(page, 4);
      assert.deepEqual(found.map((b) => b.vendor), ['hikvision', 'dahua', 'hikvision']);
      assert.deepEqual(found.map((b) => b.label), ['Hikvision', 'Dahua', 'Hikvision · EZVIZ']);
      assert.ok(found.every((b) => !/Ajax|Кронштейн|Tapo/.test(b.text)));
      const aria = await page.$eval(BADGE, (b) => [b.getAttribute('aria-label'), b.getAttribute('aria-expanded'), b.getAttribute('aria-haspopup')]);
      assert.deepEqual(aria, ['Hikvision: why this product is flagged', 'false', 'dialog']);
      await page.click('#more');
      found = await badges(page, 5);
      assert.equal(found.length, 5);
      assert.deepEqual(found.slice(3).map((b) => b.vendor), ['hikvision', 'dahua']);
      await wait(300);
      const flags = await tabFlags(br, /DS-2CD2143G2-IS/);
      assert.equal(flags.toolbar, '5');  // the toolbar badge counts what was flagged on this page
      assert.equal(flags.items.length, 5);  // what the popup lists
      assert.equal(flags.site, 'rozetka.com.ua');
      if (SHOTS && kind === 'chromium') {
        await page.screenshot({ path: join(SHOTS, 'extension-badge.png'), clip: { x: 0, y: 0, width: 760, height: 280 } });
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
        const page = await br.newPage();
        await page.goto(url(host, path));
        const found = await badges(page, want.length);
        assert.deepEqual(found.map((b) => b.vendor), want, `${host}: ${JSON.stringify(found)}`);
        assert.ok(found.every((b) => !/^[a-z-]+$/.test(b.label)), `${host}: an id on a badge: ${JSON.stringify(found)}`);
        await page.close();
      }
    });

    test('amazon search: an OEM relabel is flagged with maker and brand, a compatible bracket is not, a late tile is', async () => {
      const page = await br.newPage();
      await page.goto(url('amazon.com', 'search.html'));
      const found = await badges(page, 2, 8000);
      assert.deepEqual(found.map((b) => b.vendor), ['dahua', 'hikvision']);
      assert.match(found[0].text, /Amcrest/);
      assert.equal(found[0].label, 'Dahua · Amcrest');
      assert.match(found[1].text, /HiLook/);
      assert.equal(found[1].label, 'Hikvision · HiLook');
      await page.$$eval('[data-sponsorwatch-vendor]', (els) => els[0].shadowRoot.querySelector('button').click());
      const text = await panelText(page);
      assert.match(text, /Made by Dahua/);
      assert.match(text, /Amcrest is reported to sell relabelled Dahua hardware\./);
      await page.close();
    });

    test('the panel speaks plainly: maker, the listing with its date, how sure and why; the rest under "More"', async () => {
      const page = await br.newPage();
      await page.goto(url('rozetka.com.ua', 'search.html'));
      await badges(page, 3);
      await page.click(BADGE);
      await page.waitForSelector(PANEL);
      const text = await panelText(page);
      const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
      assert.equal(lines[1], 'Made by Hikvision');  // after the close button
      assert.match(text, /Hikvision: Listed by Ukraine's NACP as an "international sponsor of war" on 5 June 2023\. \(the list was withdrawn from public view on 20 March 2024\) source/);
      assert.match(text, /How sure: certain — the model number DS-2CD2143G2-IS is a Hikvision camera model\./);
      assert.match(text, /Also:\s*the title names Hikvision/);
      assert.match(text, /More: all listings and sources \(\d+\)/);
      // No evidence kinds, no ids, and the other listings stay folded until asked for.
      assert.doesNotMatch(text, /alias-start|model-family|hikvision\b|NDAA/);
      // The badge sits inside the product's title link: clicking the panel's text does not follow that link.
      const at = page.url();
      await page.click('[data-sponsorwatch-vendor] >>> .p h2');
      await wait(200);
      assert.equal(await page.evaluate(() => location.href), at);
      assert.ok(await panelOpen(page));
      const more = await inPanel(page, (await page.$eval(PANEL, (p) => p.querySelector('summary').textContent)));
      await more.click();
      const unfolded = await panelText(page);
      assert.match(unfolded, /US NDAA FY2019 section 889/);
      assert.match(unfolded, /withdrawn from public view on 20 March 2024/);
      const links = await page.$eval(PANEL, (p) => [...p.querySelectorAll('a')].map((a) => [a.href, a.target, a.rel]));
      assert.ok(links.length >= 2);
      for (const [href, target, rel] of links) {
        assert.match(href, /^https:\/\//);
        assert.equal(target, '_blank');
        assert.equal(rel, 'noopener noreferrer');
      }
      await page.close();
    });

    test('keyboard: the badge opens with Enter, focus moves into the dialog, Escape closes and gives focus back', async () => {
      const page = await br.newPage();
      await page.goto(url('rozetka.com.ua', 'search.html'));
      await badges(page, 3);
      // Tab from the page's start reaches the first badge (it is a real button, in the tab order after its title link).
      await page.focus('#more').catch(() => {});
      await page.evaluate(() => document.activeElement?.blur());
      let reached = null;
      for (let i = 0; i < 20 && !reached; i += 1) {
        await page.keyboard.press('Tab');
        const f = await focused(page);
        if (f?.inShadow && /b/.test(f.className)) reached = f;
      }
      assert.ok(reached, 'Tab never reached a badge');
      assert.equal(reached.label, 'Hikvision: why this product is flagged');
      await page.keyboard.press('Enter');
      await page.waitForSelector(PANEL);
      const dialog = await page.$eval(PANEL, (p) => [p.getAttribute('role'), p.getRootNode().getElementById(p.getAttribute('aria-labelledby'))?.textContent, p.lang]);
      assert.deepEqual(dialog, ['dialog', 'Made by Hikvision', 'en']);
      assert.equal(await page.$eval(BADGE, (b) => b.getAttribute('aria-expanded')), 'true');
      assert.deepEqual(await focused(page).then((f) => [f.tag, f.label]), ['button', 'Close']);
      await page.keyboard.press('Tab');  // focus moves on inside the panel, Escape still closes it
      assert.ok((await focused(page)).inShadow);
      await page.keyboard.press('Escape');
      assert.equal(await panelOpen(page), false);
      assert.equal((await focused(page)).label, 'Hikvision: why this product is flagged');
      assert.equal(await page.$eval(BADGE, (b) => b.getAttribute('aria-expanded')), 'false');
      // The close button does the same.
      await page.keyboard.press('Enter');
      await page.waitForSelector(PANEL);
      await page.keyboard.press('Enter');  // on the focused close button
      assert.equal(await panelOpen(page), false);
      assert.equal((await focused(page)).label, 'Hikvision: why this product is flagged');
      await page.close();
    });

    test('axe-core: no serious or critical violations with the panel open (and with "More" unfolded)', async () => {
      const page = await br.newPage();
      await page.goto(url('rozetka.com.ua', 'search.html'));
      await badges(page, 3);
      await page.click(BADGE);
      await page.waitForSelector(PANEL);
      const closed = await axe(page);
      await (await inPanel(page, await page.$eval(PANEL, (p) => p.querySelector('summary').textContent))).click();
      const open = await axe(page);
      for (const [what, r] of [['panel open', closed], ['More unfolded', open]]) {
        console.log(`# axe (${kind}, ${what}): ${r.shadowChecked} checks inside the extension's shadow roots; violations: `
          + `${r.violations.map((v) => `${v.id} (${v.impact}, ${v.nodes.length})`).join(', ') || 'none'}`);
        assert.ok(r.shadowChecked > 20, `axe did not reach the extension's shadow roots (${r.shadowChecked})`);
        const bad = r.violations.filter((v) => ['serious', 'critical'].includes(v.impact));
        assert.deepEqual(bad, [], `${what}: ${JSON.stringify(bad, null, 1)}`);
      }
      if (SHOTS) await shotAround(page, kind === 'chromium' ? 'extension-panel-en.png' : 'extension-panel-en-firefox.png', kind);
      if (SHOTS && kind === 'chromium') {
        await page.$eval(PANEL, (p) => { p.querySelector('details').open = false; });
        await page.screenshot({ path: join(SHOTS, 'extension.png') });
      }
      await page.close();
    });

    test('the popup lists the flagged items with their makers, and "Show" scrolls the page to each', async () => {
      const page = await br.newPage();
      await page.setViewport({ width: 1280, height: 180 });  // short, so the last badge starts out of view
      await page.goto(url('rozetka.com.ua', 'search.html'));
      await badges(page, 3);
      await page.click('#more');
      await badges(page, 5);
      await page.evaluate(() => window.scrollTo(0, 0));  // the click scrolled down to the button
      await wait(300);
      const { tabId } = await tabFlags(br, /DS-2CD2143G2-IS/);
      // Opened as a page for this tab (a toolbar popup cannot be opened by WebDriver in either browser).
      const popup = await br.extensionPage(`popup/popup.html?tab=${tabId}`);
      await popup.setViewport({ width: 360, height: 560 });
      const rows = await popup.$$eval('#list li', (lis) => lis.map((li) => [li.querySelector('.v').textContent, li.querySelector('.t').textContent]));
      assert.equal(rows.length, 5);
      assert.deepEqual(rows.map(([m]) => m), ['Hikvision', 'Dahua', 'Hikvision · EZVIZ', 'Hikvision', 'Dahua']);
      assert.match(rows[0][1], /DS-2CD2143G2-IS/);
      assert.equal(await popup.$eval('#title', (h) => h.textContent), '5 flagged on this page');
      assert.equal(await popup.$eval('#state', (s) => s.textContent), 'On for rozetka.com.ua');
      assert.equal(await popup.$eval('#list li:last-child button', (b) => b.getAttribute('aria-label')), `Show on the page: ${rows[4][1]}`);
      const before = await page.$$eval('[data-sponsorwatch-vendor]', (els) => [els.at(-1).getBoundingClientRect().top, window.innerHeight]);
      assert.ok(before[0] > before[1], `the last badge should start below the fold: ${before}`);
      if (SHOTS && kind === 'chromium') await (await popup.$('main')).screenshot({ path: join(SHOTS, 'extension-popup.png') });
      await popup.click('#list li:last-child button');
      await until(async () => page.$$eval('[data-sponsorwatch-vendor]', (els) => {
        const r = els.at(-1).getBoundingClientRect();
        return r.top >= 0 && r.bottom <= window.innerHeight;
      }), 5000, 'the page did not scroll to the badge');
      const target = await page.$$eval('[data-sponsorwatch-vendor]', (els) => els.at(-1).shadowRoot.activeElement?.className);
      assert.match(String(target), /\bb\b/);  // the badge has the focus, ready for Enter
      await popup.close();
      await page.close();
    });

    test('options explain the server, what to flag and the sites in plain words; a bad address is refused, nothing lost', async () => {
      const opts = await br.extensionPage('options/options.html');
      await opts.setViewport({ width: 760, height: 900 });
      const text = await opts.$eval('main', (m) => m.innerText);
      if (SHOTS && kind === 'chromium') await (await opts.$('main')).screenshot({ path: join(SHOTS, 'extension-options.png') });
      assert.match(text, /never sends the page address, cookies or anything about you/);
      assert.match(text, /Only products of the listed makers/);
      assert.match(text, /rozetka\.com\.ua/);
      assert.match(text, /prozorro\.gov\.ua/);
      assert.equal(await opts.$eval('#language option[value=auto]', (o) => o.textContent), 'Same as the browser (English)');
      await opts.$eval('#backend', (i) => { i.value = 'not a url'; });
      await opts.click('button[type=submit]');
      assert.equal(await opts.$eval('#backend-error', (e) => e.textContent), 'Enter a full address, such as http://127.0.0.1:8080');
      assert.equal(await opts.$eval('#backend', (e) => e.getAttribute('aria-invalid')), 'true');
      assert.equal((await br.inExtension(() => chrome.storage.local.get('settings'))).settings.backend, be.url);  // unchanged
      await opts.$eval('#backend', (i, u) => { i.value = u; }, be.url);
      await opts.select('#language', 'uk');
      await opts.click('button[type=submit]');
      await until(async () => (await opts.$eval('#status', (s) => s.textContent)) === 'Збережено.', 5000, 'not saved');
      assert.match(await opts.$eval('main', (m) => m.innerText), /Що позначати/);
      assert.equal((await br.inExtension(() => chrome.storage.local.get('settings'))).settings.language, 'uk');
      const axeOptions = await axe(opts);
      assert.deepEqual(axeOptions.violations.filter((v) => ['serious', 'critical'].includes(v.impact)), []);
      await opts.close();
      await configure(br, be.url, { language: 'en' });
    });

    test('a Ukrainian interface: badge, panel and listings in Ukrainian, worded as the maker\'s', async () => {
      await configure(br, be.url, { language: 'uk' });
      const page = await br.newPage();
      await page.goto(url('rozetka.com.ua', 'search.html'));
      const found = await badges(page, 3);
      assert.deepEqual(found.map((b) => b.label), ['Hikvision', 'Dahua', 'Hikvision · EZVIZ']);
      assert.equal(await page.$eval(BADGE, (b) => b.getAttribute('aria-label')), 'Hikvision: чому позначено цей товар');
      await page.click(BADGE);
      await page.waitForSelector(PANEL);
      const text = await panelText(page);
      assert.match(text, /Виробник: Hikvision/);
      assert.match(text, /Hikvision: НАЗК внесло до переліку «міжнародних спонсорів війни» 5 червня 2023 року\. \(перелік прибрали з публічного доступу 20 березня 2024 року\) джерело/);
      assert.match(text, /Наскільки певно: напевно — номер моделі DS-2CD2143G2-IS — це модель камери Hikvision\./);
      assert.doesNotMatch(text, /Made by|How sure|Listed by/);
      assert.equal(await page.$eval(PANEL, (p) => p.lang), 'uk');
      await page.$$eval('[data-sponsorwatch-vendor]', (els) => els[2].shadowRoot.querySelector('button').click());
      assert.match(await page.$$eval('[data-sponsorwatch-vendor]', (els) => els[2].shadowRoot.querySelector('.p').innerText),
        /EZVIZ — дочірня компанія Hikvision\./);
      await page.close();
      await configure(br, be.url, { language: 'en' });
    });

    test('the language follows the browser: a Ukrainian browser gets Ukrainian unless the options say otherwise', async () => {
      const uk = await browser(kind, { lang: 'uk' });
      try {
        await configure(uk, be.url);  // language: auto, the default
        const page = await uk.newPage();
        await page.goto(url('rozetka.com.ua', 'search.html'));
        await badges(page, 3);
        await page.click(BADGE);
        await page.waitForSelector(PANEL);
        assert.match(await panelText(page), /Виробник: Hikvision/);
        const r = await axe(page);
        assert.deepEqual(r.violations.filter((v) => ['serious', 'critical'].includes(v.impact)), []);
        if (SHOTS && kind === 'chromium') await shotAround(page, 'extension-panel-uk.png', kind);
        await configure(uk, be.url, { language: 'en' });  // the options' choice wins over the browser's
        await page.reload();
        await badges(page, 3);
        await page.click(BADGE);
        await page.waitForSelector(PANEL);
        assert.match(await panelText(page), /Made by Hikvision/);
        await configure(uk, be.url);
        const popup = await uk.extensionPage('popup/popup.html?tab=999999');
        await until(async () => (await popup.$eval('#title', (h) => h.textContent).catch(() => '')) === 'Позначено на цій сторінці', 5000, 'popup not in Ukrainian');
      } finally {
        await uk.close();
      }
    });

    test('the panel\'s buttons: report a wrong flag, hide an item, turn a site off — and they stick', async () => {
      const page = await br.newPage();
      await page.goto(url('rozetka.com.ua', 'search.html'));
      await badges(page, 3);
      await page.click(BADGE);
      await page.waitForSelector(PANEL);
      await (await inPanel(page, 'Report a wrong flag')).click();
      await until(async () => /Thank you — reported\./.test(await panelText(page)), 5000, 'no thanks');
      await (await inPanel(page, 'Hide this item')).click();
      assert.equal((await badges(page, 2)).length, 2);
      await page.reload();
      const after = await badges(page, 2);
      assert.equal(after.length, 2);
      assert.ok(!after.some((b) => /DS-2CD2143G2-IS/.test(b.text)));
      await page.click(BADGE);
      await page.waitForSelector(PANEL);
      await (await inPanel(page, 'Turn off on this site')).click();
      await until(async () => (await page.$$('[data-sponsorwatch-vendor]')).length === 0, 5000, 'badges stayed');
      await page.reload();
      await wait(1500);
      assert.equal((await page.$$('[data-sponsorwatch-vendor]')).length, 0);
      const rows = execFileSync(be.python, ['-c', `import sqlite3;print(sqlite3.connect(${JSON.stringify(be.db.replace('sqlite:///', ''))}).execute("select count(*) from feedback").fetchone()[0])`]).toString().trim();
      assert.equal(rows, '1');
      await configure(br, be.url, { language: 'en' });
      await page.close();
    });

    test('shop pages cannot load the extension\'s files: the extension is not detectable by its URLs', async () => {
      const page = await br.newPage();
      await page.goto(url('rozetka.com.ua', 'search.html'));
      assert.equal((await badges(page, 3)).length, 3);  // the content script and everything it needs still run
      // What a fingerprinting page does: request files every copy of the extension has, at the extension's static
      // URL. (In Firefox the URL holds a random per-install UUID a page cannot know; the tests pin it, and the files
      // are refused all the same, since none is web-accessible.)
      const probes = await page.evaluate(async (origin) => {
        const out = {};
        for (const path of ['lib/adapters.js', 'lib/sites.js', 'lib/extract.js', 'lib/i18n.js', 'content/content.js', 'data/snapshot.json']) {
          try { out[path] = (await fetch(`${origin}/${path}`)).ok ? 'loaded' : 'refused'; } catch { out[path] = 'refused'; }
        }
        out.import = await import(`${origin}/lib/policy.js`).then(() => 'loaded', () => 'refused');
        return out;
      }, br.origin);
      assert.deepEqual(Object.entries(probes).filter(([, v]) => v !== 'refused'), []);
      await page.close();
    });

    test('a product page with a 5,000-character JSON-LD brand is still judged by the backend, not offline', async () => {
      const brand = `Hikvision ${'x'.repeat(5000)}`;
      const html = `<!doctype html><html lang="uk"><head><meta charset="utf-8"><title>t</title><script type="application/ld+json">${JSON.stringify({
        '@type': 'Product', name: 'IP-камера Hikvision DS-2CD2143G2-IS', brand: { '@type': 'Brand', name: brand }, mpn: 'm'.repeat(3000) })}</script>`
        + '</head><body><h1 data-qaid="page_title">IP-камера Hikvision DS-2CD2143G2-IS</h1></body></html>';
      const extra = await fixtureServer({ 'prom.ua/long-brand.html': html });
      try {
        const page = await br.newPage();
        await page.goto(`http://prom.ua:${extra.address().port}/long-brand.html`);
        assert.deepEqual((await badges(page, 1)).map((b) => b.vendor), ['hikvision']);
        await page.click(BADGE);
        await page.waitForSelector(PANEL);
        assert.match(await panelText(page), /Made by Hikvision/);
        assert.doesNotMatch(await panelText(page), /Checked offline/);  // the backend answered: nothing was refused
        await page.close();
      } finally {
        extra.close();
      }
    });

    test('grocery and cosmetics shops: brands flagged as their listed company\'s, ordinary words and sold brands not', async () => {
      // zakaz.ua is on the browsers' HSTS preload list (subdomains included): both upgrade http://novus.zakaz.ua to
      // https, which the loopback fixture server does not speak. Its adapter is covered on its fixtures in unit.test.mjs.
      for (const [host, path, want, traps] of GROCERY.filter(([h]) => !h.endsWith('zakaz.ua'))) {
        const page = await br.newPage();
        await page.goto(url(host, path));
        const found = await badges(page, want.length);
        assert.deepEqual(found.map((b) => b.label), want, `${host}: ${JSON.stringify(found)}`);
        for (const trap of traps) assert.ok(!found.some((b) => trap.test(b.text)), `${host}: ${trap} flagged`);
        await page.close();
      }
    });

    test('a consumer brand\'s panel names the company and NACP\'s listing with its status; "camera makers only" hides it', async () => {
      const page = await br.newPage();
      await page.goto(url('atbmarket.com', 'catalog.html'));
      await badges(page, 3);
      await page.click(BADGE);
      await page.waitForSelector(PANEL);
      const text = await panelText(page);
      assert.match(text, /Made by PepsiCo/);
      assert.match(text, /7UP is a PepsiCo brand\./);
      assert.match(text, /PepsiCo: Listed by Ukraine's NACP as an "international sponsor of war" [^.]*\. \(the list was withdrawn from public view on 20 March 2024\)/);
      assert.match(text, /How sure: very likely — the title names 7UP, a PepsiCo brand\./);  // 7UP's ownership is sourced with medium confidence
      await page.close();
      await configure(br, be.url, { language: 'en', scope: 'cameras' });
      for (const [host, path, n] of [['atbmarket.com', 'catalog.html', 0], ['rozetka.com.ua', 'search.html', 3]]) {
        const p = await br.newPage();
        await p.goto(url(host, path));
        if (!n) await wait(2500);  // time for badges that must not come
        assert.equal((await badges(p, n, n ? 10000 : 100)).length, n, host);
        await p.close();
      }
      await configure(br, be.url, { language: 'en' });
    });

    test('"Don\'t flag Mirinda again" from the panel and from the popup; the options list the brands and undo it', async () => {
      const page = await br.newPage();
      await page.goto(url('atbmarket.com', 'catalog.html'));
      assert.deepEqual((await badges(page, 3)).map((b) => b.label), ['PepsiCo · 7UP', 'PepsiCo · Mirinda', 'PepsiCo · Mirinda']);
      await page.$$eval('[data-sponsorwatch-vendor]', (els) => els[1].shadowRoot.querySelector('button').click());
      await page.waitForSelector(PANEL);
      await (await inPanel(page, 'Don\'t flag Mirinda again')).click();
      await until(async () => (await page.$$('[data-sponsorwatch-vendor]')).length === 1, 5000, 'the Mirinda badges stayed');
      assert.deepEqual((await badges(page, 1)).map((b) => b.label), ['PepsiCo · 7UP']);
      // The popup offers the same, and the page follows at once.
      await wait(300);
      const { tabId } = await tabFlags(br, /7UP/);
      const popup = await br.extensionPage(`popup/popup.html?tab=${tabId}`);
      const hide = await popup.$('#list li:first-child .acts button:last-child');
      assert.equal(await hide.evaluate((b) => b.getAttribute('aria-label')), 'Don\'t flag 7UP again');
      await hide.click();
      await until(async () => (await page.$$('[data-sponsorwatch-vendor]')).length === 0, 5000, 'the 7UP badge stayed');
      assert.match(await popup.$eval('#status', (e) => e.textContent), /7UP will not be flagged again/);
      await popup.close();
      await page.reload();
      await wait(2000);
      assert.equal((await page.$$('[data-sponsorwatch-vendor]')).length, 0);
      const opts = await br.extensionPage('options/options.html');
      assert.deepEqual(await opts.$$eval('#brands button', (bs) => bs.map((b) => [b.textContent, b.getAttribute('aria-label')])),
        [['Mirinda ✕', 'Flag Mirinda again'], ['7UP ✕', 'Flag 7UP again']]);
      const axeOptions = await axe(opts);
      assert.deepEqual(axeOptions.violations.filter((v) => ['serious', 'critical'].includes(v.impact)), []);
      await opts.click('#brands button');
      await until(async () => (await opts.$$('#brands button')).length === 1, 5000, 'Mirinda not undone');
      await opts.close();
      await page.reload();
      assert.deepEqual((await badges(page, 2)).map((b) => b.label), ['PepsiCo · Mirinda', 'PepsiCo · Mirinda']);
      await page.close();
      await configure(br, be.url, { language: 'en' });
    });

    test('a Prozorro tender page: the server\'s findings in the tender\'s documents, only when the user turned it on', async () => {
      // A real audit (the local Prozorro replay, a generated .docx tech spec, the real auditor) stored in the backend's database.
      const tenderID = execFileSync(be.python, ['-m', 'tests.extension.tender_seed', be.db], { cwd: ROOT }).toString().trim();
      assert.match(tenderID, /^UA-\d{4}-\d{2}-\d{2}-\d{6}-a$/);
      const fixture = readFileSync(join(HERE, 'fixtures', 'prozorro.gov.ua', 'tender.html'), 'utf8');
      const pageFor = (id) => fixture.replace('UA-2024-03-11-001234-a', id);
      const unchecked = 'UA-2024-05-07-999999-a';
      const extra = await fixtureServer({ [`prozorro.gov.ua/tender/${tenderID}`]: pageFor(tenderID), [`prozorro.gov.ua/tender/${unchecked}`]: pageFor(unchecked) });
      const at = (id) => `http://prozorro.gov.ua:${extra.address().port}/tender/${id}`;
      const TENDER = '[data-sponsorwatch-tender] >>> button.b';
      try {
        let page = await br.newPage();
        await page.goto(at(tenderID));  // off by default: the tender's id is not sent, nothing is shown
        await badges(page, 2);
        await wait(1000);
        assert.equal(await page.$('[data-sponsorwatch-tender]'), null);
        await page.close();
        const opts = await br.extensionPage('options/options.html');
        assert.match(await opts.$eval('main', (m) => m.innerText), /sends the tender's public ID/);
        assert.equal(await opts.$eval('#tender-documents', (c) => c.checked), false);
        await opts.click('#tender-documents');
        await opts.click('button[type=submit]');
        await until(async () => (await br.inExtension(() => chrome.storage.local.get('settings'))).settings.tenderDocuments === true, 5000, 'not saved');
        await opts.close();
        page = await br.newPage();
        await page.goto(at(tenderID));
        await page.waitForSelector(TENDER, { timeout: 10000 });
        assert.equal(await page.$eval(TENDER, (b) => b.textContent), 'In the documents: Dahua');
        await page.click(TENDER);
        await page.waitForSelector('[data-sponsorwatch-tender] >>> .p');
        const text = await page.$eval('[data-sponsorwatch-tender] >>> .p', (p) => p.innerText);
        assert.match(text, /Found in the tender's documents/);
        assert.match(text, /In the tech spec «Технічна специфікація\.docx», paragraph 3: «Камера Dahua IPC-HFW2431S-S-S2 або еквівалент, 4 Мп, ІЧ-підсвічування 30 м» — the buyer specified a Dahua product\./);
        const r = await axe(page);
        assert.deepEqual(r.violations.filter((v) => ['serious', 'critical'].includes(v.impact)), []);
        await page.keyboard.press('Escape');
        assert.equal(await page.$('[data-sponsorwatch-tender] >>> .p'), null);
        await page.close();
        page = await br.newPage();  // a tender the backend never checked (404): nothing said
        await page.goto(at(unchecked));
        await badges(page, 2);
        await wait(1000);
        assert.equal(await page.$('[data-sponsorwatch-tender]'), null);
        await page.close();
        await configure(br, be.url, { language: 'uk', tenderDocuments: true });
        page = await br.newPage();
        await page.goto(at(tenderID));
        await page.waitForSelector(TENDER, { timeout: 10000 });
        await page.click(TENDER);
        assert.match(await page.$eval('[data-sponsorwatch-tender] >>> .p', (p) => p.innerText),
          /У технічній специфікації «Технічна специфікація\.docx», абзац 3: «Камера Dahua .*» — замовник вказав продукцію Dahua\./);
        await page.close();
      } finally {
        extra.close();
        await configure(br, be.url, { language: 'en' });
      }
    });

    test('offline: with the backend stopped the bundled snapshot still flags exact matches, in the same words', async () => {
      be.proc.kill();
      await wait(500);
      const page = await br.newPage();
      await page.goto(url('hotline.ua', 'search.html'));
      const found = await badges(page, 1);
      assert.deepEqual(found.map((b) => b.vendor), ['hikvision']);
      assert.equal(found[0].label, 'Hikvision');
      await page.click(BADGE);
      await page.waitForSelector(PANEL);
      const text = await panelText(page);
      assert.match(text, /Checked offline/);
      assert.match(text, /Made by Hikvision/);
      assert.match(text, /Hikvision: Listed by Ukraine's NACP as an "international sponsor of war" on 5 June 2023\./);
      await page.close();
    });
  });
}
