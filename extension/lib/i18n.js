// Interface strings in English and Ukrainian. The language follows the browser unless the options pick one
// (chrome.i18n cannot switch at runtime, and serves only the browser's own UI language). {name} marks a value.
export const LANGUAGES = ['en', 'uk'];

export const STRINGS = {
  en: {
    // badge and panel
    badgeAria: '{label}: why this product is flagged', badgeAriaWeak: '{label}: a possible link, see why',
    panelAria: 'Why this product is flagged', close: 'Close',
    madeBy: 'Made by {maker}',
    rel_brand: '{brand} is a {maker} brand.', rel_subsidiary: '{brand} is a {maker} subsidiary.',
    rel_oem: '{brand} is reported to sell relabelled {maker} hardware.',
    'rel_former-subsidiary': '{brand} used to belong to {maker}; its products from those years are {maker}\'s.',
    rel_specified: 'The tender names {maker} with “or equivalent”: the buyer asked for this maker\'s product.',
    holderSays: '{holder}: {text}',
    sure: 'How sure: {level} — {reason}.',
    level_certain: 'certain', level_likely: 'very likely', level_possible: 'likely', level_weak: 'a possible link only',
    why_model: 'the model number {term} is a {entity} {what} model', why_modelPlain: 'the model number {term} is a {entity} model',
    why_brandField: 'the shop lists the brand as {term}', why_name: 'the title names {entity}',
    why_nameAs: 'the title names {entity} (“{term}”)', why_fuzzy: 'the title has “{term}”, a misspelling of {entity}',
    why_trademark: 'the title says {term}, a technology name of {entity}', alsoWhy: 'Also:',
    why_consumerBrand: 'the title names {term}, a {entity} brand',
    more: 'More: all listings and sources ({count})', source: 'source', sourceOf: 'Source: {what}',
    status_suspended: '(this listing was later suspended)', status_excluded: '(later removed from this list)',
    offline: 'Checked offline, against the list the extension carries (the server could not be reached).',
    dismiss: 'Hide this item', dismissSite: 'Turn off on this site', report: 'Report a wrong flag',
    reported: 'Thank you — reported.',
    dismissBrand: 'Don\'t flag {brand} again', brandDismissed: '{brand} will not be flagged again (the options can undo this).',
    nacpWithdrawn: '(the list was withdrawn from public view on 20 March 2024)',
    // a Prozorro tender's documents, as the server read them
    tenderBadge: 'In the documents: {makers}', tenderBadgeAria: 'In the documents: {makers} — what the server found in this tender\'s documents',
    tenderHeading: 'Found in the tender\'s documents',
    tenderIntro: 'The tender page does not show its documents\' text; the server read them.',
    tender_spec: 'In the tech spec «{title}»{at}: «{excerpt}» — {what}.', tender_doc: 'In the document «{title}»{at}: «{excerpt}» — {what}.',
    tenderSpecified: 'the buyer specified a {maker} product', tenderNamed: 'it names a {maker} product',
    tenderMore: 'And {count} more in the documents.',
    // what a model number is
    'what_ip-camera': 'camera', what_ptz: 'PTZ camera', 'what_analog-camera': 'analogue camera',
    what_nvr: 'network video recorder', what_dvr: 'video recorder', what_thermal: 'thermal camera', what_intercom: 'intercom',
    'what_access-control': 'access-control device', what_accessory: 'accessory', what_storage: 'storage device',
    // popup
    popupTitle: 'Flagged on this page', popupCount: '{count} flagged on this page', popupNone: 'Nothing flagged on this page.',
    show: 'Show', showAria: 'Show on the page: {title}', hideBrand: 'Don\'t flag again', hideBrandAria: 'Don\'t flag {brand} again', siteIsOn: 'On for {site}', siteIsOff: 'Off for {site}',
    turnOff: 'Turn off here', turnOn: 'Turn on here', options: 'Options', noSite: 'This page is not a web page the extension reads.',
    // options
    optionsTitle: 'sponsorwatch options',
    optionsIntro: 'sponsorwatch marks products made by companies on war-sponsor and sanctions lists (Hikvision and Dahua cameras, and the brands of every company NACP listed, such as Milka or Ariel) on shop and tender pages, and says why, with the source.',
    language: 'Language', languageHelp: 'The language of the badges, panels and these pages.',
    lang_auto: 'Same as the browser ({current})', lang_en: 'English', lang_uk: 'Українська',
    backend: 'Server address', backendHelp: 'The extension sends the titles of products on the page to this server and shows its answer. It never sends the page address, cookies or anything about you. When the server cannot be reached, it checks titles against the list it carries, which catches exact names, brands and model numbers only. The one exception to what is sent is the tender option below, off unless you turn it on.',
    strictness: 'What to flag', strict: 'Only products of the listed makers and of the brands they own',
    strictHelp: 'Fewer badges: only clear cases.', broad: 'Also relabelled hardware and weaker links',
    broadHelp: 'Adds brands reported to sell the makers\' hardware under their own name, and a former subsidiary\'s products; the badge of a weak link ends with a question mark.',
    save: 'Save', saved: 'Saved.', badUrl: 'Enter a full address, such as http://127.0.0.1:8080',
    sitesTitle: 'Sites', sitesHelp: 'The extension reads these shops and tender pages:',
    sitesOff: 'Turned off on', sitesOffHelp: 'Turn a site off from a badge\'s panel or the toolbar button. Press a site below to turn it back on.',
    sitesOffNone: 'None.', turnBackOn: 'Turn {site} back on',
    scope: 'Whose products to flag', scope_all: 'Every company NACP listed as a war sponsor',
    scope_allHelp: 'Food, drinks, cosmetics, household goods and more, by brand: Milka is flagged as Mondelez\'s, Ariel as Procter & Gamble\'s. NACP published the list from 2022; it was withdrawn from public view on 20 March 2024.',
    scope_cameras: 'Camera makers only', scope_camerasHelp: 'Only Hikvision and Dahua, with their brands and relabelled cameras.',
    brandsOff: 'Brands you asked not to flag', brandsOffHelp: 'A badge\'s panel and the toolbar button offer "Don\'t flag … again". Press a brand below to flag it again (on pages opened from then on).',
    brandsOffNone: 'None.', flagAgain: 'Flag {brand} again',
    tenderTitle: 'Prozorro tender documents', tenderDocs: 'On a Prozorro tender page, show what the server found in the tender\'s documents',
    tenderDocsHelp: 'This sends the tender\'s public ID (such as UA-2024-05-07-000001-a) to the server, so the server learns which tender you are looking at. Off unless you turn it on.',
  },
  uk: {
    badgeAria: '{label}: чому позначено цей товар', badgeAriaWeak: '{label}: можливий зв’язок, дивіться чому',
    panelAria: 'Чому позначено цей товар', close: 'Закрити',
    madeBy: 'Виробник: {maker}',
    rel_brand: '{brand} — бренд компанії {maker}.', rel_subsidiary: '{brand} — дочірня компанія {maker}.',
    rel_oem: '{brand}, за повідомленнями, продає перемарковане обладнання {maker}.',
    'rel_former-subsidiary': '{brand} раніше належала {maker}; її товари тих років — продукція {maker}.',
    rel_specified: 'У тендері вказано {maker} з «або еквівалент»: замовник просить продукцію цього виробника.',
    holderSays: '{holder}: {text}',
    sure: 'Наскільки певно: {level} — {reason}.',
    level_certain: 'напевно', level_likely: 'дуже ймовірно', level_possible: 'ймовірно', level_weak: 'лише можливий зв’язок',
    why_model: 'номер моделі {term} — це модель {what} {entity}', why_modelPlain: 'номер моделі {term} — це модель {entity}',
    why_brandField: 'магазин зазначає бренд {term}', why_name: 'у назві товару названо {entity}',
    why_nameAs: 'у назві товару названо {entity} («{term}»)', why_fuzzy: 'у назві є «{term}» — написання {entity} з помилкою',
    why_trademark: 'у назві є {term} — назва технології {entity}', alsoWhy: 'А також:',
    why_consumerBrand: 'у назві товару названо {term} — бренд компанії {entity}',
    more: 'Більше: усі переліки і джерела ({count})', source: 'джерело', sourceOf: 'Джерело: {what}',
    status_suspended: '(згодом це внесення призупинили)', status_excluded: '(згодом вилучено з цього переліку)',
    offline: 'Перевірено офлайн за переліком, який має розширення (сервер недоступний).',
    dismiss: 'Сховати цей товар', dismissSite: 'Вимкнути на цьому сайті', report: 'Повідомити про помилку',
    reported: 'Дякуємо — повідомлено.',
    dismissBrand: 'Більше не позначати {brand}', brandDismissed: '{brand} більше не позначатиметься (скасувати можна в налаштуваннях).',
    nacpWithdrawn: '(перелік прибрали з публічного доступу 20 березня 2024 року)',
    tenderBadge: 'У документах: {makers}', tenderBadgeAria: 'У документах: {makers} — що сервер знайшов у документах цього тендеру',
    tenderHeading: 'Знайдено в документах тендеру',
    tenderIntro: 'Сторінка тендеру не показує текст документів; сервер їх прочитав.',
    tender_spec: 'У технічній специфікації «{title}»{at}: «{excerpt}» — {what}.', tender_doc: 'У документі «{title}»{at}: «{excerpt}» — {what}.',
    tenderSpecified: 'замовник вказав продукцію {maker}', tenderNamed: 'названо продукцію {maker}',
    tenderMore: 'І ще {count} у документах.',
    'what_ip-camera': 'камери', what_ptz: 'поворотної камери', 'what_analog-camera': 'аналогової камери',
    what_nvr: 'мережевого відеореєстратора', what_dvr: 'відеореєстратора', what_thermal: 'тепловізійної камери',
    what_intercom: 'домофона', 'what_access-control': 'пристрою контролю доступу', what_accessory: 'аксесуара',
    what_storage: 'накопичувача',
    popupTitle: 'Позначено на цій сторінці', popupCount: 'Позначено на цій сторінці: {count}', popupNone: 'На цій сторінці нічого не позначено.',
    show: 'Показати', showAria: 'Показати на сторінці: {title}', hideBrand: 'Більше не позначати', hideBrandAria: 'Більше не позначати {brand}', siteIsOn: 'Увімкнено для {site}', siteIsOff: 'Вимкнено для {site}',
    turnOff: 'Вимкнути тут', turnOn: 'Увімкнути тут', options: 'Налаштування', noSite: 'Ця сторінка не з тих, які читає розширення.',
    optionsTitle: 'Налаштування sponsorwatch',
    optionsIntro: 'sponsorwatch позначає на сторінках магазинів і тендерів товари компаній зі списків спонсорів війни та санкційних списків (камери Hikvision і Dahua та бренди всіх компаній, яких внесло НАЗК, як-от Milka чи Ariel) і пояснює чому, з джерелом.',
    language: 'Мова', languageHelp: 'Мова позначок, панелей і цих сторінок.',
    lang_auto: 'Як у браузері ({current})', lang_en: 'English', lang_uk: 'Українська',
    backend: 'Адреса сервера', backendHelp: 'Розширення надсилає цьому серверу назви товарів зі сторінки і показує його відповідь. Воно ніколи не надсилає адресу сторінки, cookies чи будь-що про вас. Коли сервер недоступний, розширення перевіряє назви за переліком, який має із собою: так знаходяться лише точні назви, бренди і номери моделей. Єдиний виняток щодо надсилання — опція тендерів нижче, вимкнена, доки ви її не ввімкнете.',
    strictness: 'Що позначати', strict: 'Лише товари виробників зі списків і брендів, якими вони володіють',
    strictHelp: 'Менше позначок: лише очевидні випадки.', broad: 'Також перемарковане обладнання і слабші зв’язки',
    broadHelp: 'Додає бренди, які, за повідомленнями, продають обладнання цих виробників під власною назвою, і товари колишньої дочірньої компанії; позначка слабкого зв’язку закінчується знаком питання.',
    save: 'Зберегти', saved: 'Збережено.', badUrl: 'Уведіть повну адресу, наприклад http://127.0.0.1:8080',
    sitesTitle: 'Сайти', sitesHelp: 'Розширення читає ці магазини і сторінки тендерів:',
    sitesOff: 'Вимкнено на', sitesOffHelp: 'Вимкнути сайт можна в панелі позначки або кнопкою на панелі інструментів. Натисніть сайт нижче, щоб знову увімкнути.',
    sitesOffNone: 'Немає.', turnBackOn: 'Знову увімкнути {site}',
    scope: 'Чиї товари позначати', scope_all: 'Усіх компаній, яких НАЗК внесло до переліку спонсорів війни',
    scope_allHelp: 'Їжа, напої, косметика, побутові товари тощо — за брендом: Milka позначається як товар Mondelez, Ariel — як Procter & Gamble. НАЗК вело перелік з 2022 року; 20 березня 2024 року його прибрали з публічного доступу.',
    scope_cameras: 'Лише виробників камер', scope_camerasHelp: 'Лише Hikvision і Dahua, з їхніми брендами та перемаркованими камерами.',
    brandsOff: 'Бренди, які ви попросили не позначати', brandsOffHelp: 'Панель позначки і кнопка на панелі інструментів пропонують «Більше не позначати …». Натисніть бренд нижче, щоб знову його позначати (на сторінках, відкритих після цього).',
    brandsOffNone: 'Немає.', flagAgain: 'Знову позначати {brand}',
    tenderTitle: 'Документи тендерів Prozorro', tenderDocs: 'На сторінці тендеру Prozorro показувати, що сервер знайшов у документах тендеру',
    tenderDocsHelp: 'Для цього розширення надсилає серверу публічний ідентифікатор тендеру (наприклад, UA-2024-05-07-000001-a), тож сервер знає, який тендер ви переглядаєте. Вимкнено, доки ви не ввімкнете.',
  },
};

/** A string in the language, with {name} placeholders filled; English when the language lacks it. */
export function t(lang, key, vars) {
  const text = (STRINGS[lang] || STRINGS.en)[key] ?? STRINGS.en[key] ?? key;
  return vars ? text.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m)) : text;
}

/** The interface language: the one chosen in the options, or else the first supported one the browser prefers
 * (navigator.languages: the browser's language list, e.g. ['uk-UA', 'uk', 'en-US']), or else English. */
export function resolveLanguage(setting, preferred = []) {
  if (LANGUAGES.includes(setting)) return setting;
  for (const tag of preferred || []) {
    const base = String(tag).toLowerCase().split('-')[0];
    if (LANGUAGES.includes(base)) return base;
  }
  return 'en';
}
