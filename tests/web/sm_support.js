// Support for the sm2-sm3 checks of tests/web/page_vectors_test.js, kept apart from the
// page so the page is checked against something it does not share:
//  - OpenSsl: the openssl command line (OpenSSL 3 has SM2 and SM3), the reference the node
//    follows (crypto/suite.cpp), run at test time in a temporary directory that dispose()
//    removes. Keys, hashes and signatures made here are made by OpenSSL, not by the page.
//  - this test's own encoders of docs/encoding.md (genesis v2 and v3, validator sets), to
//    compare the page's genesis hash with bytes built from the spec;
//  - a signer on the page's own SM2 primitives (ZA, curve), for the other direction:
//    OpenSSL must accept what they sign.
'use strict';
const { spawnSync } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');

const u8 = (b) => Uint8Array.from(b);  // a plain Uint8Array: the bundled library refuses Buffers
const hex = (b) => Buffer.from(b).toString('hex');

class OpenSsl {
  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jchain-web-sm-'));
    this.files = 0;
  }
  dispose() { fs.rmSync(this.dir, { recursive: true, force: true }); }
  // A new file in the temporary directory, holding data when given.
  file(data) {
    const p = path.join(this.dir, 'f' + this.files++);
    if (data !== undefined) fs.writeFileSync(p, data);
    return p;
  }
  // Runs openssl; returns {status, stdout (Buffer), stderr}.
  exec(args, input) {
    const r = spawnSync('openssl', args, { input: input === undefined ? undefined : Buffer.from(input), timeout: 30000 });
    if (r.error) throw new Error('openssl could not be run: ' + r.error.message);
    return r;
  }
  run(args, input) {
    const r = this.exec(args, input);
    if (r.status !== 0) throw new Error('openssl ' + args.join(' ') + ' failed: ' + r.stderr.toString());
    return r.stdout;
  }
  sm3(bytes) { return u8(this.run(['dgst', '-sm3', '-binary'], bytes)); }
  // An EC key on `curve` (SM2 or secp256k1): {keyFile, pubFile, pem (public SPKI), point
  // (65 bytes, uncompressed), key (33-byte compressed, hex), scalar (hex)}.
  newKey(curve = 'SM2') {
    const keyFile = this.file(), pubFile = this.file();
    this.run(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:' + curve, '-out', keyFile]);
    this.run(['pkey', '-in', keyFile, '-pubout', '-out', pubFile]);
    const spki = this.run(['pkey', '-in', keyFile, '-pubout', '-outform', 'DER']);
    const point = u8(spki.subarray(spki.length - 65));
    const text = this.run(['pkey', '-in', keyFile, '-noout', '-text']).toString();
    const priv = /priv:\s*([\s\S]*?)\npub:/.exec(text);
    if (!priv || point[0] !== 4) throw new Error('unexpected openssl key output: ' + text.slice(0, 200));
    const scalar = priv[1].replace(/[\s:]/g, '').replace(/^(00)+(?=[0-9a-f]{64}$)/, '').padStart(64, '0');
    return { keyFile, pubFile, pem: fs.readFileSync(pubFile, 'utf8'), point, key: (point[64] & 1 ? '03' : '02') + hex(point.subarray(1, 33)), scalar };
  }
  // SM2 signature (DER) of message by the key, with the user ID: e = SM3(ZA || message).
  sm2Sign(key, message, userId) {
    const out = this.file();
    this.run(['pkeyutl', '-sign', '-rawin', '-digest', 'sm3', '-pkeyopt', 'distid:' + userId, '-inkey', key.keyFile,
      '-in', this.file(Buffer.from(message)), '-out', out]);
    return u8(fs.readFileSync(out));
  }
  // Whether OpenSSL accepts der as the SM2 signature of message by the key with the user ID.
  sm2Verify(key, message, der, userId) {
    return this.exec(['pkeyutl', '-verify', '-rawin', '-digest', 'sm3', '-pkeyopt', 'distid:' + userId, '-pubin', '-inkey', key.pubFile,
      '-sigfile', this.file(Buffer.from(der)), '-in', this.file(Buffer.from(message))]).status === 0;
  }
}

