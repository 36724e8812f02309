#!/usr/bin/env python3
"""Four validators and an observer as real `jchain start` processes on loopback.

Records submitted to different validators commit identically on all; one validator
SIGKILLed does not stop the chain and catches up after a restart; with two of four
down nothing commits and nothing forks, and the chain resumes when they return; an
observer started late syncs to the tip and never votes.

usage: test_testnet.py /path/to/jchain
"""
import json
import os
import time

import jchain_harness as h


def submit(node: h.Node, key: h.Key, chain_id: str, n: int, tag: str) -> list[str]:
    ids = []
    for i in range(n):
        rec = h.make_record(key, chain_id, case_id=f"case-{tag}", metadata={"seq": str(i)})
        res = node.rpc("submit_record", {"record": rec})
        ids.append(res["id"])
    return ids


def committed(node: h.Node, rid: str) -> bool:
    r = node.rpc("get_record", {"id": rid})
    return r.get("status") == "committed" or "height" in r and r.get("height") is not None


def block_hash(node: h.Node, height: int) -> str:
    return node.rpc("get_block", {"height": height})["hash"]


def body(c: h.Checker, jchain: str) -> None:
    work = h.temp_dir("jchain-testnet-")
    env = h.test_env(work)
    out = os.path.join(work, "net")

    c.section("jchain testnet --validators 4 --observers 1")
    res = h.cli(jchain, ["testnet", "--validators", "4", "--observers", "1", "--out", out, "--base-port",
                         str(h.free_port()), "--json"], env=env)
    c.require(res.rc == 0, "`jchain testnet` writes the homes", repr(res))
    spec = res.json()
    c.require(len(spec["nodes"]) == 5, "five homes", repr(spec))
    key = h.Key.from_file(spec["demo_member_key"])
    chain_id = spec["chain_id"]

    nodes = h.testnet_nodes(jchain, spec, work)
    validators, observer = nodes[:4], nodes[4]

    c.section("four validators commit the same blocks")
    for v in validators:
        v.start("start")
    ids = []
    for i, v in enumerate(validators):
        ids += submit(v, key, chain_id, 5, f"v{i}")
    ok = h.wait_until(lambda: all(committed(v, rid) for v in validators for rid in ids), 30)
    c.require(bool(ok), "20 records submitted to four different validators are committed on all four")
    heights = [v.status()["height"] for v in validators]
    top = min(heights)
    c.check(top >= 1, f"every validator has committed blocks (heights {heights})")
    same = all(len({block_hash(v, k) for v in validators}) == 1 for k in range(1, top + 1))
    c.check(same, f"blocks 1..{top} have the same hash on all four validators")
    peers = validators[0].status()["peers"]
    c.check(len(peers) >= 3, f"status lists the peers ({len(peers)})")

    c.section("each validator signs the checkpoint and gossips the line (docs/checkpoints.md)")
    size = validators[0].status()["ledger_size"]

    def signed_by_all(v):
        cp = v.rpc("get_checkpoint", {"size": size})
        return cp if len(cp["validators"]) == 4 else None

    ok = h.wait_until(lambda: all(signed_by_all(v) for v in validators), 15)
    c.check(bool(ok), f"every validator holds all four signatures on the checkpoint at size {size}")
    if ok:
        notes = {signed_by_all(v)["note"] for v in validators}
        c.check(len(notes) == 1, "and serves the same signed note")
        status, raw = h.http_get(validators[1].url, "/checkpoint")
        c.check(status == 200 and raw.decode() in notes, "GET /checkpoint serves it")

    c.section("one validator killed: the other three go on; restarted, it catches up")
    validators[3].kill()
    more = submit(validators[0], key, chain_id, 5, "one-down")
    ok = h.wait_until(lambda: all(committed(v, rid) for v in validators[:3] for rid in more), 30)
    c.check(bool(ok), "records commit with three of four validators")
    validators[3].start("start")
    tip = validators[0].status()["height"]
    ok = h.wait_until(lambda: validators[3].status()["height"] >= tip, 30)
    c.check(bool(ok), f"the restarted validator catches up to height {tip}")
    if ok:
        c.check(block_hash(validators[3], tip) == block_hash(validators[0], tip),
                "and has the same block at that height")

    c.section("two of four killed: nothing commits, nothing forks; restarted, the chain resumes")
    validators[2].kill()
    validators[3].kill()
    stuck_height = validators[0].status()["height"]
    stuck = submit(validators[0], key, chain_id, 3, "two-down")
    time.sleep(4)
    c.check(not any(committed(v, rid) for v in validators[:2] for rid in stuck),
            "with two of four validators down, no record commits")
    hs = [v.status()["height"] for v in validators[:2]]
    c.check(all(x == stuck_height for x in hs), f"and no block is added (heights {hs}, was {stuck_height})")
    validators[2].start("start")
    validators[3].start("start")
    ok = h.wait_until(lambda: all(committed(v, rid) for v in validators for rid in stuck), 60)
    c.check(bool(ok), "after the restart the waiting records commit on all four")
    top = min(v.status()["height"] for v in validators)
    same = all(len({block_hash(v, k) for v in validators}) == 1 for k in range(1, top + 1))
    c.check(same, f"blocks 1..{top} are identical on all four: no fork")

    c.section("an observer started late syncs to the tip and never votes")
    observer.start("start")
    tip = validators[0].status()["height"]
    ok = h.wait_until(lambda: observer.status()["height"] >= tip, 60)
    c.check(bool(ok), f"the observer reaches height {tip}")
    st = observer.status()
    c.equal(st["role"], "observer", "the observer's status says so")
    if ok:
        c.check(block_hash(observer, tip) == block_hash(validators[0], tip), "its tip block matches the validators'")
        c.check(all(committed(observer, rid) for rid in ids), "it serves the committed records")
        blk = observer.rpc("get_block", {"height": tip})
        signers = {s["validator"] for s in blk["commit"]["signatures"]}
        obs_key = json.load(open(os.path.join(observer.home, "config", "node_key.json")))["public_key"]
        c.check(obs_key not in signers, "its key signs no commit certificate")
    late = submit(observer, key, chain_id, 2, "via-observer")
    ok = h.wait_until(lambda: all(committed(v, rid) for v in validators for rid in late), 30)
    c.check(bool(ok), "records submitted to the observer reach the validators and commit")

    size = validators[0].status()["ledger_size"]
    ok = h.wait_until(lambda: observer.rpc("get_checkpoint")["size"] == size and
                      observer.rpc("get_checkpoint")["quorum"], 15)
    c.check(bool(ok), f"the observer collected the validators' signatures on the latest checkpoint (size {size})")

    for n in nodes:
        c.check(n.stop() == 0, f"{n.name} stops cleanly on SIGTERM")


if __name__ == "__main__":
    h.run_main("testnet: four validators and an observer", body)
