// Popup: what was flagged on this tab (maker and title, with a button that scrolls the page to it) and the
// per-site switch, and "don't flag this brand again". textContent only. Opened as popup/popup.html?tab=ID it shows that tab (a detached popup).
import { t, resolveLanguage } from '../lib/i18n.js';

const api = globalThis.browser ?? globalThis.chrome;
const asked = Number(new URLSearchParams(location.search).get('tab'));
const detached = Number.isInteger(asked) && asked > 0;
const tabId = detached ? asked : (await api.tabs.query({ active: true, currentWindow: true }))[0]?.id;
const settings = await api.runtime.sendMessage({ type: 'settings' });
const lang = resolveLanguage(settings.language, navigator.languages);
document.documentElement.lang = lang;
const { site, items } = tabId === undefined ? { site: '', items: [] } : await api.runtime.sendMessage({ type: 'tab-flags', tabId });
const $ = (id) => document.getElementById(id);

$('title').textContent = items.length ? t(lang, 'popupCount', { count: items.length }) : t(lang, 'popupTitle');
$('options').textContent = t(lang, 'options');
for (const item of items) {
  const li = document.createElement('li');
  const maker = document.createElement('span');
  maker.className = item.weak ? 'v w' : 'v';
  maker.textContent = `${item.label || item.vendor}${item.weak ? '?' : ''}`;
  const title = document.createElement('span');
  title.className = 't';
  title.textContent = item.text;
  const show = document.createElement('button');
  show.type = 'button';
  show.textContent = t(lang, 'show');
  show.setAttribute('aria-label', t(lang, 'showAria', { title: item.text }));
  show.addEventListener('click', async () => {
    await api.tabs.sendMessage(tabId, { type: 'reveal', id: item.id }).catch(() => {});
    if (!detached) window.close();
  });
  const acts = document.createElement('div');
  acts.className = 'acts';
  acts.append(show);
  if (item.key) {
    // "Don't flag Milka again": stored in the settings (the options list it and can undo it); the page's badges of
    // that brand go at once (the content script watches the settings).
    const hide = document.createElement('button');
    hide.type = 'button';
    hide.textContent = t(lang, 'hideBrand');
    hide.setAttribute('aria-label', t(lang, 'hideBrandAria', { brand: item.brand || item.label }));
    hide.addEventListener('click', async () => {
      await api.runtime.sendMessage({ type: 'dismiss-brand', key: item.key, label: item.brand || item.label });
      for (const row of [...$('list').children]) if (row.dataset.key === item.key) row.remove();
      $('status').textContent = t(lang, 'brandDismissed', { brand: item.brand || item.label });
    });
    acts.append(hide);
  }
  li.dataset.key = item.key || '';
  li.append(maker, acts, title);
  $('list').append(li);
}
if (!items.length) { $('none').hidden = false; $('none').textContent = site ? t(lang, 'popupNone') : t(lang, 'noSite'); }
if (site) {
  const off = settings.disabledSites.includes(site);
  $('state').textContent = t(lang, off ? 'siteIsOff' : 'siteIsOn', { site });
  $('toggle').hidden = false;
  $('toggle').textContent = t(lang, off ? 'turnOn' : 'turnOff');
  $('toggle').addEventListener('click', async () => {
    await api.runtime.sendMessage({ type: off ? 'site-on' : 'site-off', site });
    if (detached) location.reload(); else window.close();
  });
}
