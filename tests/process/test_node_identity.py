#!/usr/bin/env python3
"""Transport identities are node keys, never member keys (issue 17, part 1).

Real `jchain start` processes on loopback: one validator and two observer nodes that
genesis lists under "nodes" (as `jchain testnet --observers` writes them). A P2P client
(tests/p2p/tools/dial_peer.cpp: p2p::PeerNetwork with a key file, protocol v2) checks
who may link:

- a member key (a court clerk's, which lives on a PC) is refused, as is an unknown key;
  a node key genesis lists links;
- an observer declared in genesis syncs;
- an observer node removed by governance (`remove-node`) loses its links at the height
  the change takes effect: it gets no block from that height on, the validator's peers
  no longer list it, its redials are refused, and still after the validator restarts.

- `jchain init --observer-node NAME=KEY` lists an observer in a new chain's genesis; an
  observer home made by `jchain init` with that key links and syncs, one with a key the
  genesis does not list is refused and logs why.

usage: test_node_identity.py /path/to/jchain   (dial_peer: env JCHAIN_DIAL_PEER, or found
beside the build's tests/)
"""
import json
import os
import subprocess
import threading
import time
import tomllib

import jchain_harness as h


def dial_peer_path(jchain: str) -> str:
    path = os.environ.get("JCHAIN_DIAL_PEER")
    if path:
        return path
    build = os.path.dirname(os.path.dirname(jchain))  # BUILD/cli/jchain
    return os.path.join(build, "tests", "dial_peer")


def p2p_listen(home: str) -> str:
    with open(os.path.join(home, "config", "node.toml"), "rb") as f:
        return tomllib.load(f)["p2p"]["listen"]


def node_key(home: str) -> str:
    return json.load(open(os.path.join(home, "config", "node_key.json")))["public_key"]


