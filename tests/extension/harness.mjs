// Shared end-to-end harness: fixture sites on loopback (chosen by Host header), the real backend, and the unpacked
// extension in a real headless browser — Chromium (puppeteer-core over CDP) or Firefox ESR (puppeteer-core over
// WebDriver BiDi, the extension installed as a temporary add-on). Both browsers resolve the shop hostnames to
// 127.0.0.1 and nothing else. Where the browsers differ, the functions here say so.
import { createServer } from 'node:http';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';

export const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(HERE, '..', '..');
// SPONSORWATCH_EXTENSION_DIR: another copy of the extension (e.g. an older one, to compare accessibility findings).
export const EXT = process.env.SPONSORWATCH_EXTENSION_DIR || join(ROOT, 'extension');
// Hostnames the browsers send to the fixture server: every host of every supported site, from the list the extension
// is built from, every fixture folder, and a subdomain the benchmark (bench/extension_bench.mjs) serves its page on.
// Fixture folders named after a subdomain (novus.zakaz.ua) are served under that name too.
export const SITES = [...new Set([...JSON.parse(readFileSync(join(ROOT, 'extension', 'sites.json'), 'utf8')).sites.flatMap((s) => s.hosts),
  ...readdirSync(join(HERE, 'fixtures'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name), 'bench.rozetka.com.ua'])];
const CHROMIUM = process.env.CHROMIUM || ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const FIREFOX = process.env.FIREFOX || ['/usr/bin/firefox-esr', '/usr/bin/firefox'].find((p) => existsSync(p));
// The browsers the end-to-end suite runs in (both by default; ./dev test installs both).
export const BROWSERS = (process.env.SPONSORWATCH_BROWSERS || 'chromium,firefox').split(',').map((s) => s.trim()).filter(Boolean);
const GECKO_ID = JSON.parse(readFileSync(join(ROOT, 'extension', 'manifest.json'), 'utf8')).browser_specific_settings.gecko.id;
// Firefox gives each install a random moz-extension://<UUID>; the tests pin it (pref extensions.webextensions.uuids)
// so they can open the extension's pages. A real install's UUID stays random.
const FIREFOX_UUID = '5e6b2f0a-7c1d-4e8a-9b3f-2a1c0d9e8f71';
const LANG = { en: 'en-US,en', uk: 'uk-UA,uk,en-US,en' };

export function fixtureServer(extra = {}) {
  const server = createServer((req, res) => {
    const host = String(req.headers.host || '').split(':')[0];
    const path = new URL(req.url, 'http://x').pathname;
    if (extra[`${host}${path}`]) { res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }); res.end(extra[`${host}${path}`]); return; }
    const file = normalize(join(HERE, 'fixtures', host, path));
    if (!file.startsWith(join(HERE, 'fixtures')) || !existsSync(file)) { res.writeHead(404); res.end('not found'); return; }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

export async function backend() {
  const python = process.env.PYTHON || join(ROOT, '.venv', 'bin', 'python');
  const dir = mkdtempSync(join(tmpdir(), 'sw-ext-'));
  const port = 18000 + Math.floor(Math.random() * 2000);
  const db = `sqlite:///${dir}/inventory.db`;
  const proc = spawn(python, ['-m', 'sponsorwatch', 'serve', '--host', '127.0.0.1', '--port', String(port), '--db', db],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 150; i += 1) {
    try { if ((await fetch(`${url}/api/v1/catalog/snapshot`)).ok) return { url, db, proc, python }; } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill();
  throw new Error('backend did not start');
}

async function launchChromium(lang) {
  if (!CHROMIUM) throw new Error('Chromium not found (apt-get install chromium, or set CHROMIUM)');
  const rules = [...SITES.map((s) => `MAP ${s} 127.0.0.1`), 'MAP * ~NOTFOUND', 'EXCLUDE 127.0.0.1'].join(', ');
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM, headless: true, pipe: true, enableExtensions: [EXT], defaultViewport: { width: 1280, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync', '--disable-background-networking',
      '--disable-component-update', '--disable-features=Translate,OptimizationHints,MediaRouter', `--host-resolver-rules=${rules}`,
      `--lang=${lang}`, `--accept-lang=${LANG[lang]}`],
    env: { ...process.env, LANGUAGE: lang },
  });
  // Chromium runs the background as a service worker; its URL names the extension's id.
  const worker = await browser.waitForTarget((t) => t.type() === 'service_worker' && t.url().startsWith('chrome-extension://'), { timeout: 20000 });
  return { browser, origin: `chrome-extension://${new URL(worker.url()).host}` };
}

async function launchFirefox(lang) {
  if (!FIREFOX) throw new Error('Firefox not found (apt-get install firefox-esr, or set FIREFOX)');
  const browser = await puppeteer.launch({
    browser: 'firefox', executablePath: FIREFOX, headless: true, defaultViewport: { width: 1280, height: 900 },
    // Firefox 153 lets WebDriver open only http(s), file and about:blank pages unless system access is allowed; the
    // tests open the extension's own pages (moz-extension://).
    args: ['--remote-allow-system-access'],
    extraPrefsFirefox: {
      'network.dns.localDomains': SITES.join(','),  // the shop hostnames resolve to loopback
      'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: FIREFOX_UUID }),
      'intl.accept_languages': LANG[lang].replace(/,/g, ', '),
      'intl.locale.requested': lang === 'uk' ? 'uk,en-US' : 'en-US',
    },
  });
  // Firefox runs the background as an event page (background.scripts), with no target of its own: the extension is
  // installed over BiDi (webExtension.install) as a temporary add-on, which gets its host permissions at once.
  const id = await browser.installExtension(EXT);
  if (id !== GECKO_ID) throw new Error(`installed ${id}, expected ${GECKO_ID}`);
  return { browser, origin: `moz-extension://${FIREFOX_UUID}` };
}

/** A browser with the extension loaded: kind is 'chromium' or 'firefox'; lang its language ('en' or 'uk'). */
export async function browser(kind = 'chromium', { lang = 'en' } = {}) {
  const { browser: b, origin } = kind === 'firefox' ? await launchFirefox(lang) : await launchChromium(lang);
  const br = {
    kind, browser: b, origin, control: null,
    newPage: () => b.newPage(),
    /** A page of the extension (options, popup), loaded. */
    async extensionPage(path, page = null) {
      const p = page || await b.newPage();
      const url = `${origin}/${path}`;
      if (kind === 'chromium') {
        await p.goto(url);
      } else {
        // Firefox's BiDi sends no load event for moz-extension pages, so the navigation is started and then polled.
        await p.goto(url, { timeout: 1500 }).catch((e) => { if (e.name !== 'TimeoutError') throw e; });
        await until(async () => (await p.evaluate(() => `${location.href} ${document.readyState}`).catch(() => '')) === `${url} complete`, 10000, `${url} did not load`);
      }
      return p;
    },
    /** Run fn(arg) in an extension page (which has the browser.* / chrome.* APIs). */
    async inExtension(fn, arg) {
      br.control ??= await br.extensionPage('options/options.html');
      return br.control.evaluate(fn, arg);
    },
    close: () => b.close(),
  };
  return br;
}

export async function until(check, timeout, message) {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(message);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function configure(br, backendUrl, patch = {}) {
  await br.inExtension(async ([url, p]) => {
    await chrome.storage.local.set({ settings: { backend: url, language: 'auto', strictness: 'broad', disabledSites: [], dismissed: [], ...p } });
    await chrome.storage.local.remove(['verdictCache']);
  }, [backendUrl, patch]);
}

/** The badges on a page once at least `expected` are there (or the time is up): maker id, badge text, title. */
export async function badges(page, expected, timeout = 10000) {
  const read = () => page.$$eval('[data-sponsorwatch-vendor]', (els) => els.map((e) => ({
    vendor: e.getAttribute('data-sponsorwatch-vendor'), label: e.shadowRoot?.querySelector('button')?.textContent ?? '',
    text: (e.previousElementSibling || e.parentElement).textContent.trim() })));
  await until(async () => (await read()).length >= expected, timeout, '').catch(() => {});
  await new Promise((r) => setTimeout(r, 300));  // let any stray extra badge appear before we count
  return read();
}

/** The flags the extension keeps for the tab showing `site` with an item matching `pattern`, and that tab's id. */
export async function tabFlags(br, pattern) {
  return br.inExtension(async (source) => {
    const re = new RegExp(source);
    const all = await chrome.storage.session.get(null);
    const hit = Object.entries(all).find(([k, v]) => k.startsWith('tab:') && v.items.some((f) => re.test(f.text)));
    if (!hit) return null;
    const tabId = Number(hit[0].slice(4));
    return { tabId, ...hit[1], toolbar: await chrome.action.getBadgeText({ tabId }) };
  }, pattern.source);
}

/** What has the keyboard focus, looking through open shadow roots. */
export function focused(page) {
  return page.evaluate(() => {
    let el = document.activeElement;
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
    return el ? { tag: el.tagName.toLowerCase(), text: el.textContent.trim().slice(0, 80), label: el.getAttribute('aria-label'),
      className: el.className, inShadow: el.getRootNode() !== document } : null;
  });
}

const AXE = readFileSync(join(HERE, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

/** axe-core on the page as it is (open shadow roots included): violations, and how many nodes were checked inside
 * the extension's shadow roots (so a run that never reached them cannot pass unnoticed). */
export async function axe(page) {
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations', 'passes'] });
    const inShadow = (n) => Array.isArray(n.target[0]);
    const shadowChecked = [...r.passes, ...r.violations].reduce((k, rule) => k + rule.nodes.filter(inShadow).length, 0);
    return { shadowChecked, violations: r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.flat().join(' >>> '), summary: n.failureSummary })) })) };
  });
}
