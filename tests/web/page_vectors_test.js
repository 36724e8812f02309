// The verification page's own encoders and signature checks (web/index.html, as built
// with its secp256k1 library inlined) against the frozen vectors of docs/encoding.md,
// under Node.js: the page must compute the same genesis hash as the node, or a
// litigant's offline check would fail; it must accept the signatures libsecp256k1 made
// and refuse swapped, high-S, non-DER and wrong-key ones; and its receipt checks on
// receipts built from the vectors. usage: node page_vectors_test.js REPO BUILT_PAGE
'use strict';
const fs = require('fs');
const path = require('path');
const { loadPage } = require('./page_script');

const repo = process.argv[2] || path.join(__dirname, '..', '..');
const builtPage = process.argv[3] || path.join(repo, 'build', 'web', 'index.html');
const { page, curve, ed25519 } = loadPage(builtPage);

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

  // The state (members, policy, parameters in force at a block): the genesis of
  // genesis.json at height 1 (its members since height max(1, since_height) in force,
  // sorted by key) encodes to header.json's state_bytes, whose SHA-256 is its state_hash.
  const stateAt = (gj, height) => ({
    members: gj.members.map((m) => ({ name: m.name, public_key: m.public_key, role: m.role, since_height: Math.max(1, m.since_height) }))
      .filter((m) => m.since_height <= height).sort((a, b) => (a.public_key < b.public_key ? -1 : 1)),
    policy: gj.policy, params: gj.params,
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
      format: 'jchain-receipt/2', chain_id: header.chain_id, record_id: id,
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
  const withGenesis = { genesis: { json: vec.genesis, source: 'file' } };
  const failedOnly = (r, ids) => r.checks.filter((c) => c.ok === false).map((c) => c.id).join(',') === ids.join(',');
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
  const recordHex = (rec) => str('jchain/record/v1') + str(rec.chain_id) + str(rec.kind) + rec.content_hash + str(rec.case_id) +
    u32(Object.keys(rec.metadata).length) + Object.keys(rec.metadata).sort().map((k) => str(k) + str(rec.metadata[k])).join('') +
    u32(rec.refs.length) + rec.refs.join('') + rec.submitter + u64(rec.client_time_ms) + u64(rec.nonce);
  check(recordHex(recVec.record) === recVec.signed_bytes, 'this test\'s record encoder gives the evidence vector\'s signed bytes');
  const governance = async (submitter, metadata) => {
    const record = { ...recVec.record, kind: 'governance', case_id: '', metadata, refs: [], submitter };
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
  const cpOf = (over = {}) => ({ note: note5, height: 3, consistency_path: consistency(2, chainLeaves).map(page.bytesToHex), validator_changes: [], ...over });
  const withCp = (cp) => ({ ...good, checkpoint: cp });
  const withWitness = { ...withGenesis, witnessKeys: '\n  ' + witness.vkey + '  \n' };
  const cpRow = (rr) => find(rr, 'checkpoint');
  check(page.parseWitnessKey(witness.vkey).name === witness.name && /\+.*\+.*\+/.test(witness.vkey),
    'a verifier key whose base64 holds \'+\' parses (split on the first two \'+\' only)');

  r = await page.checkReceipt(withCp(cpOf()), withWitness);
  check(r.ok === true && cpRow(r).ok === true && cpRow(r).en === 'Checkpoint' && /prefix of the checkpoint's \(size 5/.test(cpRow(r).detail) &&
    /signed by 3 validator\(s\) holding 13 of 13 power/.test(cpRow(r).detail) &&
    cpRow(r).detail.includes('witness witness.example/court-b cosigned at ' + T + ' (2025-12-01 01:40:00 UTC)'),
  'a receipt with a checkpoint signed by the validators and cosigned by the given witness: "Checkpoint" ✓, naming the witness and its time (' + cpRow(r).detail + ')');
  check(r.checks.filter((c) => c.id === 'checkpoint').length === 1 && !(await page.checkReceipt(good, withWitness)).checks.some((c) => c.id === 'checkpoint'),
    'one "Checkpoint" row, and none for a receipt without a checkpoint');
  r = await page.checkReceipt(withCp(cpOf()), withGenesis);
  check(r.ok === true && /ignored .*: witness\.example\/court-b/.test(cpRow(r).detail) && !/cosigned at/.test(cpRow(r).detail),
    'without the witness key its line is ignored, reported in the detail, and the receipt is still valid');
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
  check(r.ok === true, '... the same line by a witness not given is ignored (the reader decides whom to trust)');
  const weak = body5 + '\n' + validatorLine(body5, v1key) + validatorLine(body5, genesisSet[0].public_key) + validatorLine(body5, v1key);
  r = await page.checkReceipt(withCp(cpOf({ note: weak })), withWitness);
  check(failedOnly(r, ['checkpoint']) && /2 validator\(s\) holding 3 of 13 power \(not more than 2\/3\)/.test(cpRow(r).detail),
    'signed by 3 of 13 power (a repeated line counted once) fails "Checkpoint" (' + cpRow(r).detail + ')');
  r = await page.checkReceipt(withCp(cpOf({ note: note5.split(vec.genesis_hash).join('00'.repeat(32)) })), withWitness);
  check(failedOnly(r, ['checkpoint']) && /origin .* is not this chain's/.test(cpRow(r).detail), 'a note of another origin fails "Checkpoint"');
  r = await page.checkReceipt(withCp(cpOf({ note: note5, consistency_path: [] })), withWitness);
  check(failedOnly(r, ['checkpoint']) && /consistency proof fails/.test(cpRow(r).detail), 'an empty consistency path to a larger size fails');
  const body1 = bodyAt(1, mth(chainLeaves.slice(0, 1)));
  r = await page.checkReceipt(withCp(cpOf({ note: body1 + '\n' + validatorLine(body1, v6key), consistency_path: [] })), withWitness);
  check(failedOnly(r, ['checkpoint']) && /\(size 2\) is not a prefix of the checkpoint's \(size 1\)/.test(cpRow(r).detail), 'a checkpoint smaller than the block\'s ledger fails');

  // Malformed checkpoints: one clear message in the row, nothing thrown, nothing else failing.
  const big = body5 + '\n' + validatorLine(body5, v6key) + ('\u2014 x ' + 'A'.repeat(100) + '\n').repeat(2700);
  const malformed = [
    ['not an object', 'a string', /must be an object \{note, height, consistency_path, validator_changes\}/],
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
    check(!thrown && failedOnly(r, ['checkpoint']) && re.test(cpRow(r).detail),
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
  r = await page.checkReceipt(withCp(cpOf({ note: noteX, validator_changes: [change2] })), withWitness);
  check(r.ok === true && /after 1 validator change\(s\) \(block 2\).*signed by 1 validator\(s\) holding 100 of 113 power/.test(cpRow(r).detail),
    'a checkpoint signed by a validator block 2 added, with that change in checkpoint.validator_changes: ✓ (' + cpRow(r).detail.slice(0, 150) + '…)');
  r = await page.checkReceipt(withCp(cpOf({ note: noteX })), withWitness);
  check(failedOnly(r, ['checkpoint']) && /0 validator\(s\) holding 0 of 13 power/.test(cpRow(r).detail),
    'the same without the change: the new validator\'s line is ignored and the quorum fails');
  const change2Swapped = JSON.parse(JSON.stringify(change2));
  change2Swapped.commit.signatures[2].der = signHex(change2Swapped.commit.signatures[2].validator, voteRound1);
  r = await page.checkReceipt(withCp(cpOf({ note: noteX, validator_changes: [change2Swapped] })), withWitness);
  check(failedOnly(r, ['checkpoint']) && /^checkpoint\.validator_changes\[0\]: validator change at height 2, signature 3 \(validator-6\): the ECDSA signature does not verify/.test(cpRow(r).detail),
    'a swapped signature on that change fails "Checkpoint", naming the change and the signature (' + cpRow(r).detail.slice(0, 110) + '…)');
  r = await page.checkReceipt(withCp(cpOf({ note: noteX, height: 2, validator_changes: [change2] })), withWitness);
  check(failedOnly(r, ['checkpoint']) && /stay below the checkpoint's block 2/.test(cpRow(r).detail), 'a change at or above the checkpoint\'s height fails');

  console.log(failures ? failures + ' failed' : 'all passed');
  process.exit(failures ? 1 : 0);
})();
