// The page's public-key cryptography, bundled into web/index.html at build time
// (web/build_page.js; versions pinned by web/package-lock.json), never fetched at run
// time: secp256k1 ECDSA for record and vote signatures, and ed25519 for witness
// cosignatures. Both from @noble/curves (audited, no dependencies but @noble/hashes).
// The page reads them from globalThis.JChainCrypto.
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { ed25519 } from '@noble/curves/ed25519.js';

globalThis.JChainCrypto = Object.freeze({ secp256k1, ed25519 });
