"""Crash recovery: SIGKILL the node under load; every record it acknowledged as committed survives.

Rounds of: a devnet under continuous load from a few threads (two that sign records in
Python and submit them in JSON-RPC batches, one that runs `jchain submit --wait
--receipt-out` in a loop), a poller that asks `get_record` and remembers every record the
node acknowledged as committed (status committed, with a height) -> SIGKILL mid-stream ->
`jchain audit --home` of the stopped node -> restart on the same home (alternately
`jchain start --home` and `jchain devnet --home`, which must resume) -> every acknowledged
record is still committed at the same height and leaf, its receipt's inclusion proof leads
to its block's ledger root, a consistency proof leads from there to the current root, the
receipts the CLI saved before the crash are exactly what the node serves now, and
`jchain audit --rpc` says intact. Finally the node still commits new records and stops
cleanly.

Records admitted but still pending at the kill may be lost (the mempool is memory); the
test reports how many, but only acknowledged-committed records are promised to survive.

Usage: python3 test_crash_recovery.py /path/to/jchain   (env JCHAIN_TEST_SEED to replay)
"""

import hashlib
import json
import os
import random
import re
import secrets
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import jchain_harness as h  # noqa: E402

ROUNDS = 8
PY_THREADS = 2
BATCH = 20
BATCH_PAUSE_S = 0.04  # keep the load polite on a shared 2-core machine
# Before each kill: at least this many newly acknowledged records, then a random delay (s).
# Odd rounds kill soon after the restart, even rounds after a longer stream.
KILL_PLAN = [(150, 0.2, 1.5), (10, 0.0, 0.3), (300, 0.0, 1.0), (10, 0.0, 0.2), (150, 0.2, 1.5)]


class Load:
    """Submitters and a poller against one node; all state is under `lock`."""

    def __init__(self, jchain, env, url, key, key_file, chain_id, work, rnd, round_no, acked, lock):
        self.jchain, self.env, self.url, self.key, self.key_file = jchain, env, url, key, key_file
        self.chain_id, self.work, self.rnd, self.round_no = chain_id, work, rnd, round_no
        self.acked, self.lock = acked, lock  # acked: id -> {"height", "leaf_index"}
        self.pending: set[str] = set()  # admitted, not yet seen committed
        self.admitted: set[str] = set()
        self.cli_receipts: dict[str, str] = {}  # id -> receipt file written by `jchain submit --wait`
        self.stop_flag = threading.Event()
        self.errors: list[str] = []
        self.threads = []

    def start(self):
        for i in range(PY_THREADS):
            self.threads.append(threading.Thread(target=self.py_submitter, args=(i,), daemon=True))
        self.threads.append(threading.Thread(target=self.cli_submitter, daemon=True))
        self.threads.append(threading.Thread(target=self.poller, daemon=True))
        for t in self.threads:
            t.start()

    def stop(self):
        self.stop_flag.set()
        for t in self.threads:
            t.join(timeout=60)
        alive = [t.name for t in self.threads if t.is_alive()]
        if alive:
            raise h.TestFailure(f"load threads did not stop: {alive}")

    def acked_count(self):
        with self.lock:
            return len(self.acked)

    def py_submitter(self, n):
        seq = 0
        while not self.stop_flag.is_set():
            records = []
            for _ in range(BATCH):
                seq += 1
                records.append(h.make_record(self.key, self.chain_id, kind="evidence",
                                             case_id=f"(crash)r{self.round_no}t{n}",
                                             metadata={"seq": str(seq)}))
            try:
                answers = h.rpc_batch(self.url, [("submit_record", {"record": r}) for r in records], timeout=10)
            except (OSError, RuntimeError, ValueError, h.http.client.HTTPException):
                return  # the node is gone (killed): stop
            with self.lock:
                for r, a in zip(records, answers):
                    if a and "result" in a:
                        rid = a["result"]["id"]
                        if rid != h.record_id(r):
                            self.errors.append(f"submit_record answered id {rid} for record {h.record_id(r)}")
                        self.pending.add(rid)
                        self.admitted.add(rid)
                    elif a and a.get("error", {}).get("data", {}).get("reason") != "mempool_full":
                        self.errors.append(f"a good record was refused: {a}")
            time.sleep(BATCH_PAUSE_S)

    def cli_submitter(self):
        i = 0
        while not self.stop_flag.is_set():
            i += 1
            out = os.path.join(self.work, f"cli-receipt-r{self.round_no}-{i}.json")
            res = h.cli(self.jchain, ["submit", "--key", self.key_file, "--kind", "evidence", "--hash",
                                      secrets.token_hex(32), "--wait", "--timeout", "15", "--receipt-out", out,
                                      "--rpc", self.url], env=self.env, timeout=30, from_thread=True)
            m = re.search(r"committed ([0-9a-f]{64}) at height (\d+)", res.out)
            if res.rc == 0 and m:
                receipt = json.load(open(out))
                with self.lock:
                    self.acked[m.group(1)] = {"height": int(m.group(2)), "leaf_index": receipt["leaf_index"],
                                              "via": "cli"}
                    self.cli_receipts[m.group(1)] = out
            elif res.rc == 0:
                self.errors.append(f"jchain submit --wait exit 0 without 'committed': {res!r}")
            else:
                return  # the node is gone

    def poller(self):
        while True:
            stopping = self.stop_flag.is_set()
            with self.lock:
                ids = list(self.pending)[:500]
            if ids:
                try:
                    answers = h.rpc_batch(self.url, [("get_record", {"id": i}) for i in ids], timeout=10)
                except (OSError, RuntimeError, ValueError, h.http.client.HTTPException):
                    return
                with self.lock:
                    for i, a in zip(ids, answers):
                        res = (a or {}).get("result")
                        if res and res.get("status") == "committed":
                            self.acked[i] = {"height": res["height"], "leaf_index": res["leaf_index"], "via": "rpc"}
                            self.pending.discard(i)
            if stopping:
                return
            time.sleep(0.1)


