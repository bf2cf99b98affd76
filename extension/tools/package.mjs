// Store packages: the extension's files staged once per store with that store's manifest, then zipped by web-ext.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
// web-ext from the extension tests' node_modules: the maintained packager the project already installs (offline).
// A fixed path rather than a computed one: the add-on linter flags imports of computed URLs in extension/.
import webExt from '../../tests/extension/node_modules/web-ext/index.js';

// Build inputs and development files never go to a store. Paths are relative to extension/, with "/".
const LEFT_OUT = [
  /^build\.mjs$/, /^sites\.json$/, /^tools\//,  // the build and its source; what it generates is packaged
  /^content\/main\.js$/,  // the content script's source; its bundle, content/content.js, is packaged
  /(^|\/)\./,  // dotfiles and dot-directories
  /(^|\/)node_modules\//, /(^|\/)tests?\//, /\.test\.m?js$/,
  /\.map$/,  // source maps
  /\.(zip|xpi)$/,  // earlier packages
];

const withoutKey = (object, key) => Object.fromEntries(Object.entries(object).filter(([k]) => k !== key));

/** Each store's manifest from the unpacked one, which carries the keys of both. */
export const TARGETS = {
  // Chrome has no use for the Gecko settings and warns that background.scripts needs manifest version 2.
  chrome: (m) => ({ ...withoutKey(m, 'browser_specific_settings'), background: withoutKey(m.background, 'scripts') }),
  // Firefox runs background.scripts (no extension service workers there); AMO's linter flags service_worker.
  firefox: (m) => {
    if (!m.browser_specific_settings?.gecko?.id) throw new Error('manifest.json: Firefox needs browser_specific_settings.gecko.id');
    if (!m.background?.scripts?.length) throw new Error('manifest.json: Firefox needs background.scripts');
    return { ...m, background: withoutKey(m.background, 'service_worker') };
  },
};

/** Files of the extension that belong in a package, relative to ext, sorted. */
export function packagedFiles(ext, dir = ext) {
  const files = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const rel = relative(ext, path).split(sep).join('/');
    if (entry.isDirectory()) {
      if (!LEFT_OUT.some((re) => re.test(`${rel}/`))) files.push(...packagedFiles(ext, path));
    } else if (entry.isFile() && !LEFT_OUT.some((re) => re.test(rel))) files.push(rel);
  }
  return files.sort();
}

/** Writes sponsorwatch-<store>-<version>.zip for each store into outDir; returns their paths. */
export async function release({ ext, outDir, manifest }) {
  // Chrome's rule for versions (1 to 4 dot-separated integers) also keeps the file name plain.
  if (!/^\d+(\.\d+){0,3}$/.test(String(manifest.version))) throw new Error(`manifest.json: version ${manifest.version} is not 1-4 dot-separated numbers`);
  const inside = relative(ext, outDir);
  if (!inside || !inside.startsWith('..')) throw new Error('the output directory must be outside extension/, or the packages would pack each other');
  const files = packagedFiles(ext).filter((f) => f !== 'manifest.json');
  mkdirSync(outDir, { recursive: true });
  const written = [];
  for (const [store, shape] of Object.entries(TARGETS)) {
    const stage = mkdtempSync(join(tmpdir(), `sponsorwatch-${store}-`));
    try {
      for (const f of files) {
        mkdirSync(dirname(join(stage, f)), { recursive: true });
        copyFileSync(join(ext, f), join(stage, f));
      }
      writeFileSync(join(stage, 'manifest.json'), `${JSON.stringify(shape(manifest), null, 2)}\n`);
      const filename = `sponsorwatch-${store}-${manifest.version}.zip`;
      await webExt.cmd.build({ sourceDir: stage, artifactsDir: outDir, filename, overwriteDest: true }, { showReadyMessage: false });
      written.push(join(outDir, filename));
    } finally {
      rmSync(stage, { recursive: true, force: true });
    }
  }
  return written;
}