def dial(dialer: str, chain_id: str, address: str, server_key: str, key_file: str) -> dict:
    """Dials `address` with `key_file`; {"linked": bool, "refused_handshakes": n, "ms": t}."""
    res = subprocess.run([dialer, "--chain-id", chain_id, "--address", address, "--server-key", server_key,
                          "--key", key_file, "--timeout-ms", "8000", "--refusals", "3"],
                         capture_output=True, text=True, timeout=30)
    try:
        out = json.loads(res.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise h.TestFailure(f"dial_peer said nothing usable: rc {res.returncode}, {res.stdout!r} {res.stderr!r}")
    out["rc"] = res.returncode
    return out


def peer_keys(node: h.Node) -> set[str]:
    return {p["public_key"] for p in node.status()["peers"]}


class Flow:
    """Submits a record every 150 ms to the validator so that blocks keep coming (a chain
    without records makes no blocks). A refused submission while the node restarts is
    retried by the next tick; `committed()` tells whether records went through."""

    def __init__(self, node: h.Node, key: h.Key, chain_id: str):
        self.node, self.key, self.chain_id = node, key, chain_id
        self.accepted = 0
        self.stop_flag = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop_flag.is_set():
            try:
                self.node.rpc("submit_record", {"record": h.make_record(self.key, self.chain_id, case_id="identity")},
                              timeout=5)
                self.accepted += 1
            except (OSError, h.RpcError, ValueError, KeyError):
                pass  # the node is restarting
            time.sleep(0.15)

    def stop(self):
        self.stop_flag.set()
        self.thread.join()


def body(c: h.Checker, jchain: str) -> None:
    dialer = dial_peer_path(jchain)
    c.require(os.access(dialer, os.X_OK), f"the P2P client {dialer} is built")
    work = h.temp_dir("jchain-identity-")
    env = h.test_env(work)
    out = os.path.join(work, "net")

    c.section("jchain testnet --validators 1 --observers 2: observers are nodes, not members")
    res = h.cli(jchain, ["testnet", "--validators", "1", "--observers", "2", "--out", out, "--base-port",
                         str(h.free_port()), "--json"], env=env)
    c.require(res.rc == 0, "`jchain testnet` writes the homes", repr(res))
    spec = res.json()
    chain_id = spec["chain_id"]
    homes = [n["home"] for n in spec["nodes"]]
    genesis = json.load(open(os.path.join(homes[0], "config", "genesis.json")))
    keys = [node_key(hm) for hm in homes]
    listed = {n["public_key"] for n in genesis["nodes"]}
    members = {m["public_key"] for m in genesis["members"]}
    c.equal(listed, {keys[1], keys[2]}, "genesis lists both observers' node keys under \"nodes\"")
    c.check(not (set(keys) & members), "no node key is a member key")
    member_file = os.path.join(homes[0], "config", "member_key.json")
    c.check(json.load(open(member_file))["public_key"] in members, "the validator's court signs with a member key")

    nodes = h.testnet_nodes(jchain, spec, work)
    validator, archive, doomed = nodes
    addr = p2p_listen(homes[0])

    c.section("who may link: node keys only")
    validator.start("start")
    archive.start("start")
    flow = Flow(validator, h.Key.from_file(spec["demo_member_key"]), chain_id)
    try:
        checks(c, jchain, env, dialer, spec, homes, keys, nodes, member_file, addr)
    finally:
        flow.stop()
    c.check(flow.accepted > 20, f"records kept the blocks coming ({flow.accepted} accepted)")
    for n in nodes:
        n.stop()
    init_observer(c, jchain, env, work)


def init_observer(c: h.Checker, jchain: str, env: dict, work: str) -> None:
    """`jchain init --observer-node` lists an observer's node key in a new chain's genesis;
    the observer, set up with `jchain init` and that genesis, links and syncs. Without the
    listing it is refused and says why."""
    c.section("jchain init --observer-node, then an observer home that uses the listed key")
    obs_key = os.path.join(work, "observer_key.json")
    res = h.cli(jchain, ["--json", "keygen", "--out", obs_key], env=env)
    c.require(res.rc == 0, "a node key for the observer", repr(res))
    obs_pub = res.json()["public_key"]
    vhome, ohome, lone = (os.path.join(work, n) for n in ("solo", "solo-observer", "unlisted-observer"))
    res = h.cli(jchain, ["init", "--home", vhome, "--chain-id", "jchain-solo", "--observer-node", f"Archive={obs_pub}"],
                env=env)
    c.require(res.rc == 0, "`jchain init --observer-node NAME=KEY`", repr(res))
    genesis_file = os.path.join(vhome, "config", "genesis.json")
    genesis = json.load(open(genesis_file))
    c.equal(genesis["nodes"], [{"name": "Archive", "public_key": obs_pub}], "genesis lists the observer node")
    bad = h.cli(jchain, ["init", "--home", os.path.join(work, "bad"), "--observer-node", "Archive=zz"], env=env)
    c.check(bad.rc != 0 and "--observer-node" in bad.err, "a malformed --observer-node is refused", repr(bad))
    vaddr = f"127.0.0.1:{h.free_port()}"
    h.set_toml_value(vhome, "p2p", "listen", vaddr)
    for home, key in ((ohome, obs_key), (lone, None)):
        res = h.cli(jchain, ["init", "--home", home, "--chain-id", "jchain-solo"], env=env)
        c.require(res.rc == 0, f"`jchain init --home {os.path.basename(home)}`", repr(res))
        with open(genesis_file) as src, open(os.path.join(home, "config", "genesis.json"), "w") as dst:
            dst.write(src.read())
        if key:
            with open(key) as src, open(os.path.join(home, "config", "node_key.json"), "w") as dst:
                dst.write(src.read())
        h.set_toml_value(home, "", "role", "observer")
        h.set_toml_value(home, "p2p", "peers", [vaddr])
    validator = h.Node(jchain, vhome, work, name="solo")
    validator.free_p2p_port = False
    observer, unlisted = h.Node(jchain, ohome, work, name="solo-observer"), h.Node(jchain, lone, work, name="unlisted")
    validator.start("start")
    observer.start("start")
    unlisted.start("start")
    member = os.path.join(vhome, "config", "member_key.json")
    try:
        ok = h.wait_until(lambda: validator.rpc("submit_record", {"record": h.make_record(
            h.Key.from_file(member), "jchain-solo", case_id="solo")}) and observer.status()["height"] >= 1, 20, step=0.3)
        c.check(bool(ok), "the observer whose key genesis lists links and syncs", h.short(observer.status()))
        c.check(unlisted.status()["height"] == 0 and not unlisted.status()["peers"],
                "an observer whose key genesis does not list gets no link and no block")
        c.check("neither a validator nor an observer node" in unlisted.log_text(),
                "and says so in its log", unlisted.log_text()[-600:])
    finally:
        for n in (validator, observer, unlisted):
            n.stop()


def checks(c, jchain, env, dialer, spec, homes, keys, nodes, member_file, addr) -> None:
    chain_id = spec["chain_id"]
    validator, archive, doomed = nodes
    ok = h.wait_until(lambda: archive.status()["height"] >= 3 and keys[1] in peer_keys(validator), 30)
    c.require(bool(ok), "the observer genesis declares links to the validator and syncs",
              h.short(archive.status()))
    for what, key_file in [("the validator's court member key", member_file),
                           ("the demo court member key", spec["demo_member_key"])]:
        got = dial(dialer, chain_id, addr, keys[0], key_file)
        c.check(not got["linked"] and got["refused_handshakes"] >= 3 and got["rc"] == 1,
                f"{what} is refused at the handshake, every time", h.short(got))
    stranger = os.path.join(os.path.dirname(homes[0]), "stranger.json")
    c.require(h.cli(jchain, ["keygen", "--out", stranger], env=env).rc == 0, "a fresh key")
    got = dial(dialer, chain_id, addr, keys[0], stranger)
    c.check(not got["linked"] and got["rc"] == 1, "a key the chain does not know is refused", h.short(got))
    # The client can link: with the second observer's node key (that node is not running yet).
    got = dial(dialer, chain_id, addr, keys[0], os.path.join(homes[2], "config", "node_key.json"))
    c.check(got["linked"] and got["rc"] == 0, "a node key genesis lists links (the client works)", h.short(got))

    c.section("remove-node: the observer is cut at the effective height")
    doomed.start("start")
    ok = h.wait_until(lambda: keys[2] in peer_keys(validator) and
                      doomed.status()["height"] >= validator.status()["height"] - 1 >= 2, 30)
    c.require(bool(ok), "the second observer links and follows", h.short(doomed.status()))
    res = h.cli(jchain, ["--json", "governance", "propose", "--key", os.path.join(homes[0], "config", "node_key.json"),
                         "--rpc", validator.url, "--wait", "remove-node", "--public-key", keys[2]], env=env)
    c.require(res.rc == 0, "the validator proposes remove-node (one validator: its proposal decides)", repr(res))
    got = res.json()
    eff = got["state"]["effective_height"]
    c.require(isinstance(eff, int) and eff >= 2, f"in force from height {eff}", h.short(got))
    ok = h.wait_until(lambda: validator.status()["height"] >= eff + 3, 30)
    c.require(bool(ok), "the chain goes on past the effective height")
    c.check(keys[2] not in peer_keys(validator), "the validator's peers no longer list the removed node")
    c.check(peer_keys(doomed) == set(), "the removed node holds no link at all (the other observer cut it too)",
            h.short(doomed.status()["peers"]))
    c.check(doomed.status()["height"] <= eff - 1,
            f"the removed node got no block from the effective height {eff} on (within one block)",
            h.short(doomed.status()))
    c.check(keys[1] in peer_keys(validator) and archive.status()["height"] >= eff + 2,
            "the other observer keeps its link and follows")
    c.check("is no longer allowed" in validator.log_text(), "the validator logs why it closed the link")
    got = dial(dialer, chain_id, addr, keys[0], os.path.join(homes[2], "config", "node_key.json"))
    c.check(not got["linked"] and got["rc"] == 1, "a redial with the removed key is refused", h.short(got))

    c.section("after a restart of the validator, the removed key is still refused")
    validator.stop()
    validator.start("start")
    tip = validator.status()["height"]
    ok = h.wait_until(lambda: validator.status()["height"] >= tip + 3 and keys[1] in peer_keys(validator), 30)
    c.require(bool(ok), "the restarted validator commits again and the other observer relinks")
    time.sleep(1)  # the removed node redials every few hundred ms
    c.check(keys[2] not in peer_keys(validator), "the removed node is not linked again")
    c.check(doomed.status()["height"] <= eff - 1, "and still gets no block", h.short(doomed.status()))
    got = dial(dialer, chain_id, addr, keys[0], os.path.join(homes[2], "config", "node_key.json"))
    c.check(not got["linked"] and got["rc"] == 1, "a dial with the removed key is refused after the restart",
            h.short(got))
    got = dial(dialer, chain_id, addr, keys[0], member_file)
    c.check(not got["linked"] and got["rc"] == 1, "and so is the member key", h.short(got))


if __name__ == "__main__":
    h.run_main("node identity: only node keys in force link", body)
