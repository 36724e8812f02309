#!/usr/bin/env python3
"""Nodes that join after the client-time window catch up, and pending records expire.

A chain whose genesis sets a client-time window of 3 s: three of four validators commit
records; six seconds later (two windows) the fourth validator and an observer with empty
stores start. Both must reach the tip and agree on every block hash: a block's records
are judged against the block's time, never the joining node's clock. The late validator
then votes again: with another validator down, blocks need its signature. Last, with the
chain unable to commit (two of four down), a pending record outlives the window, leaves
the mempool, and `get_record` says why.

usage: test_late_joiner.py /path/to/jchain
"""
import json
import os
import time

import jchain_harness as h

WINDOW_MS = 3000


def submit(node: h.Node, key: h.Key, chain_id: str, n: int, tag: str) -> list[str]:
    return [node.rpc("submit_record", {"record": h.make_record(key, chain_id, case_id=f"case-{tag}",
                                                                metadata={"seq": str(i)})})["id"] for i in range(n)]


def status_of(node: h.Node, rid: str) -> str:
    return node.rpc("get_record", {"id": rid}).get("status", "")


def block_hash(node: h.Node, height: int) -> str:
    return node.rpc("get_block", {"height": height})["hash"]


def body(c: h.Checker, jchain: str) -> None:
    work = h.temp_dir("jchain-late-")
    env = h.test_env(work)
    out = os.path.join(work, "net")

    c.section(f"a chain with a {WINDOW_MS} ms client-time window")
    res = h.cli(jchain, ["testnet", "--validators", "4", "--observers", "1", "--out", out, "--base-port",
                         str(h.free_port()), "--param", f"client_time_window_ms={WINDOW_MS}", "--json"], env=env)
    c.require(res.rc == 0, "`jchain testnet --param client_time_window_ms=3000` writes the homes", repr(res))
    spec = res.json()
    genesis = json.load(open(os.path.join(spec["nodes"][0]["home"], "config", "genesis.json")))
    c.equal(genesis["params"]["client_time_window_ms"], WINDOW_MS, "the window is a chain parameter in genesis")
    bad = h.cli(jchain, ["testnet", "--validators", "1", "--out", os.path.join(work, "bad"),
                         "--param", "client_time_window_ms=5"], env=env)
    c.check(bad.rc == 2 and "client_time_window_ms" in bad.err, "a window below its minimum is refused, naming it",
            repr(bad))
    key = h.Key.from_file(spec["demo_member_key"])
    chain_id = spec["chain_id"]

    nodes = h.testnet_nodes(jchain, spec, work)
    validators, observer = nodes[:4], nodes[4]

    c.section("three of four validators commit; the fourth and the observer stay away two windows")
    for v in validators[:3]:
        v.start("start")
    ids = submit(validators[0], key, chain_id, 5, "early")
    ok = h.wait_until(lambda: all(status_of(v, r) == "committed" for v in validators[:3] for r in ids), 30)
    c.require(bool(ok), "5 records commit with three validators")
    time.sleep(2 * WINDOW_MS / 1000)
    more = submit(validators[1], key, chain_id, 3, "middle")
    ok = h.wait_until(lambda: all(status_of(v, r) == "committed" for v in validators[:3] for r in more), 30)
    c.require(bool(ok), "3 more records commit")
    tip = min(v.status()["height"] for v in validators[:3])

    c.section("the late validator and the observer (empty stores) catch up")
    late = validators[3]
    late.start("start")
    observer.start("start")
    ok = h.wait_until(lambda: late.status()["height"] >= tip and observer.status()["height"] >= tip, 60)
    c.check(bool(ok), f"both reach height {tip} (late validator {late.status()['height']}, "
                      f"observer {observer.status()['height']})")
    if ok:
        same = all(len({block_hash(n, k) for n in [validators[0], late, observer]}) == 1 for k in range(1, tip + 1))
        c.check(same, f"blocks 1..{tip} have the same hash on an early validator, the late one and the observer")
        c.check(all(status_of(observer, r) == "committed" for r in ids + more), "the observer serves every record")
    for n in (late, observer):
        log = n.log_text()
        c.check("breaks rule" not in log and "invalid block" not in log,
                f"{n.name} refused no block", log[-800:] if "breaks rule" in log else "")
    c.check("sync:" in observer.log_text(), "the observer's log shows its sync progress")

    c.section("the late validator votes again: with another validator down, blocks need it")
    validators[2].kill()
    after = submit(validators[0], key, chain_id, 3, "needs-late")
    ok = h.wait_until(lambda: all(status_of(n, r) == "committed" for n in (validators[0], late) for r in after), 40)
    c.check(bool(ok), "records commit with validators 0, 1 and the late one")
    if ok:
        height = validators[0].rpc("get_record", {"id": after[0]})["height"]
        signers = {s["validator"] for s in validators[0].rpc("get_block", {"height": height})["commit"]["signatures"]}
        late_key = json.load(open(os.path.join(late.home, "config", "node_key.json")))["public_key"]
        c.check(late_key in signers, "the late validator's key signs the commit certificate")
    st = late.status()
    c.check(st.get("syncing") is False, f"status.syncing is false once caught up ({st.get('syncing')})")

    c.section("a pending record that outlives the window expires, and get_record says why")
    validators[1].kill()  # two of four down: nothing can commit
    stuck = submit(validators[0], key, chain_id, 1, "stuck")[0]
    c.equal(status_of(validators[0], stuck), "pending", "the record is pending")
    got = h.wait_until(lambda: (lambda r: r if r.get("status") == "expired" else None)(
        validators[0].rpc("get_record", {"id": stuck})), 3 * WINDOW_MS / 1000 + 10)
    c.check(bool(got), "after the window it is expired, not pending forever", repr(got))
    if got:
        c.check("client_time_window_ms" in got.get("reason", ""), "the reason names the window", got.get("reason"))
        c.equal(validators[0].status()["mempool_size"], 0, "it has left the mempool")

    for n in nodes:
        if n.running():
            c.check(n.stop() == 0, f"{n.name} stops cleanly on SIGTERM")


if __name__ == "__main__":
    h.run_main("late joiner: catch-up after the client-time window, and expiry", body)
