#!/usr/bin/env python3
"""The closed-object mutants of a receipt (README.md here): one per JSON object in the
receipt, each the receipt with one field added to that object. Every one must be
refused by `jchain verify --receipt` (tests/chain/receipt_test.cpp) and by the
verification page (tests/web/page_vectors_test.js, tests/web/browser_test.js).

Writes mutants.json: {"field": NAME, "value": VALUE, "receipts": {SUITE: [PATH, ...]}},
PATH the object's place as a list of keys and array indexes ([] is the top level).
A mutant is the suite's receipt.json with receipt[PATH][NAME] = VALUE.

usage: make_mutants.py [--check]   (--check: exit 1 when mutants.json is not current)
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SUITES = ["secp256k1-sha256", "sm2-sm3"]
FIELD, VALUE = "unsigned_claim", "x"


def objects(v, path, out):
    """Every object in v, parents before children, in document order."""
    if isinstance(v, dict):
        out.append(path)
        for k, x in v.items():
            objects(x, path + [k], out)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            objects(x, path + [i], out)
    return out


def mutants() -> dict:
    receipts = {}
    for suite in SUITES:
        receipt = json.load(open(os.path.join(HERE, suite, "receipt.json"), encoding="utf-8"))
        receipts[suite] = objects(receipt, [], [])
    return {"field": FIELD, "value": VALUE, "receipts": receipts}


def main() -> None:
    text = json.dumps(mutants(), indent=1, ensure_ascii=False) + "\n"
    target = os.path.join(HERE, "mutants.json")
    if sys.argv[1:] == ["--check"]:
        current = open(target, encoding="utf-8").read() if os.path.exists(target) else ""
        if current != text:
            print("mutants.json is not what make_mutants.py makes of the receipts: run it", file=sys.stderr)
            sys.exit(1)
        print("mutants.json is current: " + ", ".join(f"{len(v)} objects of the {k} receipt"
                                                      for k, v in mutants()["receipts"].items()))
        return
    open(target, "w", encoding="utf-8").write(text)
    print("wrote " + target)


if __name__ == "__main__":
    main()
