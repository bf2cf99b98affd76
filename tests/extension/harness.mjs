// Shared end-to-end harness: fixture sites on loopback (chosen by Host header), the real backend, and headless
// Chromium with the unpacked extension. Chromium resolves the shop hostnames to 127.0.0.1 and nothing else.
import { createServer } from 'node:http';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(HERE, '..', '..');
export const EXT = join(ROOT, 'extension');
// Hostnames Chromium sends to the fixture server: every host of every supported site, from the list the extension
// is built from, and a subdomain the benchmark (bench/extension_bench.mjs) serves its page on.
export const SITES = [...JSON.parse(readFileSync(join(EXT, 'sites.json'), 'utf8')).sites.flatMap((s) => s.hosts), 'bench.rozetka.com.ua'];
const CHROMIUM = process.env.CHROMIUM || ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

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

export async function browser() {
  const profile = mkdtempSync(join(tmpdir(), 'sw-chromium-'));
  const rules = [...SITES.map((s) => `MAP ${s} 127.0.0.1`), 'MAP * ~NOTFOUND', 'EXCLUDE 127.0.0.1'].join(', ');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: false,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync', '--disable-background-networking',
      '--disable-component-update', '--disable-features=Translate,OptimizationHints,MediaRouter', `--host-resolver-rules=${rules}`,
      `--disable-extensions-except=${EXT}`, `--load-extension=${EXT}`],
    viewport: { width: 1280, height: 900 },
  });
  let [worker] = context.serviceWorkers();
  if (!worker) worker = await context.waitForEvent('serviceworker', { timeout: 20000 });
  return { context, worker, extensionId: new URL(worker.url()).host };
}

export async function configure(worker, backendUrl, patch = {}) {
  await worker.evaluate(async ([url, p]) => {
    await chrome.storage.local.set({ settings: { backend: url, language: 'en', strictness: 'broad', disabledSites: [], dismissed: [], ...p } });
    await chrome.storage.local.remove(['verdictCache']);
  }, [backendUrl, patch]);
}

export async function badges(page, expected, timeout = 10000) {
  const loc = page.locator('[data-sponsorwatch-vendor]');
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (await loc.count() >= expected) break;
    await page.waitForTimeout(100);
  }
  await page.waitForTimeout(300);  // let any stray extra badge appear before we count
  return loc.evaluateAll((els) => els.map((e) => ({ vendor: e.getAttribute('data-sponsorwatch-vendor'),
    text: (e.previousElementSibling || e.parentElement).textContent.trim() })));
}
