// The extension's build: sites.json → lib/sites.js and the manifest's site matches; content/main.js and the lib/
// modules it imports → content/content.js (one classic script: nothing web-accessible); with --release, the store
// packages.
//   node extension/build.mjs                   regenerate in place (extension/ stays loadable unpacked)
//   node extension/build.mjs --check           exit 1 if a generated file is out of date
//   node extension/build.mjs --release OUTDIR  regenerate, then write sponsorwatch-{chrome,firefox}-<version>.zip
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSites, renderManifest, renderSitesModule } from './tools/sites.mjs';
import { renderContentScript } from './tools/bundle.mjs';

const EXT = dirname(fileURLToPath(import.meta.url));
const USAGE = 'usage: node extension/build.mjs [--check | --release OUTDIR]';
// Paths as the user would type them: relative to where they ran the build when under it, absolute otherwise.
const show = (path) => (relative(process.cwd(), path).startsWith('..') ? path : relative(process.cwd(), path) || '.');
const read = (name) => readFileSync(join(EXT, name), 'utf8');

/** [path, wanted text] for every generated file. */
function generated() {
  const source = parseSites(read('sites.json'));
  const sitesModule = renderSitesModule(source);
  return [
    [join(EXT, 'lib', 'sites.js'), sitesModule],
    [join(EXT, 'manifest.json'), renderManifest(read('manifest.json'), source.sites)],
    // Bundled with lib/sites.js as just generated, not as it is on disk.
    [join(EXT, 'content', 'content.js'), renderContentScript(EXT, { 'lib/sites.js': sitesModule })],
  ];
}

const current = (path) => (existsSync(path) ? readFileSync(path, 'utf8') : null);

function check() {
  const stale = generated().filter(([path, text]) => current(path) !== text).map(([path]) => path);
  for (const path of stale) {
    console.error(`${show(path)} is ${current(path) === null ? 'missing' : 'out of date'}: it is generated from ${show(join(EXT, 'sites.json'))}`);
  }
  if (stale.length) {
    console.error(`run: node ${show(join(EXT, 'build.mjs'))}`);
    return 1;
  }
  console.log('generated files are up to date');
  return 0;
}

function regenerate() {
  const changed = generated().filter(([path, text]) => current(path) !== text);
  for (const [path, text] of changed) {
    writeFileSync(path, text);
    console.log(`wrote ${show(path)}`);
  }
  if (!changed.length) console.log('generated files are up to date');
}

async function main(args) {
  if (!args.length) { regenerate(); return 0; }
  if (args.length === 1 && args[0] === '--check') return check();
  if (args.length === 2 && args[0] === '--release') {
    regenerate();
    // Imported only here: it needs web-ext from tests/extension/node_modules, generating and checking do not.
    const { release } = await import('./tools/package.mjs').catch((e) => {
      throw e.code === 'ERR_MODULE_NOT_FOUND' ? new Error(`${e.message}\nrun: (cd tests/extension && npm ci)`) : e;
    });
    const manifest = JSON.parse(read('manifest.json'));
    for (const path of await release({ ext: EXT, outDir: resolve(args[1]), manifest })) console.log(`packaged ${show(path)}`);
    return 0;
  }
  console.error(USAGE);
  return 2;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  console.error(`build failed: ${e.message}`);
  process.exitCode = 1;
}