def check_survivors(c: h.Checker, jchain: str, env: dict, node: h.Node, acked: dict, cli_receipts: dict,
                    genesis_file: str, audit: dict, label: str, rnd: random.Random) -> None:
    url = node.url
    st = node.status()
    # The restarted node resumes at the audited tip; it may then finish a block it had
    # already proposed and logged before the kill (its consensus log carries the block).
    audited = h.rpc(url, "get_block", {"height": audit["blocks"]}) if audit["blocks"] else None
    c.check(st["height"] >= audit["blocks"]
            and (audited is None or (audited["header"]["ledger_size"] == audit["ledger_size"]
                                     and audited["header"]["ledger_root"] == audit["ledger_root"])),
            f"{label}: the restarted node's chain extends what the audit of its home found",
            f"status {h.short(st)}; audit {h.short(audit)}; block {h.short(audited)}")
    c.equal(st["mempool_size"], 0, f"{label}: the restarted node's mempool is empty")
    ids = sorted(acked)
    max_height = max((v["height"] for v in acked.values()), default=0)
    c.check(st["height"] >= max_height, f"{label}: height {st['height']} >= every acknowledged height ({max_height})")

    # Every acknowledged record: still committed, same height and leaf.
    moved, missing = [], []
    for i in range(0, len(ids), 500):
        part = ids[i:i + 500]
        for rid, a in zip(part, h.rpc_batch(url, [("get_record", {"id": x}) for x in part])):
            res = (a or {}).get("result")
            if not res or res.get("status") != "committed":
                missing.append((rid, a))
            elif res["height"] != acked[rid]["height"] or res["leaf_index"] != acked[rid]["leaf_index"]:
                moved.append((rid, acked[rid], res["height"], res["leaf_index"]))
    c.check(not missing, f"{label}: all {len(ids)} acknowledged records are still committed",
            f"{len(missing)} missing, e.g. {h.short(missing[:3])}")
    c.check(not moved, f"{label}: each at the height and leaf index it was acknowledged at",
            f"{len(moved)} moved, e.g. {h.short(moved[:3])}")
    leaves = [v["leaf_index"] for v in acked.values()]
    c.check(len(set(leaves)) == len(leaves) and all(0 <= x < st["ledger_size"] for x in leaves),
            f"{label}: acknowledged records have distinct leaf indices inside the ledger")

    # Receipts: inclusion proof to the block's root, consistency proof from there to the current root.
    current_root = bytes.fromhex(st["ledger_root"])
    block_hashes, consistency = {}, {}
    bad_inclusion, bad_block, bad_consistency, bad_receipts = [], [], [], []
    for i in range(0, len(ids), 250):
        part = ids[i:i + 250]
        answers = h.rpc_batch(url, [("get_receipt", {"id": x}) for x in part], timeout=120)
        for rid, a in zip(part, answers):
            r = (a or {}).get("result")
            if not r:
                bad_receipts.append((rid, a))
                continue
            header = r["block"]["header"]
            p = r["inclusion_proof"]
            leaf = h.leaf_hash(bytes.fromhex(rid))
            if not (r["record_id"] == rid and p["leaf_hash"] == leaf.hex() and p["root"] == header["ledger_root"]
                    and p["tree_size"] == header["ledger_size"]
                    and h.verify_inclusion(leaf, r["leaf_index"], header["ledger_size"],
                                           [bytes.fromhex(x) for x in p["path"]],
                                           bytes.fromhex(header["ledger_root"]))):
                bad_inclusion.append(rid)
            height = header["height"]
            if height not in block_hashes:
                block_hashes[height] = node.rpc("get_block", {"height": height})["hash"]
            if not (hashlib.sha256(bytes.fromhex(r["block"]["header_bytes"])).hexdigest() == r["block"]["hash"]
                    == block_hashes[height] == r["commit"]["block_hash"]):
                bad_block.append(rid)
            size = header["ledger_size"]
            if size not in consistency:
                cp = node.rpc("get_consistency_proof", {"size1": size, "size2": st["ledger_size"]})
                consistency[size] = (cp["root1"] == header["ledger_root"] and cp["root2"] == st["ledger_root"]
                                     and h.verify_consistency(size, st["ledger_size"],
                                                              bytes.fromhex(header["ledger_root"]), current_root,
                                                              [bytes.fromhex(x) for x in cp["path"]]))
            if not consistency[size]:
                bad_consistency.append(rid)
    c.check(not bad_receipts, f"{label}: get_receipt answers for every acknowledged record",
            h.short(bad_receipts[:3]))
    c.check(not bad_inclusion, f"{label}: every receipt's inclusion proof leads to its block's ledger root",
            f"{len(bad_inclusion)} bad, e.g. {bad_inclusion[:3]}")
    c.check(not bad_block, f"{label}: every receipt's block hashes to the block the node serves at that height",
            f"{len(bad_block)} bad, e.g. {bad_block[:3]}")
    c.check(not bad_consistency,
            f"{label}: a consistency proof leads from each record's block root to the current root "
            f"({len(consistency)} distinct sizes)", f"{len(bad_consistency)} bad, e.g. {bad_consistency[:3]}")

    # Receipts the CLI saved before the crash are exactly what the node serves now.
    changed = []
    for rid, path in cli_receipts.items():
        saved = {k: v for k, v in json.load(open(path)).items() if k != "disclosure"}  # the holder's clear values
        if node.rpc("get_receipt", {"id": rid}) != saved:
            changed.append(rid)
    c.check(not changed, f"{label}: the {len(cli_receipts)} receipts `jchain submit --wait` saved before the crash "
                         "are unchanged", f"changed: {changed[:3]}")
    for rid in rnd.sample(sorted(cli_receipts), min(2, len(cli_receipts))):
        res = h.cli(jchain, ["verify", "--receipt", cli_receipts[rid], "--genesis", genesis_file], env=env)
        c.check(res.rc == 0 and "VALID" in res.out and "INVALID" not in res.out,
                f"{label}: `jchain verify --receipt` of a pre-crash receipt ({rid[:12]}): VALID", repr(res))
    sample = rnd.sample(ids, min(2, len(ids)))
    for rid in sample:
        r = node.rpc("get_receipt", {"id": rid})
        p = r["inclusion_proof"]
        res = h.cli(jchain, ["proof", "inclusion", "--leaf-hash", p["leaf_hash"], "--index", str(r["leaf_index"]),
                             "--size", str(p["tree_size"]), "--root", p["root"], "--path", ",".join(p["path"])],
                    env=env)
        c.check(res.rc == 0 and "VALID" in res.out and "INVALID" not in res.out,
                f"{label}: `jchain proof inclusion` for {rid[:12]}: VALID", repr(res))
    res = h.cli(jchain, ["audit", "--rpc", url], env=env, timeout=180)
    c.check(res.rc == 0 and "CHAIN INTACT" in res.out, f"{label}: `jchain audit --rpc` says CHAIN INTACT", repr(res))


