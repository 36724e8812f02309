#!/usr/bin/env python3
"""Reads by role (issue 19 part 3; docs/rpc.md, "Who may read what").

A devnet with records of two cases. A stranger (no key) asks every method that lists
records (get_block with its record ids, get_record, and `jchain audit/export --rpc`) and
is refused with -32091 `auth_required`, while what a litigant needs stays public (status,
verify_hash, get_receipt, a block's header, the page, and case_history by the case's tag:
only a holder of the case key can name it, and a case number names nothing). A member (court) and an auditor added by governance get answers with signed
requests, and `jchain audit/export --rpc --key` work for the auditor; a suspended member,
an unknown key, a stale time, a signature over another body, a malformed header are
refused each with its reason. Then node.toml `rpc.public_methods` opens get_record and
to strangers (get_block stays keyed), and a method that needs no key there
is refused at start.

Usage: python3 test_read_roles.py /path/to/jchain
"""

import json
import os
import secrets

import jchain_harness as h


def refused(resp: dict, reason: str) -> bool:
    err = resp.get("error") if isinstance(resp, dict) else None
    return isinstance(err, dict) and err.get("code") == h.UNAUTHORIZED and err.get("data", {}).get("reason") == reason


def signed_call(url: str, method: str, params: dict, header: str | None = None, key=None, **kw) -> dict:
    """One call with the Authorization header `header`, or signed by `key` (kw: see read_authorization)."""
    body = json.dumps({"jsonrpc": "2.0", "id": h.next_id(), "method": method, "params": params}).encode()
    if header is None:
        header = h.read_authorization(key, url, body, **kw)
    status, out = h.post_raw(url, body, headers={"Authorization": header}, auth=None)
    assert status == 200, (status, out[:300])
    return json.loads(out)


def gov(c, jchain, env, node, args, what):
    res = h.cli(jchain, ["--json", "governance", "propose", "--key", os.path.join(node.home, "config", "node_key.json"),
                         "--rpc", node.url, "--wait"] + args, env=env)
    c.require(res.rc == 0, what, repr(res))
    return res.json()


