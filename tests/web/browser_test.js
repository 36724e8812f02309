// The verification page in a real browser: Debian's Chromium, driven by playwright-core
// (web/package-lock.json), against a real `jchain devnet` on a free loopback port. It
// notarizes two files with `jchain submit --wait --receipt-out`, then in the page: hashes
// a file and finds it, checks its receipt (every check passed, signatures included),
// uploads tampered receipts (each INVALID, naming the check that failed), opens the
// #case= and #record= links, asks for a certificate, and looks at the page 390 px wide.
// A witness (jchain witness keygen, named in node.toml, the node restarted) cosigns the
// checkpoint through jchain monitor; the receipt with that checkpoint (jchain receipt
// --checkpoint) checks out in the page with the witness's key pasted, "Checkpoint" ✓
// naming the witness, and fails at "Checkpoint" with a changed consistency path, as
// jchain verify says of both. The closed-object mutants of tests/data/receipt_mutants are
// each refused by the page's checkReceipt in Chromium, and an added field uploaded is named.
// Then the same page against a `jchain devnet --suite sm2-sm3` node (国密): a dropped file
// is hashed with SM3 and found, the receipt checks out with rows naming SM3 and SM2, a
// flipped SM2 signature digit or a missing sm2_user_id fails where jchain verify fails it,
// and the page's "check it yourself" OpenSSL commands (SM3, SM2 with the chain's distid),
// run with bash on the files the page downloads, verify the record signature.
// Screenshots go to the artifacts folder. Every node is killed at exit whatever happens.
//
// usage: node browser_test.js --jchain BIN --page BUILT_PAGE --modules NODE_MODULES --artifacts DIR
//        [--chromium PATH] (default $CHROMIUM or /usr/bin/chromium)
//        [--serve-page BUILT_PAGE] the browser gets this page for GET / instead of the one
//        compiled into BIN (the node's headers kept): to try a page change without
//        rebuilding jchain. ctest does not pass it, so it tests the page the node serves.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const net = require('net');
const http = require('http');
const crypto = require('crypto');
const { spawn, spawnSync } = require('child_process');
const { loadPage } = require('./page_script');
const { mutantCases, judge } = require('./receipt_mutants');
const repoRoot = path.join(__dirname, '..', '..');

const TEST_TIME_MAX_MS = 90000;   // ctest allows 120 s; a healthy run takes ~30 s (both suites)
const NODE_START_MS_MAX = 30000;
const UI_WAIT_MS = 15000;

const opt = {};
for (let i = 2; i < process.argv.length; i += 2) opt[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
for (const k of ['jchain', 'page', 'modules', 'artifacts']) {
  if (!opt[k]) { console.error('usage: node browser_test.js --jchain BIN --page BUILT_PAGE --modules NODE_MODULES --artifacts DIR'); process.exit(2); }
}
const chromiumPath = opt.chromium || process.env.CHROMIUM || '/usr/bin/chromium';
if (!fs.existsSync(chromiumPath)) {
  // Not a skip: CI installs chromium (scripts/install-deps.sh), so its absence is a broken setup.
  console.error('browser_test.js: no Chromium at ' + chromiumPath + ': run scripts/install-deps.sh (Debian package chromium) or set CHROMIUM');
  process.exit(1);
}
const { chromium } = require(path.join(opt.modules, 'playwright-core'));
const { page: pageLib, curve } = loadPage(opt.page);  // to make a high-S twin of a signature
const servedPage = opt['serve-page'] ? fs.readFileSync(opt['serve-page']) : null;
fs.mkdirSync(opt.artifacts, { recursive: true });

let failures = 0, passed = 0;
function check(ok, what, detail) {
  console.log((ok ? '  ok    ' : '  FAIL  ') + what + (!ok && detail ? '\n          ' + detail : ''));
  if (ok) passed++; else failures++;
  return ok;
}
class Stop extends Error {}
function require_(ok, what, detail) { if (!check(ok, what, detail)) throw new Stop(what); }

// ---- the nodes ----
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'jchain-browser-'));
const procs = [];  // every jchain node this script started
function killNodes() {
  for (const proc of procs) {
    if (proc.exitCode === null && proc.signalCode === null) {
      try { proc.kill('SIGKILL'); } catch (e) { /* already gone */ }
    }
  }
}
process.on('exit', () => { killNodes(); fs.rmSync(work, { recursive: true, force: true }); });
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => { killNodes(); process.exit(1); });
setTimeout(() => { console.error('browser_test.js: over ' + TEST_TIME_MAX_MS / 1000 + ' s, giving up'); process.exit(1); }, TEST_TIME_MAX_MS).unref();

