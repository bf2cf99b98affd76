// Options: language, what to flag and whose products (every listed company, or the camera makers only), the server
// address, Prozorro tender documents (opt-in), the sites (where it works, where it is off) and the brands not to flag.
// Every label and explanation comes from lib/i18n.js, in the chosen language (or the browser's).
import { t, resolveLanguage } from '../lib/i18n.js';
import { ADAPTERS } from '../lib/sites.js';

const api = globalThis.browser ?? globalThis.chrome;
const $ = (id) => document.getElementById(id);
const s = await api.runtime.sendMessage({ type: 'settings' });
const browserLang = resolveLanguage('auto', navigator.languages);

function label(setting) {
  const lang = resolveLanguage(setting, navigator.languages);
  document.documentElement.lang = lang;
  document.title = t(lang, 'optionsTitle');
  $('title').textContent = t(lang, 'optionsTitle');
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(lang, el.dataset.t);
  for (const opt of $('language').options) {
    opt.textContent = t(lang, `lang_${opt.value}`, { current: t(browserLang, `lang_${browserLang}`) });
  }
  for (const b of document.querySelectorAll('#sites button')) b.setAttribute('aria-label', t(lang, 'turnBackOn', { site: b.dataset.site }));
  for (const b of document.querySelectorAll('#brands button')) b.setAttribute('aria-label', t(lang, 'flagAgain', { brand: b.dataset.label }));
  return lang;
}

function siteList() {
  $('sites').replaceChildren();
  $('sites-none').hidden = s.disabledSites.length > 0;
  for (const site of s.disabledSites) {
    const li = document.createElement('li');
    const b = document.createElement('button');
    b.type = 'button';
    b.dataset.site = site;
    b.textContent = `${site} ✕`;
    b.addEventListener('click', async () => {
      await api.runtime.sendMessage({ type: 'site-on', site });
      s.disabledSites = s.disabledSites.filter((x) => x !== site);
      siteList();
      label($('language').value);
    });
    li.append(b);
    $('sites').append(li);
  }
}

function brandList() {
  $('brands').replaceChildren();
  $('brands-none').hidden = s.dismissedBrands.length > 0;
  for (const { key, label: name } of s.dismissedBrands) {
    const li = document.createElement('li');
    const b = document.createElement('button');
    b.type = 'button';
    b.dataset.key = key;
    b.dataset.label = name;
    b.textContent = `${name} ✕`;
    b.addEventListener('click', async () => {
      await api.runtime.sendMessage({ type: 'undo-brand', key });
      s.dismissedBrands = s.dismissedBrands.filter((x) => x.key !== key);
      brandList();
      label($('language').value);
    });
    li.append(b);
    $('brands').append(li);
  }
}

for (const a of ADAPTERS) {
  const li = document.createElement('li');
  li.textContent = a.hosts.join(', ');
  $('supported').append(li);
}
$('backend').value = s.backend;
$('language').value = ['en', 'uk'].includes(s.language) ? s.language : 'auto';
document.querySelector(`input[name="strictness"][value="${s.strictness}"]`).checked = true;
document.querySelector(`input[name="scope"][value="${s.scope === 'cameras' ? 'cameras' : 'all'}"]`).checked = true;
$('tender-documents').checked = s.tenderDocuments === true;
siteList();
brandList();
let lang = label($('language').value);
$('language').addEventListener('change', () => { lang = label($('language').value); });

$('form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  $('status').textContent = '';
  let origin;
  try {
    const url = new URL($('backend').value.trim());
    if (!['http:', 'https:'].includes(url.protocol)) throw new Error(url.protocol);
    origin = `${url.origin}/*`;
  } catch {
    $('backend-error').textContent = t(lang, 'badUrl');
    $('backend').setAttribute('aria-invalid', 'true');
    $('backend').focus();
    return;
  }
  $('backend-error').textContent = '';
  $('backend').removeAttribute('aria-invalid');
  // Loopback is in the manifest's host permissions; any other server needs the user's grant (both browsers ask).
  if (api.permissions?.request && !/^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(origin)) {
    await api.permissions.request({ origins: [origin] });
  }
  const language = $('language').value;
  const strictness = document.querySelector('input[name="strictness"]:checked').value;
  const scope = document.querySelector('input[name="scope"]:checked').value;
  await api.runtime.sendMessage({ type: 'save-settings', backend: $('backend').value.trim(), language, strictness, scope,
    tenderDocuments: $('tender-documents').checked });
  lang = label(language);
  $('status').textContent = t(lang, 'saved');
});
