// Content script: finds product titles, asks the service worker (never the network), and puts a small badge
// in a shadow root next to flagged products. One MutationObserver queues added nodes only; work runs
// in debounced batches. Everything shown is built with textContent.
// The source: node extension/build.mjs bundles it with the lib/ modules it imports into content/content.js, the
// script the manifest runs (so no file of the extension needs to be, or is, reachable from a page).
import { adapterFor } from '../lib/adapters.js';
import { pageCandidates, tileCandidates } from '../lib/extract.js';
import { shouldFlag, safeUrl } from '../lib/policy.js';
import { t } from '../lib/i18n.js';

(async () => {
  if (window.top !== window || window.__sponsorwatch) return;
  window.__sponsorwatch = true;

  const settings = await chrome.runtime.sendMessage({ type: 'settings' });
  const site = location.hostname.replace(/^www\./, '');
  if (settings.disabledSites.includes(site)) return;
  const lang = settings.language;
  const adapter = adapterFor(location.hostname);
  const seen = new WeakSet();
  const pending = new Set();
  const HOST_ATTR = 'data-sponsorwatch-vendor';
  const BADGES_PER_TASK = 40;
  // Main-thread time this script spends (its synchronous parts), shown on the page only in debug mode.
  let busyMs = 0;
  function timed(fn) {
    return (...args) => {
      const start = performance.now();
      try { return fn(...args); } finally {
        busyMs += performance.now() - start;
        if (settings.debug) document.documentElement.dataset.sponsorwatchBusyMs = busyMs.toFixed(2);
      }
    };
  }
  let timer = null;
  let lastUrl = location.href;

  const CSS = `
      button.b{font:600 11px/1.6 system-ui,sans-serif;color:#fff;background:#b3261e;border:0;border-radius:9px;padding:0 7px;margin:0 4px;cursor:pointer}
      .p{position:absolute;z-index:2147483647;max-width:360px;background:#fff;color:#1d232b;border:1px solid #d0d5db;border-radius:8px;
         box-shadow:0 6px 24px rgba(0,0,0,.18);padding:10px 12px;font:13px/1.45 system-ui,sans-serif;text-align:left}
      .p h3{font-size:14px;margin:0 0 6px}.p ul{margin:4px 0 8px 16px;padding:0}.p a{color:#1f4e8c}
      .p .r{display:flex;gap:6px;flex-wrap:wrap;margin-top:6px}.p .r button{font:12px system-ui;border:1px solid #c5ccd4;background:#f4f6f8;border-radius:5px;cursor:pointer}
      .m{color:#69737f;font-size:12px}`;
  let sheet = null;

  /** One constructable stylesheet shared by every badge (a <style> per badge costs time on long pages). */
  function adoptStyles(root) {
    try {
      if (!sheet) { sheet = new CSSStyleSheet(); sheet.replaceSync(CSS); }
      root.adoptedStyleSheets = [sheet];
    } catch {
      const style = document.createElement('style');
      style.textContent = CSS;
      root.append(style);
    }
  }

  function badge(anchor, item, verdict) {
    const host = document.createElement('span');
    host.setAttribute(HOST_ATTR, verdict.vendor);
    host.setAttribute('data-sponsorwatch', '');
    host.style.all = 'initial';
    const root = host.attachShadow({ mode: 'open' });  // open: styles stay isolated and tests and assistive tech can reach it
    adoptStyles(root);
    const button = document.createElement('button');
    button.className = 'b';
    button.type = 'button';
    button.textContent = `⚠ ${t(lang, 'badge')}: ${verdict.vendor}`;
    root.append(button);
    let panel = null;
    button.addEventListener('click', (ev) => {
      ev.preventDefault();
      ev.stopPropagation();
      if (panel) { panel.remove(); panel = null; return; }
      panel = renderPanel(host, item, verdict);
      root.append(panel);
    });
    anchor.insertAdjacentElement('afterend', host);
    return host;
  }

  function line(tag, text, cls) {
    const el = document.createElement(tag);
    el.textContent = text;
    if (cls) el.className = cls;
    return el;
  }

  function relationText(v) {
    const key = { brand: 'brandOf', subsidiary: 'subsidiaryOf', oem: 'oemOf', 'former-subsidiary': 'formerOf' }[v.relation];
    return key ? `${v.brand} — ${t(lang, key)} ${v.vendor}` : v.vendor;
  }

  function renderPanel(host, item, verdict) {
    const p = document.createElement('div');
    p.className = 'p';
    p.append(line('h3', `${t(lang, 'maker')}: ${relationText(verdict)}`));
    const conf = verdict.confidence >= 0.8 ? 'high' : verdict.confidence >= 0.5 ? 'medium' : 'low';
    p.append(line('div', `${t(lang, 'confidence')}: ${t(lang, conf)} (${Number(verdict.confidence).toFixed(2)})`, 'm'));
    if (verdict.explanation) p.append(line('p', verdict.explanation));
    const ev = (verdict.evidence || []).filter((e) => !e.mention).map((e) => `${e.kind}: ${e.term}`);
    if (ev.length) { p.append(line('div', t(lang, 'why'), 'm')); const ul = document.createElement('ul'); ev.slice(0, 4).forEach((x) => ul.append(line('li', x))); p.append(ul); }
    const des = verdict.designations || [];
    if (des.length) {
      p.append(line('div', t(lang, 'designations'), 'm'));
      const ul = document.createElement('ul');
      for (const d of des.slice(0, 6)) {
        // The listing's summary in the interface language (the knowledge base carries English and Ukrainian).
        const li = line('li', (lang === 'uk' && d.summary_uk) || d.summary || `${d.short} (${d.date_text || d.date})`);
        const url = safeUrl(d.url || (d.sources || []).map((s) => s.url).find(Boolean));
        if (url) { const a = line('a', ` ${t(lang, 'source')}`); a.href = url; a.target = '_blank'; a.rel = 'noopener noreferrer'; li.append(a); }
        ul.append(li);
      }
      p.append(ul);
    }
    if (verdict.source === 'offline') p.append(line('div', t(lang, 'offline'), 'm'));
    const row = document.createElement('div');
    row.className = 'r';
    const dismiss = line('button', t(lang, 'dismiss'));
    dismiss.addEventListener('click', async () => {
      await chrome.runtime.sendMessage({ type: 'dismiss-item', text: item.text });
      host.remove();
      report();
    });
    const off = line('button', t(lang, 'dismissSite'));
    off.addEventListener('click', async () => {
      await chrome.runtime.sendMessage({ type: 'site-off', site });
      document.querySelectorAll('[data-sponsorwatch]').forEach((n) => n.remove());
      observer.disconnect();
      report();
    });
    const wrong = line('button', t(lang, 'report'));
    wrong.addEventListener('click', async () => {
      await chrome.runtime.sendMessage({ type: 'feedback', text: item.text, verdict });
      wrong.replaceWith(line('span', t(lang, 'reported'), 'm'));
    });
    row.append(dismiss, off, wrong);
    p.append(row);
    return p;
  }

  function report() {
    const flagged = [...document.querySelectorAll(`[${HOST_ATTR}]`)].map((n) => ({
      vendor: n.getAttribute(HOST_ATTR), text: n.previousElementSibling ? n.previousElementSibling.textContent.trim().slice(0, 200) : '' }));
    chrome.runtime.sendMessage({ type: 'flagged', items: flagged }).catch(() => {});
  }

  async function judge(candidates) {
    const fresh = candidates.filter((c) => c.anchor && !seen.has(c.anchor));
    fresh.forEach((c) => seen.add(c.anchor));
    if (!fresh.length) return;
    const { verdicts, dismissed } = await chrome.runtime.sendMessage({
      type: 'lookup', items: fresh.map((c) => ({ text: c.text, fields: c.fields })) });
    const strictness = (await chrome.runtime.sendMessage({ type: 'settings' })).strictness;
    const todo = fresh.map((c, i) => [c, verdicts[i]])
      .filter(([c, v]) => shouldFlag(v, strictness) && !dismissed.includes(c.text) && !c.anchor.nextElementSibling?.hasAttribute?.('data-sponsorwatch'));
    const insert = timed((chunk) => { for (const [c, v] of chunk) if (c.anchor.isConnected) badge(c.anchor, c, v); });
    for (let start = 0; start < todo.length; start += BADGES_PER_TASK) {
      if (start) await new Promise((r) => setTimeout(r, 0));  // yield: no long task however many products are flagged
      insert(todo.slice(start, start + BADGES_PER_TASK));
    }
    timed(report)();
  }

  const flush = timed(() => {
    timer = null;
    const roots = [...pending].filter((n) => n.isConnected);
    pending.clear();
    const candidates = roots.flatMap((r) => tileCandidates(r, adapter));
    requestAnimationFrame(() => { judge(candidates).catch(() => {}); });
  });

  const observer = new MutationObserver(timed((records) => {
    for (const r of records) {
      for (const n of r.addedNodes) {
        if (n.nodeType === 1 && !n.hasAttribute('data-sponsorwatch') && !['SCRIPT', 'STYLE', 'LINK', 'META'].includes(n.nodeName)) pending.add(n);
      }
    }
    if (pending.size && !timer) timer = setTimeout(flush, 100);
  }));

  const scanPage = timed(() => {
    judge([...pageCandidates(document, adapter), ...tileCandidates(document, adapter)]).catch(() => {});
  });

  scanPage();
  observer.observe(document.documentElement, { childList: true, subtree: true });
  const onUrl = () => { if (location.href !== lastUrl) { lastUrl = location.href; scanPage(); } };
  window.addEventListener('popstate', onUrl);
  window.addEventListener('hashchange', onUrl);
  setInterval(onUrl, 1000);
})();