const freePort = () => new Promise((resolve, reject) => {
  const s = net.createServer();
  s.on('error', reject);
  s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
});
function request(url, { method = 'GET', body = null, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, timeout: 10000 }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, type: res.headers['content-type'] || '', body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    if (body) req.write(body);
    req.end();
  });
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Starts a devnet named `name` (home WORK/NAME, log ARTIFACTS/NAME.log; `suite` for a new
// one, the default when null), or starts `again` the one it returned: a devnet resumes,
// on the same port. Returns {name, base, home, port, proc}.
async function startNode(name, suite, again) {
  const port = again ? again.port : await freePort();
  const home = path.join(work, name), logFile = path.join(opt.artifacts, name + '.log');
  const log = fs.openSync(logFile, again ? 'a' : 'w');
  const args = ['devnet', '--home', home, '--rpc-listen', '127.0.0.1:' + port, ...(suite ? ['--suite', suite] : [])];
  // setpriv --pdeathsig: the node dies with this script even if ctest SIGKILLs it.
  const setpriv = fs.existsSync('/usr/bin/setpriv') ? '/usr/bin/setpriv' : null;
  const proc = setpriv ? spawn(setpriv, ['--pdeathsig', 'KILL', opt.jchain, ...args], { stdio: ['ignore', log, log] })
    : spawn(opt.jchain, args, { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  procs.push(proc);
  const base = 'http://127.0.0.1:' + port;
  const deadline = Date.now() + NODE_START_MS_MAX;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) break;
    try { if ((await request(base + '/health')).status === 200) return { name, base, home, port, proc }; } catch (e) { /* not up yet */ }
    await sleep(100);
  }
  throw new Stop('jchain devnet did not answer /health on port ' + port + ' (log: ' + logFile + ')');
}
// Stops a node's process as an operator would (SIGTERM; SIGKILL if it lingers).
async function stopProc(proc) {
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  if (proc.exitCode === null && proc.signalCode === null) {
    proc.kill('SIGTERM');
    if (await Promise.race([exited.then(() => true), sleep(NODE_START_MS_MAX).then(() => false)]) === false) { proc.kill('SIGKILL'); await exited; }
  }
}
// Stops the node and starts it again (node.toml is read at start).
async function restartNode(node) {
  await stopProc(node.proc);
  return startNode(node.name, null, node);
}
function cli(args, what) {
  const r = spawnSync(opt.jchain, args, { encoding: 'utf8', timeout: 30000 });
  require_(r.status === 0, what, (r.stdout || '') + (r.stderr || ''));
  return r.stdout;
}
// A witness cosigns the devnet's checkpoint (docs/checkpoints.md): `jchain witness keygen`,
// the node told of it in node.toml [checkpoints] witnesses (restarted), `jchain monitor
// --once --witness-key` checks the checkpoint and cosigns it; then `jchain receipt
// --checkpoint` of the first record carries that cosigned checkpoint. Returns
// {vkey, receipt, receiptFile, genesis}.
async function witnessedReceipt(node, record) {
  const { base, home } = node;
  const keyFile = path.join(work, 'witness.json');
  const vkey = cli(['witness', 'keygen', '--name', 'witness.example/court-b', '--out', keyFile], 'jchain witness keygen').trim();
  const toml = path.join(home, 'config', 'node.toml');
  const text = fs.readFileSync(toml, 'utf8');
  require_(/^witnesses = \[\]$/m.test(text), 'node.toml has [checkpoints] witnesses = []');
  require_(/^public_methods = \[\]$/m.test(text), 'node.toml has [rpc] public_methods = [] (the narrow default)');
  fs.writeFileSync(toml, text.replace(/^witnesses = \[\]$/m, 'witnesses = [\'' + vkey + '\']'));
  const restarted = await restartNode(node);
  require_(restarted.base === base, 'the devnet restarts with the witness in node.toml, on the same address');
  const genesis = path.join(home, 'config', 'genesis.json');
  const events = cli(['monitor', '--once', '--rpc', base + '/rpc', '--state', path.join(work, 'monitor.json'), '--genesis', genesis,
    '--witness-key', keyFile], 'jchain monitor --once --witness-key').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  const cos = events.find((e) => e.event === 'cosigned');
  require_(!!cos && JSON.stringify(cos.answer.accepted) === JSON.stringify(['witness.example/court-b']),
    'the monitor checked the checkpoint and cosigned it; the node accepted the cosignature', JSON.stringify(events));
  const receiptFile = path.join(work, 'witnessed-receipt.json');
  cli(['receipt', '--rpc', base + '/rpc', '--id', record.record_id, '--checkpoint', '--out', receiptFile], 'jchain receipt --checkpoint');
  const receipt = JSON.parse(fs.readFileSync(receiptFile, 'utf8'));
  require_(receipt.checkpoint && receipt.checkpoint.consistency_path.length > 0 && receipt.checkpoint.note.includes('\u2014 witness.example/court-b '),
    'the receipt carries the cosigned checkpoint and a consistency proof from its block (' +
      (receipt.checkpoint ? receipt.checkpoint.consistency_path.length + ' hash(es)' : 'no checkpoint') + ')');
  return { vkey, receipt, receiptFile, genesis };
}
function submit(home, base, file, caseId) {
  const receipt = file + '.receipt.json';
  const r = spawnSync(opt.jchain, ['submit', '--key', path.join(home, 'config', 'demo_member_key.json'), '--kind', 'evidence',
    '--file', file, '--case', caseId, '--meta', 'source=browser-test', '--rpc', base + '/rpc', '--wait', '--receipt-out', receipt],
  { encoding: 'utf8', timeout: 30000 });
  require_(r.status === 0, 'jchain submit --wait --receipt-out ' + path.basename(file), r.stderr);
  return JSON.parse(fs.readFileSync(receipt, 'utf8'));
}

// ---- tampering (each a copy) ----
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const copy = (x) => JSON.parse(JSON.stringify(x));
const flipHexByte = (hex, at) => hex.slice(0, 2 * at) + ((parseInt(hex.substr(2 * at, 2), 16) ^ 1).toString(16).padStart(2, '0')) + hex.slice(2 * at + 2);
function highS(derHex) {
  const s = curve.Signature.fromBytes(pageLib.hexToBytes(derHex), 'der');
  return new curve.Signature(s.r, N - s.s).toHex('der');
}

// ---- the page ----
async function waitText(page, selector, re, what) {
  try {
    await page.waitForFunction(([sel, src, flags]) => {
      const e = document.querySelector(sel);
      return !!e && new RegExp(src, flags).test(e.innerText);
    }, [selector, re.source, re.flags], { timeout: UI_WAIT_MS });
    return check(true, what);
  } catch (e) {
    const text = await page.evaluate((sel) => { const e = document.querySelector(sel); return e ? e.innerText : '(no ' + sel + ')'; }, selector);
    check(false, what, 'waited for ' + re + ' in ' + selector + ', found: ' + text.slice(0, 600));
    return false;
  }
}
// Chooses `receipt` (as file `name`) in the page's receipt input, its old report cleared.
async function uploadReceipt(page, name, receipt) {
  await page.evaluate(() => document.getElementById('receipt-out').replaceChildren());
  await page.setInputFiles('#receipt-file', { name, mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(receipt, null, 2)) });
}
// The checks of the report in `box`, as {en, detail, state: ok|bad|na}.
const reportChecks = (page, box) => page.$$eval(box + ' .receipt-report ul.checks li', (lis) => lis.map((li) => ({
  state: li.className, en: li.children[1].firstChild.nextSibling.textContent.trim(), detail: li.querySelector('.detail').textContent })));

