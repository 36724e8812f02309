#!/usr/bin/env python3
"""Governance on a running 4-validator testnet while records flow.

A fifth node (its own node key, not in genesis) starts and is refused by its peers; the
validators vote it in with `jchain governance propose/approve`: with 1 and 2 of 4
approvals nothing changes, a repeated approval is refused, the third makes it a validator
from the height after the approving block. It dials in, catches up and signs commits.
Then one of the original four is voted out: every peer cuts its links at the effective
height and refuses its redials; stopped, the chain keeps committing with the other four,
and its key signs nothing after. A member is added, writes, is suspended
(its records refused after, kept before), and another rotates its own key. Receipts from
before, between and after the changes verify offline against the genesis file alone,
carrying the certified chain of validator-set changes.

usage: test_governance.py /path/to/jchain
"""
import base64
import hashlib
import json
import os
import re
import threading
import time

import jchain_harness as h


def p2p_listen(home: str) -> str:
    toml = open(os.path.join(home, "config", "node.toml")).read()
    return re.search(r'^\[p2p\][^\[]*?^listen\s*=\s*"([^"]+)"', toml, re.M | re.S).group(1)


class Flow:
    """Submits a record every 150 ms to node0 so blocks keep coming during the changes."""

    def __init__(self, node: h.Node, key: h.Key, chain_id: str):
        self.node, self.key, self.chain_id = node, key, chain_id
        self.ids: list[str] = []
        self.errors: list[str] = []
        self.stop_flag = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop_flag.is_set():
            try:
                r = self.node.rpc("submit_record", {"record": h.make_record(self.key, self.chain_id, case_id="gov")})
                self.ids.append(r["id"])
            except Exception as e:  # noqa: BLE001 (kept going; checked after the changes)
                self.errors.append(str(e))
            time.sleep(0.15)

    def stop(self):
        self.stop_flag.set()
        self.thread.join()


def gov(c: h.Checker, jchain: str, env: dict, node: h.Node, key_file: str, args: list[str], what: str,
        expect_rc: int = 0) -> dict | h.CliResult:
    res = h.cli(jchain, ["--json", "governance"] + args[:1] + ["--key", key_file, "--rpc", node.url, "--wait"] +
                args[1:], env=env)
    c.check(res.rc == expect_rc, what, repr(res))
    return res.json() if res.rc == 0 else res


def signers(node: h.Node, height: int) -> set[str]:
    return {s["validator"] for s in node.rpc("get_block", {"height": height})["commit"]["signatures"]}


