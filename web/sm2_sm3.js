// The national suite's primitives for the verification page (web/README.md): SM3
// (GB/T 32905) and SM2 signature verification (GB/T 32918.2) on the recommended curve
// sm2p256v1 (GB/T 32918.5), as OpenSSL 3 computes them and the node (crypto/sm2.cpp) signs.
//
// What is written here and what is borrowed: the curve arithmetic (point decoding and
// on-curve checks, scalar multiplication) and the DER reader and writer are
// @noble/curves' (`weierstrass`, `DER`); the hash's
// buffering, padding and length block are @noble/hashes' Merkle–Damgård `HashMD`. Only
// SM3's compression function, ZA and the SM2 verification equation are here, each a few
// lines straight from the standard, and tests/web/page_vectors_test.js checks them against
// the standards' examples and the openssl command line in both directions.
//
// Why not an SM package: the maintained ones (sm-crypto-v2, sm-crypto) hash only in one
// shot, so the page could not hash a multi-gigabyte evidence file in chunks, and
// sm-crypto-v2 bundles a second, older copy of @noble/curves (the bundle would double).
// Verification only: the page holds no private key, so nothing here signs.
import { weierstrass, DER } from '@noble/curves/abstract/weierstrass.js';
import { bytesToNumberBE, numberToBytesBE } from '@noble/curves/utils.js';
import { HashMD } from '@noble/hashes/_md.js';
import { createHasher, rotl } from '@noble/hashes/utils.js';

// ---- SM3 (GB/T 32905-2016): 64-byte blocks, 32-byte digest, big-endian length.
const SM3_IV = /* @__PURE__ */ Uint32Array.from([
  0x7380166f, 0x4914b2b9, 0x172442d7, 0xda8a0600, 0xa96f30bc, 0x163138aa, 0xe38dee4d, 0xb0fb0e4e]);
// T_j <<< (j mod 32), 5.3.3: 0x79cc4519 for rounds 0..15, 0x7a879d8a for 16..63.
const SM3_T = /* @__PURE__ */ Uint32Array.from({ length: 64 }, (_, j) => rotl(j < 16 ? 0x79cc4519 : 0x7a879d8a, j % 32));
const SM3_W = /* @__PURE__ */ new Uint32Array(68);  // W_0..W_67 (5.3.2); W'_j = W_j ^ W_j+4
const P0 = (x) => x ^ rotl(x, 9) ^ rotl(x, 17);
const P1 = (x) => x ^ rotl(x, 15) ^ rotl(x, 23);

class SM3 extends HashMD {
  A = 0; B = 0; C = 0; D = 0; E = 0; F = 0; G = 0; H = 0;
  constructor() {
    super(64, 32, 8, false);
    this.set(...SM3_IV);
  }
  get() {
    const { A, B, C, D, E, F, G, H } = this;
    return [A, B, C, D, E, F, G, H];
  }
  set(A, B, C, D, E, F, G, H) {
    this.A = A | 0; this.B = B | 0; this.C = C | 0; this.D = D | 0;
    this.E = E | 0; this.F = F | 0; this.G = G | 0; this.H = H | 0;
  }
  _cloneInto(to) {
    (to ||= new SM3()).set(...this.get());
    return this._cloneIntoMeta(to);
  }
  // CF(V, B), 5.3.3.
  process(view, offset) {
    const W = SM3_W;
    for (let j = 0; j < 16; j++, offset += 4) W[j] = view.getUint32(offset, false);
    for (let j = 16; j < 68; j++) W[j] = P1(W[j - 16] ^ W[j - 9] ^ rotl(W[j - 3], 15)) ^ rotl(W[j - 13], 7) ^ W[j - 6];
    let { A, B, C, D, E, F, G, H } = this;
    for (let j = 0; j < 64; j++) {
      const a12 = rotl(A, 12);
      const SS1 = rotl((a12 + E + SM3_T[j]) | 0, 7);
      const SS2 = SS1 ^ a12;
      const ff = j < 16 ? A ^ B ^ C : (A & B) | (A & C) | (B & C);
      const gg = j < 16 ? E ^ F ^ G : (E & F) | (~E & G);
      const TT1 = (ff + D + SS2 + (W[j] ^ W[j + 4])) | 0;
      const TT2 = (gg + H + SS1 + W[j]) | 0;
      D = C; C = rotl(B, 9); B = A; A = TT1;
      H = G; G = rotl(F, 19); F = E; E = P0(TT2);
    }
    this.set(A ^ this.A, B ^ this.B, C ^ this.C, D ^ this.D, E ^ this.E, F ^ this.F, G ^ this.G, H ^ this.H);
  }
  roundClean() { SM3_W.fill(0); }
  destroy() {
    this.destroyed = true;
    this.set(0, 0, 0, 0, 0, 0, 0, 0);
    this.buffer.fill(0);
  }
}
// sm3(bytes) → 32 bytes; sm3.create() hashes in pieces (.update(bytes)…, .digest()).
export const sm3 = /* @__PURE__ */ createHasher(() => new SM3());

