#!/usr/bin/env python3
"""A stolen node key floods two of four validators: the chain keeps going, memory stays bounded.

Five validators in genesis (`jchain testnet --validators 5`), four running; the fifth's
node key is the attacker's (stolen: it may open links, and will stay admissible when
only node keys may). Every validator cuts a heartbeat block every 100 ms
(consensus.empty_block_interval_ms), so the commit rate is measured without clients.
Then, in the same run:

1. baseline: blocks/s of the four, no attacker;
2. bad-signature flood (60 s): tests/p2p/adversary/adversary_peer sends gossip frames of a real
   member's records with random signatures to validators 0 and 1 as fast as their links
   take them. A relayed record with a bad signature is a frame no honest node sends: the
   attacker must be cut off and banned (jchain_peer_bans_total{reason="bad_record_signature"}),
   logged once per incident, and the chain must keep >= 0.8 of the baseline rate;
3. stale flood (60 s): the same frames with an hour-old client time, which no rule forbids a
   relay to send (it may be slow) and cost no signature check: only the per-peer inbound
   byte budget stops them. The chain must keep >= 0.8 of the baseline rate.
Throughout, every node's RSS stays under the ceiling docs/p2p.md states (1 GiB).

usage: test_adversary_peers.py /path/to/jchain /path/to/adversary_peer
"""
import json
import os
import re
import subprocess
import sys
import threading
import time

import jchain_harness as h

CEILING_BYTES = 1 << 30  # docs/p2p.md, "Memory ceiling"
RATE_FLOOR = 0.8
WINDOW_S = 20  # the unflooded baseline
FLOOD_S = 60  # each flood, as issue 17 states the attack


