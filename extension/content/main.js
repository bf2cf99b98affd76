// Content script: finds product titles, asks the service worker (never the network), and puts a small badge
// in a shadow root next to flagged products. One MutationObserver queues added nodes only; work runs
// in debounced batches. Everything shown is built with textContent.
// The source: node extension/build.mjs bundles it with the lib/ modules it imports into content/content.js, the
// script the manifest runs (so no file of the extension needs to be, or is, reachable from a page).
import { adapterFor } from '../lib/adapters.js';
import { pageCandidates, pageCategory, tileCandidates } from '../lib/extract.js';
import { brandKey, shouldShow } from '../lib/policy.js';
import { t } from '../lib/i18n.js';
import { resolveLanguage } from '../lib/i18n.js';
import { badgeWords, displayName, panelWords, tenderWords } from '../lib/wording.js';

(async () => {
  if (window.top !== window || window.__sponsorwatch) return;
  window.__sponsorwatch = true;

  const settings = await chrome.runtime.sendMessage({ type: 'settings' });
  const site = location.hostname.replace(/^www\./, '');
  if (settings.disabledSites.includes(site)) {
    chrome.runtime.sendMessage({ type: 'flagged', site, items: [] }).catch(() => {});  // the popup can turn it back on
    return;
  }
  const lang = resolveLanguage(settings.language, navigator.languages);
  const adapter = adapterFor(location.hostname);
  const seen = new WeakSet();
  const pending = new Set();
  const HOST_ATTR = 'data-sponsorwatch-vendor';
  const BRAND_ATTR = 'data-sponsorwatch-brand';  // the maker|brand key a per-brand dismissal removes
  // A Prozorro tender's public id: from the page's address (/tender/UA-…), else its title.
  const TENDER_ID = /\bUA-\d{4}-\d{2}-\d{2}-\d{6}(?:-[a-z])?\b/;
  let category = null;  // the page's breadcrumbs or category (read once per address)
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

  // WCAG AA: every text colour here has at least 4.5:1 contrast on its background (checked by axe in the tests).
  const CSS = `
      button.b{font:600 11px/1.6 system-ui,sans-serif;color:#fff;background:#b3261e;border:1px solid #b3261e;border-radius:9px;padding:0 7px;margin:0 4px;cursor:pointer}
      button.b.w{color:#8c1d18;background:#fff;border:1px dashed #b3261e}
      button:focus-visible,a:focus-visible,summary:focus-visible,.p:focus-visible{outline:3px solid #1f4e8c;outline-offset:2px}
      .f{outline:3px solid #1f4e8c;outline-offset:2px}
      .p{position:absolute;z-index:2147483647;box-sizing:border-box;width:min(380px,92vw);background:#fff;color:#1d232b;
         border:1px solid #9aa3ad;border-radius:8px;box-shadow:0 6px 24px rgba(0,0,0,.18);padding:10px 12px;font:13px/1.45 system-ui,sans-serif;
         text-align:left;white-space:normal;letter-spacing:normal;text-transform:none}
      .p h2{font-size:14px;margin:0 28px 4px 0;color:#1d232b}.p p{margin:0 0 6px}.p ul{margin:4px 0 6px 18px;padding:0}.p li{margin:0 0 4px}
      .p a{color:#1f4e8c;text-decoration:underline}.p .x{position:absolute;top:6px;right:6px;font:16px/1 system-ui;width:26px;height:26px;
         border:1px solid #9aa3ad;background:#fff;color:#1d232b;border-radius:5px;cursor:pointer;padding:0}
      .p details{margin:4px 0 6px}.p summary{cursor:pointer;color:#1f4e8c}
      .p .r{display:flex;gap:6px;flex-wrap:wrap;margin-top:8px}.p .r button{font:12px system-ui;color:#1d232b;border:1px solid #9aa3ad;
         background:#f4f6f8;border-radius:5px;padding:3px 8px;cursor:pointer}
      .m{color:#4b5560;font-size:12px}`;
  let sheet = null;
  let nextId = 0;
  const info = new WeakMap();  // badge host → { id, label, weak, key, brand }: what the popup lists
  const byId = new Map();  // id → badge host: where the popup's "Show" scrolls to

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

  const wordsCache = new Map();  // one set of badge words per maker, brand and strength: long pages repeat them

  function badge(anchor, item, verdict) {
    const key = `${verdict.vendor}|${verdict.brand}|${verdict.flagged}|${Number(verdict.confidence) >= 0.5}`;
    let words = wordsCache.get(key);
    if (!words) { words = badgeWords(verdict, lang); wordsCache.set(key, words); }
    const host = document.createElement('span');
    host.setAttribute(HOST_ATTR, verdict.vendor);
    host.setAttribute(BRAND_ATTR, brandKey(verdict));
    host.setAttribute('data-sponsorwatch', '');
    const id = String(nextId += 1);
    info.set(host, { id, label: words.label, weak: words.weak, key: brandKey(verdict), brand: brandName(verdict) });
    byId.set(id, host);
    host.style.all = 'initial';
    const root = host.attachShadow({ mode: 'open' });  // open: styles stay isolated and tests and assistive tech can reach it
    adoptStyles(root);
    const button = document.createElement('button');
    button.className = words.weak ? 'b w' : 'b';
    button.type = 'button';
    button.lang = lang;
    button.textContent = words.text;
    button.setAttribute('aria-label', words.aria);
    button.setAttribute('aria-haspopup', 'dialog');
    button.setAttribute('aria-expanded', 'false');
    root.append(button);
    let panel = null;
    // Escape closes the panel from anywhere inside it (or from the badge) and gives the focus back to the badge.
    const onKey = (ev) => {
      if (ev.key === 'Escape' && panel) { ev.preventDefault(); ev.stopPropagation(); close(true); }
    };
    const close = (refocus) => {
      if (!panel) return;
      panel.remove();
      panel = null;
      button.removeEventListener('keydown', onKey);
      button.setAttribute('aria-expanded', 'false');
      if (refocus) button.focus();
    };
    button.addEventListener('click', (ev) => {
      ev.preventDefault();
      ev.stopPropagation();
      if (panel) { close(false); return; }
      panel = renderPanel(id, item, verdict, () => close(true));
      panel.addEventListener('keydown', onKey);
      button.addEventListener('keydown', onKey);  // listeners only while open: long pages have hundreds of badges
      root.append(panel);
      button.setAttribute('aria-expanded', 'true');
      button.setAttribute('aria-controls', panel.id);
      panel.querySelector('.x').focus();
    });
    anchor.insertAdjacentElement('afterend', host);
    return host;
  }

  /** The brand a per-brand dismissal names: the brand on the label, or the maker's own name. */
  function brandName(verdict) {
    return displayName(verdict, verdict.brand && verdict.brand !== verdict.vendor ? verdict.brand : verdict.vendor);
  }

  /** Remove the badges of the brands the user asked not to flag again (from a panel, the popup or another tab). */
  function removeBrands(keys) {
    const gone = new Set(keys);
    let removed = 0;
    for (const host of document.querySelectorAll(`[${BRAND_ATTR}]`)) {
      if (gone.has(host.getAttribute(BRAND_ATTR))) { host.remove(); removed += 1; }
    }
    if (removed) report();
  }

  function line(tag, text, cls) {
    const el = document.createElement(tag);
    el.textContent = text;
    if (cls) el.className = cls;
    return el;
  }

  function link(text, url, label) {
    const a = line('a', text);
    a.href = url;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    if (label) a.setAttribute('aria-label', label);
    return a;
  }

  function renderPanel(id, item, verdict, close) {
    const words = panelWords(verdict, lang);
    const p = document.createElement('div');
    p.className = 'p';
    p.id = `sw-panel-${id}`;
    p.lang = lang;
    p.setAttribute('role', 'dialog');
    p.setAttribute('aria-labelledby', `${p.id}-h`);
    // The badge often sits inside the product's own link (Rozetka's title is an <a>): a click on the panel's text
    // must not follow that link, nor reach the page's handlers. Its own links, buttons and "More" still work.
    p.addEventListener('click', (ev) => {
      ev.stopPropagation();
      if (!ev.target.closest('a, button, summary')) ev.preventDefault();
    });
    const x = line('button', '×', 'x');
    x.type = 'button';
    x.setAttribute('aria-label', t(lang, 'close'));
    x.addEventListener('click', close);
    const h = line('h2', words.heading);
    h.id = `${p.id}-h`;
    p.append(x, h);
    if (words.relation) p.append(line('p', words.relation));
    if (words.headline) {
      const l = line('p', `${words.headline.text}${words.headline.note ? ` ${words.headline.note}` : ''} `);
      if (words.headline.url) l.append(link(t(lang, 'source'), words.headline.url, t(lang, 'sourceOf', { what: words.headline.text })));
      p.append(l);
    }
    p.append(line('p', words.sure));
    if (words.also.length) {
      p.append(line('div', t(lang, 'alsoWhy'), 'm'));
      const ul = document.createElement('ul');
      words.also.forEach((x) => ul.append(line('li', x)));
      p.append(ul);
    }
    if (words.more.length) {
      const more = document.createElement('details');
      more.append(line('summary', t(lang, 'more', { count: words.more.length })));
      const ul = document.createElement('ul');
      for (const d of words.more) {
        const li = line('li', `${d.text} `);
        if (d.url) li.append(link(t(lang, 'source'), d.url, t(lang, 'sourceOf', { what: d.text.slice(0, 90) })));
        ul.append(li);
      }
      more.append(ul);
      p.append(more);
    }
    if (words.offline) p.append(line('p', t(lang, 'offline'), 'm'));
    const row = document.createElement('div');
    row.className = 'r';
    const dismiss = line('button', t(lang, 'dismiss'));
    dismiss.type = 'button';
    dismiss.addEventListener('click', async () => {
      await chrome.runtime.sendMessage({ type: 'dismiss-item', text: item.text });
      byId.get(id)?.remove();
      report();
    });
    const brand = brandName(verdict);
    const noBrand = line('button', t(lang, 'dismissBrand', { brand }));
    noBrand.type = 'button';
    noBrand.addEventListener('click', async () => {
      await chrome.runtime.sendMessage({ type: 'dismiss-brand', key: brandKey(verdict), label: brand });
      removeBrands([brandKey(verdict)]);
    });
    const off = line('button', t(lang, 'dismissSite'));
    off.type = 'button';
    off.addEventListener('click', async () => {
      await chrome.runtime.sendMessage({ type: 'site-off', site });
      document.querySelectorAll('[data-sponsorwatch]').forEach((n) => n.remove());
      observer.disconnect();
      report();
    });
    const wrong = line('button', t(lang, 'report'));
    wrong.type = 'button';
    wrong.addEventListener('click', async () => {
      await chrome.runtime.sendMessage({ type: 'feedback', text: item.text, verdict });
      const done = line('span', t(lang, 'reported'), 'm');
      done.setAttribute('role', 'status');
      wrong.replaceWith(done);
    });
    row.append(dismiss, noBrand, off, wrong);
    p.append(row);
    return p;
  }

  /** What the popup lists: each badge's id (to scroll to it), its maker's name and the product's title. */
  function report() {
    const flagged = [...document.querySelectorAll(`[${HOST_ATTR}]`)].map((n) => ({
      ...info.get(n), vendor: n.getAttribute(HOST_ATTR),
      text: n.previousElementSibling ? n.previousElementSibling.textContent.trim().slice(0, 200) : '' }));
    chrome.runtime.sendMessage({ type: 'flagged', site, items: flagged }).catch(() => {});
  }

  // The popup's "Show" button: scroll the badge into view, focus it and mark it for a moment.
  chrome.runtime.onMessage.addListener((msg) => {
    if (msg?.type !== 'reveal') return false;
    const host = byId.get(String(msg.id));
    const button = host?.shadowRoot?.querySelector('button.b');
    if (!button) return false;
    host.scrollIntoView({ block: 'center' });
    button.focus({ preventScroll: true });
    button.classList.add('f');
    setTimeout(() => button.classList.remove('f'), 2000);
    return false;
  });

  async function judge(candidates) {
    const fresh = candidates.filter((c) => c.anchor && !seen.has(c.anchor));
    fresh.forEach((c) => seen.add(c.anchor));
    if (!fresh.length) return;
    const answer = await chrome.runtime.sendMessage({
      type: 'lookup', items: fresh.map((c) => ({ text: c.text, fields: c.fields })) });
    const { verdicts, dismissed } = answer;
    const todo = fresh.map((c, i) => [c, verdicts[i]])
      .filter(([c, v]) => shouldShow(v, answer) && !dismissed.includes(c.text) && !c.anchor.nextElementSibling?.hasAttribute?.('data-sponsorwatch'));
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
    const candidates = roots.flatMap((r) => tileCandidates(r, adapter, category ? { category } : {}));
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
    category = pageCategory(document, adapter);
    judge([...pageCandidates(document, adapter, category), ...tileCandidates(document, adapter, category ? { category } : {})]).catch(() => {});
  });

  /** On a Prozorro tender page (when the user turned it on): what the server found in the tender's documents, in a
   * badge after the tender's title whose panel quotes each finding. Nothing is shown for a tender the server never
   * checked, or when it cannot be reached. */
  async function tenderDocuments() {
    const tenderID = (decodeURIComponent(location.pathname).match(TENDER_ID) || document.title.match(TENDER_ID) || [])[0];
    const anchor = adapter.pageTitle ? document.querySelector(adapter.pageTitle) : null;
    if (!tenderID || !anchor || document.querySelector('[data-sponsorwatch-tender]')) return;
    const result = await chrome.runtime.sendMessage({ type: 'tender', tenderID });
    const words = result?.status === 'checked' ? tenderWords(result, lang) : null;
    if (!words) return;
    const host = document.createElement('span');
    host.setAttribute('data-sponsorwatch-tender', tenderID);
    host.setAttribute('data-sponsorwatch', '');
    host.style.all = 'initial';
    const root = host.attachShadow({ mode: 'open' });
    adoptStyles(root);
    const button = line('button', words.badge, 'b');
    button.type = 'button';
    button.lang = lang;
    button.setAttribute('aria-label', words.aria);
    button.setAttribute('aria-haspopup', 'dialog');
    button.setAttribute('aria-expanded', 'false');
    root.append(button);
    let panel = null;
    const close = () => { panel?.remove(); panel = null; button.setAttribute('aria-expanded', 'false'); button.focus(); };
    button.addEventListener('click', (ev) => {
      ev.preventDefault();
      ev.stopPropagation();
      if (panel) { close(); return; }
      panel = document.createElement('div');
      panel.className = 'p';
      panel.id = 'sw-tender';
      panel.lang = lang;
      panel.setAttribute('role', 'dialog');
      panel.setAttribute('aria-labelledby', 'sw-tender-h');
      const x = line('button', '×', 'x');
      x.type = 'button';
      x.setAttribute('aria-label', t(lang, 'close'));
      x.addEventListener('click', close);
      const h = line('h2', words.heading);
      h.id = 'sw-tender-h';
      const ul = document.createElement('ul');
      for (const l of words.lines) {
        const li = line('li', `${l.text} `);
        if (l.url) li.append(link(t(lang, 'source'), l.url, t(lang, 'sourceOf', { what: l.text.slice(0, 90) })));
        ul.append(li);
      }
      panel.append(x, h, line('p', words.intro, 'm'), ul);
      if (words.more) panel.append(line('p', words.more, 'm'));
      panel.addEventListener('keydown', (e) => { if (e.key === 'Escape') { e.preventDefault(); close(); } });
      root.append(panel);
      button.setAttribute('aria-expanded', 'true');
      button.setAttribute('aria-controls', panel.id);
      x.focus();
    });
    anchor.insertAdjacentElement('afterend', host);
  }

  // A dismissal from the popup (or another tab) takes the brand's badges off this page at once.
  chrome.storage.onChanged.addListener((changes, area) => {
    const brands = area === 'local' && changes.settings?.newValue?.dismissedBrands;
    if (Array.isArray(brands)) removeBrands(brands.map((b) => b.key));
  });

  report();
  scanPage();
  if (adapter.id === 'prozorro') tenderDocuments().catch(() => {});
  observer.observe(document.documentElement, { childList: true, subtree: true });
  const onUrl = () => { if (location.href !== lastUrl) { lastUrl = location.href; scanPage(); } };
  window.addEventListener('popstate', onUrl);
  window.addEventListener('hashchange', onUrl);
  setInterval(onUrl, 1000);
})();
