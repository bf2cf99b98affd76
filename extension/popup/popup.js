// Popup: what was flagged on this tab (maker and title, with a button that scrolls the page to it) and the
// per-site switch. textContent only. Opened as popup/popup.html?tab=ID it shows that tab (a detached popup).
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
  li.append(maker, show, title);
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
