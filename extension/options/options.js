// Options: backend URL, language, strictness, and the sites where the extension is off.
import { t } from '../lib/i18n.js';

const api = globalThis.browser ?? globalThis.chrome;
const s = await api.runtime.sendMessage({ type: 'settings' });
function label(lang) {
  document.getElementById('title').textContent = t(lang, 'options');
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(lang, el.dataset.t);
}
label(s.language);
document.getElementById('backend').value = s.backend;
document.getElementById('language').value = s.language;
document.querySelector(`input[name="strictness"][value="${s.strictness}"]`).checked = true;
for (const site of s.disabledSites) {
  const li = document.createElement('li');
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = `${site} ✕`;
  b.addEventListener('click', async () => { await api.runtime.sendMessage({ type: 'site-on', site }); li.remove(); });
  li.append(b);
  document.getElementById('sites').append(li);
}
document.getElementById('form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const backend = document.getElementById('backend').value;
  const origin = new URL(backend).origin + '/*';
  if (api.permissions?.request && !origin.startsWith('http://127.0.0.1') && !origin.startsWith('http://localhost')) {
    await api.permissions.request({ origins: [origin] });
  }
  const language = document.getElementById('language').value;
  const strictness = document.querySelector('input[name="strictness"]:checked').value;
  await api.runtime.sendMessage({ type: 'save-settings', backend, language, strictness });
  label(language);
  document.getElementById('status').textContent = t(language, 'saved');
});
