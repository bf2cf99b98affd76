// Service worker (Chrome) / background script (Firefox): the only code that talks to the network. It routes
// messages to small helpers, keeps no state in globals that it cannot rebuild, and sends only candidate texts
// to the backend — never page URLs, cookies or identifiers; a Prozorro tender's public id only when the user turned
// that on in the options (PRIVACY.md).
import { OfflineMatcher } from './lib/matcher.js';
import { VerdictCache } from './lib/cache.js';

const api = globalThis.browser ?? globalThis.chrome;
// scope: 'all' (every NACP-listed company, consumer brands too) or 'cameras' (the camera makers only);
// dismissedBrands: [{ key: 'vendor|brand', label }] the user asked not to be flagged again; tenderDocuments: ask the
// server about a Prozorro tender's documents (sends the tender's id, so off until the user turns it on).
const DEFAULTS = { backend: 'http://127.0.0.1:8080', language: 'auto', strictness: 'broad', scope: 'all', disabledSites: [],
  dismissed: [], dismissedBrands: [], tenderDocuments: false, debug: false };
const LOOKUP_TIMEOUT_MS = 4000;
const BATCH = 100;
const MAX_TEXT = 2000;  // the backend's limit per text
const MAX_FIELD = 200;  // brand, model, MPN, category: as lib/extract.js cuts them
const TENDER_TIMEOUT_MS = 4000;
const TENDER_ID = /^UA-\d{4}-\d{2}-\d{2}-\d{6}(?:-[a-z])?$/;  // the portal's public tender id, nothing else is sent
const store = {
  get: async (k) => (await api.storage.local.get(k))[k],
  set: async (k, v) => api.storage.local.set({ [k]: v }),
};
const cache = new VerdictCache({ store });
let matcher = null;

async function settings() {
  return { ...DEFAULTS, ...((await store.get('settings')) || {}) };
}

async function snapshot() {
  const saved = await store.get('snapshot');
  if (saved?.data) return saved.data;
  const bundled = await fetch(api.runtime.getURL('data/snapshot.json'));
  return bundled.json();
}

async function offline() {
  if (!matcher) matcher = new OfflineMatcher(await snapshot());
  return matcher;
}

/** The camera makers ("camera makers only"): the makers whose camera model numbers the catalog knows. */
async function cameraMakers() {
  const m = await offline();
  return [...new Set((m.snapshot.families || []).map((f) => m.entities[f.entity]?.maker || f.entity))];
}

/** Refresh the catalog snapshot with ETag / If-None-Match; keep the stale copy when the backend fails. */
async function refreshSnapshot() {
  const { backend } = await settings();
  const saved = await store.get('snapshot');
  try {
    const resp = await fetch(`${backend}/api/v1/catalog/snapshot`, {
      headers: saved?.etag ? { 'If-None-Match': saved.etag } : {}, credentials: 'omit', cache: 'no-store' });
    if (resp.status === 200) {
      await store.set('snapshot', { etag: resp.headers.get('ETag'), data: await resp.json(), at: Date.now() });
      matcher = null;
    }
  } catch { /* offline: the stale or bundled snapshot stays in use */ }
}

async function backendLookup(backend, items) {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), LOOKUP_TIMEOUT_MS);
  try {
    // Within the backend's limits whatever a page published (one refused item would fail the whole batch).
    const body = { items: items.map((i) => ({ text: String(i.text).slice(0, MAX_TEXT),
      ...Object.fromEntries(Object.entries(i.fields || {}).filter(([, v]) => typeof v === 'string' && v).map(([k, v]) => [k, v.slice(0, MAX_FIELD)])) })) };
    const resp = await fetch(`${backend}/api/v1/lookup`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body), credentials: 'omit', signal: ctrl.signal });
    if (!resp.ok) throw new Error(`backend ${resp.status}`);
    return (await resp.json()).results;
  } finally {
    clearTimeout(timer);
  }
}

async function lookup(items) {
  const s = await settings();
  const verdicts = new Array(items.length);
  const misses = [];
  for (let i = 0; i < items.length; i += 1) {
    const hit = await cache.get(items[i]);
    if (hit) verdicts[i] = hit; else misses.push(i);
  }
  for (let start = 0; start < misses.length; start += BATCH) {
    const idx = misses.slice(start, start + BATCH);
    let results;
    try {
      results = await backendLookup(s.backend, idx.map((i) => items[i]));
      idx.forEach((i, k) => { verdicts[i] = results[k]; cache.set(items[i], results[k]); });
    } catch {
      const m = await offline();
      idx.forEach((i) => { verdicts[i] = m.judge(items[i].text, items[i].fields || {}); });  // not cached: retry online later
    }
  }
  cache.persist().catch(() => {});
  await named(verdicts);
  return { verdicts, dismissed: s.dismissed, dismissedBrands: s.dismissedBrands.map((b) => b.key), scope: s.scope,
    strictness: s.strictness, cameraMakers: await cameraMakers() };
}

/** A Prozorro tender's document findings from the backend, if the user turned this on: { status: 'off' | 'bad-id' |
 * 'unchecked' (the backend never judged it: 404) | 'unreachable' | 'checked', findings, documents, names }. */
