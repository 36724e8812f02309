// The closed-object mutants of tests/data/receipt_mutants (its README.md), for the page's
// tests: page_vectors_test.js runs them through the page's checkReceipt under Node.js,
// browser_test.js through the same function in Chromium. tests/chain/receipt_test.cpp
// holds jchain verify to the same list. Every mutant must be refused, and where the
// added field is in an object (not in one of the maps) the page must name it in the
// words of chain/receipt.cpp: "<where> holds a field it does not define: '<field>'".
'use strict';
const fs = require('fs');
const path = require('path');

// An added entry in a map is refused where the map is read: record.metadata's entries are
// the signed record's, state.policy's keys record kinds, state.params' the chain parameters
// (in checkpoint.state: refused by the checkpoint check, against its header's state_hash).
// disclosure.metadata's keys and its entries' fields are read by the disclosure check.
const MAP_CHECKS = { 'record.metadata': 'record bytes', 'state.policy': 'state', 'state.params': 'state',
  'checkpoint.state.policy': 'checkpoint', 'checkpoint.state.params': 'checkpoint', 'disclosure.metadata': 'disclosure' };
const mapCheck = (w) => MAP_CHECKS[w] || (w.startsWith('disclosure.metadata.') ? 'disclosure' : null);

// "validator_changes[0].commit" for ['validator_changes', 0, 'commit'].
const where = (p) => p.reduce((s, k) => (typeof k === 'number' ? s + '[' + k + ']' : (s ? s + '.' : '') + k), '') || 'the receipt';

// [{suite, name, genesis, receipt, expect: {check, detail|null}}]: the unchanged receipt
// of each suite first (expect null: it must verify), then its mutants.
function mutantCases(repo) {
  const dir = path.join(repo, 'tests', 'data', 'receipt_mutants');
  const m = JSON.parse(fs.readFileSync(path.join(dir, 'mutants.json'), 'utf8'));
  const out = [];
  for (const [suite, paths] of Object.entries(m.receipts)) {
    const genesis = JSON.parse(fs.readFileSync(path.join(dir, suite, 'genesis.json'), 'utf8'));
    const text = fs.readFileSync(path.join(dir, suite, 'receipt.json'), 'utf8');
    out.push({ suite, name: suite + ' receipt as written', genesis, receipt: JSON.parse(text), expect: null });
    for (const p of paths) {
      const receipt = JSON.parse(text);
      let o = receipt;
      for (const k of p) o = o[k];
      o[m.field] = m.value;
      const w = where(p);
      out.push({ suite, name: suite + ' ' + w + ' + ' + m.field, genesis, receipt,
        expect: mapCheck(w) ? { check: mapCheck(w), detail: null }
          : { check: 'closed objects', detail: w + ' holds a field it does not define: \'' + m.field + '\'' } });
    }
  }
  return out;
}

// null when the page's result ({ok, checks: [{id, ok, detail}]}) is what the case
// expects, otherwise what is wrong.
function judge(c, result) {
  const failed = result.checks.filter((x) => x.ok === false);
  if (!c.expect) return result.ok ? null : 'refused: ' + failed.map((x) => x.id + ': ' + x.detail).join('; ');
  if (result.ok) return 'accepted';
  const named = failed.some((x) => x.id === c.expect.check && (c.expect.detail === null || x.detail === c.expect.detail));
  return named ? null : 'refused, but not at "' + c.expect.check + '"' + (c.expect.detail ? ' saying "' + c.expect.detail + '"' : '') +
    ': ' + failed.map((x) => x.id + ': ' + x.detail).join('; ');
}

module.exports = { mutantCases, judge };
