#!/usr/bin/env python3
"""A validator whose clock is an hour ahead says so, with the offset.

Four validators; the fourth runs under faketime one hour ahead. The chain goes on with
the other three. The skewed node must log a clock-skew warning naming the offset and the
chain's drift bound, and show `status.clock_offset_ms` and the `jchain_clock_offset_ms`
metric near -3,600,000 (the others' block times are behind its clock); an honest
validator's offset stays within the drift bound. Needs `faketime` (Debian package
faketime); skipped (77) without it.

usage: test_clock_skew.py /path/to/jchain
"""
import json
import os
import glob
import sys

import jchain_harness as h

SKIP = 77
HOUR_MS = 3600 * 1000


def body(c: h.Checker, jchain: str) -> None:
    libs = glob.glob("/usr/lib/*/faketime/libfaketimeMT.so.1")
    if not libs:
        print("skipped: libfaketime is not installed (apt-get install faketime)")
        sys.exit(SKIP)
    work = h.temp_dir("jchain-skew-")
    env = h.test_env(work)
    out = os.path.join(work, "net")
    res = h.cli(jchain, ["testnet", "--validators", "4", "--out", out, "--base-port", str(h.free_port()), "--json"],
                env=env)
    c.require(res.rc == 0, "`jchain testnet --validators 4` writes the homes", repr(res))
    spec = res.json()
    key = h.Key.from_file(spec["demo_member_key"])
    nodes = h.testnet_nodes(jchain, spec, work)
    skewed = nodes[3]
    # Preloaded directly (not the faketime wrapper, which forks: signals would miss jchain).
    skewed.extra_env = {"LD_PRELOAD": libs[0], "FAKETIME": "+1h", "DONT_FAKE_MONOTONIC": "1"}
    for n in nodes:
        n.start("start")
    drift = json.load(open(os.path.join(spec["nodes"][0]["home"], "config", "genesis.json")))["params"][
        "block_time_drift_ms"]

    # Blocks for the skewed node to see proposals of.
    ids = []
    for i in range(12):
        rec = h.make_record(key, spec["chain_id"])
        ids.append(nodes[i % 3].rpc("submit_record", {"record": rec})["id"])
    ok = h.wait_until(lambda: all(nodes[0].rpc("get_record", {"id": r})["status"] == "committed" for r in ids), 60)
    c.require(bool(ok), "12 records commit with the skewed validator in the set")

    # A node says an offset once it has seen proposals by 2f + 1 of the others (all three
    # here); keep blocks coming until a node has.
    def measured(node):
        if node.status().get("clock_offset_ms") is None:
            nodes[1].rpc("submit_record", {"record": h.make_record(key, spec["chain_id"])})
            return False
        return True

    ok = h.wait_until(lambda: measured(skewed), 30, step=0.5)
    c.require(bool(ok), "the skewed node has measured an offset", h.short(skewed.status()))

    offset = skewed.status()["clock_offset_ms"]
    c.check(-HOUR_MS - 60_000 < offset < -HOUR_MS + 60_000,
            "status.clock_offset_ms of the node an hour ahead is about -3,600,000", str(offset))
    _, metrics = h.http_get(skewed.url, "/metrics")
    line = [l for l in metrics.decode().splitlines() if l.startswith("jchain_clock_offset_ms ")]
    c.check(bool(line) and abs(int(line[0].split()[1]) - offset) < 60_000, "the jchain_clock_offset_ms metric shows it",
            repr(line))
    log = skewed.log_text()
    c.check("clock skew" in log and f"allows {drift} ms" in log and "behind this node's clock" in log,
            "its log warns of clock skew with the direction and the chain's bound",
            "\n".join(l for l in log.splitlines() if "skew" in l)[:500] or log[-500:])
    h.wait_until(lambda: measured(nodes[0]), 30, step=0.5)
    honest = nodes[0].status().get("clock_offset_ms")
    c.check(honest is not None and abs(honest) <= drift, f"an honest validator's offset is within {drift} ms",
            str(honest))
    c.check("clock skew" not in nodes[0].log_text(), "and it logs no skew warning")
    for n in nodes:
        c.check(n.stop() == 0, f"{n.name} stops cleanly")


if __name__ == "__main__":
    h.run_main("clock skew: a validator an hour ahead says so", body)