// ---- SM2 (GB/T 32918.5 recommended curve sm2p256v1).
const CURVE = Object.freeze({
  p: BigInt('0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF'),
  n: BigInt('0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123'),
  h: BigInt(1),
  a: BigInt('0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC'),
  b: BigInt('0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93'),
  Gx: BigInt('0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7'),
  Gy: BigInt('0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0'),
});
const Point = /* @__PURE__ */ weierstrass(CURVE);
const DEFAULT_USER_ID = '1234567812345678';  // GM/T 0009's default, OpenSSL's distid default
const USER_ID_BYTES_MAX = 8191;  // ENTL is the ID's length in bits in two bytes

const userIdBytes = (userId) => (typeof userId === 'string' ? new TextEncoder().encode(userId) : userId);
// ZA = SM3(ENTL || ID || a || b || xG || yG || xA || yA) (GB/T 32918.2, 5.5). publicKey: the
// 33- or 65-byte SEC1 point (checked to be on the curve); userId: a string (UTF-8) or bytes.
function za(publicKey, userId = DEFAULT_USER_ID) {
  const id = userIdBytes(userId);
  if (id.length > USER_ID_BYTES_MAX) throw new Error('SM2 user ID is longer than ' + USER_ID_BYTES_MAX + ' bytes');
  const { x, y } = Point.fromBytes(publicKey).toAffine();
  const bits = id.length * 8;
  const h = sm3.create().update(Uint8Array.of(bits >>> 8, bits & 0xff)).update(id);
  for (const v of [CURVE.a, CURVE.b, CURVE.Gx, CURVE.Gy, x, y]) h.update(numberToBytesBE(v, 32));
  return h.digest();
}
const SIGNATURE_DER_BYTES_MAX = 72;  // SEQUENCE of two INTEGERs of at most 33 bytes
// {r, s} of a signature in strict, minimal DER SEQUENCE{INTEGER r, INTEGER s} (exactly
// what re-encoding gives) with r and s in [1, n-1]; throws an Error saying which it is not.
// (noble's DER reader already refuses non-minimal lengths and integers; re-encoding and
// comparing keeps "exactly what openssl writes" the rule whatever a reader lets through.)
function parseSignature(der) {
  const notDer = 'the signature is not in strict DER (SEQUENCE of two minimal INTEGERs r, s)';
  if (der.length === 64 && der[0] !== 0x30) throw new Error(notDer + ': it looks like raw r || s');
  let sig;
  try {
    if (der.length > SIGNATURE_DER_BYTES_MAX) throw new Error();
    sig = DER.toSig(der);
  } catch (e) {
    throw new Error(notDer);
  }
  const hex = Array.from(der, (b) => b.toString(16).padStart(2, '0')).join('');
  if (DER.hexFromSig(sig) !== hex) throw new Error(notDer);
  const inRange = (v) => v >= BigInt(1) && v < CURVE.n;
  if (!inRange(sig.r) || !inRange(sig.s)) throw new Error('the signature\'s r or s is not in [1, n-1]');
  return { r: sig.r, s: sig.s };
}
// Whether der (as parseSignature takes it) is the SM2 signature of message (bytes: for
// JChain, the 32-byte digest of the signed bytes) by publicKey (33 or 65 bytes) with userId
// (GB/T 32918.2, 7.1: e = SM3(ZA || M), t = r + s, R = e + x(sG + tP), all mod n).
// Never throws: anything malformed is false.
function verify(der, message, publicKey, userId = DEFAULT_USER_ID) {
  try {
    const sig = parseSignature(der);
    const P = Point.fromBytes(publicKey);
    const e = bytesToNumberBE(sm3.create().update(za(publicKey, userId)).update(message).digest());
    const n = CURVE.n;
    const t = (sig.r + sig.s) % n;
    if (t === BigInt(0)) return false;
    const X = Point.BASE.multiplyUnsafe(sig.s).add(P.multiplyUnsafe(t));
    if (X.is0()) return false;
    return (e + X.toAffine().x) % n === sig.r;
  } catch (e) {
    return false;
  }
}

export const sm2 = Object.freeze({ CURVE, Point, DEFAULT_USER_ID, USER_ID_BYTES_MAX, za, parseSignature, verify });