// The default suite, secp256k1-sha256: its devnet, two records, a witnessed checkpoint,
// and the page in `browser`.
async function secp256k1Run(browser) {
  console.log('secp256k1-sha256 devnet:');
  const node = await startNode('node', null);
  const { base, home } = node;
  check(true, 'jchain devnet answers /health at ' + base);
  const caseId = '(2026)京0105民初' + (100 + Math.floor(Math.random() * 800)) + '号';
  const fileA = path.join(work, 'contract.pdf'), fileB = path.join(work, 'chat-log.txt');
  fs.writeFileSync(fileA, '%PDF-1.4 browser test contract ' + crypto.randomBytes(8).toString('hex') + '\n');
  fs.writeFileSync(fileB, 'WeChat log, browser test ' + crypto.randomBytes(8).toString('hex') + '\n');
  const recA = submit(home, base, fileA, caseId);
  const recB = submit(home, base, fileB, caseId);
  require_(recB.inclusion_proof.path.length > 0, 'the second record\'s receipt has a Merkle path (' + recB.inclusion_proof.path.length + ' hashes)');
  const witnessed = await witnessedReceipt(node, recA);
  // The command line's verdicts, for the page to agree with.
  const verify = (file) => spawnSync(opt.jchain, ['verify', '--receipt', file, '--genesis', witnessed.genesis, '--witness', witnessed.vkey],
    { encoding: 'utf8', timeout: 30000 });
  const cliGood = verify(witnessed.receiptFile);
  check(cliGood.status === 0 && /ok +checkpoint: .*witness witness\.example\/court-b cosigned/.test(cliGood.stdout),
    'jchain verify --witness: the witnessed receipt is VALID, naming the witness', cliGood.stdout + cliGood.stderr);
  const bentPath = copy(witnessed.receipt);
  bentPath.checkpoint.consistency_path[0] = flipHexByte(bentPath.checkpoint.consistency_path[0], 31);
  fs.writeFileSync(witnessed.receiptFile + '.bent', JSON.stringify(bentPath));
  const cliBent = verify(witnessed.receiptFile + '.bent');
  check(cliBent.status === 1 && /FAIL +checkpoint: .*consistency proof fails/.test(cliBent.stdout),
    'jchain verify: the same with a changed consistency path is INVALID at "checkpoint"', cliBent.stdout + cliBent.stderr);

  const context = await newContext(browser, { acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const offsite = [];
  page.on('request', (r) => { if (!/^(blob|data):/.test(r.url()) && !r.url().startsWith(base + '/')) offsite.push(r.url()); });
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(base + '/');
  await waitText(page, '#pill', /jchain-devnet · height/, 'the status pill shows the node');
  check(await page.evaluate(() => !!(globalThis.JChainCrypto && JChainCrypto.secp256k1 && JChainCrypto.ed25519)),
    'the page carries its own secp256k1 and ed25519 (JChainCrypto)');
  // The witness's verifier key, pasted before any receipt is chosen (so that no re-check
  // runs behind the uploads below); a line that is not a key is said at once.
  await page.fill('#witness-keys', 'witness.example/court-b+00000000+AAAA');
  await waitText(page, '#witness-keys-out', /Witness keys: line 1: witness key: the key is not base64 of 0x04/, 'a pasted line that is not a verifier key is named at once');
  await page.fill('#witness-keys', witnessed.vkey);
  await page.waitForFunction(() => document.getElementById('witness-keys-out').textContent === '', null, { timeout: UI_WAIT_MS });

  // Hash a file in the browser, find it, check its receipt.
  await page.setInputFiles('#verify-file', fileB);
  if (await waitText(page, '#verify-out', /NOTARIZED/, 'hashing the file finds its record')) {
    const shown = await page.$eval('#verify-out', (e) => e.innerText);
    check(shown.includes(recB.record.content_hash) && shown.includes(recB.record_id), 'the page shows the file\'s SHA-256 and the record id');
    await page.click('#verify-out button:has-text("Receipt")');
    if (await waitText(page, '#verify-out .receipt-report', /PROOF VALID/, 'the node\'s receipt checks out: PROOF VALID')) {
      const checks = await reportChecks(page, '#verify-out');
      check(checks.length >= 14 && checks.every((c) => c.state === 'ok'), 'all ' + checks.length + ' checks ✓ (genesis from the node)',
        checks.filter((c) => c.state !== 'ok').map((c) => c.state + ' ' + c.en + ': ' + c.detail).join('\n          '));
      check(checks.some((c) => c.en === 'Checkpoint' && c.state === 'ok'),
        'the node\'s receipt carries the signed checkpoint that covers it, checked ✓');
      const sigs = checks.filter((c) => /signature/i.test(c.en)).map((c) => c.en);
      check(sigs.includes('Record signature (ECDSA secp256k1)') && sigs.includes('Validators\' signatures on the block'),
        'the signature checks are among them: ' + sigs.join(', '));
      check(!/not checked here|Signatures are not checked/i.test(await page.$eval('body', (b) => b.innerText)), 'the page no longer says signatures are not checked');
      check(await page.$$eval('#verify-out .receipt-report', (r) => r.length) === 1, 'one report');
    }
  }
  await page.screenshot({ path: path.join(opt.artifacts, 'verify-file-receipt.png'), fullPage: true });

  // Uploaded receipts: the good one, then each kind of tampering.
  const upload = (name, receipt) => uploadReceipt(page, name, receipt);
  // With a witness key in the box, a receipt without a checkpoint is refused, as jchain
  // verify --witness refuses it: silence is not a pass. Emptied, the box lets it through.
  await upload('receipt.json', recB);
  if (await waitText(page, '#receipt-out', /PROOF VALID|RECEIPT INVALID|could not/, 'the uploaded receipt is checked')) {
    const checks = await reportChecks(page, '#receipt-out');
    check(/RECEIPT INVALID/.test(await page.$eval('#receipt-out', (e) => e.innerText)) &&
      checks.some((c) => c.en === 'Checkpoint' && c.state === 'bad' && /witnesses were given, but the receipt carries no checkpoint/.test(c.detail)),
      'a witness key given, a receipt without a checkpoint: RECEIPT INVALID, "Checkpoint" says why');
  }
  // Emptying the box re-checks the receipt shown (after the box's 300 ms pause): wait for
  // that report, so no late re-check lands on the uploads below.
  await page.fill('#witness-keys', '');
  if (await waitText(page, '#receipt-out', /PROOF VALID/, 'the box emptied, the receipt is checked again')) {
    const checks = await reportChecks(page, '#receipt-out');
    check(/PROOF VALID/.test(await page.$eval('#receipt-out', (e) => e.innerText)) && checks.every((c) => c.state === 'ok'),
      'the uploaded good receipt: PROOF VALID, all ' + checks.length + ' checks ✓', checks.filter((c) => c.state !== 'ok').map((c) => c.en + ': ' + c.detail).join('; '));
  }
  const swappedRecord = copy(recB);  // A's record signature: valid, same key, other bytes
  swappedRecord.record_signature.der = recA.record_signature.der;
  swappedRecord.record.signature = recA.record_signature.der;
  const swappedCommit = copy(recB);  // the validator's signature over A's block
  swappedCommit.commit.signatures[0].der = recA.commit.signatures[0].der;
  const highRecord = copy(recB);
  highRecord.record_signature.der = highS(recB.record_signature.der);
  highRecord.record.signature = highRecord.record_signature.der;
  const content = copy(recB);
  content.record.content_hash = crypto.createHash('sha256').update('another file').digest('hex');
  const merkle = copy(recB);
  merkle.inclusion_proof.path[0] = flipHexByte(merkle.inclusion_proof.path[0], 31);
  const header = copy(recB);
  const hb = header.block.header_bytes;
  header.block.header_bytes = flipHexByte(hb, hb.length / 2 - 33 - 32 - 32 - 32 - 1);  // the last byte of ledger_root
  const cases = [
    ['record signature swapped for a valid one over other bytes', swappedRecord, 'Record signature (ECDSA secp256k1)', /^record signature: the ECDSA signature does not verify/],
    ['a commit signature swapped', swappedCommit, 'Validators\' signatures on the block', /^commit signature 1 \(.+\): the ECDSA signature does not verify/],
    ['a high-S record signature', highRecord, 'Record signature (ECDSA secp256k1)', /high S/],
    ['the content hash changed', content, 'Record matches its signed bytes', /content_hash/],
    ['the Merkle path changed', merkle, 'Ledger proof (RFC 6962)', /≠ ledger root/],
    ['a header byte changed', header, 'Block hash = SHA-256(header bytes)', /differs from block.header_bytes/],
  ];
  for (const [what, receipt, en, detail] of cases) {
    await upload('tampered.json', receipt);
    if (!(await waitText(page, '#receipt-out', /PROOF VALID|RECEIPT INVALID|could not/, what + ': checked'))) continue;
    const text = await page.$eval('#receipt-out', (e) => e.innerText);
    const bad = (await reportChecks(page, '#receipt-out')).filter((c) => c.state === 'bad');
    const named = bad.find((c) => c.en === en);
    check(/RECEIPT INVALID/.test(text) && /Failed: /.test(text) && text.includes(en) && !!named && detail.test(named.detail),
      what + ': RECEIPT INVALID, "' + en + '" failed' + (named ? ' (' + named.detail.slice(0, 110) + ')' : ''),
      'failed: ' + (bad.map((c) => c.en + ': ' + c.detail).join('; ') || 'nothing; the page says: ' + text.slice(0, 300)));
    check(!/Certificate/.test(text), what + ': no certificate button on an invalid receipt');
  }
  await page.screenshot({ path: path.join(opt.artifacts, 'tampered-header.png'), fullPage: true });

  // A receipt with a checkpoint cosigned by a witness: with the witness's key pasted,
  // "Checkpoint" ✓ names it; with a changed consistency path, INVALID at "Checkpoint"
  // (as jchain verify said above: the two verifiers agree).
  // The receipt first, then the witness's key: pasting it re-checks the receipt shown, and
  // that report (naming the witness) is the one read, never a late one.
  await upload('witnessed-receipt.json', witnessed.receipt);
  await waitText(page, '#receipt-out', /PROOF VALID|RECEIPT INVALID|could not/, 'the witnessed receipt is checked');
  await page.fill('#witness-keys', witnessed.vkey);
  if (await waitText(page, '#receipt-out', /cosigned at/, 'with the witness\'s key pasted, the receipt is checked again')) {
    const checks = await reportChecks(page, '#receipt-out');
    const row = checks.find((c) => c.en === 'Checkpoint');
    check(/PROOF VALID/.test(await page.$eval('#receipt-out', (e) => e.innerText)) && checks.every((c) => c.state === 'ok') &&
      !!row && /witness witness\.example\/court-b cosigned at \d+/.test(row.detail),
    'the witnessed receipt: PROOF VALID, "Checkpoint" ✓ naming the witness (' + (row ? row.detail.slice(0, 160) : 'no Checkpoint row') + '…)',
    checks.filter((c) => c.state !== 'ok' || c.en === 'Checkpoint').map((c) => c.state + ' ' + c.en + ': ' + c.detail).join('; '));
    await page.locator('#receipt-out .receipt-report').screenshot({ path: path.join(opt.artifacts, 'checkpoint-witnessed.png') });
  }
  await upload('bent-path.json', bentPath);
  if (await waitText(page, '#receipt-out', /PROOF VALID|RECEIPT INVALID|could not/, 'the receipt with a changed consistency path is checked')) {
    const text = await page.$eval('#receipt-out', (e) => e.innerText);
    const bad = (await reportChecks(page, '#receipt-out')).filter((c) => c.state === 'bad');
    check(/RECEIPT INVALID/.test(text) && /Failed: Checkpoint\./.test(text) && bad.length === 1 && /consistency proof fails/.test(bad[0].detail),
      'a changed consistency path: RECEIPT INVALID, naming "Checkpoint" (' + (bad[0] ? bad[0].detail : '') + ')', text.slice(0, 400));
  }

  // Closed objects: the shared mutants (tests/data/receipt_mutants), each a real receipt
  // with one field added to one object, through the page's own checkReceipt in Chromium;
  // then one added field uploaded, and the same by jchain verify on this node's receipt.
  const mutants = mutantCases(repoRoot);
  const verdicts = await page.evaluate(async (cases) => {
    const out = [];
    for (const c of cases) {
      const r = await checkReceipt(c.receipt, { genesis: { json: c.genesis, source: 'file' } });  // eslint-disable-line no-undef
      out.push({ ok: r.ok, checks: r.checks.map((x) => ({ id: x.id, ok: x.ok, detail: x.detail })) });
    }
    return out;
  }, mutants.map((c) => ({ receipt: c.receipt, genesis: c.genesis })));
  const wrongMutants = mutants.map((c, i) => [c.name, judge(c, verdicts[i])]).filter(([, why]) => why);
  check(!wrongMutants.length, 'in Chromium, the receipts of tests/data/receipt_mutants verify and all ' + (mutants.length - 2) +
    ' closed-object mutants are refused, naming the object and the field', wrongMutants.map(([n, why]) => n + ': ' + why).join('\n          '));
  const claimed = copy(witnessed.receipt);
  claimed.block.unsigned_claim = 'court-approved';
  fs.writeFileSync(witnessed.receiptFile + '.claimed', JSON.stringify(claimed));
  const cliClaimed = verify(witnessed.receiptFile + '.claimed');
  check(cliClaimed.status === 1 && /FAIL +closed objects: block holds a field it does not define: 'unsigned_claim'/.test(cliClaimed.stdout),
    'jchain verify: the witnessed receipt with block.unsigned_claim added is INVALID at "closed objects"', cliClaimed.stdout + cliClaimed.stderr);
  await upload('claimed.json', claimed);
  if (await waitText(page, '#receipt-out', /PROOF VALID|RECEIPT INVALID|could not/, 'the receipt with an added field is checked')) {
    const text = await page.$eval('#receipt-out', (e) => e.innerText);
    const bad = (await reportChecks(page, '#receipt-out')).filter((c) => c.state === 'bad');
    check(/RECEIPT INVALID/.test(text) && bad.length === 1 && bad[0].detail === 'block holds a field it does not define: \'unsigned_claim\'',
      'the same uploaded: RECEIPT INVALID, naming it (' + (bad[0] ? bad[0].en + ': ' + bad[0].detail : '') + ')', text.slice(0, 400));
  }

  // #case= link: the case history, by the case's tag (case ids are blinded on chain).
  const caseTag = recA.record.case_tag;
  check(/^[0-9a-f]{64}$/.test(caseTag) && recB.record.case_tag === caseTag && !JSON.stringify(recA.record).includes(caseId),
    'both records carry the same case tag, and neither the case id');
  await page.goto(base + '/#case=' + caseTag);
  if (await waitText(page, '#case-out', /2 records/, '#case=TAG shows the case history')) {
    const items = await page.$$eval('#case-out ol.history > li', (l) => l.map((x) => x.innerText));
    check(items.length === 2 && items[0].includes(recA.record_id) && items[1].includes(recB.record_id), 'both records, in commit order');
    check(!items.join(' ').includes('browser-test'), 'the history shows the metadata as committed, not its value');
    await page.locator('#case').screenshot({ path: path.join(opt.artifacts, 'case-history.png') });
  }
  // The case form with the case id and its key: the page computes the tag (HMAC) itself.
  await page.goto(base + '/');
  await page.fill('#case-input', caseId);
  await page.fill('#case-key-input', recA.disclosure.case_key);
  await page.click('#case-form button[type=submit]');
  await waitText(page, '#case-out', /2 records/, 'the case form with the case id and its case key shows the case history');

  // #record= link (a certificate's QR code): fetches and checks that receipt.
  await page.goto(base + '/#record=' + recA.record_id);
  await page.reload();
  await waitText(page, '#receipt-out', /PROOF VALID/, '#record=ID fetches the receipt and checks it: PROOF VALID');
  check((await page.$eval('#receipt-out', (e) => e.innerText)).includes(recA.record_id), 'the report names record ' + recA.record_id.slice(0, 16));
  await page.screenshot({ path: path.join(opt.artifacts, 'record-link.png'), fullPage: true });

  // The certificate button: GET certificate?record=ID for a receipt from the node.
  const probe = await request(base + '/certificate?record=' + recA.record_id);
  const button = page.locator('#receipt-out button.certificate');
  check(await button.count() === 1, 'a verified receipt shows the "Certificate · 存证证明" button');
  // This node makes certificates (docs/rpc.md): anything but a PDF is a failure, never a skip.
  if (check(probe.status === 200 && /application\/pdf/.test(probe.type), 'GET /certificate?record=ID answers a PDF', 'HTTP ' + probe.status + ' ' + probe.type)) {
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30000 }), button.click()]);
    const saved = path.join(opt.artifacts, 'certificate-get.pdf');
    await download.saveAs(saved);
    check(fs.readFileSync(saved).subarray(0, 5).toString() === '%PDF-', 'the button downloads the node\'s PDF (' + download.suggestedFilename() + ')');
    // An uploaded receipt: POST certificate with it.
    await upload('receipt.json', recB);
    await waitText(page, '#receipt-out', /PROOF VALID/, 'the uploaded receipt checks out again');
    const [posted] = await Promise.all([page.waitForEvent('download', { timeout: 30000 }), page.click('#receipt-out button.certificate')]);
    const savedPost = path.join(opt.artifacts, 'certificate-post.pdf');
    await posted.saveAs(savedPost);
    check(fs.readFileSync(savedPost).subarray(0, 5).toString() === '%PDF-', 'for an uploaded receipt it POSTs it and offers the PDF (' + posted.suggestedFilename() + ')');
  }
  // A node that does not make certificates (an older build), played by intercepting the
  // page's requests to /certificate: the button says so plainly.
  await page.route(/\/certificate(\?|$)/, (route) => route.fulfill({ status: 404, contentType: 'text/plain', body: 'Not Found' }));
  await page.goto(base + '/#record=' + recA.record_id);
  await page.reload();
  if (await waitText(page, '#receipt-out', /PROOF VALID/, 'the receipt checks out again (the node now plays one without /certificate)')) {
    await page.click('#receipt-out button.certificate');
    await waitText(page, '#receipt-out', /does not make certificates \(it answers HTTP 404/, 'on a node without /certificate the button says so plainly');
    await page.locator('#receipt-out .receipt-report .actions').screenshot({ path: path.join(opt.artifacts, 'certificate-404.png') });
  }
  await upload('receipt.json', recB);
  if (await waitText(page, '#receipt-out', /PROOF VALID/, 'an uploaded good receipt checks out')) {
    await page.click('#receipt-out button.certificate');
    await waitText(page, '#receipt-out', /does not make certificates \(it answers HTTP 40[45]/, 'for an uploaded receipt (POST) too, the button says so plainly');
  }
  await page.unroute(/\/certificate(\?|$)/);

  // Keyboard and screen reader: labelled inputs, focus order, live results.
  const unlabelled = await page.$$eval('input', (ins) => ins.filter((i) => !(i.labels && i.labels.length) && !i.getAttribute('aria-label')).map((i) => i.id));
  check(unlabelled.length === 0, 'every input has a label', unlabelled.join(', '));
  check(await page.$$eval('#verify-out, #receipt-out, #case-out', (l) => l.every((e) => e.getAttribute('aria-live') === 'polite')), 'results are in aria-live regions');
  await page.goto(base + '/');
  const order = [];
  for (let i = 0; i < 14; i++) { await page.keyboard.press('Tab'); order.push(await page.evaluate(() => document.activeElement.id || document.activeElement.tagName)); }
  const at = (id) => order.indexOf(id);
  check(at('verify-file') >= 0 && at('verify-file') < at('hash-input') && at('hash-input') < at('receipt-file') && at('receipt-file') < at('evidence-file'),
    'Tab reaches the file input, the hash field, then the receipt inputs, in reading order', order.join(' → '));

  // Phone width: 390 px, nothing wider than the screen.
  const phone = await newContext(browser, { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  const p2 = await phone.newPage();
  await p2.goto(base + '/#record=' + recB.record_id);
  await waitText(p2, '#receipt-out', /PROOF VALID/, 'at 390 px the #record= link checks out');
  const width = await p2.evaluate(() => document.documentElement.scrollWidth);
  check(width <= 390, 'at 390 px nothing overflows sideways (page width ' + width + ')');
  await p2.screenshot({ path: path.join(opt.artifacts, 'phone-390-record.png'), fullPage: true });
  await p2.locator('#receipt-out .receipt-report').scrollIntoViewIfNeeded();
  await p2.evaluate(() => document.querySelector('#receipt-out .receipt-report').scrollIntoView());
  await p2.screenshot({ path: path.join(opt.artifacts, 'phone-390-report.png') });
  await p2.goto(base + '/#case=' + caseTag);
  await waitText(p2, '#case-out', /2 records/, 'at 390 px the case history shows');
  await p2.screenshot({ path: path.join(opt.artifacts, 'phone-390-case.png'), fullPage: true });
  await phone.close();

  check(offsite.length === 0, 'the page asked nothing of any host but the node', offsite.join(', '));
  check(pageErrors.length === 0, 'no script errors in the page', pageErrors.join('; '));
  await context.close();
}

// The sm2-sm3 suite (国密): `jchain devnet --suite sm2-sm3`, whose demo member key is an
// SM2 key, one record notarized by `jchain submit` (SM3 content hash, SM2 signature), and
// the page in `browser`: it must hash with SM3, name SM3 and SM2, refuse what jchain
// verify refuses, and show OpenSSL commands that stock openssl runs.
async function sm2Run(browser) {
  console.log('sm2-sm3 devnet:');
  const node = await startNode('node-sm2', 'sm2-sm3');
  const { base, home } = node;
  check(true, 'jchain devnet --suite sm2-sm3 answers /health at ' + base);
  const genesisFile = path.join(home, 'config', 'genesis.json');
  const genesis = JSON.parse(fs.readFileSync(genesisFile, 'utf8'));
  const userId = genesis.sm2_user_id || '1234567812345678';
  require_(genesis.suite === 'sm2-sm3', 'its genesis names suite sm2-sm3, SM2 user ID ' + userId + (genesis.sm2_user_id ? '' : ' (the default, left out)'));
  const keyType = JSON.parse(fs.readFileSync(path.join(home, 'config', 'demo_member_key.json'), 'utf8')).type;
  require_(keyType === 'sm2', 'the demo member key is an SM2 key (type "' + keyType + '")');
  const file = path.join(work, '录音-sm2.txt');
  fs.writeFileSync(file, '国密 browser test evidence ' + crypto.randomBytes(8).toString('hex') + '\n');
  const sm3 = crypto.createHash('sm3').update(fs.readFileSync(file)).digest('hex');
  const sha = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  const rec = submit(home, base, file, '(2026)京0491民初' + (100 + Math.floor(Math.random() * 800)) + '号');
  require_(rec.suite === 'sm2-sm3' && rec.sm2_user_id === userId && rec.record.content_hash === sm3,
    'jchain submit notarized the file\'s SM3 ' + sm3.slice(0, 16) + '… (not its SHA-256 ' + sha.slice(0, 16) + '…) in an sm2-sm3 receipt naming SM2 user ID ' + userId,
    JSON.stringify({ suite: rec.suite, sm2_user_id: rec.sm2_user_id, content_hash: rec.record.content_hash }));

  // Tampered copies, and jchain verify's verdict on each, for the page to agree with.
  const flipLastDigit = (hex) => hex.slice(0, -1) + (parseInt(hex.slice(-1), 16) ^ 1).toString(16);
  const flippedRecord = copy(rec);
  flippedRecord.record_signature.der = flipLastDigit(rec.record_signature.der);
  flippedRecord.record.signature = flippedRecord.record_signature.der;
  const flippedCommit = copy(rec);
  flippedCommit.commit.signatures[0].der = flipLastDigit(rec.commit.signatures[0].der);
  const noUserId = copy(rec);
  delete noUserId.sm2_user_id;
  const cliVerdict = (receipt, name) => {
    const f = path.join(work, name);
    fs.writeFileSync(f, JSON.stringify(receipt, null, 2));
    return spawnSync(opt.jchain, ['verify', '--receipt', f, '--genesis', genesisFile, '--file', file], { encoding: 'utf8', timeout: 30000 });
  };
  const sm2Fails = new RegExp('^(record|commit) signature.*: the SM2 signature does not verify under SM2 user ID ' + userId + ' ');
  const cases = [  // [what, receipt, the page's failed row, its detail, jchain verify's failed check]
    ['a record signature with one digit flipped', flippedRecord, 'Record signature (SM2)', sm2Fails, 'record signature'],
    ['a commit signature with one digit flipped', flippedCommit, 'Validators\' signatures on the block', sm2Fails, 'commit certificate'],
    ['the receipt without its sm2_user_id', noUserId, 'Crypto suite', /^wrong_suite: an sm2-sm3 receipt without its sm2_user_id$/, 'suite'],
  ];
  const cliGood = cliVerdict(rec, 'sm2-receipt.json');
  check(cliGood.status === 0 && /ok +suite: sm2-sm3, SM2 user ID/.test(cliGood.stdout) && /ok +file content: file SM3 /.test(cliGood.stdout),
    'jchain verify --file: the sm2-sm3 receipt is VALID, suite sm2-sm3 and the file\'s SM3', cliGood.stdout + cliGood.stderr);
  for (const [what, receipt, , , cliCheck] of cases) {
    const v = cliVerdict(receipt, 'sm2-tampered.json');
    const failed = v.stdout.split('\n').filter((l) => /^ *FAIL /.test(l));
    check(v.status === 1 && failed.length === 1 && new RegExp('^ *FAIL +' + cliCheck + ':').test(failed[0]),
      'jchain verify: ' + what + ' is INVALID at "' + cliCheck + '" only', v.stdout + v.stderr);
  }

  const context = await newContext(browser, { acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const offsite = [], pageErrors = [];
  page.on('request', (r) => { if (!/^(blob|data):/.test(r.url()) && !r.url().startsWith(base + '/')) offsite.push(r.url()); });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(base + '/');
  await waitText(page, '#pill', /jchain-devnet · height/, 'the status pill shows the sm2-sm3 node');
  await waitText(page, '#hash-help', /openssl dgst -sm3 FILE/, 'the hash help names the SM3 command (openssl dgst -sm3 FILE)');
  check(!/sha256sum|SHA256/.test(await page.$eval('#hash-help', (e) => e.innerText)), '... and no SHA-256 command');
  await waitText(page, '#suite-note', new RegExp('sm2-sm3: SM3 hashes and SM2 signatures under SM2 user ID ' + userId), 'the page says the chain is sm2-sm3, naming the user ID');
  const suiteHash = await page.$$eval('.suite-hash', (l) => l.map((e) => e.textContent));
  check(suiteHash.length > 0 && suiteHash.every((t) => t === 'SM3'), 'every hash label on the page says SM3 (' + suiteHash.length + ')', suiteHash.join(', '));

  // Drop the file on the page: hashed with SM3 in the browser, found, its receipt checked.
  await page.evaluate(([name, b64]) => {
    const dt = new DataTransfer();
    dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], name));
    document.getElementById('verify-drop').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, [path.basename(file), fs.readFileSync(file).toString('base64')]);
  if (await waitText(page, '#verify-out', /NOTARIZED/, 'dropping the file on the page finds its record (the page hashed it with SM3)')) {
    const shown = await page.$eval('#verify-out', (e) => e.innerText);
    check(shown.includes(sm3) && /SM3/.test(shown) && !shown.includes(sha) && shown.includes(rec.record_id), 'the page shows the file\'s SM3 and the record id');
    await page.click('#verify-out button:has-text("Receipt")');
    if (await waitText(page, '#verify-out .receipt-report', /PROOF VALID|RECEIPT INVALID/, 'the node\'s sm2-sm3 receipt is checked')) {
      const checks = await reportChecks(page, '#verify-out');
      const fileRow = checks.find((c) => c.en === 'Content matches the record');
      check(/PROOF VALID/.test(await page.$eval('#verify-out .receipt-report', (e) => e.innerText)) && checks.every((c) => c.state === 'ok') &&
        !!fileRow && /SM3/.test(fileRow.detail), 'PROOF VALID, all ' + checks.length + ' checks ✓, the dropped file\'s SM3 among them',
      checks.filter((c) => c.state !== 'ok').map((c) => c.state + ' ' + c.en + ': ' + c.detail).join('\n          '));
    }
  }
  await page.screenshot({ path: path.join(opt.artifacts, 'sm2-verify-file-receipt.png'), fullPage: true });

  // A case number alone names nothing on chain (case ids are blinded): the case view asks
  // for the case key, or the tag.
  const narrow = await context.newPage();
  await narrow.goto(base + '/#case=' + encodeURIComponent('(2026)京0105民初1号'));
  await waitText(narrow, '#case-out', /CASE KEY NEEDED/, 'a case number without its key: the case view asks for the case key or the tag');
  await narrow.close();

  // Uploaded tampered receipts: each INVALID at the same check as jchain verify, and only there.
  for (const [what, receipt, en, detail] of cases) {
    await uploadReceipt(page, 'tampered.json', receipt);
    if (!(await waitText(page, '#receipt-out', /PROOF VALID|RECEIPT INVALID|could not/, what + ': checked'))) continue;
    const text = await page.$eval('#receipt-out', (e) => e.innerText);
    const bad = (await reportChecks(page, '#receipt-out')).filter((c) => c.state === 'bad');
    check(/RECEIPT INVALID/.test(text) && bad.length === 1 && bad[0].en === en && detail.test(bad[0].detail),
      what + ': RECEIPT INVALID, only "' + en + '" failed' + (bad.length === 1 ? ' (' + bad[0].detail.slice(0, 120) + ')' : ''),
      'failed: ' + (bad.map((c) => c.en + ': ' + c.detail).join('; ') || 'nothing; the page says: ' + text.slice(0, 300)));
    if (receipt === flippedRecord) await page.screenshot({ path: path.join(opt.artifacts, 'sm2-flipped-signature.png'), fullPage: true });
  }

  // #record=ID: the node's receipt, every row naming SM3 and SM2, and the OpenSSL commands.
  const linked = await context.newPage();
  linked.on('request', (r) => { if (!/^(blob|data):/.test(r.url()) && !r.url().startsWith(base + '/')) offsite.push(r.url()); });
  linked.on('pageerror', (e) => pageErrors.push(e.message));
  await linked.goto(base + '/#record=' + rec.record_id);
  if (await waitText(linked, '#receipt-out .receipt-report', /PROOF VALID|RECEIPT INVALID/, '#record=ID fetches the sm2-sm3 receipt and checks it')) {
    const checks = await reportChecks(linked, '#receipt-out');
    check(/PROOF VALID/.test(await linked.$eval('#receipt-out', (e) => e.innerText)) && checks.length >= 14 && checks.every((c) => c.state === 'ok'),
      'PROOF VALID, all ' + checks.length + ' checks ✓', checks.filter((c) => c.state !== 'ok').map((c) => c.state + ' ' + c.en + ': ' + c.detail).join('\n          '));
    const labels = checks.map((c) => c.en);
    const want = ['Record id = SM3(signed bytes)', 'Record signature (SM2)', 'Block hash = SM3(header bytes)', 'Ledger proof (RFC 6962, SM3)', 'Validators\' signatures on the block'];
    check(want.every((w) => labels.includes(w)), 'the rows name SM3 and SM2: ' + want.join(', '), labels.join(', '));
    const suiteRow = checks.find((c) => c.en === 'Crypto suite');
    check(!!suiteRow && new RegExp('^sm2-sm3 \\(SM2 signatures under SM2 user ID ' + userId + ', SM3 hashes\\), as the genesis says').test(suiteRow.detail),
      '"Crypto suite" ✓: ' + (suiteRow ? suiteRow.detail : 'no such row'));
    const other = checks.filter((c) => /SHA-256|secp256k1|ECDSA/.test(c.en + ' ' + c.detail));
    check(other.length === 0, 'no row says SHA-256, secp256k1 or ECDSA', other.map((c) => c.en + ': ' + c.detail).join('; '));
    await linked.screenshot({ path: path.join(opt.artifacts, 'sm2-record-link.png'), fullPage: true });
    await opensslByHand(linked, rec, userId);
  }

  check(offsite.length === 0, 'the page asked nothing of any host but the sm2-sm3 node', offsite.join(', '));
  check(pageErrors.length === 0, 'no script errors in the page', pageErrors.join('; '));
  await context.close();
}

// The "check it yourself" OpenSSL commands of the report on `page` (a receipt from the
// node): they must be openssl's SM3 and SM2 with distid:USER_ID, never SHA-256; run with
// bash on the files the page downloads ("Download receipt", "Files for OpenSSL"), they
// must verify the record and block signatures with stock openssl, and fail on a flipped
// signature byte or another distid.
async function opensslByHand(page, rec, userId) {
  const pres = await page.$$eval('#receipt-out .receipt-report pre', (l) => l.map((e) => e.textContent));
  const recordCmds = pres.find((t) => t.includes('.record_signature.der')), blockCmds = pres.find((t) => t.includes('.commit.signatures['));
  if (!check(!!recordCmds && !!blockCmds, 'the report shows the OpenSSL commands for the record and the block', pres.join('\n----\n'))) return;
  const pkeyutl = 'openssl pkeyutl -verify -rawin -digest sm3 -pkeyopt distid:' + userId + ' -pubin -inkey pub.pem -sigfile sig.der -in id.bin';
  check(recordCmds.includes('openssl dgst -sm3 -binary signed.bin > id.bin') && recordCmds.includes(pkeyutl) &&
    blockCmds.includes('-pkeyopt distid:' + userId) && blockCmds.includes('openssl dgst -sm3 -r') && !/sha256|sha-256/i.test(recordCmds + blockCmds),
  'they are openssl dgst -sm3 and openssl pkeyutl -digest sm3 with distid:' + userId + ', no SHA-256', recordCmds + '\n' + blockCmds);

  const dir = path.join(work, 'openssl-sm2');
  fs.mkdirSync(dir, { recursive: true });
  const saveDownloads = async (count, click) => {
    const got = [];
    const all = new Promise((resolve) => {
      const on = (d) => { got.push(d); if (got.length === count) { page.off('download', on); resolve(); } };
      page.on('download', on);
    });
    await click();
    await Promise.race([all, sleep(UI_WAIT_MS)]);
    for (const d of got) await d.saveAs(path.join(dir, d.suggestedFilename()));
    return got.map((d) => d.suggestedFilename());
  };
  const receiptName = (await saveDownloads(1, () => page.click('#receipt-out button:has-text("Download receipt")')))[0];
  const files = await saveDownloads(3, () => page.click('#receipt-out button:has-text("Files for OpenSSL")'));
  if (!check(!!receiptName && recordCmds.startsWith('R=' + receiptName + '\n') && ['pub.pem', 'sig.der', 'signed.bin'].every((f) => files.includes(f)),
    'the page downloads the receipt (' + receiptName + ', the $R of its commands) and signed.bin, sig.der, pub.pem', 'got ' + [receiptName, ...files].join(', '))) return;
  const bash = (script, cwd) => spawnSync('bash', ['-c', 'set -e\n' + script], { cwd, encoding: 'utf8', timeout: 30000 });

  // The record's lines as shown, on the downloaded receipt (jq extracts the three files).
  const all = bash(recordCmds, dir);
  check(all.status === 0 && /Signature Verified Successfully/.test(all.stdout) && all.stdout.includes(rec.record_id),
    'run with bash as shown, the record\'s commands verify its SM2 signature with openssl and print the record id (SM3 of the signed bytes)',
    'exit ' + all.status + ': ' + all.stdout + all.stderr);
  // Its openssl lines alone, on the three files of "Files for OpenSSL" as downloaded.
  const alone = path.join(dir, 'files-only');
  fs.mkdirSync(alone);
  for (const f of ['signed.bin', 'sig.der', 'pub.pem']) fs.copyFileSync(path.join(dir, f), path.join(alone, f));
  const opensslLines = recordCmds.split('\n').filter((l) => /^(openssl|xxd) /.test(l)).join('\n');
  const files3 = bash(opensslLines, alone);
  check(files3.status === 0 && /Signature Verified Successfully/.test(files3.stdout) && files3.stdout.includes(rec.record_id),
    'its openssl lines alone, on the downloaded signed.bin, sig.der and pub.pem: Signature Verified Successfully, and the record id',
    'exit ' + files3.status + ': ' + opensslLines + '\n' + files3.stdout + files3.stderr);
  const der = fs.readFileSync(path.join(alone, 'sig.der'));
  der[der.length - 1] ^= 1;
  fs.writeFileSync(path.join(alone, 'sig.der'), der);
  const flipped = bash(opensslLines, alone);
  fs.writeFileSync(path.join(alone, 'sig.der'), fs.readFileSync(path.join(dir, 'sig.der')));
  const otherId = bash(opensslLines.split('distid:' + userId).join('distid:8765432187654321'), alone);
  check(flipped.status !== 0 && /Signature Verification Failure/.test(flipped.stdout + flipped.stderr) &&
    otherId.status !== 0 && /Signature Verification Failure/.test(otherId.stdout + otherId.stderr),
  '... and openssl refuses the signature with its last byte flipped, or under another distid',
  'flipped: exit ' + flipped.status + ' ' + flipped.stdout + flipped.stderr + '\nother distid: exit ' + otherId.status + ' ' + otherId.stdout + otherId.stderr);
  // The block's lines: every validator's SM2 signature, and SM3 of the header bytes.
  const block = bash(recordCmds.split('\n')[0] + '\n' + blockCmds, dir);
  const verified = (block.stdout.match(/Signature Verified Successfully/g) || []).length;
  check(block.status === 0 && verified === rec.commit.signatures.length && block.stdout.includes(rec.block.hash),
    'the block\'s commands verify all ' + rec.commit.signatures.length + ' validator signature(s) with openssl and print the block hash (SM3 of the header bytes)',
    'exit ' + block.status + ': ' + block.stdout + block.stderr);
}

// A browser context; with --serve-page, GET / answers that page (with the node's headers).
async function newContext(browser, options) {
  const context = await browser.newContext(options);
  if (servedPage) {
    await context.route((url) => url.pathname === '/' && url.hostname === '127.0.0.1', async (route) => {
      const response = await route.fetch();
      await route.fulfill({ response, body: servedPage });
    });
  }
  return context;
}

// One run of a suite's checks: a Stop (a step the rest depends on failed, already counted)
// ends that run only; anything else is counted here.
async function run(what, fn) {
  try { return await fn(); } catch (e) {
    if (!(e instanceof Stop)) { failures++; console.log('  FAIL  ' + what + ': ' + (e && e.stack || e)); }
    return null;
  }
}

async function main() {
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] });
  try {
    if (servedPage) console.log('  NOTE  the browser gets ' + opt['serve-page'] + ' for GET /, not the page compiled into ' + opt.jchain);
    await run('secp256k1-sha256 run', () => secp256k1Run(browser));
    for (const proc of procs) await stopProc(proc);  // one node at a time: the machine may be small
    await run('sm2-sm3 run', () => sm2Run(browser));
    for (const proc of procs) await stopProc(proc);
  } finally {
    await browser.close();
  }
}

const started = Date.now();
main().catch((e) => {
  if (!(e instanceof Stop)) { failures++; console.log('  FAIL  ' + (e && e.stack || e)); }
}).finally(() => {
  killNodes();
  console.log((failures ? failures + ' failed, ' : 'all passed, ') + passed + ' checks, ' + ((Date.now() - started) / 1000).toFixed(1) + ' s; screenshots in ' + opt.artifacts);
  process.exit(failures ? 1 : 0);
});