def body(c: h.Checker, jchain: str) -> None:
    work = h.temp_dir("jchain-reads-")
    env = h.test_env(work)
    stranger_env = {**env, "JCHAIN_READ_KEY": ""}  # the harness hands no key to this CLI
    node = h.Node(jchain, os.path.join(work, "devnet"), work)
    node.start()
    court = h.Key.from_file(os.path.join(node.home, "config", "demo_member_key.json"))
    st = node.status()
    chain_id = st["chain_id"]
    case_a, case_b = "(2026)沪0107刑初12号", "(2026)沪0107未检1号"
    recs = [h.make_record(court, chain_id, case_id=case_a, metadata={"source": "upload"}),
            h.make_record(court, chain_id, case_id=case_b)]
    ids = [node.rpc("submit_record", {"record": r})["id"] for r in recs]
    c.require(bool(h.wait_until(lambda: all(node.rpc("get_record", {"id": i})["status"] == "committed" for i in ids), 30)),
              "two records of two cases commit (the harness signs its get_record with a key of the node's home)")
    height = node.rpc("get_record", {"id": ids[1]})["height"]
    # On chain a record carries its case's tag, never the case id (docs/privacy.md).
    tag_a, tag_b = h.case_tag(chain_id, case_a), h.case_tag(chain_id, case_b)

    c.section("a stranger is refused every method that lists records or cases")
    calls = [("get_block", {"height": height}), ("get_block", {"hash": node.rpc("get_block", {"height": height})["hash"]}),
             ("get_record", {"id": ids[0]})]
    transcript = []
    for method, params in calls:
        resp = h.rpc_call(node.url, method, params, auth=None)
        transcript.append(json.dumps(resp, ensure_ascii=False))
        c.check(refused(resp, "auth_required") and "members and auditors only" in resp["error"]["message"]
                and resp["error"]["message"].startswith(method + ":"),
                f"{method} {json.dumps(params)[:40]}: -32091 auth_required, saying members and auditors only",
                h.short(resp))
    # A case's history is read by its tag: whoever can compute it holds the case key.
    got = h.rpc_call(node.url, "case_history", {"case_tag": tag_a}, auth=None)
    transcript.append(json.dumps(got, ensure_ascii=False))
    c.check([r["id"] for r in got.get("result", {}).get("records", [])] == [ids[0]],
            "case_history by the case's tag answers without a key (the tag is the case key's capability)", h.short(got))
    got = h.rpc_call(node.url, "case_history", {"case_tag": case_a}, auth=None)
    transcript.append(json.dumps(got, ensure_ascii=False))
    c.check(got.get("error", {}).get("data", {}).get("reason") == "invalid_params",
            "a guessed case number is no tag: invalid_params, nothing listed", h.short(got))
    batch = h.rpc_batch(node.url, [("status", {}), ("get_record", {"id": ids[1]})], auth=None)
    c.check("result" in batch[0] and refused(batch[1], "auth_required"),
            "in one batch, status is answered and get_record refused", h.short(batch))
    c.check(not any(case_a in t or case_b in t or "upload" in t for t in transcript + [json.dumps(batch, ensure_ascii=False)]),
            "no case id or metadata value in the stranger's transcript")
    res = h.cli(jchain, ["audit", "--rpc", node.url], env=stranger_env)
    c.check(res.rc == 2 and "auth_required" in res.err and "--key" in res.err,
            "`jchain audit --rpc` without a key: exit 2, the reason and how to sign", repr(res))
    res = h.cli(jchain, ["export", "--rpc", node.url, "--out", os.path.join(work, "x.jbak")], env=stranger_env)
    c.check(res.rc == 2 and "auth_required" in res.err and not os.path.exists(os.path.join(work, "x.jbak")),
            "`jchain export --rpc` without a key: exit 2, nothing written", repr(res))

    c.section("what a litigant needs stays public")
    c.check("height" in h.rpc(node.url, "status", auth=None), "status")
    vh = h.rpc(node.url, "verify_hash", {"content_hash": recs[0]["content_hash"]}, auth=None)
    c.check(vh["found"] and vh["records"][0]["id"] == ids[0], "verify_hash with the content hash one holds")
    rc = h.rpc(node.url, "get_receipt", {"id": ids[0]}, auth=None)
    c.check(rc.get("record_id") == ids[0], "get_receipt with the record id one holds", h.short(rc))
    hdr = h.rpc(node.url, "get_block", {"height": height, "header_only": True}, auth=None)
    c.check("header" in hdr and "commit" in hdr and "record_ids" not in hdr,
            "get_block {header_only: true}: the header and certificate, no record ids", h.short(hdr))
    for method in ("list_members", "list_validators", "get_genesis", "get_checkpoint", "list_proposals"):
        resp = h.rpc_call(node.url, method, {}, auth=None)
        c.check("result" in resp or resp["error"]["data"]["reason"] == "not_found", f"{method} needs no key", h.short(resp))
    status, page = h.http_get(node.url, "/")
    c.check(status == 200 and b"members only" in page, "GET / serves the page, which says case histories are for members")

    c.section("a member and an auditor get answers")
    blk = signed_call(node.url, "get_block", {"height": height}, key=court)
    c.check(ids[1] in blk.get("result", {}).get("record_ids", []), "a court member's signed get_block lists the record ids",
            h.short(blk))
    got = signed_call(node.url, "case_history", {"case_tag": tag_a}, key=court)
    c.check([r["id"] for r in got.get("result", {}).get("records", [])] == [ids[0]], "and its case_history", h.short(got))
    auditor_file = os.path.join(work, "auditor.json")
    c.require(h.cli(jchain, ["keygen", "--out", auditor_file], env=env).rc == 0, "an auditor's key")
    auditor = h.Key.from_file(auditor_file)
    gov(c, jchain, env, node, ["add-member", "--name", "Audit Office", "--public-key", auditor.public_hex,
                               "--role", "auditor"], "the validator adds an auditor")
    got = signed_call(node.url, "get_record", {"id": ids[0]}, key=auditor)
    c.check(got.get("result", {}).get("record", {}).get("case_tag") == tag_a, "the auditor's signed get_record", h.short(got))
    res = h.cli(jchain, ["audit", "--rpc", node.url, "--key", auditor_file], env=stranger_env)
    c.check(res.rc == 0 and "CHAIN INTACT" in res.out, "`jchain audit --rpc --key AUDITOR` says CHAIN INTACT", repr(res))
    backup = os.path.join(work, "auditor.jbak")
    res = h.cli(jchain, ["export", "--rpc", node.url, "--key", auditor_file, "--out", backup], env=stranger_env)
    c.check(res.rc == 0 and os.path.getsize(backup) > 0, "`jchain export --rpc --key AUDITOR` writes the backup", repr(res))
    res = h.cli(jchain, ["audit", "--rpc", node.url], env={**env, "JCHAIN_READ_KEY": auditor_file})
    c.check(res.rc == 0 and "CHAIN INTACT" in res.out, "... and with $JCHAIN_READ_KEY", repr(res))
    validator = h.load_any_key(os.path.join(node.home, "config", "node_key.json"))
    got = signed_call(node.url, "get_record", {"id": ids[1]}, key=validator)
    c.check("result" in got, "a validator's node key reads too (its node holds every block anyway)", h.short(got))

    c.section("refused: suspended, unknown, stale, another body, malformed")
    police_file = os.path.join(work, "police.json")
    h.cli(jchain, ["keygen", "--out", police_file], env=env)
    police = h.Key.from_file(police_file)
    gov(c, jchain, env, node, ["add-member", "--name", "Police", "--public-key", police.public_hex, "--role", "police"],
        "a police member is added")
    c.check("result" in signed_call(node.url, "get_record", {"id": ids[0]}, key=police), "it reads while in force")
    gov(c, jchain, env, node, ["suspend-member", "--public-key", police.public_hex], "and is suspended")
    got = signed_call(node.url, "get_record", {"id": ids[0]}, key=police)
    c.check(refused(got, "suspended"), "a suspended member's signed read: suspended", h.short(got))
    got = signed_call(node.url, "get_record", {"id": ids[0]}, key=h.Key.generate())
    c.check(refused(got, "unknown_key"), "a key the chain does not know: unknown_key", h.short(got))
    window = json.load(open(os.path.join(node.home, "config", "genesis.json")))["params"]["client_time_window_ms"]
    got = signed_call(node.url, "get_record", {"id": ids[0]}, key=court, time_ms=h.now_ms() - window - 60_000)
    c.check(refused(got, "stale_time"), "a time past the chain's client-time window: stale_time", h.short(got))
    got = signed_call(node.url, "get_record", {"id": ids[0]}, key=court, time_ms=h.now_ms() + window + 60_000)
    c.check(refused(got, "stale_time"), "a time as far ahead: stale_time", h.short(got))
    other = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "get_record", "params": {"id": ids[1]}}).encode()
    got = signed_call(node.url, "get_record", {"id": ids[0]}, key=court, sign_body=other)
    c.check(refused(got, "bad_signature"), "a signature over another body (another record id): bad_signature", h.short(got))
    got = signed_call(node.url, "get_record", {"id": ids[0]}, key=court, chain_id="jchain-other")
    c.check(refused(got, "bad_signature"), "a signature for another chain id: bad_signature", h.short(got))
    replay_body = json.dumps({"jsonrpc": "2.0", "id": 7, "method": "get_record", "params": {"id": ids[0]}}).encode()
    header = h.read_authorization(court, node.url, replay_body)
    a1 = h.post_raw(node.url, replay_body, headers={"Authorization": header}, auth=None)
    a2 = h.post_raw(node.url, replay_body, headers={"Authorization": header}, auth=None)
    b = json.dumps({"jsonrpc": "2.0", "id": 7, "method": "get_record", "params": {"id": ids[1]}}).encode()
    a3 = h.post_raw(node.url, b, headers={"Authorization": header}, auth=None)
    c.check(a1 == a2 and b"result" in a1[1] and refused(json.loads(a3[1]), "bad_signature"),
            "a replayed header fetches the same answer again, and nothing for another body", h.short((a1, a3)))
    for bad in ("Bearer abc", "JChain-Sig key=02,time=1", "JChain-Sig key=" + court.public_hex + ",time=x,sig=30",
                "JChain-Sig key=" + court.public_hex + ",time=1,sig=30,extra=1"):
        got = signed_call(node.url, "get_record", {"id": ids[0]}, header=bad)
        c.check(refused(got, "bad_auth_header"), f"a malformed header ({bad[:24]}…): bad_auth_header", h.short(got))

    c.section("node.toml rpc.public_methods opens methods to strangers")
    node.stop()
    h.set_toml_value(node.home, "rpc", "public_methods", ["case_history"])
    res = h.cli(jchain, ["start", "--home", node.home], env=env, timeout=20)
    c.check(res.rc == 2 and "rpc.public_methods" in res.err and "public already" in res.err,
            "a method that needs no key in rpc.public_methods: start refuses, naming it", repr(res))
    h.set_toml_value(node.home, "rpc", "public_methods", ["get_record"])
    node.start()
    got = h.rpc_call(node.url, "get_record", {"id": ids[0]}, auth=None)
    c.check(got.get("result", {}).get("id") == ids[0], "get_record, opened, answers a stranger", h.short(got))
    got = h.rpc_call(node.url, "get_block", {"height": height}, auth=None)
    c.check(refused(got, "auth_required"), "get_block, not opened, still refuses", h.short(got))


if __name__ == "__main__":
    h.run_main("test_read_roles: enumeration is for members and auditors; the public keeps what it needs", body)