def body(c: h.Checker, jchain: str) -> None:
    work = h.temp_dir("jchain-gov-")
    env = h.test_env(work)
    out = os.path.join(work, "net")
    res = h.cli(jchain, ["testnet", "--validators", "4", "--observers", "1", "--out", out, "--base-port",
                         str(h.free_port()), "--json"], env=env)
    c.require(res.rc == 0, "`jchain testnet --validators 4 --observers 1` writes the homes", repr(res))
    spec = res.json()
    chain_id = spec["chain_id"]
    demo = h.Key.from_file(spec["demo_member_key"])
    nodes = h.testnet_nodes(jchain, spec, work)
    observer = nodes.pop()  # node4 of the testnet: follows, never votes
    homes = [n["home"] for n in spec["nodes"]][:4]
    node_keys = [os.path.join(hm, "config", "node_key.json") for hm in homes]
    genesis_file = os.path.join(homes[0], "config", "genesis.json")

    c.section("keys: node keys vote, member keys sign records")
    genesis = json.load(open(genesis_file))
    vkeys = {v["public_key"] for v in genesis["validators"]}
    mkeys = {m["public_key"] for m in genesis["members"]}
    c.check(len(vkeys) == 4 and not (vkeys & mkeys), "no validator node key is a member key")
    court0 = h.Key.from_file(os.path.join(homes[0], "config", "member_key.json"))
    c.check(court0.public_hex in mkeys, "node0's court signs with config/member_key.json, a genesis member")

    # A fifth node: a home of its own, the chain's genesis, peers = the four.
    extra = h.cli(jchain, ["testnet", "--validators", "1", "--out", os.path.join(work, "extra"), "--base-port",
                           str(h.free_port()), "--json"], env=env)
    c.require(extra.rc == 0, "a fifth home", repr(extra))
    home4 = extra.json()["nodes"][0]["home"]
    with open(genesis_file) as src, open(os.path.join(home4, "config", "genesis.json"), "w") as dst:
        dst.write(src.read())
    p2p4 = f"127.0.0.1:{h.free_port()}"
    h.set_toml_value(home4, "p2p", "listen", p2p4)
    h.set_toml_value(home4, "p2p", "peers", [p2p_listen(hm) for hm in homes])
    node4 = h.Node(jchain, home4, work, name="joiner")
    node4.free_p2p_port = False
    key4 = json.load(open(os.path.join(home4, "config", "node_key.json")))["public_key"]
    c.check(key4 not in vkeys | mkeys, "the fifth node's key is not in genesis")

    for n in nodes + [observer]:
        n.start("start")
    node4.start("start")
    flow = Flow(nodes[0], demo, chain_id)
    try:
        c.require(bool(h.wait_until(lambda: nodes[0].status()["height"] >= 2, 30)), "the four commit blocks")
        c.check("peers refuse it until" in node4.log_text(), "the fifth node says its key is not yet on the chain")
        c.check(node4.status()["height"] == 0, "and it gets no blocks: peers refuse an unknown key")
        before_id = flow.ids[0]

        c.section("add a validator: 1, 2 of 4 approvals change nothing; the third does")
        got = gov(c, jchain, env, nodes[0], node_keys[0],
                  ["propose", "add-validator", "--name", "Validator Court 4", "--public-key", key4, "--power", "1",
                   "--p2p", p2p4], "node0 proposes add-validator (--wait --json)")
        proposal = got["proposal"]
        c.equal(got["state"]["state"], "pending", "pending with one approval")
        c.equal(got["state"]["approved_power"], 1, "1 of 4 power")
        got = gov(c, jchain, env, nodes[1], node_keys[1], ["approve", "--proposal", proposal], "node1 approves")
        c.equal(got["state"]["state"], "pending", "2 of 4 is not more than 2/3: still pending")
        c.equal(len(nodes[0].rpc("list_validators")["validators"]), 4, "list_validators still has 4")
        again = gov(c, jchain, env, nodes[1], node_keys[1], ["approve", "--proposal", proposal],
                    "node1 approving again is refused (exit 2)", expect_rc=2)
        c.check("duplicate_approval" in again.err, "with reason duplicate_approval", repr(again))
        stranger = gov(c, jchain, env, nodes[1], spec["demo_member_key"], ["approve", "--proposal", proposal],
                       "a member that is not a validator cannot approve (exit 2)", expect_rc=2)
        c.check("not_permitted" in stranger.err, "with reason not_permitted", repr(stranger))
        got = gov(c, jchain, env, nodes[2], node_keys[2], ["approve", "--proposal", proposal],
                  "node2 approves: 3 of 4")
        eff = got["state"]["effective_height"]
        c.check(isinstance(eff, int) and eff >= 2, f"the change is in force from height {eff}", h.short(got))
        ok = h.wait_until(lambda: nodes[0].status()["height"] >= eff, 30)
        c.require(bool(ok), "the chain reaches the effective height")
        vals = nodes[1].rpc("list_validators")["validators"]
        c.check(any(v["public_key"] == key4 and v["since_height"] == eff and v["p2p"] == p2p4 for v in vals),
                "list_validators names the new validator since the effective height, with its address", h.short(vals))
        hdr = nodes[0].rpc("get_block", {"height": eff - 1})["header"]
        c.check(hdr["next_validator_set_hash"] != hdr["validator_set_hash"],
                "the approving block's header names the next validator set")
        c.check(key4 not in signers(nodes[0], eff - 1), "the new key signs nothing before the effective height")
        ok = h.wait_until(lambda: node4.status()["height"] >= eff + 2, 60)
        c.check(bool(ok), "the fifth node is accepted, dials in and catches up", h.short(node4.status()))
        tip = nodes[0].status()["height"]
        ok = h.wait_until(lambda: any(key4 in signers(nodes[0], x)
                                      for x in range(tip, nodes[0].status()["height"] + 1)), 40)
        c.check(bool(ok), "and its key signs commit certificates")
        c.check("governance: add validator" in nodes[3].log_text(), "each node logs the change")

        c.section("remove a validator: the chain keeps committing without it")
        key3 = json.load(open(node_keys[3]))["public_key"]
        unsafe = h.cli(jchain, ["--json", "governance", "propose", "--key", node_keys[0], "--rpc", nodes[0].url,
                                "set-power", "--public-key", key4, "--power", "1"], env=env)
        c.check(unsafe.rc == 2 and "conflict" in unsafe.err, "a change to what is already so is refused (conflict)",
                repr(unsafe))
        got = gov(c, jchain, env, nodes[0], node_keys[0], ["propose", "remove-validator", "--public-key", key3],
                  "node0 proposes removing node3")
        proposal = got["proposal"]
        for i in (1, 2):
            gov(c, jchain, env, nodes[i], node_keys[i], ["approve", "--proposal", proposal], f"node{i} approves")
        got = gov(c, jchain, env, node4, os.path.join(home4, "config", "node_key.json"),
                  ["approve", "--proposal", proposal], "the new validator approves: 4 of 5")
        eff2 = got["state"]["effective_height"]
        c.check(isinstance(eff2, int), f"removal in force from height {eff2}", h.short(got))
        c.require(bool(h.wait_until(lambda: nodes[0].status()["height"] >= eff2, 30)), "the chain reaches it")
        # A removed validator is no node in force (docs/p2p.md, "Who may connect"): every
        # peer closes its links at the effective height and refuses its redials.
        others = [nodes[0], nodes[1], nodes[2], node4]

        def linked_to_node3() -> list[int]:
            return [i for i, n in enumerate(others) if key3 in {p["public_key"] for p in n.status()["peers"]}]
        ok = h.wait_until(lambda: not linked_to_node3(), 10)
        c.check(bool(ok), "every other node has cut node3's links", f"still linked: {linked_to_node3()}")
        time.sleep(3)  # node3 redials: refused
        c.check(not linked_to_node3() and not nodes[3].status()["peers"],
                "node3's redials are refused: it has no peer left", h.short(nodes[3].status()["peers"]))
        nodes[3].stop()
        mark = nodes[0].status()["height"]
        ok = h.wait_until(lambda: nodes[0].status()["height"] >= mark + 3, 40)
        c.check(bool(ok), "with node3 stopped, the other four keep committing")
        c.check(all(key3 not in signers(nodes[0], x) for x in range(eff2, nodes[0].status()["height"] + 1)),
                "node3's key signs nothing from the effective height")
        c.equal(len(nodes[0].status()["validators"]), 4, "status lists 4 validators")

        c.section("a retired key signing past its tenure is evidence: jchain monitor alarms")
        # node3's key, voted out at eff2, signs a note of a fork at the tip's size, as a
        # stolen key would after it was retired. The monitor, from the genesis file and the
        # node's certified changes, names the key and the height it left at.
        st = nodes[0].status()
        origin = f"jchain.log/{chain_id}/{st['genesis_hash']}"
        fork_root = hashlib.sha256(b"a fork only the retired key signed").digest()
        note_body = f"{origin}\n{st['ledger_size']}\n{base64.b64encode(fork_root).decode()}\n"
        k3 = h.Key.from_file(node_keys[3])
        kid = hashlib.sha256(origin.encode() + b"\n\xff" + b"jchain-ecdsa-secp256k1-sha256" + k3.public_key).digest()[:4]
        sig = k3.sign_digest(hashlib.sha256(note_body.encode()).digest())
        note_file = os.path.join(work, "retired-note.txt")
        open(note_file, "w").write(note_body + "\n\u2014 " + origin + " " + base64.b64encode(kid + sig).decode() + "\n")
        res = h.cli(jchain, ["monitor", "--once", "--rpc", nodes[0].url, "--genesis", genesis_file, "--note", note_file,
                             "--state", os.path.join(work, "monitor-r.json")],
                    env=env)
        events = [json.loads(l) for l in res.out.splitlines() if l.startswith("{")]
        retired = [e for e in events if e.get("event") == "retired_key"]
        c.check(res.rc == 1 and retired and retired[0]["validator"] == key3 and retired[0]["left_height"] == eff2,
                f"a note signed by node3's retired key: exit 1 and a 'retired_key' alarm naming the key and height {eff2}",
                h.short(events) + res.err)
        c.check(any(e.get("event") == "conflicting_notes" for e in events),
                "... and a 'conflicting_notes' alarm: the node's note of that size has another root", h.short(events))

        c.section("a witness added by vote: its cosignatures are kept, and count when the reader names it")
        wkey = os.path.join(work, "witness.json")
        res = h.cli(jchain, ["witness", "keygen", "--name", "witness.example/gov", "--out", wkey], env=env)
        c.require(res.rc == 0, "jchain witness keygen", repr(res))
        vkey = res.out.strip()
        got = gov(c, jchain, env, nodes[0], node_keys[0], ["propose", "add-witness", "--witness", vkey],
                  "node0 proposes adding a witness")
        proposal_w = got["proposal"]
        for i in (1, 2):  # with node0's, 3 of the 4 validators in force
            got = gov(c, jchain, env, nodes[i], node_keys[i], ["approve", "--proposal", proposal_w],
                      f"node{i} approves the witness")
        eff_w = got["state"]["effective_height"]
        c.check(isinstance(eff_w, int), f"the witness is added from height {eff_w}", h.short(got))
        c.require(bool(h.wait_until(lambda: nodes[0].status()["height"] >= eff_w + 1, 30)),
                  f"the witness is in force from height {eff_w}")
        mon = h.cli(jchain, ["monitor", "--once", "--rpc", nodes[0].url, "--genesis", genesis_file,
                             "--state", os.path.join(work, "monitor-w.json"), "--witness-key", wkey], env=env)
        events = [json.loads(l) for l in mon.out.splitlines() if l.startswith("{")]
        cos = [e for e in events if e.get("event") == "cosigned"]
        c.check(mon.rc == 0 and cos and cos[0]["answer"]["accepted"] == ["witness.example/gov"],
                "the node keeps the cosignature of the witness the chain voted in (no node.toml names it)",
                h.short(events) + mon.err)
        wpath = os.path.join(work, "receipt-witnessed.json")
        res = h.cli(jchain, ["receipt", "--rpc", nodes[0].url, "--id", before_id, "--checkpoint", "--out", wpath], env=env)
        c.require(res.rc == 0, "a receipt with the cosigned checkpoint", repr(res))
        c.check(vkey in json.load(open(wpath))["checkpoint"]["state"]["witnesses"],
                "its checkpoint's state names the witness in force")
        res = h.cli(jchain, ["verify", "--receipt", wpath, "--genesis", genesis_file, "--witness", vkey], env=env)
        c.check(res.rc == 0 and "witnessed by 1 of 1 witnesses (witness.example/gov" in res.out.splitlines()[-1],
                "verify --witness VKEY: VALID, witnessed by 1 of 1", repr(res))
        res = h.cli(jchain, ["verify", "--receipt", wpath, "--genesis", genesis_file], env=env)
        c.check(res.rc == 1 and "FAIL  trust basis" in res.out,
                "without --witness: a witness voted in after genesis does not count (keys that once held the power "
                "could vote in their own), and the chain now declares one: INVALID by default", repr(res))

        c.section("members: add, write, suspend; a member rotates its own key")
        police = h.Key.generate()
        police_file = os.path.join(work, "police.json")
        json.dump({"type": "secp256k1", "private_key": f"{police.d:064x}", "public_key": police.public_hex},
                  open(police_file, "w"))
        os.chmod(police_file, 0o600)
        live = [nodes[0], nodes[1], nodes[2], node4]
        live_keys = [node_keys[0], node_keys[1], node_keys[2], os.path.join(home4, "config", "node_key.json")]

        def adopt(args: list[str], what: str) -> int:
            got = gov(c, jchain, env, live[0], live_keys[0], ["propose"] + args, f"propose {what}")
            pid = got["proposal"]
            for i in (1, 2):
                got = gov(c, jchain, env, live[i], live_keys[i], ["approve", "--proposal", pid], f"approve {what}")
            e = got["state"]["effective_height"]
            c.check(isinstance(e, int), f"{what} in force from height {e}")
            h.wait_until(lambda: live[0].status()["height"] >= e, 30)
            return e

        refused = h.rpc_call(live[0].url, "submit_record", {"record": h.make_record(police, chain_id)})
        c.check(refused.get("error", {}).get("data", {}).get("reason") == "unknown_member",
                "before it is added, the police key is unknown_member", h.short(refused))
        adopt(["add-member", "--name", "Haidian Police", "--public-key", police.public_hex, "--role", "police"],
              "add-member")
        members = live[0].rpc("list_members")["members"]
        c.check(any(m["public_key"] == police.public_hex and m["role"] == "police" for m in members),
                "list_members lists the new member")
        kept = live[0].rpc("submit_record", {"record": h.make_record(police, chain_id, kind="handover",
                                                                     refs=[before_id])})["id"]
        c.require(bool(h.wait_until(lambda: live[0].rpc("get_record", {"id": kept})["status"] == "committed", 30)),
                  "the new member's handover commits")
        eff_s = adopt(["suspend-member", "--public-key", police.public_hex], "suspend-member")
        after = h.rpc_call(live[0].url, "submit_record", {"record": h.make_record(police, chain_id)})
        c.check(after.get("error", {}).get("data", {}).get("reason") == "unknown_member",
                "after the suspension its records are refused (unknown_member)", h.short(after))
        old = live[0].rpc("get_record", {"id": kept})
        c.check(old["status"] == "committed" and old["height"] < eff_s, "its earlier record stays committed")
        all_members = live[0].rpc("list_members", {"all": True})["members"]
        c.check(any(m["public_key"] == police.public_hex and m["until_height"] == eff_s for m in all_members),
                "list_members {all} shows its term ended at the suspension height")

        court0_new = h.Key.generate()
        rot = h.cli(jchain, ["--json", "governance", "propose", "--key",
                             os.path.join(homes[0], "config", "member_key.json"), "--rpc", live[0].url, "--wait",
                             "rotate-key", "--public-key", court0.public_hex, "--new-public-key",
                             court0_new.public_hex], env=env)
        c.check(rot.rc == 0 and isinstance(rot.json()["state"]["effective_height"], int),
                "a member rotates its own key, no vote needed", repr(rot))
        if rot.rc == 0:
            e = rot.json()["state"]["effective_height"]
            h.wait_until(lambda: live[0].status()["height"] >= e, 30)
            old_key = h.rpc_call(live[0].url, "submit_record", {"record": h.make_record(court0, chain_id)})
            c.check(old_key.get("error", {}).get("data", {}).get("reason") == "unknown_member",
                    "the rotated-out key is refused", h.short(old_key))
            new_id = live[0].rpc("submit_record", {"record": h.make_record(court0_new, chain_id)})["id"]
            c.check(bool(h.wait_until(lambda: live[0].rpc("get_record", {"id": new_id})["status"] == "committed",
                                      30)), "the new key's record commits")

        c.section("the records that flowed during the changes")
        flow.stop()
        c.check(not flow.errors, f"node0 admitted every one of the {len(flow.ids) + len(flow.errors)} records "
                f"submitted across the changes", f"{len(flow.errors)} refused or failed, e.g. {flow.errors[:3]}")
        last_id = flow.ids[-1]
        h.wait_until(lambda: live[0].rpc("get_record", {"id": last_id})["status"] == "committed", 30)
        states = [a.get("result", {}).get("status") for a in
                  h.rpc_batch(live[0].url, [("get_record", {"id": i}) for i in flow.ids[-1000:]])]
        c.check(all(st == "committed" for st in states), f"and all {len(states)} of them committed",
                f"{sum(st != 'committed' for st in states)} not committed: {sorted(set(map(str, states)))}")

        c.section("receipts from before, between and after the changes verify offline")
        between = next(i for i in flow.ids if eff <= live[0].rpc("get_record", {"id": i}).get("height", 0) < eff2)
        for label, rid, changes in (("before", before_id, 0), ("between", between, 1), ("after", last_id, 2)):
            receipt = live[0].rpc("get_receipt", {"id": rid})
            path = os.path.join(work, f"receipt-{label}.json")
            json.dump(receipt, open(path, "w"))
            c.equal(len(receipt["validator_changes"]), changes, f"the receipt {label} carries {changes} changes")
            res = h.cli(jchain, ["verify", "--receipt", path, "--genesis", genesis_file], env=env)
            c.check(res.rc == 0 and "VALID" in res.out, f"`jchain verify --receipt` ({label}) against genesis alone",
                    repr(res))
        receipt = json.load(open(os.path.join(work, "receipt-after.json")))
        receipt["validator_changes"] = receipt["validator_changes"][1:]  # hide the addition
        json.dump(receipt, open(os.path.join(work, "receipt-cut.json"), "w"))
        res = h.cli(jchain, ["verify", "--receipt", os.path.join(work, "receipt-cut.json"), "--genesis", genesis_file],
                    env=env)
        c.check(res.rc == 1 and "validator changes" in res.out + res.err,
                "a receipt missing a change fails, naming the validator changes", repr(res))

        c.section("jchain governance list")
        res = h.cli(jchain, ["--json", "governance", "list", "--rpc", live[1].url, "--state", "in_force"], env=env)
        listed = res.json()["proposals"] if res.rc == 0 else []
        ops = sorted(p["op"] for p in listed)
        c.check(res.rc == 0 and ops == sorted(["add-validator", "remove-validator", "add-witness", "add-member",
                                                "suspend-member", "rotate-key"]),
                "`governance list --state in_force --json` lists the six changes", repr(res))
        res = h.cli(jchain, ["governance", "list", "--rpc", live[1].url], env=env)
        c.check(res.rc == 0 and "in_force" in res.out and "in force from height" in res.out,
                "and the plain listing says each one's state and height", repr(res))
        bad = h.cli(jchain, ["governance", "list", "--rpc", live[1].url, "--state", "nonsense"], env=env)
        c.check(bad.rc == 2 and "state must be" in bad.err, "an unknown --state is refused (exit 2)", repr(bad))

        c.section("an observer follows across every change")
        tip = live[0].status()["height"]
        ok = h.wait_until(lambda: observer.status()["height"] >= tip, 30)
        c.check(bool(ok) and observer.rpc("get_block", {"height": tip})["hash"] ==
                live[0].rpc("get_block", {"height": tip})["hash"], "the observer reaches the tip with the same block hash")
        c.equal(len(observer.rpc("list_validators")["validators"]), 4, "and sees the validator set in force")

        c.section("export and import across the changes")
        backup = os.path.join(work, "chain.jbk")
        res = h.cli(jchain, ["--json", "export", "--rpc", live[1].url, "--out", backup], env=env, timeout=120)
        c.check(res.rc == 0, "`jchain export --rpc` of the governed chain", repr(res))
        restored = os.path.join(work, "restored")
        res = h.cli(jchain, ["init", "--home", restored], env=env)
        c.require(res.rc == 0, "a fresh home", repr(res))
        with open(genesis_file) as src, open(os.path.join(restored, "config", "genesis.json"), "w") as dst:
            dst.write(src.read())
        res = h.cli(jchain, ["--json", "import", "--home", restored, "--in", backup], env=env, timeout=120)
        c.check(res.rc == 0 and res.json().get("ok") is True,
                "`jchain import` checks every block against the state its governance records leave", repr(res))
        res = h.cli(jchain, ["audit", "--home", restored], env=env, timeout=120)
        c.check(res.rc == 0, "`jchain audit --home` of the imported store passes", repr(res))
        copy = h.Node(jchain, restored, work, name="restored")
        copy.start("start")
        c.check(copy.rpc("list_validators")["hash"] == live[0].rpc("list_validators")["hash"] and
                copy.rpc("list_members", {"all": True}) ["members"] == live[0].rpc("list_members", {"all": True})["members"],
                "a node on the imported store has the same validators and member terms (the stored state)")
        copy.stop()

        c.section("an audit replays every change")
        res = h.cli(jchain, ["audit", "--rpc", live[1].url, "--genesis", genesis_file], env=env, timeout=120)
        c.check(res.rc == 0, "`jchain audit --rpc` passes across the changes", repr(res))
    finally:
        flow.stop()
        for n in nodes + [node4, observer]:
            if n.running():
                n.stop()


if __name__ == "__main__":
    h.run_main("governance: validators and members change by vote", body)
