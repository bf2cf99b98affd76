// A small TTL + size-bounded cache of verdicts, backed by an async key-value store (chrome.storage.local in
// the extension, a Map in tests). Keys are the texts the page showed, never URLs.
export class VerdictCache {
  constructor({ store, ttlMs = 24 * 3600 * 1000, max = 5000, now = () => Date.now() } = {}) {
    this.store = store;
    this.ttlMs = ttlMs;
    this.max = max;
    this.now = now;
    this.memory = new Map();
    this.loaded = false;
  }

  static key(item) {
    return JSON.stringify([item.text, item.fields?.brand || null, item.fields?.model || null, item.fields?.mpn || null,
      item.fields?.category || null]);
  }

  async load() {
    if (this.loaded) return;
    this.loaded = true;
    const saved = this.store ? (await this.store.get('verdictCache')) || [] : [];
    for (const [k, v] of saved) this.memory.set(k, v);
  }

  async get(item) {
    await this.load();
    const hit = this.memory.get(VerdictCache.key(item));
    if (!hit) return null;
    if (this.now() - hit.at > this.ttlMs) { this.memory.delete(VerdictCache.key(item)); return null; }
    return hit.verdict;
  }

  async set(item, verdict) {
    await this.load();
    const key = VerdictCache.key(item);
    this.memory.delete(key);
    this.memory.set(key, { at: this.now(), verdict });
    while (this.memory.size > this.max) this.memory.delete(this.memory.keys().next().value);
  }

  async persist() {
    if (this.store) await this.store.set('verdictCache', [...this.memory.entries()]);
  }
}