def rss_bytes(node: h.Node) -> int:
    try:
        for line in open(f"/proc/{node.proc.pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (OSError, AttributeError):
        pass
    return 0


class RssWatch:
    """Samples every node's RSS every 200 ms; keeps the largest seen per node."""

    def __init__(self, nodes):
        self.nodes, self.max = nodes, [0] * len(nodes)
        self.stop_flag = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop_flag.wait(0.2):
            for i, n in enumerate(self.nodes):
                self.max[i] = max(self.max[i], rss_bytes(n))

    def stop(self):
        self.stop_flag.set()
        self.thread.join()


def height(node: h.Node) -> int:
    return node.status()["height"]


def rate(nodes, seconds: float) -> float:
    """Blocks/s committed by the slowest of `nodes` over `seconds`."""
    start = [height(n) for n in nodes]
    t0 = time.monotonic()
    time.sleep(seconds)
    end = [height(n) for n in nodes]
    dt = time.monotonic() - t0
    return min((e - s) / dt for s, e in zip(start, end))


def metric(node: h.Node, name: str) -> int:
    status, text = h.http_get(node.url, "/metrics")
    text = text.decode() if isinstance(text, bytes) else text
    m = re.search("^" + re.escape(name) + r" (\d+)$", text, re.M)
    return int(m.group(1)) if m else -1


class StolenKeyNet:
    """Five validators in genesis (`jchain testnet --validators 5`), four started, each
    cutting a heartbeat block every 100 ms; the fifth's node key is the attacker's.
    honest: the four Nodes; p2p_of: their P2P addresses; stolen_key, genesis: paths;
    spec: what `jchain testnet --json` printed. Shared with test_tampering_relay.py."""

    def __init__(self, c: h.Checker, jchain: str, work: str):
        out = os.path.join(work, "net")
        c.section("five validators in genesis, four running; the fifth's node key is stolen")
        res = h.cli(jchain, ["testnet", "--validators", "5", "--out", out, "--base-port", str(h.free_port()),
                             "--param", "timeout_propose_ms=300", "--json"], env=h.test_env(work))
        c.require(res.rc == 0, "`jchain testnet` writes the homes", repr(res))
        self.spec = res.json()
        nodes = h.testnet_nodes(jchain, self.spec, work)
        for n in nodes:
            h.set_toml_value(n.home, "consensus", "empty_block_interval_ms", 100)
        self.honest, stolen = nodes[:4], nodes[4]
        self.stolen_key = os.path.join(stolen.home, "config", "node_key.json")
        self.genesis = os.path.join(stolen.home, "config", "genesis.json")
        self.p2p_of = []
        for n in self.honest:
            text = open(os.path.join(n.home, "config", "node.toml")).read()
            section = text[text.index("[p2p]"):]
            self.p2p_of.append(json.loads(re.search(r'^listen = (".*")$', section, re.M).group(1)))
        for n in self.honest:
            n.start("start")


def body(c: h.Checker, jchain: str) -> None:
    adversary = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else ""
    if not os.access(adversary, os.X_OK):
        print("usage: test_adversary_peers.py JCHAIN ADVERSARY_PEER", file=sys.stderr)
        sys.exit(2)
    work = h.temp_dir("jchain-adversary-")
    net = StolenKeyNet(c, jchain, work)
    honest, stolen_key, genesis, p2p_of = net.honest, net.stolen_key, net.genesis, net.p2p_of
    watch = RssWatch(honest)

    c.section("heartbeat blocks: the chain commits with no records (consensus.empty_block_interval_ms)")
    ok = h.wait_until(lambda: min(height(n) for n in honest) >= 10, 30)
    c.require(bool(ok), "all four validators pass height 10 with no records submitted",
              str([height(n) for n in honest]))

    c.section(f"baseline: {WINDOW_S} s without the attacker")
    base = rate(honest, WINDOW_S)
    c.require(base > 1, f"the chain commits {base:.2f} blocks/s")

    def flood(mode: str, seconds: float, targets):
        args = [adversary, "--key", stolen_key, "--genesis", genesis, "--seconds", str(seconds), "--mode", mode]
        for t in targets:
            args += ["--peer", p2p_of[t]]
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        return proc

    c.section("bad-signature gossip at full link speed to validators 0 and 1")
    logs_before = [len(n.log_text()) for n in honest]
    proc = flood("bad-signature", FLOOD_S + 4, (0, 1))
    time.sleep(2)
    flooded = rate(honest, FLOOD_S)
    out_text, err_text = proc.communicate(timeout=120)
    print(f"adversary: {out_text.strip()} {err_text.strip()[-500:]}")
    report = json.loads(out_text) if out_text.strip() else {}
    c.check(flooded >= RATE_FLOOR * base,
            f"the chain keeps {flooded:.2f} blocks/s under the flood, >= {RATE_FLOOR} x {base:.2f}",
            f"ratio {flooded / base:.2f}")
    for i in (0, 1):
        bans = metric(honest[i], 'jchain_peer_bans_total{reason="bad_record_signature"}')
        c.check(bans >= 1, f"validator {i} banned the attacker for bad record signatures ({bans} bans)")
        log = honest[i].log_text()[logs_before[i]:]
        lines = len(re.findall(r"disconnecting .*bad_record_signature", log))
        c.check(1 <= lines <= max(bans, 1), f"validator {i} logged each ban once ({lines} lines, {bans} bans)")
    c.check(report.get("handshakes_refused", 0) > 0,
            f"the attacker's redials are refused while it is banned ({report.get('handshakes_refused')} refused)")
    c.check(report.get("links", 99) <= 4, f"the attacker linked at most twice per validator ({report.get('links')} links)")

    c.section("stale-record gossip at full link speed: no offence, only the byte budget holds it")
    # Validators 0 and 1 still refuse the stolen key (its ban lasts a minute); 2 and 3
    # never banned it, and nothing in this flood is an offence: they take it.
    proc = flood("stale", FLOOD_S + 4, (2, 3))
    time.sleep(2)
    stale = rate(honest, FLOOD_S)
    out_text, err_text = proc.communicate(timeout=120)
    print(f"adversary: {out_text.strip()} {err_text.strip()[-500:]}")
    report = json.loads(out_text) if out_text.strip() else {}
    c.check(report.get("frames_queued", 0) > 0, f"the attacker sent frames ({report.get('frames_queued')})")
    for i in (2, 3):
        bans = metric(honest[i], 'jchain_peer_bans_total{reason="bad_record_signature"}')
        c.check(bans == 0, f"validator {i} bans nobody for stale records ({bans})")
    c.check(stale >= RATE_FLOOR * base,
            f"the chain keeps {stale:.2f} blocks/s under a stale flood, >= {RATE_FLOOR} x {base:.2f}",
            f"ratio {stale / base:.2f}")

    watch.stop()
    for i, peak in enumerate(watch.max):
        c.check(0 < peak < CEILING_BYTES, f"validator {i} peak RSS {peak / 2**20:.0f} MiB < {CEILING_BYTES >> 20} MiB")
    print(f"MEASURED baseline={base:.2f} blocks/s bad_signature_flood={flooded:.2f} stale_flood={stale:.2f} "
          f"peak_rss_mib={[round(p / 2**20) for p in watch.max]}")
    for n in honest:
        c.check(n.stop() == 0, f"{n.name} stops cleanly")


if __name__ == "__main__":
    h.run_main("adversary peers", body)
