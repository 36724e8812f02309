#!/usr/bin/env python3
"""Disk full: the node says it is halted, refuses records, and resumes by itself.

A devnet's data directory lives on a small tmpfs. A filler file takes all but a little
of its room, and records are submitted until the node cannot write. Then:
- `/health` answers 503 with status "halted" and the reason, `status.halted` says it;
- `submit_record` is refused with `node_halted` (-32011), nothing is held as pending;
- every record the node reported committed stays committed.
When the filler is removed the node resumes without a restart: `/health` is ok again and
new records commit. After a restart everything committed is still there.

Needs root (to mount the tmpfs); otherwise it is skipped (exit 77).

usage: test_disk_full.py /path/to/jchain
"""
import os
import subprocess
import sys
import time

import jchain_harness as h

SKIP = 77


def health(node: h.Node) -> tuple[int, dict]:
    import json
    status, body = h.http_get(node.url, "/health", timeout=5)
    return status, json.loads(body)


def body(c: h.Checker, jchain: str) -> None:
    work = h.temp_dir("jchain-diskfull-")
    home = os.path.join(work, "devnet")
    data = os.path.join(home, "data")
    os.makedirs(data)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", data], capture_output=True)
    if mounted.returncode != 0:
        print(f"skipped: cannot mount a tmpfs ({mounted.stderr.decode().strip()})")
        sys.exit(SKIP)
    try:
        run(c, jchain, work, home, data)
    finally:
        h.stop_all_processes()
        subprocess.run(["umount", "-l", data], capture_output=True)


def run(c: h.Checker, jchain: str, work: str, home: str, data: str) -> None:
    node = h.Node(jchain, home, work, "devnet")
    node.start("devnet")
    key = h.Key.from_file(os.path.join(home, "config", "demo_member_key.json"))
    chain_id = node.status()["chain_id"]

    def commit_one() -> str:
        rid = node.rpc("submit_record", {"record": h.make_record(key, chain_id)})["id"]
        c.require(h.wait_until(lambda: node.rpc("get_record", {"id": rid})["status"] == "committed", 30),
                  "a record commits")
        return rid

    committed = [commit_one() for _ in range(3)]
    st = os.statvfs(data)
    filler = os.path.join(data, "filler")
    with open(filler, "wb") as f:  # all but 256 KiB
        left = st.f_bavail * st.f_frsize - (256 << 10)
        while left > 0:
            n = min(left, 1 << 20)
            f.write(b"\0" * n)
            left -= n

    # Records of 2 KiB of metadata until the node cannot write.
    halted_seen, refused, accepted = False, None, []
    for i in range(2000):
        rec = h.make_record(key, chain_id, metadata={f"k{j}": "x" * 250 for j in range(8)})
        try:
            rid = node.rpc("submit_record", {"record": rec})["id"]
        except h.RpcError as e:
            refused = e
            break
        if i % 20 == 0:
            status, body = health(node)
            if status != 200:
                halted_seen = True
        accepted.append(rid)
    c.require(refused is not None or halted_seen, "the node stops taking records once its disk is full")
    if refused is None:
        try:
            node.rpc("submit_record", {"record": h.make_record(key, chain_id)})
        except h.RpcError as e:
            refused = e
    c.check(refused is not None and refused.error.get("code") == -32011 and
            refused.error.get("data", {}).get("reason") == "node_halted",
            "submit_record is refused with node_halted (-32011)", repr(refused and refused.error))
    status, body = health(node)
    c.check(status == 503 and body.get("status") == "halted" and body.get("reason"),
            "/health answers 503 with status halted and the reason", f"{status} {body}")
    st = node.status()
    c.check(bool(st.get("halted")), "status.halted names the reason", h.short(st))
    pending = node.status()["mempool_size"]
    # Let some of what was pending drain into blocks where it can (it cannot: the disk is full).
    lost = [r for r in committed if node.rpc("get_record", {"id": r})["status"] != "committed"]
    c.check(not lost, "every record reported committed is still committed", repr(lost[:3]))

    os.remove(filler)
    ok = h.wait_until(lambda: health(node)[0] == 200, 30)
    c.check(ok, "with room again, /health is ok within 30 s, without a restart", repr(health(node)))
    c.check(node.status().get("halted") is None, "status.halted is null again", h.short(node.status()))
    committed += [commit_one() for _ in range(3)]
    ok = h.wait_until(lambda: all(node.rpc("get_record", {"id": r})["status"] == "committed" for r in accepted), 60)
    c.check(ok, f"the {len(accepted)} records accepted before the halt ({pending} still pending then) all commit")
    committed += accepted
    log = node.log_text()
    c.check("consensus halted" in log and "consensus resumed" in log, "the log says it halted and resumed")

    c.require(node.stop() == 0, "the node stops cleanly")
    node.start("devnet")
    lost = [r for r in committed if node.rpc("get_record", {"id": r})["status"] != "committed"]
    c.check(not lost, f"after a restart all {len(committed)} committed records are there", repr(lost[:3]))
    c.check(node.stop() == 0, "the node stops cleanly again")


if __name__ == "__main__":
    h.run_main("disk full: halted, refusing, resuming by itself", body)
