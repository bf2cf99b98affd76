// Site adapters: where product titles and brand fields live on each supported site (search tiles and product
// pages). Selectors follow ../shared/research/sponsors.md §5 and extensions.md §5; a generic fallback covers
// the rest. Each adapter lists `tiles` (a product card), `tileTitle` (its title) and `pageTitle`/`brand` for a
// product page.
export const ADAPTERS = [
  { id: 'rozetka', hosts: ['rozetka.com.ua'], tiles: 'rz-product-tile, .goods-tile', tileTitle: '.goods-tile__title',
    pageTitle: 'h1.product__title, h1', brand: '[data-testid="brand"], .product__brand' },
  { id: 'prom', hosts: ['prom.ua'], tiles: '[data-qaid="product_block"]', tileTitle: '[data-qaid="product_name"]',
    pageTitle: 'h1[data-qaid="page_title"], h1', brand: '[data-qaid="brand"]' },
  { id: 'olx', hosts: ['olx.ua'], tiles: '[data-cy="l-card"]', tileTitle: 'h4, h6, [data-cy="ad-card-title"]',
    pageTitle: '[data-cy="ad_title"], h1', brand: null },
  { id: 'epicentrk', hosts: ['epicentrk.ua'], tiles: '.card', tileTitle: '.card__name', pageTitle: 'h1', brand: null },
  { id: 'allo', hosts: ['allo.ua'], tiles: '.product-card', tileTitle: '.product-card__title', pageTitle: 'h1', brand: null },
  { id: 'hotline', hosts: ['hotline.ua'], tiles: '.list-item', tileTitle: '.list-item__title', pageTitle: 'h1', brand: null },
  { id: 'amazon', hosts: ['amazon.com', 'amazon.co.uk', 'amazon.de', 'amazon.fr', 'amazon.it', 'amazon.es', 'amazon.pl', 'amazon.ca'],
    tiles: '[data-component-type="s-search-result"]', tileTitle: 'h2', pageTitle: '#productTitle',
    brand: '#bylineInfo, .po-brand .po-break-word' },
  { id: 'aliexpress', hosts: ['aliexpress.com', 'aliexpress.ru', 'aliexpress.us'], tiles: '.search-item-card-wrapper-gallery, [class*="search-card-item"]',
    tileTitle: 'h3, [class*="titleText"]', pageTitle: 'h1[data-pl="product-title"], h1', brand: null },
  { id: 'ebay', hosts: ['ebay.com', 'ebay.co.uk', 'ebay.de'], tiles: '.s-item', tileTitle: '.s-item__title',
    pageTitle: 'h1.x-item-title__mainTitle, h1', brand: null },
  { id: 'prozorro', hosts: ['prozorro.gov.ua'], tiles: '.tender-item, [data-qa="item"]', tileTitle: '.tender-item__description, [data-qa="item-description"]',
    pageTitle: '.tender--head--title, h1', brand: null },
];

export const GENERIC = { id: 'generic', hosts: [], tiles: '[itemtype$="Product"], [itemtype$="/Product"]',
  tileTitle: '[itemprop="name"]', pageTitle: 'h1', brand: '[itemprop="brand"]' };

/** The adapter for a hostname (www. and subdomains ignored), or the generic one. */
export function adapterFor(hostname) {
  const host = String(hostname || '').toLowerCase().replace(/^www\./, '');
  return ADAPTERS.find((a) => a.hosts.some((h) => host === h || host.endsWith(`.${h}`))) || GENERIC;
}
