// Popup: what was flagged on this tab, and the per-site switch. textContent only.
import { t } from '../lib/i18n.js';

const api = globalThis.browser ?? globalThis.chrome;
const [tab] = await api.tabs.query({ active: true, currentWindow: true });
const settings = await api.runtime.sendMessage({ type: 'settings' });
const lang = settings.language;
const site = tab?.url ? new URL(tab.url).hostname.replace(/^www\./, '') : '';
document.getElementById('title').textContent = t(lang, 'popupTitle');
document.getElementById('options').textContent = t(lang, 'options');
const items = tab ? await api.runtime.sendMessage({ type: 'tab-flags', tabId: tab.id }) : [];
const list = document.getElementById('list');
for (const item of items || []) {
  const li = document.createElement('li');
  const v = document.createElement('span');
  v.className = 'v';
  v.textContent = `${item.vendor}: `;
  li.append(v, document.createTextNode(item.text));
  list.append(li);
}
if (!items || !items.length) { const none = document.getElementById('none'); none.hidden = false; none.textContent = t(lang, 'popupNone'); }
const toggle = document.getElementById('toggle');
const off = settings.disabledSites.includes(site);
toggle.textContent = off ? t(lang, 'siteOff') : t(lang, 'siteOn');
toggle.addEventListener('click', async () => {
  await api.runtime.sendMessage({ type: off ? 'site-on' : 'site-off', site });
  window.close();
});