def audit_home(c: h.Checker, jchain: str, env: dict, home: str, work: str, label: str, how: str = "killed") -> dict:
    report = os.path.join(work, f"audit-{re.sub(r'[^a-z0-9]+', '-', label.lower())}.json")
    res = h.cli(jchain, ["audit", "--home", home, "--report", report], env=env, timeout=180)
    c.check(res.rc == 0 and "CHAIN INTACT" in res.out,
            f"{label}: `jchain audit --home` of the {how} node's home says CHAIN INTACT", repr(res))
    try:
        return json.load(open(report))
    except (OSError, ValueError) as e:
        raise h.TestFailure(f"{label}: no audit report: {e}; {res!r}")


def body(c: h.Checker, jchain: str) -> None:
    seed = int(os.environ.get("JCHAIN_TEST_SEED", str(secrets.randbits(32))))
    rnd = random.Random(seed)
    print(f"seed {seed} (set JCHAIN_TEST_SEED={seed} to replay the kill timings)")
    work = h.temp_dir("jchain-crash-")
    home = os.path.join(work, "devnet")
    env = h.test_env(work)
    node = h.Node(jchain, home, work, "devnet")
    node.start("devnet")
    key_file = os.path.join(home, "config", "demo_member_key.json")
    genesis_file = os.path.join(home, "config", "genesis.json")
    key = h.Key.from_file(key_file)
    chain_id = node.status()["chain_id"]
    acked: dict[str, dict] = {}
    cli_receipts: dict[str, str] = {}
    lock = threading.Lock()
    restart_with = ["start", "devnet"] * ROUNDS

    for round_no in range(ROUNDS):
        label = f"round {round_no + 1}"
        c.section(f"{label}: load, SIGKILL, audit, restart (`jchain {restart_with[round_no]} --home`)")
        env = h.test_env(work, node.url)
        load = Load(jchain, env, node.url, key, key_file, chain_id, work, rnd, round_no, acked, lock)
        before = load.acked_count()
        t0 = time.monotonic()
        load.start()
        ack_before_kill, delay_lo, delay_hi = KILL_PLAN[round_no % len(KILL_PLAN)]
        while load.acked_count() < before + ack_before_kill and time.monotonic() - t0 < 60:
            time.sleep(0.02)
        time.sleep(rnd.uniform(delay_lo, delay_hi))
        with lock:
            in_flight = len(load.pending)
        node.kill()
        killed_at = time.monotonic() - t0
        load.stop()
        with lock:
            new_acks = len(acked) - before
            cli_receipts.update(load.cli_receipts)
            admitted = set(load.admitted)
        print(f"  killed after {killed_at:.2f} s: {len(admitted)} records admitted this round, "
              f"{new_acks} newly acknowledged as committed ({len(load.cli_receipts)} by `jchain submit --wait`), "
              f"{in_flight} pending at the kill")
        c.check(new_acks >= ack_before_kill, f"{label}: the load got at least {ack_before_kill} records committed "
                                             f"before the kill ({new_acks})")
        c.check(not load.errors, f"{label}: the node answered the load sensibly", h.short(load.errors[:3]))

        audit = audit_home(c, jchain, env, home, work, label)
        max_leaf = max((v["leaf_index"] for v in acked.values()), default=-1)
        c.check(audit["ledger_size"] > max_leaf and audit["blocks"] >= max((v["height"] for v in acked.values()),
                                                                           default=0),
                f"{label}: the audited ledger ({audit['ledger_size']} records, {audit['blocks']} blocks) "
                f"covers every acknowledged record")

        node.start(restart_with[round_no])
        env = h.test_env(work, node.url)
        check_survivors(c, jchain, env, node, acked, cli_receipts, genesis_file, audit, label, rnd)

        # Information only: admitted records that were pending at the kill and did not survive.
        lost = 0
        ids = sorted(admitted)
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            for a in h.rpc_batch(node.url, [("get_record", {"id": x}) for x in part]):
                if not (a or {}).get("result"):
                    lost += 1
        print(f"  (info) {lost} of {len(admitted)} records admitted this round were pending at the kill and are gone")

    c.section("SIGKILL while the node is still opening its store, three times")
    st_before = node.status()
    node.kill()
    for i in range(3):
        node.start(restart_with[i], wait=False)
        time.sleep(rnd.uniform(0.0, 0.05))
        node.kill()
    node.start("start")
    st = node.status()
    c.check(all(st[k] == st_before[k] for k in ("height", "ledger_size", "ledger_root", "last_block_hash")),
            "after three kills during startup the node opens at the same tip", f"{st} vs {st_before}")
    env = h.test_env(work, node.url)
    res = h.cli(jchain, ["audit", "--rpc", node.url], env=env, timeout=180)
    c.check(res.rc == 0 and "CHAIN INTACT" in res.out, "and `jchain audit --rpc` says CHAIN INTACT", repr(res))

    c.section("after the crashes: the node still commits, and stops cleanly")
    evidence = os.path.join(work, "after.txt")
    open(evidence, "wb").write(b"after the crashes " + secrets.token_bytes(8))
    res = h.cli(jchain, ["submit", "--key", key_file, "--kind", "evidence", "--file", evidence, "--wait",
                         "--timeout", "30", "--rpc", node.url], env=env)
    m = re.search(r"committed ([0-9a-f]{64}) at height (\d+)", res.out)
    c.check(res.rc == 0 and m is not None and int(m.group(2)) == st["height"] + 1,
            f"a new record is committed at height {st['height'] + 1}", repr(res))
    res = h.cli(jchain, ["verify", "--file", evidence, "--rpc", node.url], env=env)
    c.check(res.rc == 0, "and verifies online", repr(res))
    c.equal(node.stop(), 0, "the node stops on SIGTERM with exit 0")
    audit_home(c, jchain, env, home, work, "final", how="stopped")
    print(f"  {len(acked)} acknowledged records checked after {ROUNDS} crashes")


if __name__ == "__main__":
    h.run_main("test_crash_recovery: SIGKILL under load loses no acknowledged record", body)
