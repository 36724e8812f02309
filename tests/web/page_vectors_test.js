// The verification page's own encoders (web/index.html) against the frozen vectors of
// docs/encoding.md, under Node.js: the page must compute the same genesis hash as the
// node, or a litigant's offline check would fail; and its receipt checks on a receipt
// built from them. usage: node page_vectors_test.js REPO
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

  // The block header (v2): the page reads the frozen header bytes back to the header
  // JSON, and they hash to the frozen block hash.
  const hv = JSON.parse(fs.readFileSync(path.join(repo, 'tests', 'data', 'vectors', 'header.json'), 'utf8'));
  const fields = ['chain_id', 'height', 'time_ms', 'prev_hash', 'genesis_hash', 'record_count', 'ledger_size', 'ledger_root',
    'validator_set_hash', 'next_validator_set_hash', 'state_hash', 'proposer'];
  const decoded = page.decodeHeader(page.hexToBytes(hv.header_bytes));
  check(fields.every((k) => String(decoded[k]) === String(hv.header[k])) && Object.keys(decoded).length === fields.length,
    'the page decodes the v2 header vector to its header JSON (' + fields.length + ' fields)');
  check(page.bytesToHex(await page.sha256(page.hexToBytes(hv.header_bytes))) === hv.block_hash,
    'the v2 header bytes hash to the block hash ' + hv.block_hash.slice(0, 16));
  // This test's own header encoder (docs/encoding.md), to build headers the vectors lack.
  const u32 = (n) => n.toString(16).padStart(8, '0');
  const u64 = (n) => BigInt(n).toString(16).padStart(16, '0');
  const str = (t) => { const b = Buffer.from(t, 'utf8'); return u32(b.length) + b.toString('hex'); };
  const headerHex = (h) => str('jchain/header/v2') + str(h.chain_id) + u64(h.height) + u64(h.time_ms) + h.prev_hash + h.genesis_hash +
    u64(h.record_count) + u64(h.ledger_size) + h.ledger_root + h.validator_set_hash + h.next_validator_set_hash + h.state_hash + h.proposer;
  check(headerHex(hv.header) === hv.header_bytes, 'the header JSON encodes to the frozen header bytes');
  let v1Refused = false;
  try { page.decodeHeader(page.hexToBytes(hv.header_bytes.replace(str('jchain/header/v2'), str('jchain/header/v1')))); } catch (e) { v1Refused = /jchain\/header\/v2/.test(e.message); }
  check(v1Refused, 'a v1 header tag is refused');

  // A receipt of the evidence record (leaf 0 of block 1), built from the vectors.
  const recVec = JSON.parse(fs.readFileSync(path.join(repo, 'tests', 'data', 'vectors', 'record_evidence.json'), 'utf8'));
  const otherVec = JSON.parse(fs.readFileSync(path.join(repo, 'tests', 'data', 'vectors', 'record_correction.json'), 'utf8'));
  const vsVec = JSON.parse(fs.readFileSync(path.join(repo, 'tests', 'data', 'vectors', 'validator_set.json'), 'utf8'));
  check(hv.ledger_leaves[0] === recVec.record_id && hv.ledger_leaves[1] === otherVec.record_id, 'the header commits the two record vectors');
  const leafHex = async (id) => page.bytesToHex(await page.leafHash(page.hexToBytes(id)));
  const receiptFor = async (header, leafIndex) => {
    const hb = headerHex(header);
    return {
      format: 'jchain-receipt/2', chain_id: header.chain_id, record_id: recVec.record_id,
      record: { ...recVec.record, signature: recVec.signature.der },
      record_signature: { signed_bytes: recVec.signed_bytes, der: recVec.signature.der, pem: recVec.signature.public_key_pem },
      leaf_index: leafIndex,
      inclusion_proof: { leaf_hash: await leafHex(recVec.record_id), tree_size: header.ledger_size, root: header.ledger_root,
        path: [await leafHex(otherVec.record_id)] },
      block: { header, header_bytes: hb, hash: page.bytesToHex(await page.sha256(page.hexToBytes(hb))) },
      validator_set: { validators: vsVec.validator_set, hash: vsVec.validator_set_hash },
      commit: { height: header.height, round: 0, block_hash: hv.block_hash, signatures: [] },
    };
  };
  const find = (r, id) => r.checks.find((c) => c.id === id) || { ok: undefined, detail: '(no such check)' };
  const withGenesis = { genesis: { json: vec.genesis, source: 'file' } };
  let r = await page.checkReceipt(await receiptFor(hv.header, 0), withGenesis);
  for (const id of ['record id', 'block hash', 'genesis binding', 'genesis link', 'leaf in block', 'inclusion proof', 'validator set'])
    check(find(r, id).ok === true, 'vector receipt: "' + id + '" passes (' + find(r, id).detail + ')');
  check(find(r, 'genesis binding').zh === '创世绑定' && find(r, 'leaf in block').zh === '叶子属于该区块', 'the two new checks are bilingual');
  r = await page.checkReceipt(await receiptFor(hv.header, 0), {});
  check(find(r, 'genesis binding').ok === null && /no genesis/.test(find(r, 'genesis binding').detail),
    'without a genesis, "genesis binding" is not done (ok null) and says so');
  r = await page.checkReceipt(await receiptFor(hv.header, 0), { genesis: { json: example, source: 'file' } });
  check(find(r, 'genesis binding').ok === false, 'another genesis fails "genesis binding"');
  r = await page.checkReceipt(await receiptFor({ ...hv.header, genesis_hash: '00'.repeat(32) }, 0), withGenesis);
  check(find(r, 'genesis binding').ok === false && find(r, 'block hash').ok === true,
    'a header naming another genesis fails "genesis binding" (its block hash still checks)');
  const badJson = await receiptFor(hv.header, 0);
  badJson.block.header = { ...hv.header, state_hash: '00'.repeat(32) };
  r = await page.checkReceipt(badJson, withGenesis);
  check(find(r, 'block hash').ok === false && /differs/.test(find(r, 'block hash').detail), 'block.header with another state_hash than its bytes fails "block hash"');

  // Leaf in block: the leaf must be one the block added, [ledger_size - record_count, ledger_size).
  r = await page.checkReceipt(await receiptFor({ ...hv.header, record_count: 1 }, 0), withGenesis);
  check(find(r, 'leaf in block').ok === false && /\[1, 2\)/.test(find(r, 'leaf in block').detail) && !r.ok,
    'leaf 0 under a header that added only leaf 1 fails "leaf in block", naming [1, 2)');
  r = await page.checkReceipt(await receiptFor(hv.header, 2), withGenesis);
  check(find(r, 'leaf in block').ok === false && /\[0, 2\)/.test(find(r, 'leaf in block').detail), 'leaf 2 of a 2-leaf ledger fails "leaf in block"');
  r = await page.checkReceipt(await receiptFor({ ...hv.header, record_count: 3 }, 0), withGenesis);
  check(find(r, 'leaf in block').ok === false && /exceeds/.test(find(r, 'leaf in block').detail), 'record_count above ledger_size fails "leaf in block"');
  r = await page.checkReceipt(await receiptFor(hv.header, undefined), withGenesis);
  check(find(r, 'leaf in block').ok === false, 'a receipt without leaf_index fails "leaf in block"');
  const lib = (i, count, size) => page.leafInBlock(i, { height: 7, record_count: count, ledger_size: size }).ok;
  check(lib(5, 3, 8) && lib(7, 3, 8) && lib(7n, 3n, 8n) && !lib(4, 3, 8) && !lib(8, 3, 8) && !lib(0, 0, 8) && !lib(-1, 3, 8) && !lib(1.5, 3, 8),
    'leafInBlock: 5 and 7 of [5, 8) pass; 4, 8, -1, 1.5 and any leaf of an empty block fail');

  console.log(failures ? failures + ' failed' : 'all passed');
  process.exit(failures ? 1 : 0);
})();
