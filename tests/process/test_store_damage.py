#!/usr/bin/env python3
"""A damaged store stops the node; it never serves what it did not write.

A devnet commits records, is stopped, and one byte in the middle of a LevelDB table file
is flipped (what a failing disk or a careless copy does). Restarted, the node is asked
for every record and block. Each answer must be exactly what was committed; the first
read of the damaged block must stop the node with exit status 74 and a message naming
the damage (never a wrong height, a wrong record or "not found" for a committed record).
`jchain audit --home` must report the damage too, without the "is the node running?"
hint that belongs only to a store held open by another process.

usage: test_store_damage.py /path/to/jchain
"""
import glob
import http.client
import os
import time

import jchain_harness as h

DAMAGED_EXIT = 74


def table_files(home: str) -> list[str]:
    return sorted(glob.glob(os.path.join(home, "data", "**", "*.ldb"), recursive=True), key=os.path.getsize)


def body(c: h.Checker, jchain: str) -> None:
    work = h.temp_dir("jchain-damage-")
    home = os.path.join(work, "devnet")
    node = h.Node(jchain, home, work, "devnet")
    node.start("devnet")
    key = h.Key.from_file(os.path.join(home, "config", "demo_member_key.json"))
    chain_id = node.status()["chain_id"]
    committed = {}
    for _ in range(60):
        rec = h.make_record(key, chain_id, metadata={"note": "x" * 200})
        committed[node.rpc("submit_record", {"record": rec})["id"]] = rec
    ok = h.wait_until(lambda: all(node.rpc("get_record", {"id": i})["status"] == "committed" for i in committed), 60)
    c.require(ok, "60 records committed")
    answers = {i: node.rpc("get_record", {"id": i}) for i in committed}
    tip = node.status()["height"]
    blocks = {hgt: node.rpc("get_block", {"height": hgt}) for hgt in range(1, tip + 1)}
    c.require(node.stop() == 0, "the devnet stops cleanly")
    # A second start and stop moves LevelDB's log into table files.
    node.start("devnet")
    c.require(node.stop() == 0, "the devnet stops cleanly again")

    tables = table_files(home)
    c.require(tables, "the store has table files", repr(tables))
    victim = tables[-1]
    size = os.path.getsize(victim)
    with open(victim, "r+b") as f:
        f.seek(size // 3)  # inside the data blocks, which come first
        b = f.read(1)
        f.seek(size // 3)
        f.write(bytes([b[0] ^ 0x10]))

    node.start("devnet", wait=False)
    # Every block, then every record, as it was answered before the damage.
    asks = [(f"block {hgt}", "get_block", {"height": hgt}, want) for hgt, want in blocks.items()]
    asks += [(f"record {rid}", "get_record", {"id": rid}, want) for rid, want in answers.items()]
    wrong, served = [], 0
    deadline = time.monotonic() + 30
    for what, method, params, want in asks:
        if not node.running():
            break
        try:
            got = node.rpc(method, params, timeout=5)
            served += 1
            if got != want:
                wrong.append(f"{what}: {h.short(got)}")
        except h.RpcError as e:
            wrong.append(f"{what}: {e}")
        except (OSError, http.client.HTTPException):  # not listening yet, or just stopped
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
    c.check(not wrong, "every answer served is exactly what was committed", "; ".join(wrong[:5]))
    try:
        rc = node.proc.wait(timeout=10)
    except Exception:
        rc = None  # still running: it never read the damaged block
        node.stop()
    log = node.log_text()
    damage = [line for line in log.splitlines() if "damaged" in line][:1]
    print(f"  info  {served} answers served before the node stopped: {damage}")
    c.check(rc == DAMAGED_EXIT, f"the node stopped with exit status {DAMAGED_EXIT}",
            f"rc={rc}, served {served}, log tail: {log[-800:]}")
    c.check("the store is damaged" in log and "jchain import" in log,
            "its log names the damage and the remedies", log[-800:])
    node._forget()

    res = h.cli(jchain, ["audit", "--home", home], env=h.test_env(work))
    c.check(res.rc != 0 and "damaged" in (res.out + res.err), "jchain audit --home reports the damage", repr(res)[-600:])
    c.check("is the node running" not in res.out + res.err, "and does not ask whether the node is running",
            repr(res)[-600:])


if __name__ == "__main__":
    h.run_main("store damage: a flipped byte stops the node, never a wrong answer", body)