async function tenderFindings(tenderID) {
  const s = await settings();
  if (!s.tenderDocuments) return { status: 'off' };
  if (!TENDER_ID.test(String(tenderID))) return { status: 'bad-id' };
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), TENDER_TIMEOUT_MS);
  try {
    const resp = await fetch(`${s.backend}/api/v1/tenders/${encodeURIComponent(tenderID)}`, { credentials: 'omit',
      cache: 'no-store', signal: ctrl.signal });
    if (resp.status === 404) return { status: 'unchecked' };
    if (!resp.ok) return { status: 'unreachable' };
    const body = await resp.json();
    const findings = (Array.isArray(body.findings) ? body.findings : []).filter((f) => f && f.where === 'document' && f.flagged);
    const documents = (Array.isArray(body.documents) ? body.documents : []).map((d) => ({ id: d?.id, type: d?.documentType }));
    const { entities } = await offline();
    const names = Object.fromEntries(findings.map((f) => f.vendor).filter((id) => entities[id]?.name).map((id) => [id, entities[id].name]));
    return { status: 'checked', tenderID, checkedAt: body.checked_at || null, findings: findings.slice(0, 50), documents, names };
  } catch {
    return { status: 'unreachable' };
  } finally {
    clearTimeout(timer);
  }
}

/** Display names for the ids a verdict mentions (the badge and panel never show an id), from the snapshot. */
async function named(verdicts) {
  const { entities } = await offline();
  for (const v of verdicts) {
    if (!v) continue;
    const ids = [v.vendor, v.brand, ...(v.evidence || []).map((e) => e.entity)].filter(Boolean);
    v.names = Object.fromEntries(ids.filter((id) => entities[id]?.name).map((id) => [id, entities[id].name]));
  }
}

async function update(patch) {
  const s = await settings();
  await store.set('settings', { ...s, ...patch(s) });
}

/** What the popup lists for a tab ({site, items: [{id, vendor, label, text}]}) and the toolbar count. */
async function setFlags(tabId, flags) {
  if (tabId === undefined) return;
  await api.storage.session?.set?.({ [`tab:${tabId}`]: flags });
  await api.action.setBadgeText({ tabId, text: flags.items.length ? String(flags.items.length) : '' });
  await api.action.setBadgeBackgroundColor({ tabId, color: '#b3261e' });
}

api.runtime.onMessage.addListener((msg, sender, reply) => {
  const tabId = sender.tab?.id;
  const jobs = {
    settings: () => settings(),
    lookup: () => lookup((msg.items || []).slice(0, 2000)),
    flagged: () => setFlags(tabId, { site: String(msg.site || ''), items: (msg.items || []).slice(0, 500) }),
    'dismiss-item': () => update((s) => ({ dismissed: [...new Set([...s.dismissed, String(msg.text).slice(0, 500)])].slice(-2000) })),
    'site-off': () => update((s) => ({ disabledSites: [...new Set([...s.disabledSites, String(msg.site)])] })),
    'site-on': () => update((s) => ({ disabledSites: s.disabledSites.filter((x) => x !== msg.site) })),
    'dismiss-brand': () => update((s) => ({ dismissedBrands: [...s.dismissedBrands.filter((b) => b.key !== String(msg.key)),
      { key: String(msg.key).slice(0, 300), label: String(msg.label || msg.key).slice(0, 200) }].slice(-500) })),
    'undo-brand': () => update((s) => ({ dismissedBrands: s.dismissedBrands.filter((b) => b.key !== String(msg.key)) })),
    tender: () => tenderFindings(msg.tenderID),
    'save-settings': () => update(() => ({ backend: String(msg.backend || DEFAULTS.backend).replace(/\/+$/, ''),
      language: ['en', 'uk'].includes(msg.language) ? msg.language : 'auto', strictness: msg.strictness === 'strict' ? 'strict' : 'broad',
      scope: msg.scope === 'cameras' ? 'cameras' : 'all', tenderDocuments: msg.tenderDocuments === true })).then(refreshSnapshot),
    'tab-flags': async () => ((await api.storage.session?.get?.(`tab:${msg.tabId}`)) || {})[`tab:${msg.tabId}`] || { site: '', items: [] },
    feedback: async () => {
      const { backend } = await settings();
      const v = msg.verdict || {};
      const verdict = { flagged: v.flagged, vendor: v.vendor, brand: v.brand, relation: v.relation, confidence: v.confidence };
      const resp = await fetch(`${backend}/api/v1/feedback`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ text: String(msg.text).slice(0, 2000), verdict }), credentials: 'omit' });
      return resp.ok;
    },
    'refresh-snapshot': () => refreshSnapshot(),
  };
  const job = jobs[msg?.type];
  if (!job) return false;
  Promise.resolve().then(job).then(reply, (err) => reply({ error: String(err) }));
  return true;
});

// A closed tab's list goes with it (tabs.onRemoved needs no permission).
api.tabs?.onRemoved.addListener((tabId) => { api.storage.session?.remove?.(`tab:${tabId}`); });
api.runtime.onInstalled.addListener(() => { refreshSnapshot(); api.alarms?.create('snapshot', { periodInMinutes: 24 * 60 }); });
api.runtime.onStartup?.addListener(() => refreshSnapshot());
api.alarms?.onAlarm.addListener((a) => { if (a.name === 'snapshot') refreshSnapshot(); });
