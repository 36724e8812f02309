// Builds the one self-contained page a node serves at GET / (web/README.md): bundles
// web/crypto.js with the packages `npm ci` installed from web/package-lock.json, and
// inlines the bundle where web/index.html has `<script data-bundle="crypto.js"></script>`.
// Run by web/CMakeLists.txt; deterministic (same inputs, same bytes).
//
// usage: node build_page.js WEB_SOURCE_DIR NODE_MODULES_DIR OUT_HTML
'use strict';
const fs = require('fs');
const path = require('path');

const [srcDir, modulesDir, outFile] = process.argv.slice(2);
if (!outFile) {
  console.error('usage: node build_page.js WEB_SOURCE_DIR NODE_MODULES_DIR OUT_HTML');
  process.exit(2);
}
const fail = (why) => { console.error('build_page.js: ' + why); process.exit(1); };

const MARKER = '<script data-bundle="crypto.js"></script>';
// The page is sent whole with every GET /; a bundle grown past this means a dependency
// pulled in far more than the curves and hashes the page needs.
const BUNDLE_BYTES_MAX = 256 * 1024;

const esbuild = require(path.join(modulesDir, 'esbuild'));
const version = (pkg) => JSON.parse(fs.readFileSync(path.join(modulesDir, pkg, 'package.json'), 'utf8')).version;
const built = esbuild.buildSync({
  entryPoints: [path.join(srcDir, 'crypto.js')],
  nodePaths: [modulesDir],  // node_modules lives in the build directory, not beside crypto.js
  bundle: true,
  format: 'iife',
  target: 'es2020',
  minify: true,
  legalComments: 'inline',  // keeps noble's "/*! noble-curves - MIT License ... */"
  write: false,
  logLevel: 'error',
});
const code = built.outputFiles[0].text.trim();
if (Buffer.byteLength(code) > BUNDLE_BYTES_MAX) fail('the bundle is ' + Buffer.byteLength(code) + ' bytes, over ' + BUNDLE_BYTES_MAX);
if (/<\/script/i.test(code) || /<!--/.test(code)) fail('the bundle holds "</script" or "<!--", which would end the inline script');

const html = fs.readFileSync(path.join(srcDir, 'index.html'), 'utf8');
const at = html.indexOf(MARKER);
if (at < 0 || html.indexOf(MARKER, at + 1) >= 0) fail('web/index.html must hold ' + MARKER + ' exactly once');
const banner = '/* web/crypto.js bundled: @noble/curves ' + version('@noble/curves') + ', @noble/hashes ' + version('@noble/hashes') +
  ' (MIT License, (c) Paul Miller, paulmillr.com), with web/sm2_sm3.js, by esbuild ' + version('esbuild') + ' from web/package-lock.json */\n';
const page = html.slice(0, at) + '<script>\n' + banner + code + '\n</script>' + html.slice(at + MARKER.length);

fs.mkdirSync(path.dirname(outFile), { recursive: true });
const tmp = outFile + '.tmp';
fs.writeFileSync(tmp, page);
fs.renameSync(tmp, outFile);
console.log('build_page.js: ' + path.basename(outFile) + ' ' + Buffer.byteLength(page) + ' bytes (crypto bundle ' + Buffer.byteLength(code) + ')');
