// The page's public-key cryptography and the national suite's hash, bundled into
// web/index.html at build time (web/build_page.js; versions pinned by
// web/package-lock.json), never fetched at run time: secp256k1 ECDSA for record and vote
// signatures of secp256k1-sha256 chains, SM2 and SM3 for sm2-sm3 chains (web/sm2_sm3.js,
// on @noble/curves and @noble/hashes), and ed25519 for witness cosignatures in both.
// secp256k1 and ed25519 are @noble/curves' (audited, no dependencies but @noble/hashes).
// The page reads them from globalThis.JChainCrypto.
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sm2, sm3 } from './sm2_sm3.js';

globalThis.JChainCrypto = Object.freeze({ secp256k1, ed25519, sm2, sm3 });
