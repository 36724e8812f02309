// Loads the scripts of the built verification page (web/README.md) into a Node.js
// context the way a browser would run them, in order: the bundled crypto library
// (web/crypto.js) and the page's own script, whose pure part exports its functions when
// there is no document. Returns {page: those functions, curve: secp256k1, ed25519, sm2, sm3}.
'use strict';
const fs = require('fs');
const vm = require('vm');

function loadPage(builtPage) {
  if (!fs.existsSync(builtPage)) throw new Error(builtPage + ' is missing: build first (it is made by web/CMakeLists.txt)');
  const html = fs.readFileSync(builtPage, 'utf8');
  const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
  if (scripts.length !== 2) throw new Error(builtPage + ' holds ' + scripts.length + ' inline scripts, expected 2 (the crypto bundle and the page)');
  const sandbox = { module: { exports: {} }, TextEncoder, TextDecoder, atob, btoa, crypto: globalThis.crypto, console };
  vm.createContext(sandbox);
  for (const s of scripts) vm.runInContext(s, sandbox);
  const lib = sandbox.JChainCrypto;
  if (!lib || !lib.secp256k1 || !lib.ed25519 || !lib.sm2 || !lib.sm3) throw new Error('the built page does not define JChainCrypto.secp256k1, .ed25519, .sm2 and .sm3');
  return { page: sandbox.module.exports, curve: lib.secp256k1, ed25519: lib.ed25519, sm2: lib.sm2, sm3: lib.sm3 };
}

module.exports = { loadPage };
