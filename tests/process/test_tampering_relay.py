#!/usr/bin/env python3
"""A stolen node key relays every proposal with its body changed: the chain does not slow down.

Five validators in genesis, four running; the fifth's node key is the attacker's. Every
validator cuts a heartbeat block every 100 ms, so blocks come without clients, and
records are submitted meanwhile so that some blocks carry records. Then, in one run:

1. baseline: blocks/s of the four, no attacker;
2. tests/p2p/adversary/relay_peer links to all four and sends every proposal it hears to
   all of them again, one record signature changed (or a record added to an empty
   block): header and proposer signature untouched. Before header v3 a node that got
   this copy first held it against the block hash and prevoted nil (the issue measured
   -40% blocks/s). Now the body does not match the header, so each validator drops the
   copy, bans the relay (jchain_peer_bans_total{reason="bad_body"}), and takes the
   genuine copy: the chain keeps >= 0.9 of the baseline rate.

usage: test_tampering_relay.py /path/to/jchain /path/to/relay_peer
"""
import json
import os
import subprocess
import sys
import threading
import time

import jchain_harness as h
from test_adversary_peers import StolenKeyNet, height, metric, rate

RATE_FLOOR = 0.9
WINDOW_S = 15


def body(c: h.Checker, jchain: str) -> None:
    relay = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else ""
    if not os.access(relay, os.X_OK):
        print("usage: test_tampering_relay.py JCHAIN RELAY_PEER", file=sys.stderr)
        sys.exit(2)
    work = h.temp_dir("jchain-relay-")
    net = StolenKeyNet(c, jchain, work)
    honest, stolen_key, genesis, p2p_of, spec = net.honest, net.stolen_key, net.genesis, net.p2p_of, net.spec
    ok = h.wait_until(lambda: min(height(n) for n in honest) >= 10, 30)
    c.require(bool(ok), "all four validators pass height 10", str([height(n) for n in honest]))

    # Records now and then, so that blocks carry some: the relay then changes a real
    # record's signature rather than add one to an empty block.
    member_key = spec["demo_member_key"]
    stop = threading.Event()
    submitted = [0]

    def load():
        i = 0
        while not stop.is_set():
            path = os.path.join(work, "evidence.txt")
            with open(path, "w") as f:
                f.write(f"relay test record {i}\n")
            r = h.cli(jchain, ["submit", "--key", member_key, "--kind", "evidence", "--file", path],
                      env=h.test_env(work, honest[i % 4].url))
            submitted[0] += r.rc == 0
            i += 1
            stop.wait(0.2)

    loader = threading.Thread(target=load, daemon=True)
    loader.start()

    c.section(f"baseline: {WINDOW_S} s without the relay")
    base = rate(honest, WINDOW_S)
    c.require(base > 1, f"the chain commits {base:.2f} blocks/s")

    c.section("every proposal relayed to every validator with its body changed")
    args = [relay, "--key", stolen_key, "--genesis", genesis, "--seconds", str(WINDOW_S + 4)]
    for p in p2p_of:
        args += ["--peer", p]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(2)
    relayed = rate(honest, WINDOW_S)
    out_text, err_text = proc.communicate(timeout=60)
    print(f"relay: {out_text.strip()} {err_text.strip()[-500:]}")
    report = json.loads(out_text) if out_text.strip() else {}
    stop.set()
    loader.join()
    c.check(submitted[0] > 0, f"{submitted[0]} records were submitted during the run")
    c.check(report.get("tampered_sent", 0) > 0, f"the relay sent changed proposals ({report.get('tampered_sent')})")
    c.check(relayed >= RATE_FLOOR * base,
            f"the chain keeps {relayed:.2f} blocks/s with the relay, >= {RATE_FLOOR} x {base:.2f}",
            f"ratio {relayed / base:.2f}")
    banned = [metric(n, 'jchain_peer_bans_total{reason="bad_body"}') for n in honest]
    c.check(sum(1 for b in banned if b >= 1) >= 3,
            f"the validators that got a changed proposal banned the relay for bad_body ({banned})")
    c.check(report.get("handshakes_refused", 0) > 0,
            f"its redials are refused while it is banned ({report.get('handshakes_refused')} refused)")
    heights = [height(n) for n in honest]
    c.check(max(heights) - min(heights) <= 3, f"the validators stay together ({heights})")
    print(f"MEASURED baseline={base:.2f} blocks/s tampering_relay={relayed:.2f} ratio={relayed / base:.2f} "
          f"bans={banned}")
    for n in honest:
        c.check(n.stop() == 0, f"{n.name} stops cleanly")


if __name__ == "__main__":
    h.run_main("tampering relay", body)