// ---- docs/encoding.md, written again here from the spec (hex strings).
const u32 = (n) => n.toString(16).padStart(8, '0');
const u64 = (n) => BigInt(n).toString(16).padStart(16, '0');
const str = (t) => { const b = Buffer.from(t, 'utf8'); return u32(b.length) + b.toString('hex'); };
const KINDS = ['evidence', 'service', 'notice', 'judgment', 'order', 'operation', 'handover', 'correction', 'governance'];
const byKey = (a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
const compressed = (k) => (k.length === 130 ? (parseInt(k.slice(-2), 16) & 1 ? '03' : '02') + k.slice(2, 66) : k);
// validators: [{public_key, name, power}] in any order.
function validatorSetHex(validators) {
  const list = validators.map((v) => ({ key: compressed(v.public_key), name: v.name || '', power: v.power === undefined ? 1 : v.power })).sort(byKey);
  return str('jchain/validators/v1') + u32(list.length) + list.map((v) => v.key + u64(v.power) + str(v.name)).join('');
}
// The genesis bytes (jchain/genesis/v5) of a genesis JSON that lists its policy and all
// twelve params: then the suite name, the SM2 user ID (empty for secp256k1-sha256), the
// observer nodes and the witnesses (C2SP verifier keys: each its 32-byte key and name).
function genesisHex(g) {
  const suite = g.suite === undefined ? 'secp256k1-sha256' : g.suite;
  const members = (g.members || []).map((m) => ({ key: compressed(m.public_key), name: m.name || '', role: m.role, since: m.since_height || 0 })).sort(byKey);
  const kinds = KINDS.filter((k) => Object.prototype.hasOwnProperty.call(g.policy, k));
  const params = Object.keys(g.params).sort();
  if (params.length !== 12) throw new Error('this encoder needs all twelve params listed');
  const witnesses = (g.witnesses || []).map((v) => {
    const [name, , b64] = [v.slice(0, v.indexOf('+')), null, v.slice(v.indexOf('+', v.indexOf('+') + 1) + 1)];
    return { key: Buffer.from(b64, 'base64').subarray(1).toString('hex'), name };
  }).sort(byKey);
  const nodes = (g.nodes || []).map((n) => ({ key: compressed(n.public_key), name: n.name || '' })).sort(byKey);
  return str('jchain/genesis/v5') + str(g.chain_id) + u64(g.genesis_time_ms || 0) +
    validatorSetHex(g.validators) +
    u32(members.length) + members.map((m) => m.key + str(m.name) + str(m.role) + u64(m.since)).join('') +
    u32(kinds.length) + kinds.map((k) => { const roles = [...new Set(g.policy[k])].sort(); return str(k) + u32(roles.length) + roles.map(str).join(''); }).join('') +
    u32(params.length) + params.map((k) => str(k) + u64(g.params[k])).join('') +
    str(suite) + str(suite === 'secp256k1-sha256' ? '' : g.sm2_user_id === undefined ? '1234567812345678' : g.sm2_user_id) +
    u32(nodes.length) + nodes.map((n) => n.key + str(n.name)).join('') +
    u32(witnesses.length) + witnesses.map((w) => w.key + str(w.name)).join('');
}

// ---- DER SEQUENCE{INTEGER r, INTEGER s} of BigInts, minimal (hex).
const derInt = (x) => { let h = x.toString(16); if (h.length % 2) h = '0' + h; if (parseInt(h.slice(0, 2), 16) >= 0x80) h = '00' + h; return '02' + (h.length / 2).toString(16).padStart(2, '0') + h; };
const derOf = (r, s) => { const body = derInt(r) + derInt(s); return '30' + (body.length / 2).toString(16).padStart(2, '0') + body; };
// DER of two INTEGERs given as their content bytes (hex), verbatim: minimal or not.
const derOfContents = (rHex, sHex) => {
  const body = '02' + (rHex.length / 2).toString(16).padStart(2, '0') + rHex + '02' + (sHex.length / 2).toString(16).padStart(2, '0') + sHex;
  return '30' + (body.length / 2).toString(16).padStart(2, '0') + body;
};
const minimalInt = (x) => derInt(x).slice(4);  // an INTEGER's minimal content bytes (hex)
// {r, s} of a minimal DER signature (bytes), read by hand.
function derRs(der) {
  const b = Buffer.from(der);
  const rl = b[3], r = BigInt('0x' + b.subarray(4, 4 + rl).toString('hex'));
  const sl = b[5 + rl], s = BigInt('0x' + b.subarray(6 + rl, 6 + rl + sl).toString('hex'));
  return { r, s };
}

// Whether x (hex) is the x-coordinate of a point of the SM2 curve: y² = x³ + ax + b has a
// root mod p (Euler's criterion), in plain BigInts, without the page's library.
function onSm2Curve(xHex) {
  const p = BigInt('0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF');
  const b = BigInt('0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93');
  const x = BigInt('0x' + xHex);
  let rhs = (((x * x % p) * x - 3n * x + b) % p + p) % p, r = 1n;
  for (let e = (p - 1n) / 2n; e > 0n; e >>= 1n, rhs = rhs * rhs % p) if (e & 1n) r = r * rhs % p;
  return r === 1n;
}

// SM2 signing (GB/T 32918.2, 6.1) on the page's primitives (sm2.Point, sm2.za, sm3): the
// page only verifies, so this is what "the page's library signs" means here. Returns DER.
function sm2SignWithPage(sm2, sm3, scalarHex, message, userId) {
  const n = sm2.CURVE.n, d = BigInt('0x' + scalarHex);
  const mod = (a) => ((a % n) + n) % n;
  const pow = (b, e) => { let r = 1n; b = mod(b); for (; e > 0n; e >>= 1n, b = mod(b * b)) if (e & 1n) r = mod(r * b); return r; };
  const publicKey = sm2.Point.BASE.multiply(d).toBytes(true);
  const e = BigInt('0x' + hex(sm3(u8(Buffer.concat([Buffer.from(sm2.za(publicKey, userId)), Buffer.from(message)])))));
  for (;;) {
    const k = mod(BigInt('0x' + crypto.randomBytes(40).toString('hex'))) || 1n;
    const x1 = sm2.Point.BASE.multiply(k).toAffine().x;
    const r = mod(e + x1);
    if (r === 0n || r + k === n) continue;
    const s = mod(pow(1n + d, n - 2n) * (k - r * d));
    if (s !== 0n) return u8(Buffer.from(derOf(r, s), 'hex'));
  }
}

module.exports = { OpenSsl, u8, hex, u32, u64, str, validatorSetHex, genesisHex, derOf, derOfContents, minimalInt, derRs, onSm2Curve, sm2SignWithPage };
