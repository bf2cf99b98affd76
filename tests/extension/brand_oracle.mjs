// The extension's offline brand matcher (extension/lib/brands.js) as a filter for the Python side's agreement test
// (tests/test_extension_data.py): a JSON list of {text, brand?, category?} on stdin, a JSON list of matches (or
// null) on stdout, with the snapshot the extension bundles and the date given as the first argument.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BrandMatcher } from '../../extension/lib/brands.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const snapshot = JSON.parse(readFileSync(join(root, 'extension', 'data', 'snapshot.json'), 'utf8'));
const matcher = new BrandMatcher(snapshot.brands, snapshot.cues, process.argv[2] || null);
const items = JSON.parse(readFileSync(0, 'utf8'));
const out = items.map((i) => {
  const m = matcher.match(i.text, { brand: i.brand ?? null, category: i.category ?? null });
  return m && { brand: m.brand.id, term: m.term, span: m.span, kinds: m.kinds, type_word: m.typeWord, score: m.score, sold: m.sold };
});
process.stdout.write(JSON.stringify(out));
