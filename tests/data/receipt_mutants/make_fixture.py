#!/usr/bin/env python3
"""Writes the real receipts the closed-object mutants are made from (README.md here).

Runs a devnet of each suite in a temp home and makes every object a receipt can hold
appear: an observer node is added (the state's nodes), the lone validator's power is set by governance before the record (so the
receipt's validator_changes has a step) and again after it (so the checkpoint's
validator_changes has one), the record has metadata and a ref, and the receipt carries a
signed checkpoint, and the submitter's disclosure (case id, case key, values and salts)
is added from its submit --receipt-out copy. Writes <suite>/genesis.json and <suite>/receipt.json next to this
script, then make_mutants.py refreshes mutants.json. Rerun it when the receipt format
changes.

usage: make_fixture.py /path/to/jchain
"""
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "process"))
import jchain_harness as h  # noqa: E402


def make(jchain: str, suite: str) -> None:
    work = h.temp_dir("jchain-fixture-")
    env = h.test_env(work)
    home = os.path.join(work, "devnet")
    node = h.Node(jchain, home, work, "devnet")
    node.start("devnet") if suite == "secp256k1-sha256" else None
    if suite != "secp256k1-sha256":
        # A new devnet of another suite: --suite only applies when the home is created.
        node.proc = subprocess.Popen([jchain, "devnet", "--home", home, "--rpc-listen", "127.0.0.1:%d" % h.free_port(),
                                      "--suite", suite], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     env=env)
        h.wait_until(lambda: os.path.exists(os.path.join(home, "config", "node.toml")), 30)
        time.sleep(2)
        node.proc.kill()
        node.proc.wait()
        node.proc = None
        node.start("devnet")
    env = {**env, "JCHAIN_RPC": node.url}
    validator_key = os.path.join(home, "config", "node_key.json")
    member_key = os.path.join(home, "config", "demo_member_key.json")
    validator = json.load(open(validator_key))["public_key"]

    def run(args):
        res = h.cli(jchain, args, env=env)
        if res.rc != 0:
            raise SystemExit(f"jchain {' '.join(args)} failed: {res!r}")
        return res

    def set_power(power: int) -> None:
        run(["governance", "propose", "--key", validator_key, "--rpc", node.url, "--wait", "set-power",
             "--public-key", validator, "--power", str(power)])

    # An observer node, so that the state's nodes list holds an object too.
    observer_key = os.path.join(work, "observer.json")
    run(["keygen", "--out", observer_key, "--suite", "sm2" if suite == "sm2-sm3" else "secp256k1"])
    run(["governance", "propose", "--key", validator_key, "--rpc", node.url, "--wait", "add-node", "--name", "observer",
         "--public-key", json.load(open(observer_key))["public_key"]])
    first = run(["--json", "submit", "--key", member_key, "--kind", "evidence", "--hash", "11" * 32, "--rpc", node.url,
                 "--wait"]).json()
    set_power(2)
    h.wait_until(lambda: node.rpc("get_validator_changes", {}).get("changes") and
                 len(node.rpc("get_validator_changes", {})["changes"]) >= 1, 30)
    receipt_file = os.path.join(work, "receipt.json")
    submitted_file = os.path.join(work, "submitted.json")
    target = run(["--json", "submit", "--key", member_key, "--kind", "evidence", "--hash", "22" * 32, "--case",
                  "(2026)京0105民初123号", "--meta", "file_name=合同.pdf", "source=upload", "--ref", first["id"],
                  "--rpc", node.url, "--wait", "--receipt-out", submitted_file]).json()
    set_power(3)
    run(["submit", "--key", member_key, "--kind", "evidence", "--hash", "33" * 32, "--rpc", node.url, "--wait"])
    # A checkpoint above the second change, so that the checkpoint walks it.
    h.wait_until(lambda: len(json.load(open(fetch(jchain, env, node, target["id"], receipt_file)))["checkpoint"]
                             ["validator_changes"]) >= 1, 60, step=0.5)
    receipt = json.load(open(receipt_file))
    # The holder's disclosure (clear case id, case key, values and salts), as submit
    # --receipt-out keeps it, so that its objects appear too.
    receipt["disclosure"] = json.load(open(submitted_file))["disclosure"]
    with open(receipt_file, "w", encoding="utf-8") as f:
        json.dump(receipt, f, ensure_ascii=False, indent=2)
    assert receipt["validator_changes"] and receipt["checkpoint"]["validator_changes"], "the changes did not land"
    out = os.path.join(HERE, suite)
    os.makedirs(out, exist_ok=True)
    shutil.copy(os.path.join(home, "config", "genesis.json"), os.path.join(out, "genesis.json"))
    shutil.copy(receipt_file, os.path.join(out, "receipt.json"))
    verdict = h.cli(jchain, ["verify", "--receipt", receipt_file, "--genesis", os.path.join(out, "genesis.json")], env=env)
    print(f"{suite}: block {receipt['block']['header']['height']}, {len(receipt['validator_changes'])} change(s) before, "
          f"{len(receipt['checkpoint']['validator_changes'])} in the checkpoint; jchain verify: rc {verdict.rc}")
    node.stop()


def fetch(jchain, env, node, rid, path) -> str:
    h.cli(jchain, ["receipt", "--rpc", node.url, "--id", rid, "--checkpoint", "--out", path], env=env)
    return path


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    jchain = os.path.abspath(sys.argv[1])
    try:
        for suite in ("secp256k1-sha256", "sm2-sm3"):
            make(jchain, suite)
    finally:
        h.stop_all_processes()
        h.cleanup_temp_dirs(keep=False)
    subprocess.run([sys.executable, os.path.join(HERE, "make_mutants.py")], check=True)


if __name__ == "__main__":
    main()
