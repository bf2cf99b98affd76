// Site adapters: which one serves a page, by hostname. The table (each site's hosts and its selectors for product
// tiles, their titles, and a product page's title and brand) is generated into ./sites.js from ../sites.json;
// edit that file and run node extension/build.mjs. Sites without an adapter get the generic one.
import { ADAPTERS, GENERIC } from './sites.js';

export { ADAPTERS, GENERIC };

/** The adapter for a hostname (www. and subdomains ignored), or the generic one. */
export function adapterFor(hostname) {
  const host = String(hostname || '').toLowerCase().replace(/^www\./, '');
  const covers = (h) => host === h || host.endsWith(`.${h}`);
  return ADAPTERS.find((a) => a.hosts.some(covers)) || GENERIC;
}
