// The verification page's own encoders and signature checks (web/index.html, as built
// with its secp256k1 library inlined) against the frozen vectors of docs/encoding.md,
// under Node.js: the page must compute the same genesis hash as the node, or a
// litigant's offline check would fail; it must accept the signatures libsecp256k1 made
// and refuse swapped, high-S, non-DER and wrong-key ones; and its receipt checks on
// receipts built from the vectors. Then the sm2-sm3 suite against the openssl command line
// (tests/web/sm_support.js): SM3, SM2 with user IDs both ways, genesis v3, SM3 ledger
// proofs, a whole sm2-sm3 receipt and checkpoint. usage: node page_vectors_test.js REPO BUILT_PAGE
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { loadPage } = require('./page_script');
const sm = require('./sm_support');
const { mutantCases, judge } = require('./receipt_mutants');

const repo = process.argv[2] || path.join(__dirname, '..', '..');
const builtPage = process.argv[3] || path.join(repo, 'build', 'web', 'index.html');
const { page, curve, ed25519, sm2, sm3 } = loadPage(builtPage);

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

  // The block header (v3): the page reads the frozen header bytes back to the header
  // JSON, and they hash to the frozen block hash.
  const hv = JSON.parse(fs.readFileSync(path.join(repo, 'tests', 'data', 'vectors', 'header.json'), 'utf8'));
  const fields = ['chain_id', 'height', 'time_ms', 'prev_hash', 'genesis_hash', 'record_count', 'ledger_size', 'ledger_root',
    'body_hash', 'validator_set_hash', 'next_validator_set_hash', 'state_hash', 'proposer'];
  const decoded = page.decodeHeader(page.hexToBytes(hv.header_bytes));
  check(fields.every((k) => String(decoded[k]) === String(hv.header[k])) && Object.keys(decoded).length === fields.length,
    'the page decodes the v3 header vector to its header JSON (' + fields.length + ' fields)');
  check(page.bytesToHex(await page.sha256(page.hexToBytes(hv.header_bytes))) === hv.block_hash,
    'the v3 header bytes hash to the block hash ' + hv.block_hash.slice(0, 16));
  // This test's own header encoder (docs/encoding.md), to build headers the vectors lack.
  const u32 = (n) => n.toString(16).padStart(8, '0');
  const u64 = (n) => BigInt(n).toString(16).padStart(16, '0');
  const str = (t) => { const b = Buffer.from(t, 'utf8'); return u32(b.length) + b.toString('hex'); };
  const headerHex = (h) => str('jchain/header/v3') + str(h.chain_id) + u64(h.height) + u64(h.time_ms) + h.prev_hash + h.genesis_hash +
    u64(h.record_count) + u64(h.ledger_size) + h.ledger_root + h.body_hash + h.validator_set_hash + h.next_validator_set_hash + h.state_hash + h.proposer;
  check(headerHex(hv.header) === hv.header_bytes, 'the header JSON encodes to the frozen header bytes');
  let v2Refused = false;
  try { page.decodeHeader(page.hexToBytes(hv.header_bytes.replace(str('jchain/header/v3'), str('jchain/header/v2')))); } catch (e) { v2Refused = /jchain\/header\/v3/.test(e.message); }
  check(v2Refused, 'a v2 header tag is refused');

  // The state (members, policy, parameters in force at a block): the genesis of
  // genesis.json at height 1 (its members since height max(1, since_height) in force,
  // sorted by key) encodes to header.json's state_bytes, whose SHA-256 is its state_hash.
  const stateAt = (gj, height) => ({
    members: gj.members.map((m) => ({ name: m.name, public_key: m.public_key, role: m.role, since_height: Math.max(1, m.since_height) }))
      .filter((m) => m.since_height <= height).sort((a, b) => (a.public_key < b.public_key ? -1 : 1)),
    policy: gj.policy, params: gj.params,
    nodes: (gj.nodes || []).map((n) => ({ name: n.name, public_key: n.public_key })).sort((a, b) => (a.public_key < b.public_key ? -1 : 1)),
    witnesses: [...(gj.witnesses || [])].sort((a, b) => {
      const key = (v) => Buffer.from(v.slice(v.indexOf('+', v.indexOf('+') + 1) + 1), 'base64').toString('hex');
      return key(a) < key(b) ? -1 : 1;
    }),
  });
  const state1 = stateAt(vec.genesis, 1);
  const stateHex = async (st) => page.bytesToHex(await page.sha256(page.readState(st).bytes));
  check(page.bytesToHex(page.readState(state1).bytes) === hv.state_bytes, 'the page encodes the genesis state at height 1 to header.json\'s state_bytes');
  check(await stateHex(state1) === hv.header.state_hash, 'and its SHA-256 is the header\'s state_hash ' + hv.header.state_hash.slice(0, 16));
  const shuffled = { ...state1, policy: Object.fromEntries(Object.entries(state1.policy).reverse().map(([k, r]) => [k, [...r].reverse()])) };
  check(await stateHex(shuffled) === hv.header.state_hash, 'the policy encodes in kind enum order with sorted roles, whatever the JSON order');
  const refuses = (st, re) => { try { page.readState(st); return false; } catch (e) { return re.test(e.message); } };
  check(refuses({ ...state1, members: [...state1.members].reverse() }, /sorted/), 'state members out of key order are refused');
  check(refuses({ ...state1, params: { ...state1.params, block_size_max: 1 } }, /every chain parameter/) &&
    refuses({ ...state1, params: { block_bytes_max: 16777216 } }, /every chain parameter/), 'state params must name exactly every chain parameter');
  check(refuses({ ...state1, policy: { ...state1.policy, minutes: ['court'] } }, /minutes/), 'a state policy naming an unknown kind is refused');

  // A receipt of the evidence record (leaf 0 of block 1), built from the vectors.
  const recVec = JSON.parse(fs.readFileSync(path.join(repo, 'tests', 'data', 'vectors', 'record_evidence.json'), 'utf8'));
  const otherVec = JSON.parse(fs.readFileSync(path.join(repo, 'tests', 'data', 'vectors', 'record_correction.json'), 'utf8'));
  const vsVec = JSON.parse(fs.readFileSync(path.join(repo, 'tests', 'data', 'vectors', 'validator_set.json'), 'utf8'));
  check(hv.ledger_leaves[0] === recVec.record_id && hv.ledger_leaves[1] === otherVec.record_id, 'the header commits the two record vectors');
  const leafHex = async (id) => page.bytesToHex(await page.leafHash(page.hexToBytes(id)));
  const hashHex = async (hex) => page.bytesToHex(await page.sha256(page.hexToBytes(hex)));
  // Validator sets as receipts carry them, and commit certificates by every validator of a
  // set, signed for real: the vector keys are the private scalars 1..7 (their files say
  // which), signed here with the page's own library, deterministic (RFC 6979) like the node.
  const scalarHex = (k) => k.toString(16).padStart(64, '0');
  const privateOf = new Map([1, 2, 3, 5, 6, 7].map((k) => [page.bytesToHex(curve.getPublicKey(page.hexToBytes(scalarHex(k)), true)), scalarHex(k)]));
  const digestOf = (hex) => new Uint8Array(require('crypto').createHash('sha256').update(Buffer.from(hex, 'hex')).digest());
  const signHex = (key, signedHex) => page.bytesToHex(curve.sign(digestOf(signedHex), page.hexToBytes(privateOf.get(key)), { prehash: false, format: 'der' }));
  const setHash = (list) => page.bytesToHex(new Uint8Array(require('crypto').createHash('sha256')
    .update(page.validatorSetBytes(list.map((v) => ({ key: v.public_key, name: v.name, power: v.power })))).digest()));
  const setJson = (list) => ({ validators: list, hash: setHash(list) });
  const SPKI = '3036301006072a8648ce3d020106052b8104000a032200';
  const pemOf = (key) => '-----BEGIN PUBLIC KEY-----\n' + Buffer.from(SPKI + key, 'hex').toString('base64') + '\n-----END PUBLIC KEY-----\n';
  const commitFor = (height, blockHash, signers) => ({
    height, round: 0, block_hash: blockHash,
    signatures: [...signers].sort((a, b) => (a.public_key < b.public_key ? -1 : 1)).map((v) => ({
      validator: v.public_key, signed_bytes: page.bytesToHex(page.voteBytes(hv.header.chain_id, height, 0, blockHash)),
      der: signHex(v.public_key, page.bytesToHex(page.voteBytes(hv.header.chain_id, height, 0, blockHash))), pem: pemOf(v.public_key),
    })),
  });
  const genesisSet = vsVec.validator_set;
  check(setHash(genesisSet) === vsVec.validator_set_hash && setHash(genesisSet) === hv.header.validator_set_hash, 'the vector validator set hashes to the header\'s');
  // opts: {signed (record signed bytes hex), record (JSON), state, steps, set, signers}.
  const receiptFor = async (header, leafIndex, opts = {}) => {
    const hb = headerHex(header);
    const hash = await hashHex(hb);
    const signed = opts.signed || recVec.signed_bytes;
    const id = await hashHex(signed);
    const set = opts.set || genesisSet;
    const submitter = (opts.record || recVec.record).submitter;
    const der = signHex(submitter, signed);
    return {
      format: 'jchain-receipt/4', chain_id: header.chain_id, record_id: id,
      record: { ...(opts.record || recVec.record), signature: der },
      record_signature: { signed_bytes: signed, der, pem: pemOf(submitter) },
      leaf_index: leafIndex,
      inclusion_proof: { leaf_hash: await leafHex(id), tree_size: header.ledger_size, root: header.ledger_root,
        path: [await leafHex(otherVec.record_id)] },
      block: { header, header_bytes: hb, hash },
      commit: commitFor(header.height, hash, opts.signers || set),
      validator_set: setJson(set),
      state: opts.state || state1,
      validator_changes: opts.steps || [],
    };
  };
  const find = (r, id) => r.checks.find((c) => c.id === id) || { ok: undefined, detail: '(no such check)' };
  // The vector genesis declares a witness, so a receipt no witness quorum cosigned is
  // valid only when the reader accepts validators-only (the "trust basis" tests below
  // check without it): as jchain verify --accept-validators-only.
  const strictGenesis = { genesis: { json: vec.genesis, source: 'file' } };
  const withGenesis = { ...strictGenesis, acceptValidatorsOnly: true };
  const failedOnly = (r, ids) => { const f = r.checks.filter((c) => c.ok === false).map((c) => c.id).join(','); if (process.env.DEBUG_FAILED && f !== ids.join(',')) console.log('   failed: ' + f); return f === ids.join(','); };
  let r = await page.checkReceipt(await receiptFor(hv.header, 0), withGenesis);
  for (const id of ['record id', 'block hash', 'genesis binding', 'genesis link', 'leaf in block', 'inclusion proof', 'validator changes',
    'validator set', 'commit certificate', 'state', 'submitter'])
    check(find(r, id).ok === true, 'vector receipt: "' + id + '" passes (' + find(r, id).detail + ')');
  check(r.ok === true && r.checks.every((c) => c.ok === true), 'the vector receipt passes every check (' + r.checks.length + ', signatures included)');
  check(find(r, 'record signature').ok === true && find(r, 'commit signatures').ok === true && /all 3 ECDSA signatures/.test(find(r, 'commit signatures').detail),
    'its record signature and all 3 commit signatures verify');
  check(find(r, 'validator changes').detail === 'no change since genesis', 'with no validator change, "validator changes" says "no change since genesis"');
  check(r.member && r.member.role === 'court' && /Beijing Internet Court \(court, member since height 1\) may write 'evidence'/.test(find(r, 'submitter').detail),
    'the submitter is read from the state: Beijing Internet Court (court) may write evidence');
  check(find(r, 'genesis binding').zh === '创世绑定' && find(r, 'leaf in block').zh === '叶子属于该区块' &&
    find(r, 'validator changes').zh === '验证人变更' && find(r, 'state').zh === '状态' && /提交/.test(find(r, 'submitter').zh), 'the checks are bilingual');
  // The disclosure: the vector's clear values, checked in the page as chain::check_disclosure does.
  {
    const disclosed = await receiptFor(hv.header, 0);
    disclosed.disclosure = JSON.parse(JSON.stringify(recVec.disclosure));
    r = await page.checkReceipt(disclosed, withGenesis);
    check(r.ok === true && find(r, 'disclosure').ok === true && r.disclosed.caseId === recVec.disclosure.case_id &&
      r.disclosed.metadata.some(([k, v]) => k === 'file_name' && v === '合同.pdf'),
    'a receipt with the vector\'s disclosure passes, the page recomputing the HMAC case tag and the commitments (' + find(r, 'disclosure').detail + ')');
    check(find(r, 'record shape').ok === true, 'the vector record keeps nothing in clear ("record shape" passes)');
    const mutate = async (change, what) => {
      const m = JSON.parse(JSON.stringify(disclosed));
      change(m.disclosure);
      const v = await page.checkReceipt(m, withGenesis);
      check(v.ok === false && failedOnly(v, ['disclosure']), what + ' fails "disclosure" alone (' + find(v, 'disclosure').detail + ')');
    };
    await mutate((d) => { d.metadata.pages.value = '4'; }, 'a changed disclosed value');
    await mutate((d) => { d.metadata.pages.salt = 'a0' + d.metadata.pages.salt.slice(2); }, 'a changed salt');
    await mutate((d) => { d.case_id += ' '; }, 'a changed case id');
    await mutate((d) => { d.case_key = '00' + d.case_key.slice(2); }, 'a changed case key');
    await mutate((d) => { delete d.case_key; }, 'a case id without its key');
    const plain = await page.checkReceipt(await receiptFor(hv.header, 0), withGenesis);
    check(plain.ok === true && plain.disclosed === null && !plain.checks.some((c) => c.id === 'disclosure'), 'a receipt without a disclosure passes and discloses nothing');
  }
  r = await page.checkReceipt(await receiptFor(hv.header, 0), {});
  check(find(r, 'genesis binding').ok === null && /no genesis/.test(find(r, 'genesis binding').detail),
    'without a genesis, "genesis binding" is not done (ok null) and says so');
  check(find(r, 'validator changes').ok === null && /no genesis/.test(find(r, 'validator changes').detail) && find(r, 'state').ok === true && find(r, 'submitter').ok === true,
    'without a genesis, "validator changes" is not done (ok null), while "state" and "submitter" still are');
  r = await page.checkReceipt(await receiptFor(hv.header, 0), { genesis: { json: example, source: 'file' } });
  check(find(r, 'genesis binding').ok === false, 'another genesis fails "genesis binding"');
  r = await page.checkReceipt(await receiptFor({ ...hv.header, genesis_hash: '00'.repeat(32) }, 0), withGenesis);
  check(find(r, 'genesis binding').ok === false && find(r, 'block hash').ok === true,
    'a header naming another genesis fails "genesis binding" (its block hash still checks)');
  const badJson = await receiptFor(hv.header, 0);
  badJson.block.header = { ...hv.header, state_hash: '00'.repeat(32) };
  r = await page.checkReceipt(badJson, withGenesis);
  check(find(r, 'block hash').ok === false && /differs/.test(find(r, 'block hash').detail), 'block.header with another state_hash than its bytes fails "block hash"');
  const twoThirds = await receiptFor(hv.header, 0, { signers: genesisSet.filter((v) => v.name !== 'validator-6') });
  r = await page.checkReceipt(twoThirds, withGenesis);
  check(find(r, 'commit certificate').ok === false && /power 3 of 13/.test(find(r, 'commit certificate').detail), 'signers with power 3 of 13 fail "commit certificate"');
  const unsorted = await receiptFor(hv.header, 0);
  unsorted.commit.signatures.reverse();
  r = await page.checkReceipt(unsorted, withGenesis);
  check(find(r, 'commit certificate').ok === false && /sorted/.test(find(r, 'commit certificate').detail), 'certificate signatures out of key order fail "commit certificate"');

  // State: the receipt's state must be the one the header commits to.
  const police = state1.members.find((m) => m.role === 'police');
  const roleChanged = { ...state1, members: state1.members.map((m) => (m === police ? { ...m, role: 'court' } : m)) };
  r = await page.checkReceipt(await receiptFor(hv.header, 0, { state: roleChanged }), withGenesis);
  check(find(r, 'state').ok === false && /≠ the header's state_hash/.test(find(r, 'state').detail) && failedOnly(r, ['state']),
    'a state with the police member\'s role changed to court fails "state" (and nothing else)');
  r = await page.checkReceipt({ ...(await receiptFor(hv.header, 0)), state: undefined }, withGenesis);
  check(find(r, 'state').ok === false && /state is missing/.test(find(r, 'state').detail) && find(r, 'submitter').ok === null && !r.ok,
    'a receipt without a state fails "state"; "submitter" is then not checked');

  // Submitter: the role comes from the state. The evidence record turned into a judgment
  // (both kind names are 8 bytes), by the court key, in a block whose state says that key
  // is police: the policy in force lets only courts write judgments.
  const str8 = (t) => '00000008' + Buffer.from(t).toString('hex');
  const judgmentSigned = recVec.signed_bytes.replace(str8('evidence'), str8('judgment'));
  const judgmentId = await hashHex(judgmentSigned);
  const root = page.bytesToHex(await page.nodeHash(page.hexToBytes(await leafHex(judgmentId)), page.hexToBytes(await leafHex(otherVec.record_id))));
  const judgmentBlock = async (st) => receiptFor({ ...hv.header, ledger_root: root, state_hash: await stateHex(st) }, 0,
    { signed: judgmentSigned, record: { ...recVec.record, kind: 'judgment' }, state: st });
  r = await page.checkReceipt(await judgmentBlock(state1), withGenesis);
  check(r.ok === true && /court.*may write 'judgment'/.test(find(r, 'submitter').detail), 'a judgment by the court member, in a block whose state says court, passes');
  const courtAsPolice = { ...state1, members: state1.members.map((m) => (m.public_key === recVec.record.submitter ? { ...m, role: 'police' } : m)) };
  r = await page.checkReceipt(await judgmentBlock(courtAsPolice), withGenesis);
  check(find(r, 'submitter').ok === false && /\(police, .*may NOT write 'judgment'.*allows court$/.test(find(r, 'submitter').detail) &&
    find(r, 'state').ok === true && failedOnly(r, ['submitter']) && r.member.role === 'police',
    'the same key as a police member in the state (genesis says court) writing a judgment fails "submitter" (' + find(r, 'submitter').detail + ')');
  const noMember = { ...state1, members: state1.members.filter((m) => m.public_key !== recVec.record.submitter) };
  r = await page.checkReceipt(await receiptFor({ ...hv.header, state_hash: await stateHex(noMember) }, 0, { state: noMember }), withGenesis);
  check(find(r, 'submitter').ok === false && /not a member in force/.test(find(r, 'submitter').detail), 'a submitter missing from the state fails "submitter"');
  // A correction by a role the policy does not let correct: valid only of the member's own record.
  const correctionPolicy = { ...state1, policy: { ...state1.policy, correction: [] } };
  const correctionSigned = recVec.signed_bytes.replace(str8('evidence'), '0000000a' + Buffer.from('correction').toString('hex'));
  const correctionId = await hashHex(correctionSigned);
  const root2 = page.bytesToHex(await page.nodeHash(page.hexToBytes(await leafHex(correctionId)), page.hexToBytes(await leafHex(otherVec.record_id))));
  r = await page.checkReceipt(await receiptFor({ ...hv.header, ledger_root: root2, state_hash: await stateHex(correctionPolicy) }, 0,
    { signed: correctionSigned, record: { ...recVec.record, kind: 'correction' }, state: correctionPolicy }), withGenesis);
  check(find(r, 'submitter').ok === true && /own earlier record/.test(find(r, 'submitter').detail) && r.ok,
    'a correction by a role the policy does not allow passes, saying it relies on the member\'s own earlier record');

  // Governance: by a validator of the block, or a member's own rotate-key proposal.
  const recordHex = (rec) => str('jchain/record/v2') + str(rec.chain_id) + str(rec.kind) + rec.content_hash + str(rec.case_tag) +
    u32(Object.keys(rec.metadata).length) + Object.keys(rec.metadata).sort().map((k) => str(k) + str(rec.metadata[k])).join('') +
    u32(rec.refs.length) + rec.refs.join('') + rec.submitter + u64(rec.client_time_ms) + u64(rec.nonce);
  check(recordHex(recVec.record) === recVec.signed_bytes, 'this test\'s record encoder gives the evidence vector\'s signed bytes');
  const governance = async (submitter, metadata) => {
    const record = { ...recVec.record, kind: 'governance', case_tag: '', metadata, refs: [], submitter };
    const signed = recordHex(record);
    const id = await hashHex(signed);
    const root3 = page.bytesToHex(await page.nodeHash(page.hexToBytes(await leafHex(id)), page.hexToBytes(await leafHex(otherVec.record_id))));
    return page.checkReceipt(await receiptFor({ ...hv.header, ledger_root: root3 }, 0, { signed, record }), withGenesis);
  };
  const court = recVec.record.submitter, v6 = genesisSet.find((v) => v.name === 'validator-6').public_key;
  const newKey = '02' + 'ab'.repeat(32);
  r = await governance(court, { action: 'propose', op: 'rotate-key', public_key: court, new_public_key: newKey });
  check(r.ok === true && /rotating its own member key/.test(find(r, 'submitter').detail), 'a member\'s own rotate-key proposal passes "submitter"');
  r = await governance(court, { action: 'propose', op: 'rotate-key', public_key: police.public_key, new_public_key: newKey });
  check(find(r, 'submitter').ok === false && /neither a validator/.test(find(r, 'submitter').detail), 'a member proposing to rotate another member\'s key fails "submitter"');
  r = await governance(v6, { action: 'propose', op: 'set-role', public_key: police.public_key, role: 'court' });
  check(r.ok === true && /validator validator-6 of block 1/.test(find(r, 'submitter').detail) && r.member.role === 'validator',
    'a governance proposal by a validator of the block passes "submitter"');

  // Validator changes: block 1 removes validator-1, so block 2 is certified by the other
  // two; the receipt of block 2 carries block 1 as its one step.
  const setB = genesisSet.filter((v) => v.name !== 'validator-1');
  const step1Header = { ...hv.header, next_validator_set_hash: setHash(setB) };
  const step1Bytes = headerHex(step1Header);
  const step1Hash = await hashHex(step1Bytes);
  const step1 = { height: 1, header: step1Header, header_bytes: step1Bytes, hash: step1Hash, commit: commitFor(1, step1Hash, genesisSet), next_validator_set: setJson(setB) };
  const block2 = { ...hv.header, height: 2, time_ms: hv.header.time_ms + 1000, prev_hash: step1Hash,
    validator_set_hash: setHash(setB), next_validator_set_hash: setHash(setB) };
  r = await page.checkReceipt(await receiptFor(block2, 0, { set: setB, steps: [step1] }), withGenesis);
  check(r.ok === true && find(r, 'validator changes').ok === true && /1 certified change/.test(find(r, 'validator changes').detail) &&
    /same as the set the genesis and 1 change/.test(find(r, 'validator set').detail),
    'a receipt of block 2 walking one certified change from the genesis set passes (' + find(r, 'validator changes').detail.slice(0, 60) + '…)');
  const altered = { ...step1, next_validator_set: setJson(setB.map((v) => (v.name === 'validator-6' ? { ...v, power: 11 } : v))) };
  r = await page.checkReceipt(await receiptFor(block2, 0, { set: setB, steps: [altered] }), withGenesis);
  check(find(r, 'validator changes').ok === false && /next_validator_set is not the set block 1 names/.test(find(r, 'validator changes').detail),
    'a step whose next validator set was altered fails "validator changes" (' + find(r, 'validator changes').detail + ')');
  r = await page.checkReceipt(await receiptFor(block2, 0, { set: setB, steps: [] }), withGenesis);
  check(find(r, 'validator set').ok === false && /NOT the genesis validators/.test(find(r, 'validator set').detail),
    'block 2 without the step: its validator set is not the genesis set, "validator set" fails');
  r = await page.checkReceipt(await receiptFor(block2, 0, { set: setB, steps: [{ ...step1, commit: commitFor(1, step1Hash, setB.filter((v) => v.name === '最高人民法院')) }] }), withGenesis);
  check(find(r, 'validator changes').ok === false && /power 2 of 13/.test(find(r, 'validator changes').detail), 'a step certified by too little power fails "validator changes"');
  r = await page.checkReceipt(await receiptFor(block2, 0, { set: setB, steps: [{ ...step1, commit: commitFor(1, step1Hash, setB) }] }), withGenesis);
  check(find(r, 'validator changes').ok === true, 'a step signed by 12 of 13 of the set before it passes');
  r = await page.checkReceipt(await receiptFor(hv.header, 0, { steps: [step1] }), withGenesis);
  check(find(r, 'validator changes').ok === false && /stay below/.test(find(r, 'validator changes').detail), 'a step at or above the receipt\'s block fails "validator changes"');
  r = await page.checkReceipt(await receiptFor(block2, 0, { set: setB, steps: [{ ...step1, header: { ...step1Header, time_ms: 1 } }] }), withGenesis);
  check(find(r, 'validator changes').ok === false && /disagree/.test(find(r, 'validator changes').detail), 'a step whose header JSON is not its bytes fails "validator changes"');
  const noChange = { ...hv.header };
  const noChangeBytes = headerHex(noChange), noChangeHash = await hashHex(noChangeBytes);
  r = await page.checkReceipt(await receiptFor({ ...block2, validator_set_hash: vsVec.validator_set_hash, next_validator_set_hash: vsVec.validator_set_hash }, 0,
    { steps: [{ height: 1, header: noChange, header_bytes: noChangeBytes, hash: noChangeHash, commit: commitFor(1, noChangeHash, genesisSet), next_validator_set: setJson(genesisSet) }] }), withGenesis);
  check(find(r, 'validator changes').ok === false && /changes no validator/.test(find(r, 'validator changes').detail), 'a step that changes no validator fails "validator changes"');

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

  // Signatures (ECDSA secp256k1 over SHA-256 of the signed bytes, strict DER, low S).
  const sigOf = (signedHex, der, key) => ({ signed_bytes: signedHex, der, pem: pemOf(key) });
  const courtKey = recVec.record.submitter;
  check(await page.signatureProblem({ signed_bytes: recVec.signed_bytes, der: recVec.signature.der, pem: recVec.signature.public_key_pem }, courtKey) === null,
    'the frozen record signature (made by libsecp256k1) verifies in the page');
  const voteVec = JSON.parse(fs.readFileSync(path.join(repo, 'tests', 'data', 'vectors', 'vote.json'), 'utf8')).votes;
  check(voteVec.every((v) => v.signature.der) && (await Promise.all(voteVec.map((v) => page.signatureProblem(
    { signed_bytes: v.signed_bytes, der: v.signature.der, pem: v.signature.public_key_pem }, v.signature.public_key)))).every((x) => x === null),
  'the frozen vote signatures verify in the page');
  check(signHex(courtKey, recVec.signed_bytes) === recVec.signature.der, 'the bundled library signs the record vector to the very DER libsecp256k1 made (RFC 6979)');
  const swappedDer = otherVec.signature.der;  // the same court key, over the correction's bytes
  check(/does not verify/.test(await page.signatureProblem(sigOf(recVec.signed_bytes, swappedDer, courtKey), courtKey)),
    'a valid signature by the same key over other bytes does not verify');
  // High S: (r, n - s) verifies mathematically (OpenSSL accepts it) but JChain refuses it.
  const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
  const derInt = (x) => { let h = x.toString(16); if (h.length % 2) h = '0' + h; if (parseInt(h.slice(0, 2), 16) >= 0x80) h = '00' + h; return '02' + (h.length / 2).toString(16).padStart(2, '0') + h; };
  const derOf = (r, s) => { const body = derInt(r) + derInt(s); return '30' + (body.length / 2).toString(16).padStart(2, '0') + body; };
  const low = curve.Signature.fromBytes(page.hexToBytes(recVec.signature.der), 'der');
  check(derOf(low.r, low.s) === recVec.signature.der, 'this test\'s DER encoder gives the vector\'s DER back');
  const highDer = derOf(low.r, N - low.s);
  check(curve.verify(page.hexToBytes(highDer), digestOf(recVec.signed_bytes), page.hexToBytes(courtKey), { prehash: false, lowS: false, format: 'der' }),
    'the high-S twin of the record signature is valid without the low-S rule');
  check(/high S/.test(await page.signatureProblem(sigOf(recVec.signed_bytes, highDer, courtKey), courtKey)), 'the page refuses the high-S signature, saying so');
  const policeKey = police.public_key;
  check(/does not verify/.test(await page.signatureProblem(sigOf(recVec.signed_bytes, signHex(policeKey, recVec.signed_bytes), courtKey), courtKey)),
    'a signature by another key (police) over the right bytes, with the court\'s PEM, does not verify');
  check(/not the signer's/.test(await page.signatureProblem(sigOf(recVec.signed_bytes, signHex(policeKey, recVec.signed_bytes), policeKey), courtKey)),
    'a PEM holding another key than the signer\'s is refused');
  const padded = '3046022100' + recVec.signature.der.slice(10, 74) + recVec.signature.der.slice(74).replace(/^0220/, '022100');
  check(/DER/.test(await page.signatureProblem(sigOf(recVec.signed_bytes, padded, courtKey), courtKey) || ''), 'a signature with a needless 0x00 in s (not strict DER) is refused');
  check(/not a DER/.test(await page.signatureProblem(sigOf(recVec.signed_bytes, '3006020101020101ff', courtKey), courtKey) || ''), 'bytes that are not DER are refused');

  // The same in receipts: each failure names the signature.
  const good = await receiptFor(hv.header, 0);
  const withRecordDer = (rc, der) => ({ ...rc, record: { ...rc.record, signature: der }, record_signature: { ...rc.record_signature, der } });
  r = await page.checkReceipt(withRecordDer(good, swappedDer), withGenesis);
  check(failedOnly(r, ['record signature']) && /^record signature: the ECDSA signature does not verify/.test(find(r, 'record signature').detail) && !r.ok,
    'a receipt whose record signature was swapped for a valid one over other bytes fails "record signature" only (' + find(r, 'record signature').detail + ')');
  r = await page.checkReceipt(withRecordDer(good, highDer), withGenesis);
  check(failedOnly(r, ['record signature']) && /high S/.test(find(r, 'record signature').detail), 'a receipt with the high-S record signature fails "record signature"');
  const voteRound1 = page.bytesToHex(page.voteBytes(hv.header.chain_id, 1, 1, good.block.hash));
  const commitSwapped = JSON.parse(JSON.stringify(good));
  commitSwapped.commit.signatures[1].der = signHex(commitSwapped.commit.signatures[1].validator, voteRound1);  // validator-1's vote of round 1
  r = await page.checkReceipt(commitSwapped, withGenesis);
  check(failedOnly(r, ['commit signatures']) && /^commit signature 2 \(validator-1\): the ECDSA signature does not verify/.test(find(r, 'commit signatures').detail),
    'a commit signature swapped for the same validator\'s vote of another round fails "commit signatures", naming commit signature 2 (validator-1)');
  const commitHigh = JSON.parse(JSON.stringify(good));
  const s3 = curve.Signature.fromBytes(page.hexToBytes(commitHigh.commit.signatures[2].der), 'der');
  commitHigh.commit.signatures[2].der = derOf(s3.r, N - s3.s);
  r = await page.checkReceipt(commitHigh, withGenesis);
  check(failedOnly(r, ['commit signatures']) && /^commit signature 3 \(validator-6\): .*high S/.test(find(r, 'commit signatures').detail),
    'a high-S commit signature fails "commit signatures", naming commit signature 3 (validator-6)');
  const stepSwapped = JSON.parse(JSON.stringify(step1));
  stepSwapped.commit.signatures[2].der = signHex(stepSwapped.commit.signatures[2].validator, voteRound1);
  r = await page.checkReceipt(await receiptFor(block2, 0, { set: setB, steps: [stepSwapped] }), withGenesis);
  check(failedOnly(r, ['validator changes']) && /validator change at height 1, signature 3 \(validator-6\): the ECDSA signature does not verify/.test(find(r, 'validator changes').detail),
    'a swapped signature in a validator change fails "validator changes", naming the change\'s height and the signature (' + find(r, 'validator changes').detail + ')');

  // ---- Signed checkpoints (docs/checkpoints.md, docs/receipt.md "checkpoint"): built here
  // from the spec with node's own SHA-256 and RFC 6962, signed with the vector keys
  // (secp256k1) and a witness key made here (Ed25519), then checked by the page.
  // (Plain Uint8Arrays, not Buffers: the bundled library checks what it is given.)
  const H = (...parts) => Uint8Array.from(require('crypto').createHash('sha256').update(Buffer.concat(parts.map((p) => Buffer.from(p)))).digest());
  const split = (n) => { let k = 1; while (k * 2 < n) k *= 2; return k; };  // the largest power of two below n
  const mth = (leaves) => leaves.length === 0 ? H() : leaves.length === 1 ? leaves[0]
    : H([1], mth(leaves.slice(0, split(leaves.length))), mth(leaves.slice(split(leaves.length))));
  const subproof = (m, leaves, whole) => {  // RFC 6962 2.1.2 SUBPROOF
    const n = leaves.length;
    if (m === n) return whole ? [] : [mth(leaves)];
    const k = split(n);
    return m <= k ? [...subproof(m, leaves.slice(0, k), whole), mth(leaves.slice(k))]
      : [...subproof(m - k, leaves.slice(k), false), mth(leaves.slice(0, k))];
  };
  const consistency = (m, leaves) => (m === 0 || m === leaves.length ? [] : subproof(m, leaves, true));
  const someLeaves = [...Array(9).keys()].map((i) => H([0], Buffer.from('leaf ' + i)));
  let proofsOk = true, tamperedRefused = true, proofsTried = 0;
  for (let n = 1; n <= 9; n++) {
    for (let m = 1; m <= n; m++) {
      const path = consistency(m, someLeaves.slice(0, n));
      const r1 = mth(someLeaves.slice(0, m)), r2 = mth(someLeaves.slice(0, n));
      proofsOk = proofsOk && await page.consistencyOk(BigInt(m), BigInt(n), r1, r2, path);
      proofsTried++;
      if (path.length) {
        const bent = path.map((p, i) => (i === path.length - 1 ? H(p) : p));
        tamperedRefused = tamperedRefused && !await page.consistencyOk(BigInt(m), BigInt(n), r1, r2, bent) &&
          !await page.consistencyOk(BigInt(m), BigInt(n), r1, H(r2), path) && !await page.consistencyOk(BigInt(m), BigInt(n), H(r1), r2, path);
      }
    }
  }
  check(proofsOk, 'the page accepts the RFC 6962 consistency proofs of every (m, n), 1 <= m <= n <= 9 (' + proofsTried + ' proofs)');
  check(tamperedRefused, '... and refuses each one with a changed path hash, another first root, or another second root');

  // The checkpoint: block 1's ledger (the two record vectors) grown to 5 leaves.
  const b64 = (b) => Buffer.from(b).toString('base64');
  const chainLeaves = [page.hexToBytes(await leafHex(recVec.record_id)), page.hexToBytes(await leafHex(otherVec.record_id)),
    ...someLeaves.slice(0, 3)];
  check(page.bytesToHex(mth(chainLeaves.slice(0, 2))) === hv.header.ledger_root, 'this test\'s RFC 6962 root of the two records is the header\'s ledger root');
  const origin = 'jchain.log/' + vec.genesis.chain_id + '/' + vec.genesis_hash;  // docs/checkpoints.md: the chain id holds only [A-Za-z0-9._-]
  check(page.checkpointOrigin(vec.genesis.chain_id, vec.genesis_hash) === origin && page.checkpointOrigin('京 court', 'ab') === 'jchain.log/chain/ab',
    'the page writes the origin jchain.log/<chain id>/<genesis hash>, "chain" for an id with other characters');
  const bodyAt = (size, root) => origin + '\n' + size + '\n' + b64(root) + '\n';
  const body5 = bodyAt(5, mth(chainLeaves));
  const u32b = (n) => { const b = Buffer.alloc(4); b.writeUInt32BE(n >>> 0); return b; };
  const validatorLine = (body, key) => {  // key: the validator's compressed key (hex), signing with its vector scalar
    const id = H(origin, '\n', [0xff], 'jchain-ecdsa-secp256k1-sha256', Buffer.from(key, 'hex')).subarray(0, 4);
    const der = curve.sign(H(body), page.hexToBytes(privateOf.get(key)), { prehash: false, format: 'der' });
    return '\u2014 ' + origin + ' ' + b64(Buffer.concat([id, Buffer.from(der)])) + '\n';
  };
  // A witness whose verifier key has a '+' in its base64: the page must split on the first two '+' only.
  const makeWitness = (name, from) => {
    for (let i = from; ; i++) {
      const seed = H('witness seed ' + i);
      const pub = ed25519.getPublicKey(seed);
      const id = H(name, '\n', [0x04], pub).subarray(0, 4);
      const vkey = name + '+' + page.bytesToHex(id) + '+' + b64(Buffer.concat([Buffer.from([0x04]), pub]));
      if (vkey.split('+').length > 3) return { name, seed, id, vkey };
    }
  };
  const witness = makeWitness('witness.example/court-b', 0), stranger = makeWitness('notary.example/w', 100);
  const witnessLine = (w, body, time) => {
    const t = Buffer.alloc(8); t.writeBigUInt64BE(BigInt(time));
    const sig = ed25519.sign(Uint8Array.from(Buffer.from('cosignature/v1\ntime ' + time + '\n' + body)), w.seed);
    return '\u2014 ' + w.name + ' ' + b64(Buffer.concat([w.id, t, Buffer.from(sig)])) + '\n';
  };
  const T = 1764553200;
  const v6key = genesisSet.find((v) => v.name === 'validator-6').public_key, v1key = genesisSet.find((v) => v.name === 'validator-1').public_key;
  const note5 = body5 + '\n' + genesisSet.map((v) => validatorLine(body5, v.public_key)).join('') + witnessLine(witness, body5, T);
  // The certified header at the checkpoint's height (3): its ledger is the note's, it
  // names the set the walk reaches and the state in force then, whose witnesses count.
  const stateOf = (witnesses, params = {}) => ({ ...good.state, params: { ...good.state.params, ...params }, witnesses });
  const cpState = stateOf([witness.vkey]);
  const bindingFor = async (set, over = {}, st = cpState) => {
    const header = { ...hv.header, height: 3, time_ms: hv.header.time_ms + 2000, prev_hash: 'ab'.repeat(32), record_count: 3, ledger_size: 5,
      ledger_root: page.bytesToHex(mth(chainLeaves)), validator_set_hash: setHash(set), next_validator_set_hash: setHash(set),
      state_hash: page.bytesToHex(await page.sha256(page.readState(st).bytes)), ...over };
    const header_bytes = headerHex(header), hash = await hashHex(header_bytes);
    return { block: { header, header_bytes, hash }, commit: commitFor(header.height, hash, set), state: st };
  };
  const bound = await bindingFor(genesisSet);
  const cpOf = (over = {}) => ({ note: note5, height: 3, consistency_path: consistency(2, chainLeaves).map(page.bytesToHex), validator_changes: [], ...bound, ...over });
  const withCp = (cp) => ({ ...good, checkpoint: cp });
  const withWitness = { ...withGenesis, witnessKeys: '\n  ' + witness.vkey + '  \n' };
  const unwitnessed = await bindingFor(genesisSet, {}, stateOf([]));  // no witness in force at block 3
  const cpRow = (rr) => find(rr, 'checkpoint');
  check(page.parseWitnessKey(witness.vkey).name === witness.name && /\+.*\+.*\+/.test(witness.vkey),
    'a verifier key whose base64 holds \'+\' parses (split on the first two \'+\' only)');

  r = await page.checkReceipt(withCp(cpOf()), withWitness);
  check(r.ok === true && cpRow(r).ok === true && cpRow(r).en === 'Checkpoint' && /prefix of the checkpoint's \(size 5/.test(cpRow(r).detail) &&
    /signed by 3 validator\(s\) holding 13 of 13 power/.test(cpRow(r).detail) &&
    cpRow(r).detail.includes('witness witness.example/court-b cosigned at ' + T + ' (2025-12-01 01:40:00 UTC)'),
  'a receipt with a checkpoint signed by the validators and cosigned by the given witness: "Checkpoint" ✓, naming the witness and its time (' + cpRow(r).detail + ')');
  check(r.checks.filter((c) => c.id === 'checkpoint').length === 1 && !(await page.checkReceipt(good, withGenesis)).checks.some((c) => c.id === 'checkpoint'),
    'one "Checkpoint" row, and none for a receipt without a checkpoint');
  r = await page.checkReceipt(good, withWitness);
  check(failedOnly(r, ['checkpoint']) && /witnesses were given, but the receipt carries no checkpoint/.test(cpRow(r).detail),
    'witness keys given for a receipt without a checkpoint: "Checkpoint" fails, as jchain verify --witness does (' + cpRow(r).detail + ')');
  r = await page.checkReceipt(withCp(cpOf(unwitnessed)), withGenesis);
  check(r.ok === true && /ignored .*: witness\.example\/court-b/.test(cpRow(r).detail) && !/cosigned at/.test(cpRow(r).detail),
    'a witness neither in force at the checkpoint\'s block nor given: its line is ignored, reported in the detail, and the receipt is still valid');
  r = await page.checkReceipt(withCp(cpOf()), withGenesis);
  check(r.ok === true && /witness witness\.example\/court-b cosigned at/.test(cpRow(r).detail),
    'a witness in force at the checkpoint\'s block (its state) is checked without being given');
  r = await page.checkReceipt(withCp(cpOf({ note: note5 + witnessLine(stranger, body5, T) })), { ...withGenesis, witnessKeys: witness.vkey });
  check(r.ok === true && /ignored .*: notary\.example\/w/.test(cpRow(r).detail) && /court-b cosigned/.test(cpRow(r).detail),
    'a line by an unknown witness is ignored and reported; still valid (' + cpRow(r).detail.slice(-80) + ')');
  r = await page.checkReceipt(withCp(cpOf()), { witnessKeys: witness.vkey });
  check(r.ok === true && cpRow(r).ok === true, 'without a genesis: the origin from the header\'s genesis hash, the set from the receipt; "Checkpoint" ✓');

  // Each kind of tampering fails "Checkpoint", and only it.
  const flipLast = (hex) => hex.slice(0, -1) + (hex.slice(-1) === '0' ? '1' : '0');
  const path5 = cpOf().consistency_path;
  r = await page.checkReceipt(withCp(cpOf({ consistency_path: [...path5.slice(0, -1), flipLast(path5[path5.length - 1])] })), withWitness);
  check(failedOnly(r, ['checkpoint']) && /not a prefix .*consistency proof fails/.test(cpRow(r).detail),
    'a changed consistency path fails "Checkpoint" (' + cpRow(r).detail + ')');
  const note4 = note5.replace('\n5\n', '\n4\n');
  r = await page.checkReceipt(withCp(cpOf({ note: note4 })), withWitness);
  check(failedOnly(r, ['checkpoint']) && /BAD signature by validator /.test(cpRow(r).detail),
    'a checkpoint whose size was changed in the note: its signatures fail, "Checkpoint" names a validator (' + cpRow(r).detail + ')');
  r = await page.checkReceipt(withCp(cpOf({ note: note5 + validatorLine(bodyAt(4, mth(chainLeaves.slice(0, 4))), v1key) })), withWitness);
  check(failedOnly(r, ['checkpoint']) && /holding 13 of 13 power, .*BAD signature by validator validator-1$/.test(cpRow(r).detail),
    'a quorum signed, and one more line by validator-1 whose signature fails: "Checkpoint" fails, naming validator-1 (' + cpRow(r).detail + ')');
  const retime = (line, time) => {  // the same signature, another time in the line
    const [dash, name, sig] = line.trimEnd().split(' ');
    const raw = Buffer.from(sig, 'base64');
    raw.writeBigUInt64BE(BigInt(time), 4);
    return [dash, name, raw.toString('base64')].join(' ') + '\n';
  };
  const badTime = note5.replace(witnessLine(witness, body5, T), retime(witnessLine(witness, body5, T), T + 1));
  check(badTime !== note5 && badTime.length === note5.length, 'the tampered witness line differs only in its time (' + T + ' → ' + (T + 1) + ')');
  r = await page.checkReceipt(withCp(cpOf({ note: badTime })), withWitness);
  check(failedOnly(r, ['checkpoint']) && /BAD signature by witness witness\.example\/court-b/.test(cpRow(r).detail),
    'a witness line with a tampered timestamp fails "Checkpoint", naming the witness (' + cpRow(r).detail + ')');
  r = await page.checkReceipt(withCp(cpOf({ note: badTime })), withGenesis);
  check(failedOnly(r, ['checkpoint']) && /BAD signature by witness witness\.example\/court-b/.test(cpRow(r).detail),
    '... also when not given: the witness is in force at the checkpoint\'s block');
  r = await page.checkReceipt(withCp(cpOf({ note: badTime, ...unwitnessed })), withGenesis);
  check(r.ok === true, '... the same line by a witness neither in force nor given is ignored (the reader decides whom to trust)');
  const weak = body5 + '\n' + validatorLine(body5, v1key) + validatorLine(body5, genesisSet[0].public_key) + validatorLine(body5, v1key);
  r = await page.checkReceipt(withCp(cpOf({ note: weak })), withWitness);
  check(failedOnly(r, ['checkpoint']) && /2 validator\(s\) holding 3 of 13 power \(not more than 2\/3\)/.test(cpRow(r).detail),
    'signed by 3 of 13 power (a repeated line counted once) fails "Checkpoint" (' + cpRow(r).detail + ')');
  r = await page.checkReceipt(withCp(cpOf({ note: note5.split(vec.genesis_hash).join('00'.repeat(32)) })), withWitness);
  check(failedOnly(r, ['checkpoint']) && /origin .* is not this chain's/.test(cpRow(r).detail), 'a note of another origin fails "Checkpoint"');
  r = await page.checkReceipt(withCp(cpOf({ note: note5, consistency_path: [] })), withWitness);
  check(failedOnly(r, ['checkpoint']) && /consistency proof fails/.test(cpRow(r).detail), 'an empty consistency path to a larger size fails');
  const body1 = bodyAt(1, mth(chainLeaves.slice(0, 1)));
  const body1Note = body1 + '\n' + genesisSet.map((v) => validatorLine(body1, v.public_key)).join('');
  r = await page.checkReceipt(withCp(cpOf({ note: body1Note, consistency_path: [] })), withGenesis);
  check(failedOnly(r, ['checkpoint']) && /the note's size and root are not the ledger of the certified block 3 \(size 5\)/.test(cpRow(r).detail),
    'a note of another size than the certified header at its height fails (' + cpRow(r).detail + ')');
  r = await page.checkReceipt(withCp(cpOf({ note: body1Note, consistency_path: [],
    ...(await bindingFor(genesisSet, { ledger_size: 1, ledger_root: page.bytesToHex(mth(chainLeaves.slice(0, 1))) })) })), withGenesis);
  check(failedOnly(r, ['checkpoint']) && /\(size 2\) is not a prefix of the checkpoint's \(size 1\)/.test(cpRow(r).detail), 'a checkpoint smaller than the block\'s ledger fails');

  // Malformed checkpoints: one clear message in the row, nothing thrown, nothing else failing.
  const big = body5 + '\n' + validatorLine(body5, v6key) + ('\u2014 x ' + 'A'.repeat(100) + '\n').repeat(2700);
  const malformed = [
    ['not an object', 'a string', /must be an object \{note, height, consistency_path, validator_changes, block, commit, state\}/],
    ['no block', cpOf({ block: undefined }), /^checkpoint\.block\.header is missing$/],
    ['no commit', cpOf({ commit: undefined }), /^checkpoint\.commit is missing$/],
    ['no state', cpOf({ state: undefined }), /^checkpoint\.state is missing$/],
    ['null', null, /must be an object/],
    ['no note', cpOf({ note: undefined }), /needs a note and a height/],
    ['a height below the block', cpOf({ height: 0 }), /needs a note and a height at or above the block's \(1\)/],
    ['a path entry of 31 bytes', cpOf({ consistency_path: [path5[0].slice(2)] }), /consistency_path\[0\] is not lower-case hex/],
    ['an upper-case path entry', cpOf({ consistency_path: [path5[0].toUpperCase()] }), /consistency_path\[0\] is not lower-case hex/],
    ['no consistency_path', cpOf({ consistency_path: 'ab' }), /consistency_path is missing/],
    ['no validator_changes', cpOf({ validator_changes: undefined }), /checkpoint\.validator_changes is missing/],
    ['a note without final newline', cpOf({ note: 'hello' }), /^checkpoint: note: must end with a newline$/],
    ['a note with no blank line', cpOf({ note: body5 }), /no blank line between the text and its signatures/],
    ['a note with no signature line', cpOf({ note: body5 + '\n' }), /no signature line/],
    ['a signature line without an em dash', cpOf({ note: note5.replace('\u2014 ' + origin, '- ' + origin) }), /signature line 5 does not start with an em dash/],
    ['unpadded base64', cpOf({ note: note5.replace(/==\n$/, '\n') }), /signature line 8: the signature is not base64/],
    ['a root that is not base64 of 32 bytes', cpOf({ note: note5.replace(/=\n/, '\n') }), /^checkpoint: the root line is not base64 of 32 bytes$/],
    ['a control character', cpOf({ note: note5.replace('\n5\n', '\n5\t\n') }), /line 2 is not UTF-8 text without control characters/],
    ['an extension line', cpOf({ note: note5.replace('\n\n', '\nextension\n\n') }), /extension lines are not used/],
    ['a size with a leading zero', cpOf({ note: note5.replace('\n5\n', '\n05\n') }), /size line is not a decimal number/],
    ['a note over 256 KiB', cpOf({ note: big }), /note: larger than 262144 bytes/],
    ['a bad witness key given', [cpOf(), { ...withGenesis, witnessKeys: witness.vkey + '\nnotary.example/w+00000000+' + witness.vkey.split('+').slice(2).join('+') }],
      /witness keys given .*line 2: witness key: the key id does not match/],
  ];
  for (const [what, cp, re] of malformed) {
    const [c, o] = Array.isArray(cp) ? cp : [cp, withWitness];
    let thrown = null;
    try { r = await page.checkReceipt(withCp(c), o); } catch (e) { thrown = e; }
    // An upper-case hex digit also fails "lower-case hex", as every hex field's does.
    const failing = what === 'an upper-case path entry' ? ['lower-case hex', 'checkpoint'] : ['checkpoint'];
    check(!thrown && failedOnly(r, failing) && re.test(cpRow(r).detail),
      'a malformed checkpoint (' + what + '): one clear message in "Checkpoint": ' + (thrown ? 'THREW ' + thrown.message : cpRow(r).detail.slice(0, 100)));
  }
  check(big.length > 262144, 'the oversized note is over 256 KiB (' + big.length + ' bytes)');

  // Validator changes between the block and the checkpoint: block 2 adds validator X
  // (power 100), so the checkpoint at height 3 is signed by the set block 2 leads to.
  const xKey = [...privateOf.keys()].find((k) => !genesisSet.some((v) => v.public_key === k));
  const setC = [...genesisSet, { name: 'validator-x', public_key: xKey, power: 100 }].sort((a, b) => (a.public_key < b.public_key ? -1 : 1));
  const change2Header = { ...hv.header, height: 2, time_ms: hv.header.time_ms + 1000, prev_hash: good.block.hash, record_count: 0,
    next_validator_set_hash: setHash(setC) };
  const change2Bytes = headerHex(change2Header), change2Hash = await hashHex(change2Bytes);
  const change2 = { height: 2, header: change2Header, header_bytes: change2Bytes, hash: change2Hash, commit: commitFor(2, change2Hash, genesisSet), next_validator_set: setJson(setC) };
  const noteX = body5 + '\n' + validatorLine(body5, xKey);
  const boundX = await bindingFor(setC);
  r = await page.checkReceipt(withCp(cpOf({ note: noteX, validator_changes: [change2], ...boundX })), withGenesis);
  check(r.ok === true && /after 1 validator change\(s\) \(block 2\).*signed by 1 validator\(s\) holding 100 of 113 power/.test(cpRow(r).detail),
    'a checkpoint signed by a validator block 2 added, with that change in checkpoint.validator_changes: ✓ (' + cpRow(r).detail.slice(0, 150) + '…)');
  r = await page.checkReceipt(withCp(cpOf({ note: noteX, ...boundX })), withGenesis);
  check(failedOnly(r, ['checkpoint']) && /block 3 names a validator set the walk through checkpoint\.validator_changes does not reach/.test(cpRow(r).detail),
    'the same without the change: the certified header at the checkpoint\'s height names a set the walk does not reach (' + cpRow(r).detail + ')');
  const change2Swapped = JSON.parse(JSON.stringify(change2));
  change2Swapped.commit.signatures[2].der = signHex(change2Swapped.commit.signatures[2].validator, voteRound1);
  r = await page.checkReceipt(withCp(cpOf({ note: noteX, validator_changes: [change2Swapped], ...boundX })), withWitness);
  check(failedOnly(r, ['checkpoint']) && /^checkpoint\.validator_changes\[0\]: validator change at height 2, signature 3 \(validator-6\): the ECDSA signature does not verify/.test(cpRow(r).detail),
    'a swapped signature on that change fails "Checkpoint", naming the change and the signature (' + cpRow(r).detail.slice(0, 110) + '…)');
  r = await page.checkReceipt(withCp(cpOf({ note: noteX, height: 2, validator_changes: [change2], ...boundX })), withWitness);
  check(failedOnly(r, ['checkpoint']) && /stay below the checkpoint's block 2/.test(cpRow(r).detail), 'a change at or above the checkpoint\'s height fails');

  // ---- The checkpoint bound to the chain (docs/receipt.md): a retired quorum's forgery.
  // The genesis validators (all 13 power) sign a note for block 3, but block 2 gave
  // validator-x 100 of 113: with the change left out, the certified header at height 3
  // names a set the walk does not reach; with its height shifted, its state altered or
  // its certificate changed, the binding fails.
  r = await page.checkReceipt(withCp(cpOf({ height: 4 })), withWitness);
  check(failedOnly(r, ['checkpoint']) && /^checkpoint\.height is 4 but the certified header is of block 3$/.test(cpRow(r).detail),
    'checkpoint.height shifted by +1 fails "Checkpoint" (' + cpRow(r).detail + ')');
  const forged = await bindingFor(genesisSet, { validator_set_hash: setHash(setC), next_validator_set_hash: setHash(setC) });
  r = await page.checkReceipt(withCp(cpOf({ ...forged, commit: commitFor(3, forged.block.hash, genesisSet) })), withWitness);
  check(failedOnly(r, ['checkpoint']) && /names a validator set the walk through checkpoint\.validator_changes does not reach \(a change is missing or altered\)/.test(cpRow(r).detail),
    'a retired quorum\'s checkpoint, the validator change left out: "Checkpoint" fails (' + cpRow(r).detail.slice(0, 120) + '…)');
  r = await page.checkReceipt(withCp(cpOf({ state: stateOf([]) })), withWitness);
  check(failedOnly(r, ['checkpoint']) && /^checkpoint\.state does not hash to the state_hash of block 3$/.test(cpRow(r).detail),
    'a checkpoint.state with its witness removed fails "Checkpoint"');
  const swappedCommit = JSON.parse(JSON.stringify(bound.commit));
  swappedCommit.signatures[1].der = signHex(swappedCommit.signatures[1].validator, voteRound1);
  r = await page.checkReceipt(withCp(cpOf({ commit: swappedCommit })), withWitness);
  check(failedOnly(r, ['checkpoint']) && /^checkpoint\.commit signature 2 .*does not verify/.test(cpRow(r).detail),
    'a swapped signature in checkpoint.commit fails "Checkpoint" (' + cpRow(r).detail + ')');
  r = await page.checkReceipt(withCp(cpOf({ block: { ...bound.block, hash: flipLast(bound.block.hash) } })), withWitness);
  check(failedOnly(r, ['checkpoint']) && /^checkpoint\.block: header, header_bytes and hash disagree$/.test(cpRow(r).detail),
    'a checkpoint.block whose hash is not its header\'s fails "Checkpoint"');
  r = await page.checkReceipt(withCp(cpOf()), { ...withWitness, witnessKeys: witness.vkey + '\n' + stranger.vkey });
  check(failedOnly(r, ['checkpoint']) && /^witness notary\.example\/w \(given in the witness box\) did not cosign this checkpoint$/.test(cpRow(r).detail),
    'a witness given that did not cosign fails "Checkpoint": silence is not a pass');

  // ---- The trust basis (chain/receipt.cpp "trust basis"): the vector genesis declares
  // witness.example/vectors (quorum 1).
  const basisRow = (rr) => find(rr, 'trust basis');
  r = await page.checkReceipt(good, strictGenesis);
  check(failedOnly(r, ['trust basis']) && /^certified by validators only: the chain declares witnesses, and this receipt carries no checkpoint/.test(basisRow(r).detail) && r.basis === 'validators only',
    'a receipt without a checkpoint on a chain that declares witnesses: "Trust basis" fails by default (' + basisRow(r).detail.slice(0, 100) + '…)');
  r = await page.checkReceipt(good, withGenesis);
  check(r.ok === true && /^certified by validators only, accepted as such/.test(basisRow(r).detail),
    '... and passes with "accept validators only", saying so');
  r = await page.checkReceipt(withCp(cpOf()), { ...strictGenesis, witnessKeys: witness.vkey });
  check(r.ok === true && basisRow(r).detail === 'witnessed by 1 of 1 witnesses (witness.example/court-b; quorum 1)' && r.basis === 'witnessed',
    'a checkpoint cosigned by the witness in force, given in the box: "witnessed by 1 of 1 witnesses" (' + basisRow(r).detail + ')');
  r = await page.checkReceipt(withCp(cpOf()), strictGenesis);
  check(failedOnly(r, ['trust basis']) && /fewer than 1 witness\(es\) in force that this page knows/.test(basisRow(r).detail),
    'the same cosignature by a witness the reader does not know (neither genesis nor the box): not witnessed (' + basisRow(r).detail.slice(0, 110) + '…)');
  const twoState = stateOf([witness.vkey, stranger.vkey].sort((a, b) => {
    const ka = page.bytesToHex(page.parseWitnessKey(a).key), kb = page.bytesToHex(page.parseWitnessKey(b).key);
    return ka < kb ? -1 : 1;
  }), { witness_quorum: 2 });
  r = await page.checkReceipt(withCp(cpOf(await bindingFor(genesisSet, {}, twoState))), { ...strictGenesis, witnessKeys: witness.vkey });
  check(failedOnly(r, ['trust basis']) && /fewer than 2 witness\(es\)/.test(basisRow(r).detail) && cpRow(r).ok === true,
    'quorum 2 of 2 witnesses in force, one cosigned: "Checkpoint" passes, "Trust basis" fails (' + basisRow(r).detail.slice(0, 90) + '…)');
  r = await page.checkReceipt(withCp(cpOf({ ...(await bindingFor(genesisSet, {}, twoState)), note: note5 + witnessLine(stranger, body5, T) })),
    { ...strictGenesis, witnessKeys: witness.vkey + '\n' + stranger.vkey });
  check(r.ok === true && /^witnessed by 2 of 2 witnesses \(.*; quorum 2\)$/.test(basisRow(r).detail), '... both cosigned: witnessed by 2 of 2');

  // ================= The sm2-sm3 suite (国密): SM3 hashes, SM2 signatures with the chain's
  // SM2 user ID (e = SM3(ZA || digest)). The openssl command line, which the node's
  // crypto/suite.cpp follows, makes the keys, hashes and signatures here, at test time; the
  // page must agree with it both ways. Without openssl these checks cannot sh: that fails.
  const ossl = new sm.OpenSsl();
  try {
    const te = (t) => sm.u8(Buffer.from(t));
    const nodeSm3 = (...parts) => sm.u8(require('crypto').createHash('sm3').update(Buffer.concat(parts.map((p) => Buffer.from(p)))).digest());
    const SM3_EMPTY = '1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b';
    const smDefault = page.readSuite({ suite: 'sm2-sm3' }, 'test');
    const CUSTOM_ID = 'court-b@example';
    const smCustom = page.readSuite({ suite: 'sm2-sm3', sm2_user_id: CUSTOM_ID }, 'test');

    // SM3 (GB/T 32905) and the bundle's SM3 against openssl.
    check(sm.hex(sm3(te('abc'))) === '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0', 'SM3("abc") is GB/T 32905\'s example 1');
    check(sm.hex(sm3(te('abcd'.repeat(16)))) === 'debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732', 'SM3("abcd" × 16) is GB/T 32905\'s example 2');
    check(sm.hex(sm3(new Uint8Array(0))) === SM3_EMPTY && sm.hex(ossl.sm3(new Uint8Array(0))) === SM3_EMPTY, 'SM3("") is ' + SM3_EMPTY.slice(0, 16) + '…, the empty ledger\'s root');
    const lengths = [1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 4097];
    const sm3Same = lengths.every((n) => { const b = sm.u8(require('crypto').randomBytes(n)); return sm.hex(sm3(b)) === sm.hex(ossl.sm3(b)); });
    check(sm3Same, 'the bundle\'s SM3 equals openssl dgst -sm3 on random inputs of ' + lengths.length + ' lengths around the 64-byte block and its padding');
    const bigFile = sm.u8(require('crypto').randomBytes(9 * 1024 * 1024 + 3));
    const bigSm3 = sm.hex(ossl.sm3(bigFile));
    const pieces = sm3.create();
    for (let o = 0, k = 1; o < bigFile.length; o += k, k = (k * 7 + 5) % 100003) pieces.update(bigFile.subarray(o, Math.min(bigFile.length, o + k)));
    check(sm.hex(pieces.digest()) === bigSm3, 'SM3 hashed in uneven pieces (9 MiB) equals openssl\'s one-shot digest');
    check(await page.hashFile(new Blob([bigFile]), null, smDefault) === bigSm3 && await page.hashFile(new Blob([bigFile])) !== bigSm3,
      'the page hashes a dropped 9 MiB file of an sm2-sm3 chain with SM3 in 4 MiB chunks (= openssl dgst -sm3), not SHA-256');

    // SM2: GM/T 0003.5's example (the signature of the message itself, user ID 1234567812345678).
    const gmPoint = sm.u8(Buffer.from('04' + '09f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020' +
      'ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13', 'hex'));
    const gmDer = sm.u8(Buffer.from(sm.derOf(0xf5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3n,
      0xb1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aan), 'hex'));
    check(sm2.verify(gmDer, te('message digest'), gmPoint) && sm2.verify(gmDer, te('message digest'), gmPoint, '1234567812345678'),
      'the GM/T 0003.5 example signature of "message digest" verifies (default user ID 1234567812345678)');
    check(!sm2.verify(gmDer, te('message digesT'), gmPoint) && !sm2.verify(gmDer, te('message digest'), gmPoint, '8765432187654321'),
      '... and not over another message, nor under another user ID');

    // The suite a genesis or receipt names.
    const suiteError = (o) => { try { page.readSuite(o, 'genesis'); return null; } catch (e) { return e.message; } };
    check(page.readSuite({}, 'g').name === 'secp256k1-sha256' && smDefault.userId === '1234567812345678' && smCustom.userId === CUSTOM_ID,
      'no suite is secp256k1-sha256; sm2-sm3 without sm2_user_id takes 1234567812345678');
    check(/unknown crypto suite "sm9-sm3"/.test(suiteError({ suite: 'sm9-sm3' }) || ''), 'an unknown suite is refused, naming it (' + suiteError({ suite: 'sm9-sm3' }) + ')');
    check(/only for the sm2-sm3 suite/.test(suiteError({ sm2_user_id: 'x' }) || '') && /only for the sm2-sm3 suite/.test(suiteError({ suite: 'secp256k1-sha256', sm2_user_id: 'x' }) || ''),
      'an sm2_user_id with secp256k1-sha256 is refused');
    check(/1 to 8191 bytes/.test(suiteError({ suite: 'sm2-sm3', sm2_user_id: '' }) || '') && /1 to 8191 bytes/.test(suiteError({ suite: 'sm2-sm3', sm2_user_id: 'x'.repeat(8192) }) || '') &&
      suiteError({ suite: 'sm2-sm3', sm2_user_id: 'x'.repeat(8191) }) === null && /must be a string/.test(suiteError({ suite: 7 }) || ''),
    'an SM2 user ID of 0 or 8192 bytes, or a suite that is not a string, is refused; 8191 bytes is taken');

    // Genesis: the page's hash of an sm2-sm3 genesis is SM3 (openssl) of the v3 bytes this
    // test builds from docs/encoding.md; this test's encoder first checked on the v4 vector.
    check(sm.hex(require('crypto').createHash('sha256').update(Buffer.from(sm.genesisHex(vec.genesis), 'hex')).digest()) === vec.genesis_hash,
      'this test\'s genesis encoder gives the v4 vector\'s hash (SHA-256)');
    const validators = [ossl.newKey(), ossl.newKey(), ossl.newKey()];
    const courtSm = ossl.newKey(), otherSm2 = ossl.newKey(), secpKey = ossl.newKey('secp256k1');
    const smGenesis = {
      chain_id: 'jchain-sm', genesis_time_ms: vec.genesis.genesis_time_ms, suite: 'sm2-sm3',
      validators: validators.map((v, i) => ({ name: 'sm-validator-' + (i + 1), public_key: i === 0 ? sm.hex(v.point) : v.key, power: i + 1 })),
      members: [{ name: '北京互联网法院', public_key: courtSm.key, role: 'court', since_height: 0 }],
      policy: vec.genesis.policy, params: vec.genesis.params,
    };
    const smGenesisHash = (gj) => sm.hex(ossl.sm3(Buffer.from(sm.genesisHex(gj), 'hex')));
    const smG = await page.readGenesis(smGenesis);
    check(smG.hash === smGenesisHash(smGenesis) && smG.suite.name === 'sm2-sm3' && sm.genesisHex(smGenesis).startsWith(sm.str('jchain/genesis/v5')),
      'an sm2-sm3 genesis hashes, in the page, to SM3 of the jchain/genesis/v5 bytes built here (' + smG.hash.slice(0, 16) + '…; a validator given uncompressed)');
    check(smG.hash !== sm.hex(require('crypto').createHash('sha256').update(Buffer.from(sm.genesisHex(smGenesis), 'hex')).digest()), '... not SHA-256 of them');
    const customGenesis = { ...smGenesis, sm2_user_id: CUSTOM_ID };
    const gc = await page.readGenesis(customGenesis);
    check(gc.hash === smGenesisHash(customGenesis) && gc.hash !== smG.hash && gc.suite.userId === CUSTOM_ID,
      'with sm2_user_id "' + CUSTOM_ID + '" the v3 bytes end with it, and the hash changes');
    check((await page.readGenesis({ ...smGenesis, sm2_user_id: '1234567812345678' })).hash === smG.hash, 'the default user ID given explicitly hashes as leaving it out');
    check((await page.readGenesis({ ...vec.genesis, suite: 'secp256k1-sha256' })).hash === vec.genesis_hash,
      'a secp256k1 genesis with an explicit "suite": "secp256k1-sha256" hashes as without it (the v2 vector)');
    const genesisError = async (gj) => { try { await page.readGenesis(gj); return null; } catch (e) { return e.message; } };
    check(/unknown crypto suite "sm2-sha256"/.test(await genesisError({ ...smGenesis, suite: 'sm2-sha256' }) || ''), 'a genesis of an unknown suite is refused, naming it');
    check(/only for the sm2-sm3 suite/.test(await genesisError({ ...vec.genesis, sm2_user_id: '1234567812345678' }) || ''), 'a secp256k1 genesis with an sm2_user_id is refused');
    // A vector (secp256k1) key whose x is no x of the SM2 curve, so it cannot be taken for an SM2 key.
    const secpOnly = [...vec.genesis.validators, ...vec.genesis.members].map((v) => v.public_key).find((k) => !sm.onSm2Curve(k.slice(2, 66)));
    const crossed = await genesisError({ ...smGenesis, validators: [{ name: 'k1', public_key: secpOnly, power: 1 }] });
    check(/validator public_key is not a sm2 public key \(wrong_suite\? this chain's suite is sm2-sm3\)/.test(crossed || ''),
      'an sm2-sm3 genesis listing a secp256k1 vector key (not on the SM2 curve) is refused, saying wrong_suite (' + crossed + ')');

    // The ledger tree under SM3: leaf, node and empty root, inclusion and consistency proofs.
    const id0 = ossl.sm3(te('record 0'));
    check(sm.hex(await page.leafHash(id0, smDefault)) === sm.hex(ossl.sm3(Buffer.concat([Buffer.from([0]), Buffer.from(id0)]))) &&
      sm.hex(await page.leafHash(id0)) !== sm.hex(await page.leafHash(id0, smDefault)), 'the SM3 leaf is SM3(0x00 || id) (openssl), not the SHA-256 one');
    const l1 = ossl.sm3(te('x')), r1 = ossl.sm3(te('y'));
    check(sm.hex(await page.nodeHash(l1, r1, smDefault)) === sm.hex(ossl.sm3(Buffer.concat([Buffer.from([1]), Buffer.from(l1), Buffer.from(r1)]))),
      'the SM3 node is SM3(0x01 || left || right) (openssl)');
    check(await page.consistencyOk(0n, 3n, sm.u8(Buffer.from(SM3_EMPTY, 'hex')), l1, [], smDefault) &&
      !await page.consistencyOk(0n, 3n, sm.u8(Buffer.from(SM3_EMPTY, 'hex')), l1, []) && !await page.consistencyOk(0n, 3n, nodeSm3('nonempty'), l1, [], smDefault),
    'the empty tree\'s root is SM3("") under sm2-sm3 (and not under SHA-256)');
    const smSplit = (n) => { let k = 1; while (k * 2 < n) k *= 2; return k; };
    const smMth = (leaves) => leaves.length === 1 ? leaves[0] : nodeSm3([1], smMth(leaves.slice(0, smSplit(leaves.length))), smMth(leaves.slice(smSplit(leaves.length))));
    const smPath = (m, leaves) => {  // RFC 6962 2.1.1 PATH
      if (leaves.length <= 1) return [];
      const k = smSplit(leaves.length);
      return m < k ? [...smPath(m, leaves.slice(0, k)), smMth(leaves.slice(k))] : [...smPath(m - k, leaves.slice(k)), smMth(leaves.slice(0, k))];
    };
    const smSub = (m, leaves, whole) => {  // RFC 6962 2.1.2 SUBPROOF
      if (m === leaves.length) return whole ? [] : [smMth(leaves)];
      const k = smSplit(leaves.length);
      return m <= k ? [...smSub(m, leaves.slice(0, k), whole), smMth(leaves.slice(k))] : [...smSub(m - k, leaves.slice(k), false), smMth(leaves.slice(0, k))];
    };
    const smLeaves = [...Array(7).keys()].map((i) => nodeSm3([0], 'sm leaf ' + i));
    let smProofs = true, smShaRefused = true;
    for (let n = 1; n <= 7; n++) {
      for (let m = 0; m < n; m++) {
        const root = await page.inclusionRoot(smLeaves[m], m, n, smPath(m, smLeaves.slice(0, n)), smDefault);
        smProofs = smProofs && !!root && sm.hex(root) === sm.hex(smMth(smLeaves.slice(0, n)));
        if (n > 1) smShaRefused = smShaRefused && sm.hex(await page.inclusionRoot(smLeaves[m], m, n, smPath(m, smLeaves.slice(0, n)))) !== sm.hex(smMth(smLeaves.slice(0, n)));
        if (m > 0) smProofs = smProofs && await page.consistencyOk(BigInt(m), BigInt(n), smMth(smLeaves.slice(0, m)), smMth(smLeaves.slice(0, n)), smSub(m, smLeaves.slice(0, n), true), smDefault);
      }
    }
    check(smProofs, 'SM3 inclusion proofs of every leaf and consistency proofs of every (m, n), n <= 7, lead to the SM3 roots');
    check(smShaRefused, '... and the same paths hashed with SHA-256 do not');

    // Signatures over a 32-byte digest (SM3 of the signed bytes), made by openssl.
    const K = validators[0];
    const signed = recVec.signed_bytes, digest = ossl.sm3(Buffer.from(signed, 'hex'));
    const sigOfSm = (der, pem) => ({ signed_bytes: signed, der: sm.hex(der), pem: pem || K.pem });
    const opensslDefault = ossl.sm2Sign(K, digest, '1234567812345678'), opensslCustom = ossl.sm2Sign(K, digest, CUSTOM_ID);
    check(await page.signatureProblem(sigOfSm(opensslDefault), K.key, smDefault) === null, 'an openssl SM2 signature (default user ID) of SM3(signed bytes) verifies in the page');
    check(await page.signatureProblem(sigOfSm(opensslCustom), K.key, smCustom) === null, 'an openssl SM2 signature with user ID "' + CUSTOM_ID + '" verifies under that ID');
    let randomOk = true;
    for (let i = 0; i < 4; i++) {
      const d = ossl.sm3(te('digest ' + i));
      randomOk = randomOk && sm2.verify(ossl.sm2Sign(K, d, CUSTOM_ID), d, sm.u8(Buffer.from(K.key, 'hex')), CUSTOM_ID);
    }
    check(randomOk, '4 more openssl signatures (randomised) verify');
    const wrongId = await page.signatureProblem(sigOfSm(opensslCustom), K.key, smDefault);
    check(wrongId === 'the SM2 signature does not verify under SM2 user ID 1234567812345678 over SM3 of its signed_bytes',
      'the "' + CUSTOM_ID + '" signature under the default ID is refused, naming the ID (' + wrongId + ')');
    check(/does not verify under SM2 user ID court-b@example/.test(await page.signatureProblem(sigOfSm(opensslDefault), K.key, smCustom) || ''), '... and the other way round');
    const flipped = sm.u8(opensslDefault); flipped[flipped.length - 1] ^= 1;
    check(/^the SM2 signature does not verify/.test(await page.signatureProblem(sigOfSm(flipped), K.key, smDefault) || ''), 'a signature with a flipped byte does not verify');
    const { r: R, s: S } = sm.derRs(opensslDefault), nSm2 = sm2.CURVE.n;
    const fromRs = (r, s) => sm.u8(Buffer.from(sm.derOf(r, s), 'hex'));
    check(await page.signatureProblem(sigOfSm(fromRs(R, S)), K.key, smDefault) === null, 'this test reads and re-encodes openssl\'s DER exactly');
    const rawRs = sm.u8(Buffer.from(R.toString(16).padStart(64, '0') + S.toString(16).padStart(64, '0'), 'hex'));
    check(/^the signature is not in strict DER .*: it looks like raw r \|\| s$/.test(await page.signatureProblem(sigOfSm(rawRs), K.key, smDefault) || '') &&
      /^the signature is not in strict DER/.test(await page.signatureProblem(sigOfSm(sm.u8(Buffer.from('3006020101020101ff', 'hex'))), K.key, smDefault) || ''),
    'raw r || s (64 bytes) and bytes that are not DER are refused as not strict DER, the first named as raw r || s');
    const paddedSm = sm.u8(Buffer.from(sm.derOfContents('00' + sm.minimalInt(R), sm.minimalInt(S)), 'hex'));
    check(sm.derOfContents(sm.minimalInt(R), sm.minimalInt(S)) === sm.hex(opensslDefault) &&
      /^the signature is not in strict DER \(/.test(await page.signatureProblem(sigOfSm(paddedSm), K.key, smDefault) || ''),
    'a needless 0x00 before r (not minimal DER) is refused as not strict DER');
    const range = async (r, s) => page.signatureProblem(sigOfSm(fromRs(r, s)), K.key, smDefault);
    const outOfRange = [[0n, S], [R, 0n], [nSm2, S], [R, nSm2], [R + nSm2, S], [R, S + nSm2]];
    const rangeMsgs = await Promise.all(outOfRange.map(([r, s]) => range(r, s)));
    check(rangeMsgs.every((m) => /r or s is not in \[1, n-1\]/.test(m || '')), 'r or s = 0, = n, or r + n, s + n (≥ n) are refused as out of [1, n-1] (' + rangeMsgs[0] + ')');
    const secpPem = '-----BEGIN PUBLIC KEY-----\n' + Buffer.from('3036301006072a8648ce3d020106052b8104000a032200' + recVec.record.submitter, 'hex').toString('base64') + '\n-----END PUBLIC KEY-----\n';
    check(/its PEM is not an SM2 public key .*\(it holds a secp256k1 key\)/.test(await page.signatureProblem(sigOfSm(opensslDefault, secpPem), K.key, smDefault) || '') &&
      /its PEM is not an SM2 public key/.test(await page.signatureProblem(sigOfSm(opensslDefault, secpKey.pem), K.key, smDefault) || ''),
    'a secp256k1 PEM (compressed, or openssl\'s uncompressed) is refused under sm2-sm3');
    check(page.pemKey(K.pem, smDefault) === K.key && page.pemKey(K.pem) === null && page.pemKey(K.pem, page.readSuite({}, 'x')) === null,
      'the SM2 PEM (uncompressed point, curve 1.2.156.10197.1.301) holds the compressed signer key; under secp256k1 it is no key');
    check(/not the signer's/.test(await page.signatureProblem(sigOfSm(opensslDefault, otherSm2.pem), K.key, smDefault) || ''), 'another SM2 key\'s PEM is refused as not the signer\'s');
    const pemOfDer = (derHex) => '-----BEGIN PUBLIC KEY-----\n' + Buffer.from(derHex, 'hex').toString('base64') + '\n-----END PUBLIC KEY-----\n';
    const compressedSm2Pem = pemOfDer('3039301306072a8648ce3d020106082a811ccf5501822d032200' + K.key);
    const offCurve = Buffer.from(K.point); offCurve[64] ^= 1;
    check(page.pemKey(compressedSm2Pem, smDefault) === null && page.pemKey(pemOfDer('3059301306072a8648ce3d020106082a811ccf5501822d034200' + sm.hex(offCurve)), smDefault) === null &&
      page.pemKey(pemOfDer('3059301306072a8648ce3d020106082a811ccf5501822d034200' + sm.hex(K.point)), smDefault) === K.key,
    'an SM2 SPKI with the compressed point, or with a point off the curve, is refused');

    // The other direction: a signature made on the page's own SM2 primitives (ZA, curve)
    // verifies with openssl pkeyutl, with its user ID and only with it.
    const pageSig = sm.sm2SignWithPage(sm2, sm3, K.scalar, digest, CUSTOM_ID);
    const pageSigDefault = sm.sm2SignWithPage(sm2, sm3, K.scalar, digest, '1234567812345678');
    check(ossl.sm2Verify(K, digest, pageSig, CUSTOM_ID) && ossl.sm2Verify(K, digest, pageSigDefault, '1234567812345678'),
      'signatures made on the page\'s SM2 primitives verify with openssl pkeyutl -verify -rawin -digest sm3 (user IDs "' + CUSTOM_ID + '" and the default)');
    check(!ossl.sm2Verify(K, digest, pageSig, '1234567812345678') && ossl.sm2Verify(K, digest, opensslCustom, CUSTOM_ID),
      '... and openssl refuses the "' + CUSTOM_ID + '" one under the default ID (while accepting its own)');

    // A whole receipt of an sm2-sm3 chain with user ID court-b@example, every hash and
    // signature by openssl: block 1 holds two records.
    // smReceiptOf(genesis JSON, user ID): the receipt of that record in block 1 of that
    // genesis's chain, every hash and signature by openssl under that user ID.
    const record = { chain_id: 'jchain-sm', kind: 'evidence', content_hash: sm.hex(ossl.sm3(te('the evidence'))), case_tag: sm.hex(ossl.sm3(te('a case tag'))),
      metadata: { title: sm.hex(ossl.sm3(te('a commitment'))) }, refs: [], submitter: courtSm.key, client_time_ms: 1767225601000, nonce: 7 };
    const smSigned = recordHex(record);
    const recordId = ossl.sm3(Buffer.from(smSigned, 'hex')), otherId = ossl.sm3(te('the other record'));
    const leafOf = (id) => ossl.sm3(Buffer.concat([Buffer.from([0]), Buffer.from(id)]));
    const ledgerRoot = ossl.sm3(Buffer.concat([Buffer.from([1]), Buffer.from(leafOf(recordId)), Buffer.from(leafOf(otherId))]));
    const smState = { members: [{ name: '北京互联网法院', public_key: courtSm.key, role: 'court', since_height: 1 }], policy: vec.genesis.policy, params: vec.genesis.params, nodes: [], witnesses: [] };
    const setList = customGenesis.validators.map((v, i) => ({ name: v.name, public_key: validators[i].key, power: v.power }))
      .sort((a, b) => (a.public_key < b.public_key ? -1 : 1));
    const setHashSm = sm.hex(ossl.sm3(Buffer.from(sm.validatorSetHex(setList), 'hex')));
    const keyOf = (pub) => validators.find((v) => v.key === pub);
    const smReceiptOf = (gj, userId) => {
      const gh = smGenesisHash(gj);
      const recordDer = ossl.sm2Sign(courtSm, recordId, userId);
      const header = { chain_id: 'jchain-sm', height: 1, time_ms: 1767225602000, prev_hash: gh, genesis_hash: gh, record_count: 2, ledger_size: 2,
        ledger_root: sm.hex(ledgerRoot), body_hash: sm.hex(ossl.sm3(te('the body: not checked by a receipt'))),
        validator_set_hash: setHashSm, next_validator_set_hash: setHashSm, state_hash: sm.hex(ossl.sm3(page.readState(smState).bytes)), proposer: setList[0].public_key };
      const hb = headerHex(header), blockHash = sm.hex(ossl.sm3(Buffer.from(hb, 'hex')));
      const commit = (id) => ({ height: 1, round: 0, block_hash: blockHash, signatures: setList.map((v) => {
        const vote = page.bytesToHex(page.voteBytes('jchain-sm', 1, 0, blockHash));
        return { validator: v.public_key, signed_bytes: vote, der: sm.hex(ossl.sm2Sign(keyOf(v.public_key), ossl.sm3(Buffer.from(vote, 'hex')), id)), pem: keyOf(v.public_key).pem };
      }) });
      const receipt = {
        format: 'jchain-receipt/4', suite: 'sm2-sm3', sm2_user_id: userId, chain_id: 'jchain-sm', record_id: sm.hex(recordId),
        record: { ...record, signature: sm.hex(recordDer) }, record_signature: { signed_bytes: smSigned, der: sm.hex(recordDer), pem: courtSm.pem },
        leaf_index: 0, inclusion_proof: { leaf_hash: sm.hex(leafOf(recordId)), tree_size: 2, root: sm.hex(ledgerRoot), path: [sm.hex(leafOf(otherId))] },
        block: { header, header_bytes: hb, hash: blockHash }, commit: commit(userId),
        validator_set: { validators: setList, hash: setHashSm }, state: smState, validator_changes: [],
      };
      return { receipt, recordDer, blockHash, commit };
    };
    const genesisHash = smGenesisHash(customGenesis);
    const { receipt: smReceipt, recordDer, blockHash: smBlockHash, commit: smCommit } = smReceiptOf(customGenesis, CUSTOM_ID);
    const smWithGenesis = { genesis: { json: customGenesis, source: 'file' } };
    r = await page.checkReceipt(smReceipt, { ...smWithGenesis, fileHash: record.content_hash, fileLabel: 'file evidence.pdf' });
    check(r.ok === true && r.checks.every((c) => c.ok === true) && r.suite.name === 'sm2-sm3',
      'an sm2-sm3 receipt made with openssl passes every check (' + r.checks.length + ') against its genesis' +
      (r.ok ? '' : ': ' + r.checks.filter((c) => c.ok !== true).map((c) => c.id + ': ' + c.detail).join('; ')));
    check(find(r, 'suite').en === 'Crypto suite' && /sm2-sm3 .*SM2 user ID court-b@example.*as the genesis says/.test(find(r, 'suite').detail),
      'its "Crypto suite" row names sm2-sm3 and the user ID (' + find(r, 'suite').detail + ')');
    check(find(r, 'record id').en === 'Record id = SM3(signed bytes)' && find(r, 'record signature').en === 'Record signature (SM2)' &&
      find(r, 'block hash').en === 'Block hash = SM3(header bytes)' && find(r, 'inclusion proof').en === 'Ledger proof (RFC 6962, SM3)' &&
      /SM3/.test(find(r, 'record id').zh) && /SM2/.test(find(r, 'record signature').zh) && /SM3 .*evidence\.pdf|evidence\.pdf SM3/.test(find(r, 'file').detail) &&
      /all 3 SM2 signatures .*SM2 user ID court-b@example/.test(find(r, 'commit signatures').detail) && !r.checks.some((c) => /SHA-256|secp256k1|ECDSA/.test(c.en + c.zh + c.detail)),
    'its rows name SM3 and SM2, in English and Chinese, and none says SHA-256, secp256k1 or ECDSA');
    r = await page.checkReceipt(smReceipt, {});
    check(r.ok === true && find(r, 'suite').ok === null && /as the receipt says; no genesis/.test(find(r, 'suite').detail) && find(r, 'commit signatures').ok === true,
      'without a genesis the receipt\'s suite is used (row "not checked") and its signatures verify');
    const { suite: _s, sm2_user_id: _u, ...noSuite } = smReceipt;
    r = await page.checkReceipt(noSuite, smWithGenesis);
    check(find(r, 'suite').ok === false && /^wrong_suite: the receipt is of suite secp256k1-sha256 .*genesis is of suite sm2-sm3/.test(find(r, 'suite').detail) &&
      failedOnly(r, ['suite']) && !r.checks.some((c) => c.id === 'record id'),
    'a receipt without "suite" (so secp256k1-sha256) against the sm2-sm3 genesis: wrong_suite, and nothing else is checked (' + find(r, 'suite').detail + ')');
    // An sm2-sm3 receipt must name its user ID (chain/receipt.cpp verify_receipt), even the
    // default one that its genesis may leave out: a receipt of a default-ID chain passes
    // with "sm2_user_id" and fails "Crypto suite" (wrong_suite) without it, as jchain verify says.
    const { receipt: defaultReceipt } = smReceiptOf(smGenesis, '1234567812345678');
    const smDefaultGenesis = { genesis: { json: smGenesis, source: 'file' } };
    r = await page.checkReceipt(defaultReceipt, smDefaultGenesis);
    check(r.ok === true && r.checks.every((c) => c.ok === true) && /SM2 user ID 1234567812345678.*as the genesis says/.test(find(r, 'suite').detail),
      'a receipt of a default-ID chain (its genesis without sm2_user_id) naming "sm2_user_id": "1234567812345678" passes every check' +
      (r.ok ? '' : ': ' + r.checks.filter((c) => c.ok !== true).map((c) => c.id + ': ' + c.detail).join('; ')));
    const { sm2_user_id: _v, ...noUserId } = defaultReceipt;
    const noUserIdRefused = (res) => res.ok === false && failedOnly(res, ['suite']) && !res.checks.some((c) => c.id === 'record id') &&
      find(res, 'suite').detail === 'wrong_suite: an sm2-sm3 receipt without its sm2_user_id';
    r = await page.checkReceipt(noUserId, smDefaultGenesis);
    check(noUserIdRefused(r), 'the same receipt without "sm2_user_id": wrong_suite, "an sm2-sm3 receipt without its sm2_user_id", nothing else checked (' + find(r, 'suite').detail + ')');
    r = await page.checkReceipt(noUserId, {});
    check(noUserIdRefused(r), '... and the same without a genesis (the page does not guess the default ID)');
    r = await page.checkReceipt({ ...smReceipt, sm2_user_id: null }, smWithGenesis);
    check(failedOnly(r, ['suite']) && /^wrong_suite: receipt sm2_user_id must be a string/.test(find(r, 'suite').detail),
      'an "sm2_user_id" that is not a string: wrong_suite (' + find(r, 'suite').detail + ')');
    const { sm2_user_id: _w, ...customNoId } = smReceipt;
    r = await page.checkReceipt(customNoId, smWithGenesis);
    check(noUserIdRefused(r), 'a "' + CUSTOM_ID + '" chain\'s receipt without "sm2_user_id": the same wrong_suite');
    r = await page.checkReceipt({ ...smReceipt, sm2_user_id: '1234567812345678' }, smWithGenesis);
    check(failedOnly(r, ['suite']) && /^wrong_suite: .*user ID 1234567812345678.*user ID court-b@example/.test(find(r, 'suite').detail),
      'a receipt naming the default user ID against a genesis with "' + CUSTOM_ID + '": wrong_suite');
    r = await page.checkReceipt({ ...smReceipt, sm2_user_id: '1234567812345678' }, {});
    check(failedOnly(r, ['record signature', 'commit signatures']) &&
      /^record signature: the SM2 signature does not verify under SM2 user ID 1234567812345678/.test(find(r, 'record signature').detail),
    'the same without a genesis: the signatures fail, saying they do not verify under SM2 user ID 1234567812345678 (' + find(r, 'record signature').detail + ')');
    check(typeof page.readReceiptSuite === 'function' && page.readReceiptSuite({ format: 'jchain-receipt/4' }).name === 'secp256k1-sha256' && page.readSuite({ suite: 'sm2-sm3' }, 'genesis').userId === '1234567812345678',
      'a receipt without "suite" is still secp256k1-sha256 (receipts from before suites); a genesis may still leave sm2_user_id out');
    r = await page.checkReceipt({ ...good, suite: 'sm2-sm3', sm2_user_id: '1234567812345678' }, withGenesis);
    check(failedOnly(r, ['suite']) && /wrong_suite: the receipt is of suite sm2-sm3 .*genesis is of suite secp256k1-sha256/.test(find(r, 'suite').detail),
      'a secp256k1 chain\'s receipt claiming sm2-sm3: wrong_suite against its genesis');
    r = await page.checkReceipt({ ...good, suite: 'sm2-sm3' }, withGenesis);
    check(noUserIdRefused(r), '... and claiming sm2-sm3 without a user ID: wrong_suite for the missing sm2_user_id');
    r = await page.checkReceipt({ ...smReceipt, suite: 'sm2-sm4' }, smWithGenesis);
    check(failedOnly(r, ['suite']) && /unknown crypto suite "sm2-sm4"/.test(find(r, 'suite').detail), 'a receipt of an unknown suite fails "Crypto suite", naming it');
    r = await page.checkReceipt({ ...smReceipt, commit: smCommit('1234567812345678') }, smWithGenesis);
    check(failedOnly(r, ['commit signatures']) && /^commit signature 1 \(.+\): the SM2 signature does not verify under SM2 user ID court-b@example/.test(find(r, 'commit signatures').detail),
      'commit signatures made with the default user ID fail "commit signatures" on a "' + CUSTOM_ID + '" chain, naming the ID');
    r = await page.checkReceipt({ ...smReceipt, record_signature: { ...smReceipt.record_signature, pem: secpPem } }, smWithGenesis);
    check(find(r, 'record signature').ok === false && /is not an SM2 public key/.test(find(r, 'record signature').detail) && find(r, 'signature material').ok === false,
      'a secp256k1 PEM in record_signature fails "record signature" and "signature material"');
    // A secp256k1 receipt reads exactly as before under its (default) suite.
    r = await page.checkReceipt(good, withGenesis);
    check(r.ok === true && find(r, 'suite').ok === true && find(r, 'record id').en === 'Record id = SHA-256(signed bytes)' &&
      find(r, 'record signature').en === 'Record signature (ECDSA secp256k1)' && find(r, 'block hash').en === 'Block hash = SHA-256(header bytes)' &&
      find(r, 'inclusion proof').en === 'Ledger proof (RFC 6962)', 'the secp256k1 receipt keeps its labels (SHA-256, ECDSA secp256k1) and passes "Crypto suite"');

    // Its checkpoint: the C2SP note signed by the validators with type "jchain-sm2-sm3"
    // (key ids still SHA-256), SM2 over SM3 of the note text with the chain's user ID.
    const smOrigin = 'jchain.log/jchain-sm/' + genesisHash;
    const thirdLeaf = nodeSm3([0], 'third');
    const smCpLeaves = [leafOf(recordId), leafOf(otherId), thirdLeaf];
    const smBody = smOrigin + '\n3\n' + Buffer.from(smMth(smCpLeaves)).toString('base64') + '\n';
    check(sm.hex(smMth(smCpLeaves.slice(0, 2))) === sm.hex(ledgerRoot), 'this test\'s SM3 tree of the block\'s two leaves is its ledger root');
    const smLine = (v, type, userId) => {
      const kid = require('crypto').createHash('sha256').update(Buffer.concat([Buffer.from(smOrigin + '\n'), Buffer.from([0xff]), Buffer.from(type), Buffer.from(v.key, 'hex')])).digest().subarray(0, 4);
      return '\u2014 ' + smOrigin + ' ' + Buffer.concat([kid, Buffer.from(ossl.sm2Sign(v, ossl.sm3(te(smBody)), userId))]).toString('base64') + '\n';
    };
    check(page.validatorKeyId(smOrigin, K.key, smDefault) === require('crypto').createHash('sha256')
      .update(Buffer.concat([Buffer.from(smOrigin + '\n'), Buffer.from([0xff]), Buffer.from('jchain-sm2-sm3'), Buffer.from(K.key, 'hex')])).digest().readUInt32BE(0) &&
      page.validatorKeyId(smOrigin, K.key, smDefault) !== page.validatorKeyId(smOrigin, K.key), 'an sm2-sm3 validator\'s note key id is SHA-256 over type "jchain-sm2-sm3"');
    // The certified header at the checkpoint's height 2, its certificate (openssl SM2 under
    // the chain's user ID) and the state then, naming the witness.
    const smCpState = { ...smState, witnesses: [witness.vkey] };
    const smCpHeader = { ...smReceipt.block.header, height: 2, time_ms: 1767225603000, prev_hash: smBlockHash, record_count: 1, ledger_size: 3,
      ledger_root: sm.hex(smMth(smCpLeaves)), state_hash: sm.hex(ossl.sm3(page.readState(smCpState).bytes)) };
    const smCpBytes = headerHex(smCpHeader), smCpHash = sm.hex(ossl.sm3(Buffer.from(smCpBytes, 'hex')));
    const smCpVote = page.bytesToHex(page.voteBytes('jchain-sm', 2, 0, smCpHash));
    const smCpCommit = { height: 2, round: 0, block_hash: smCpHash, signatures: setList.map((v) => ({ validator: v.public_key, signed_bytes: smCpVote,
      der: sm.hex(ossl.sm2Sign(keyOf(v.public_key), ossl.sm3(Buffer.from(smCpVote, 'hex')), CUSTOM_ID)), pem: keyOf(v.public_key).pem })) };
    const smCp = (lines) => ({ ...smReceipt, checkpoint: { note: smBody + '\n' + lines.join(''), height: 2, consistency_path: smSub(2, smCpLeaves, true).map(sm.hex),
      validator_changes: [], block: { header: smCpHeader, header_bytes: smCpBytes, hash: smCpHash }, commit: smCpCommit, state: smCpState } });
    const smCpWitness = witnessLine(witness, smBody, T);
    r = await page.checkReceipt(smCp([...validators.map((v) => smLine(v, 'jchain-sm2-sm3', CUSTOM_ID)), smCpWitness]), { ...smWithGenesis, witnessKeys: witness.vkey });
    check(r.ok === true && /signed by 3 validator\(s\) holding 6 of 6 power/.test(cpRow(r).detail) && /witness witness\.example\/court-b cosigned/.test(cpRow(r).detail),
      'an sm2-sm3 checkpoint signed (openssl SM2, type jchain-sm2-sm3) by the validators and cosigned by an Ed25519 witness: "Checkpoint" ✓ (' + cpRow(r).detail.slice(0, 120) + '…)');
    r = await page.checkReceipt(smCp(validators.map((v) => smLine(v, 'jchain-ecdsa-secp256k1-sha256', CUSTOM_ID))), smWithGenesis);
    check(failedOnly(r, ['checkpoint']) && /0 validator\(s\) holding 0 of 6 power/.test(cpRow(r).detail), 'lines keyed with the secp256k1 type are not this chain\'s validators\': ignored, no quorum');
    r = await page.checkReceipt(smCp(validators.map((v, i) => smLine(v, 'jchain-sm2-sm3', i === 2 ? '1234567812345678' : CUSTOM_ID))), smWithGenesis);
    check(failedOnly(r, ['checkpoint']) && /BAD signature by validator sm-validator-3/.test(cpRow(r).detail),
      'a validator line signed under the default user ID fails "Checkpoint", naming the validator (' + cpRow(r).detail.slice(-60) + ')');

    // The "check it yourself" commands of an sm2-sm3 receipt: SM3 and SM2 with the
    // chain's distid, not sha256sum; sh here, their openssl lines accept the receipt.
    const cmds = page.opensslChecks(smCustom, 'receipt.json', { id: sm.hex(recordId), blockHash: smBlockHash, signatures: 3, steps: 0 });
    const all = [...cmds.record, ...cmds.block].join('\n');
    check(all.includes('openssl dgst -sm3 -binary signed.bin > id.bin') &&
      all.includes('openssl pkeyutl -verify -rawin -digest sm3 -pkeyopt distid:court-b@example -pubin -inkey pub.pem -sigfile sig.der -in id.bin') &&
      all.includes('openssl dgst -sm3 -r   # = block hash ' + smBlockHash) && !/sha256/.test(all) && cmds.changes === null,
    'the sm2-sm3 "check it yourself" commands use openssl dgst -sm3 and pkeyutl with distid:' + CUSTOM_ID + ', never SHA-256');
    const sh = (line, files) => spawnSync('bash', ['-c', line.replace(/\s+#.*$/, '')], { cwd: files, encoding: 'utf8' });
    const cwd = ossl.file();
    fs.mkdirSync(cwd);
    fs.writeFileSync(path.join(cwd, 'signed.bin'), Buffer.from(smSigned, 'hex'));
    fs.writeFileSync(path.join(cwd, 'sig.der'), recordDer);
    fs.writeFileSync(path.join(cwd, 'pub.pem'), courtSm.pem);
    const recordLines = cmds.record.filter((l) => /^openssl /.test(l));
    const outs = recordLines.map((l) => sh(l, cwd));
    check(recordLines.length === 2 && outs.every((o) => o.status === 0) && fs.readFileSync(path.join(cwd, 'id.bin')).equals(Buffer.from(recordId)),
      'run as shown, the record\'s openssl lines make the record id and verify its signature (' + (outs[1] && outs[1].stdout.trim()) + ')');
    fs.writeFileSync(path.join(cwd, 'sig.der'), ossl.sm2Sign(courtSm, recordId, '1234567812345678'));
    check(sh(recordLines[1], cwd).status !== 0, '... and refuse a record signature made under another user ID');
  } finally {
    ossl.dispose();
  }

  // JSON text as jchain reads it: a repeated member name and a number with a fraction or
  // an exponent are refused (JSON.parse accepts both), "-0" is the integer 0 (as Boost.JSON
  // reads it; tests/chain/receipt_test.cpp holds jchain verify to the same forms).
  {
    const real = fs.readFileSync(path.join(repo, 'tests', 'data', 'receipt_mutants', 'secp256k1-sha256', 'receipt.json'), 'utf8');
    check(page.jsonTextProblem(real) === null, 'a real receipt\'s text is JSON as jchain reads it');
    const forms = [
      ['{"a": 1, "b": {"a": 2}}', null], ['{"a": -0}', null], ['{"s": "1.0 \\" 0e0", "n": [1, 2]}', null],
      ['{"a": 1, "a": 1}', 'the member name "a" appears twice in one object'],
      ['{"x": {"a\\u0062": 1, "ab": 2}}', 'the member name "ab" appears twice in one object'],
      ['[{"a": 1}, {"b": 1, "a": 2, "b": 3}]', 'the member name "b" appears twice in one object'],
      ['{"a": 1.0}', /the number 1\.0 has a fraction/], ['{"a": 0e0}', /the number 0e0 has a fraction or an exponent/],
      ['{"a": [5E+1]}', /the number 5E\+1/], ['{"a": -0.0}', /the number -0\.0/],
    ];
    for (const [text, want] of forms) {
      JSON.parse(text);  // every form is JSON to JSON.parse
      const got = page.jsonTextProblem(text);
      check(want === null ? got === null : want instanceof RegExp ? want.test(got || '') : got === want,
        text + ': ' + (got || 'accepted, as jchain accepts it'));
    }
    const spaced = real.replace(/"leaf_index": (\d+)/, '"leaf_index": $1.0');
    let refused = '';
    try { page.parseJsonAsJchain(spaced, 'receipt.json'); } catch (e) { refused = e.message; }
    check(/^receipt\.json is not valid JSON to JChain: the number \d+\.0 has a fraction/.test(refused),
      'an uploaded receipt with leaf_index written N.0 is refused before it is checked (' + refused.slice(0, 80) + '…)');
  }

  // A genesis file may write its keys in upper-case hex (docs/genesis.md): the same hash.
  for (const c of mutantCases(repo).filter((x) => !x.expect)) {
    const upper = JSON.parse(JSON.stringify(c.genesis), (k, v) => (k === 'public_key' ? v.toUpperCase() : v));
    const [a, b] = [await page.readGenesis(c.genesis), await page.readGenesis(upper)];
    const r = await page.checkReceipt(c.receipt, { genesis: { json: upper, source: 'file' } });
    check(a.hash === b.hash && r.ok, c.suite + ': a genesis with upper-case keys hashes as the lower-case one (' + a.hash.slice(0, 16) + ') and the receipt checks against it');
  }

  // Policy roles in order, once each: what jchain verify's canonical state requires.
  {
    const c = mutantCases(repo)[0];
    for (const [what, roles] of [['unsorted', ['court', 'procuratorate', 'police', 'notary']], ['repeated', ['court', 'court', 'notary', 'police', 'procuratorate']]]) {
      const r = JSON.parse(JSON.stringify(c.receipt));
      r.state.policy.evidence = roles;
      const v = await page.checkReceipt(r, { genesis: { json: c.genesis, source: 'file' } });
      const row = v.checks.find((x) => x.id === 'state');
      check(!v.ok && row && row.ok === false && row.detail === 'state.policy.evidence must list its roles sorted, once each',
        'state.policy roles ' + what + ' (the same bytes, the same state hash): refused, as jchain verify refuses them (' + (row ? row.detail : '') + ')');
    }
  }

  // Hex is lower-case: every hex string of the real receipts, upper-cased alone, is
  // refused (as tests/chain/receipt_test.cpp has jchain verify refuse it).
  {
    const wrong = [];
    let count = 0;
    for (const c of mutantCases(repo).filter((x) => !x.expect)) {
      const leaves = [];
      const walk = (v, p) => {
        if (typeof v === 'string') { if (v.length % 2 === 0 && /^[0-9a-f]*[a-f][0-9a-f]*$/.test(v)) leaves.push(p); }
        else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, p.concat(Array.isArray(v) ? Number(k) : k));
      };
      walk(c.receipt, []);
      for (const p of leaves) {
        const r = JSON.parse(JSON.stringify(c.receipt));
        let o = r;
        for (const k of p.slice(0, -1)) o = o[k];
        o[p[p.length - 1]] = o[p[p.length - 1]].toUpperCase();
        count++;
        const v = await page.checkReceipt(r, { genesis: { json: c.genesis, source: 'file' } });
        if (v.ok) wrong.push(c.suite + ' ' + p.join('.'));
      }
    }
    check(count > 100 && !wrong.length, 'each of the ' + count + ' hex strings of the real receipts upper-cased is refused' +
      (wrong.length ? '; accepted: ' + wrong.join(', ') : ''));
  }

  // Closed objects: the shared mutants (tests/data/receipt_mutants), each a real receipt
  // with one field added to one object, are all refused as jchain verify refuses them.
  {
    const cases = mutantCases(repo);
    const wrong = [];
    for (const c of cases) {
      const r = await page.checkReceipt(c.receipt, { genesis: { json: c.genesis, source: 'file' } });
      const why = judge(c, { ok: r.ok, checks: r.checks });
      if (why) wrong.push(c.name + ': ' + why);
    }
    check(!wrong.length, 'the real receipts of tests/data/receipt_mutants verify, and each of their ' + (cases.length - 2) +
      ' closed-object mutants is refused, naming the object and the field' + (wrong.length ? '\n          ' + wrong.join('\n          ') : ''));
  }

  console.log(failures ? failures + ' failed' : 'all passed');
  process.exit(failures ? 1 : 0);
})();
