#!/usr/bin/env python3
"""A whole sm2-sm3 (国密) chain, as real `jchain` processes on loopback, checked with
stock tools: Python's hashlib SM3 and the openssl command line's SM2.

`jchain testnet --suite sm2-sm3 --sm2-user-id ID`: four validators notarize a file with
`jchain submit`; the receipt's record id, block hash and ledger proof are recomputed
with SM3, every signature in it verifies with `openssl pkeyutl -verify -rawin -digest
sm3 -pkeyopt distid:ID` (and fails under the default ID); `jchain verify` accepts the
receipt and any one flipped digit fails it; a signed checkpoint carries SM2 lines.
Records of the other suite, or signed under the default SM2 user ID, are refused with
wrong_suite; a secp256k1 key file is refused by `jchain submit`; unknown suites are
refused at keygen, init and start. A validator killed and restarted catches up; the
audit replays the chain and checks every SM2 signature.

usage: test_sm2_chain.py /path/to/jchain
"""
import json
import os
import time

import jchain_harness as h

USER_ID = "court-bj@jchain.example"  # not the default: every signature must use it


def committed(node: h.Node, rid: str) -> bool:
    r = node.rpc("get_record", {"id": rid})
    return r.get("status") == "committed"


def body(c: h.Checker, jchain: str) -> None:
    work = h.temp_dir("jchain-sm2-")
    env = h.test_env(work)

    def run(args, **kw):
        return h.cli(jchain, args, env=env, **kw)

    c.section("keys and suites on the command line")
    res = run(["keygen", "--suite", "sm2", "--out", os.path.join(work, "sm2_key.json"), "--json"])
    c.require(res.rc == 0, "`jchain keygen --suite sm2` writes a key", repr(res))
    doc = json.load(open(os.path.join(work, "sm2_key.json")))
    c.equal(doc["type"], "sm2", "the key file says its type")
    c.check(doc["public_key"] == res.json()["public_key"] and len(doc["public_key"]) == 66,
            "and holds the 33-byte compressed SM2 point it printed")
    res = run(["keygen", "--suite", "sm9", "--out", os.path.join(work, "bad.json")])
    c.check(res.rc != 0 and "sm9" in res.err and not os.path.exists(os.path.join(work, "bad.json")),
            "an unknown suite is refused at keygen, naming it", repr(res))
    res = run(["init", "--home", os.path.join(work, "bad-home"), "--suite", "rsa-md5"])
    c.check(res.rc != 0 and "rsa-md5" in res.err, "and at init", repr(res))
    res = run(["keygen", "--out", os.path.join(work, "secp_key.json")])
    c.require(res.rc == 0, "a secp256k1 key for the wrong-suite checks", repr(res))

    c.section(f"jchain testnet --suite sm2-sm3 --sm2-user-id {USER_ID}")
    out = os.path.join(work, "net")
    res = run(["testnet", "--validators", "4", "--out", out, "--base-port", str(h.free_port()), "--suite", "sm2-sm3",
               "--sm2-user-id", USER_ID, "--json"])
    c.require(res.rc == 0, "`jchain testnet --suite sm2-sm3` writes the homes", repr(res))
    spec = res.json()
    genesis_file = os.path.join(spec["nodes"][0]["home"], "config", "genesis.json")
    genesis = json.load(open(genesis_file))
    c.check(genesis.get("suite") == "sm2-sm3" and genesis.get("sm2_user_id") == USER_ID,
            "genesis.json names the suite and the SM2 user ID")
    demo_file = spec["demo_member_key"]
    c.equal(json.load(open(demo_file))["type"], "sm2", "every key the testnet wrote is an SM2 key")
    nodes = h.testnet_nodes(jchain, spec, work)
    for n in nodes:
        n.start("start")
    st = nodes[0].status()
    c.check(st.get("suite") == "sm2-sm3" and st.get("sm2_user_id") == USER_ID, "status names the suite", repr(st)[:200])
    chain_id = st["chain_id"]

    c.section("notarize a file with `jchain submit`; the receipt checks with SM3 and openssl")
    evidence = os.path.join(work, "evidence.pdf")
    with open(evidence, "wb") as f:
        f.write("判决书 (2026)京0105民初123号\n".encode() * 200)
    receipt_file = os.path.join(work, "receipt.json")
    res = run(["submit", "--key", demo_file, "--kind", "evidence", "--file", evidence, "--rpc", nodes[1].url,
               "--wait", "--receipt-out", receipt_file, "--json"])
    c.require(res.rc == 0, "the record commits", repr(res))
    receipt = json.load(open(receipt_file))
    c.check(receipt.get("suite") == "sm2-sm3" and receipt.get("sm2_user_id") == USER_ID,
            "the receipt names the suite and the SM2 user ID")
    file_sm3 = h.sm3(open(evidence, "rb").read()).hex()
    c.equal(receipt["record"]["content_hash"], file_sm3, "the content hash is SM3 of the file (hashlib)")
    signed = bytes.fromhex(receipt["record_signature"]["signed_bytes"])
    c.equal(h.record_signed_bytes(receipt["record"]), signed, "signed_bytes are the record's canonical bytes")
    rid = bytes.fromhex(receipt["record_id"])
    c.equal(h.sm3(signed), rid, "the record id is SM3 of the signed bytes")
    sig = bytes.fromhex(receipt["record_signature"]["der"])
    pem = receipt["record_signature"]["pem"]
    c.check(h.openssl_sm2_verify(pem, sig, rid, USER_ID, work),
            f"openssl pkeyutl -verify -rawin -digest sm3 -pkeyopt distid:{USER_ID} verifies the record signature")
    c.check(not h.openssl_sm2_verify(pem, sig, rid, "1234567812345678", work),
            "and the same signature fails under the default user ID")
    c.check(not h.openssl_sm2_verify(pem, sig, h.sm3(signed + b"x"), USER_ID, work),
            "and over another digest")
    header_bytes = bytes.fromhex(receipt["block"]["header_bytes"])
    c.equal(h.sm3(header_bytes).hex(), receipt["block"]["hash"], "the block hash is SM3 of the header bytes")
    proof = receipt["inclusion_proof"]
    leaf = h.sm3(b"\x00" + rid)
    c.equal(proof["leaf_hash"], leaf.hex(), "the leaf hash is SM3(0x00 || record id)")
    c.check(h.verify_inclusion(leaf, receipt["leaf_index"], proof["tree_size"],
                               [bytes.fromhex(p) for p in proof["path"]], bytes.fromhex(proof["root"]), hash_fn=h.sm3),
            "the inclusion proof leads to the header's ledger root with SM3 node hashes")
    sigs = receipt["commit"]["signatures"]
    ok = all(h.openssl_sm2_verify(s["pem"], bytes.fromhex(s["der"]), h.sm3(bytes.fromhex(s["signed_bytes"])),
                                  USER_ID, work) for s in sigs)
    c.check(ok and len(sigs) >= 3, f"all {len(sigs)} commit signatures verify with openssl over SM3 of the precommit")

    c.section("jchain verify and audit follow the receipt's suite")
    res = run(["verify", "--receipt", receipt_file, "--genesis", genesis_file, "--file", evidence, "--json"])
    c.check(res.rc == 0 and res.json()["valid"], "`jchain verify --receipt --genesis --file` accepts it", repr(res))
    if res.rc == 0:
        details = {x["check"]: x["detail"] for x in res.json()["checks"]}
        c.check("sm2-sm3" in details.get("suite", "") and "SM2" in details.get("record signature", ""),
                "and says it checked SM2 under the chain's user ID", repr(details.get("record signature")))
    bad = dict(receipt, record_signature=dict(receipt["record_signature"], der=h.flip_hex_digit(receipt["record_signature"]["der"], 20)))
    bad_file = os.path.join(work, "bad-receipt.json")
    json.dump(bad, open(bad_file, "w"))
    res = run(["verify", "--receipt", bad_file, "--genesis", genesis_file, "--json"])
    c.check(res.rc != 0, "one flipped digit of the record signature fails it", repr(res)[:300])
    other_genesis = dict(genesis, sm2_user_id="1234567812345678")
    other_file = os.path.join(work, "other-genesis.json")
    json.dump(other_genesis, open(other_file, "w"))
    res = run(["verify", "--receipt", receipt_file, "--genesis", other_file, "--json"])
    c.check(res.rc != 0 and "wrong_suite" in res.out, "against a genesis with another user ID: wrong_suite", repr(res)[:300])
    res = run(["--json", "audit", "--rpc", nodes[2].url])
    c.check(res.rc == 0 and res.json()["ok"] and res.json()["suite"] == "sm2-sm3",
            "`jchain audit --rpc` replays the chain and checks every SM2 signature", repr(res)[:300])
    res = run(["certificate", "--receipt", receipt_file, "--genesis", genesis_file, "--file", evidence,
               "--out", os.path.join(work, "cert.pdf")])
    c.check(res.rc == 0 and open(os.path.join(work, "cert.pdf"), "rb").read(5) == b"%PDF-",
            "`jchain certificate` renders the deposit certificate", repr(res)[:300])

    c.section("checkpoints are signed with SM2")
    size = nodes[0].status()["ledger_size"]
    ok = h.wait_until(lambda: len(nodes[0].rpc("get_checkpoint", {"size": size})["validators"]) >= 3, 15)
    c.check(bool(ok), f"validators sign the checkpoint at size {size}")
    cp_receipt = os.path.join(work, "receipt-cp.json")
    res = run(["receipt", "--id", receipt["record_id"], "--checkpoint", "--out", cp_receipt, "--rpc", nodes[0].url])
    c.check(res.rc == 0, "`jchain receipt --checkpoint` fetches a receipt with a checkpoint", repr(res)[:300])
    if res.rc == 0:
        note = json.load(open(cp_receipt))["checkpoint"]["note"]
        c.check(note.count("\u2014 ") >= 3, "the note carries the validators' signature lines")
        res = run(["verify", "--receipt", cp_receipt, "--genesis", genesis_file, "--json"])
        c.check(res.rc == 0, "and `jchain verify` checks their SM2 signatures", repr(res)[:400])

        res = run(["monitor", "--once", "--rpc", nodes[0].url, "--rpc", nodes[1].url, "--state",
                   os.path.join(work, "monitor.json"), "--genesis", genesis_file])
        events = [json.loads(l) for l in res.out.splitlines() if l.startswith("{")]
        c.check(res.rc == 0 and any(e.get("event") == "checkpoint" for e in events),
                "`jchain monitor` checks both nodes' SM2-signed checkpoints and raises no alarm", repr(res)[:400])

    c.section("records and keys of another suite are refused with wrong_suite")
    demo = h.Sm2Key.from_file(demo_file, work)
    rec = h.make_sm2_record(demo, chain_id, distid=USER_ID)
    got = nodes[0].rpc("submit_record", {"record": rec})
    c.check(bool(got.get("id")), "an SM2 record signed by openssl with the chain's user ID is accepted")
    ok = h.wait_until(lambda: committed(nodes[3], got["id"]), 20)
    c.check(bool(ok), "and commits")
    default_id = h.make_sm2_record(demo, chain_id)
    try:
        nodes[0].rpc("submit_record", {"record": default_id})
        c.check(False, "a record signed under the default SM2 user ID is refused")
    except h.RpcError as e:
        c.check(e.reason == "wrong_suite" and "1234567812345678" in str(e) and USER_ID in str(e),
                "a record signed under the default SM2 user ID is refused with wrong_suite, naming both IDs", str(e))
    secp = h.Key.generate()
    for label, r in (("a secp256k1-signed record", h.make_record(secp, chain_id)),):
        try:
            nodes[0].rpc("submit_record", {"record": r})
            c.check(False, f"{label} is refused")
        except h.RpcError as e:
            c.check(e.reason == "wrong_suite" and "secp256k1-sha256" in str(e),
                    f"{label} is refused with wrong_suite", str(e))
    res = run(["submit", "--key", os.path.join(work, "secp_key.json"), "--kind", "evidence", "--hash", "ab" * 32,
               "--rpc", nodes[0].url])
    c.check(res.rc != 0 and "wrong_suite" in res.err, "`jchain submit` with a secp256k1 key file says wrong_suite",
            repr(res)[:300])

    c.section("a validator killed and restarted catches up")
    nodes[3].kill()
    more = [nodes[0].rpc("submit_record", {"record": h.make_sm2_record(demo, chain_id, distid=USER_ID)})["id"]
            for _ in range(4)]
    ok = h.wait_until(lambda: all(committed(nodes[0], r) for r in more), 30)
    c.check(bool(ok), "records commit with three of four validators")
    nodes[3].start("start")
    tip = nodes[0].status()["height"]
    ok = h.wait_until(lambda: nodes[3].status()["height"] >= tip, 30)
    c.check(bool(ok), f"the restarted validator catches up to height {tip}")
    if ok:
        c.equal(nodes[3].rpc("get_block", {"height": tip})["hash"], nodes[0].rpc("get_block", {"height": tip})["hash"],
                "and holds the same block")

    c.section("a genesis naming an unknown suite is refused at start")
    for n in nodes:
        c.check(n.stop() == 0, f"{n.name} stops cleanly")
    res = run(["--json", "audit", "--home", nodes[3].home])
    c.check(res.rc == 0 and res.json()["ok"], "`jchain audit --home` of the restarted validator is clean", repr(res)[:300])
    bad_genesis = dict(genesis, suite="sm9-sm3")
    json.dump(bad_genesis, open(genesis_file, "w"))
    res = run(["start", "--home", nodes[0].home], timeout=30)
    c.check(res.rc != 0 and "sm9-sm3" in (res.err + res.out), "`jchain start` refuses it, naming the suite", repr(res)[:300])


if __name__ == "__main__":
    h.run_main("sm2-sm3: a national-suite chain end to end", body)
