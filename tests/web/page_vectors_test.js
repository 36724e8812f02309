// The verification page's own encoders (web/index.html) against the frozen vectors of
// docs/encoding.md, under Node.js: the page must compute the same genesis hash as the
// node, or a litigant's offline check would fail. usage: node page_vectors_test.js REPO
'use strict';
const fs = require('fs');
const path = require('path');
const vm = require('vm');

const repo = process.argv[2] || path.join(__dirname, '..', '..');
const html = fs.readFileSync(path.join(repo, 'web', 'index.html'), 'utf8');
const script = html.slice(html.indexOf('<script>') + 8, html.indexOf('</script>'));
const sandbox = { module: { exports: {} }, globalThis: null, TextEncoder, TextDecoder, crypto: globalThis.crypto, console };
sandbox.globalThis = sandbox;
vm.runInNewContext(script, sandbox);
const page = sandbox.module.exports;

let failures = 0;
function check(ok, what) {
  console.log((ok ? '  ok    ' : '  FAIL  ') + what);
  if (!ok) failures++;
}

(async () => {
  const vec = JSON.parse(fs.readFileSync(path.join(repo, 'tests', 'data', 'vectors', 'genesis.json'), 'utf8'));
  const g = await page.readGenesis(vec.genesis);
  check(g.hash === vec.genesis_hash, 'the page hashes the vector genesis (with params) to ' + vec.genesis_hash.slice(0, 16));

  const example = JSON.parse(fs.readFileSync(path.join(repo, 'config', 'genesis.json'), 'utf8'));
  const withParams = await page.readGenesis(example);
  const withoutParams = { ...example };
  delete withoutParams.params;
  check((await page.readGenesis(withoutParams)).hash === withParams.hash,
    'a genesis without params hashes as one listing the defaults (the page knows the defaults)');
  const changed = { ...example, params: { ...example.params, client_time_window_ms: 300000 } };
  check((await page.readGenesis(changed)).hash !== withParams.hash, 'a changed parameter changes the hash');
  let refused = false;
  try { await page.readGenesis({ ...example, params: { block_size_max: 1 } }); } catch (e) { refused = /block_size_max/.test(e.message); }
  check(refused, 'an unknown parameter is refused, naming it');

  console.log(failures ? failures + ' failed' : 'all passed');
  process.exit(failures ? 1 : 0);
})();
