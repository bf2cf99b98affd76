// Interface strings in English and Ukrainian, switchable in the options (chrome.i18n cannot switch at runtime).
export const STRINGS = {
  en: {
    badge: 'Sponsor', maker: 'Made by', brandOf: 'a brand of', oemOf: 'reported to relabel hardware of',
    subsidiaryOf: 'a subsidiary of', formerOf: 'formerly owned by', confidence: 'Confidence', why: 'Why',
    designations: 'Listed', source: 'source', dismiss: 'Hide this item', dismissSite: 'Turn off on this site',
    report: 'Report a wrong flag', reported: 'Thank you — reported.', offline: 'Offline check (backend unreachable)',
    popupTitle: 'Flagged on this page', popupNone: 'Nothing flagged on this page.', siteOff: 'Off on this site',
    siteOn: 'On on this site', options: 'Options', backend: 'Backend URL', language: 'Language',
    strictness: 'What to flag', strict: 'Confirmed makers and their brands only', broad: 'Also OEM relabels and weak links',
    save: 'Save', saved: 'Saved', sitesOff: 'Sites where it is off', high: 'high', medium: 'medium', low: 'low',
  },
  uk: {
    badge: 'Спонсор', maker: 'Виробник', brandOf: 'бренд компанії', oemOf: 'ймовірно перемаркована продукція',
    subsidiaryOf: 'дочірня компанія', formerOf: 'колишня дочірня компанія', confidence: 'Впевненість', why: 'Чому',
    designations: 'Списки', source: 'джерело', dismiss: 'Сховати цей товар', dismissSite: 'Вимкнути на цьому сайті',
    report: 'Повідомити про помилку', reported: 'Дякуємо — повідомлено.', offline: 'Офлайн-перевірка (сервер недоступний)',
    popupTitle: 'Позначено на цій сторінці', popupNone: 'На цій сторінці нічого не позначено.', siteOff: 'Вимкнено на цьому сайті',
    siteOn: 'Увімкнено на цьому сайті', options: 'Налаштування', backend: 'Адреса сервера', language: 'Мова',
    strictness: 'Що позначати', strict: 'Лише підтверджених виробників і їхні бренди', broad: 'Також OEM-перемаркування і слабкі зв’язки',
    save: 'Зберегти', saved: 'Збережено', sitesOff: 'Сайти, де вимкнено', high: 'висока', medium: 'середня', low: 'низька',
  },
};

export function t(lang, key) {
  return (STRINGS[lang] || STRINGS.en)[key] ?? STRINGS.en[key] ?? key;
}
