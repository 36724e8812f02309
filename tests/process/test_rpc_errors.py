"""Every refused input gets the contract's JSON-RPC error code and data.reason, and changes nothing.

A node made with `jchain init` whose genesis.json (an operator-edited file) also names a
notary, a police bureau and an auditor, each with a key from `jchain keygen`; plus a key that
is in no genesis. Signed records come from two independent places:

- the CLI itself: `jchain submit` is pointed at a tiny capturing JSON-RPC server
  (jchain_harness.CaptureProxy) that forwards `status` and keeps the signed record instead of
  submitting it; the test then replays and mutates it against the real node. Pointing the
  proxy's `status` at another chain id makes the CLI sign a well-formed record for another
  chain.
- a pure-Python secp256k1 signer (jchain_harness), for what the CLI will not make: stale or
  future client times, oversized fields, chosen signatures. Its bytes are checked against
  the CLI's first.

After every refusal the node's height, ledger size and root and mempool size are unchanged,
and the refused record is neither pending nor committed (`get_record` -> not_found).

Usage: python3 test_rpc_errors.py /path/to/jchain
"""

import json
import os
import re
import secrets
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import jchain_harness as h  # noqa: E402

CHAIN = "jchain-errors"
WINDOW_MS = 600_000  # genesis params.client_time_window_ms; read from the genesis `jchain init` writes
BODY_MAX = 1 << 20  # rpc.request_bytes_max; likewise

# (code, reason) of the contract (docs/rpc.md, chain/reject.h)
PARSE = (-32700, "parse_error")
INVALID_REQUEST = (-32600, "invalid_request")
NO_METHOD = (-32601, "method_not_found")
INVALID_PARAMS = (-32602, "invalid_params")
INVALID_RECORD = (-32602, "invalid_record")
BAD_SIGNATURE = (-32000, "bad_signature")
UNKNOWN_MEMBER = (-32001, "unknown_member")
NOT_PERMITTED = (-32002, "not_permitted")
DUPLICATE = (-32003, "duplicate")
WRONG_CHAIN = (-32004, "wrong_chain")
STALE = (-32005, "stale_timestamp")
TOO_LARGE = (-32006, "too_large")
NOT_FOUND = (-32007, "not_found")
UNKNOWN_REF = (-32008, "unknown_reference")
MEMPOOL_FULL = (-32009, "mempool_full")
BATCH_TOO_LARGE = (-32600, "too_large")


def code_reason(resp) -> tuple | None:
    if not isinstance(resp, dict) or not isinstance(resp.get("error"), dict):
        return None
    e = resp["error"]
    data = e.get("data") if isinstance(e.get("data"), dict) else {}
    return (e.get("code"), data.get("reason"))


class Suite:
    def __init__(self, c: h.Checker, jchain: str, node: h.Node, env: dict):
        self.c, self.jchain, self.node, self.env = c, jchain, node, env
        self.admitted = 0  # submit_record calls that reached the node and were admitted
        self.refused = 0   # ... and were refused (metrics must agree)

    # ---- state
    def idle(self, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            st = self.node.status()
            if st["mempool_size"] == 0 or time.monotonic() > deadline:
                return st
            time.sleep(0.05)

    @staticmethod
    def snapshot(st: dict) -> dict:
        return {k: st[k] for k in ("height", "ledger_size", "ledger_root", "mempool_size", "last_block_hash")}

    def unchanged(self, before: dict, label: str) -> None:
        after = self.snapshot(self.node.status())
        self.c.check(after == self.snapshot(before), f"  ... and nothing changed ({label})",
                     f"before {self.snapshot(before)}, after {after}")

    def absent(self, record: dict, label: str) -> None:
        rid = h.record_id(record)
        r = h.rpc_call(self.node.url, "get_record", {"id": rid})
        self.c.check(code_reason(r) == NOT_FOUND, f"  ... and the record is neither pending nor committed ({label})",
                     h.short(r))

    # ---- calls
    def raw(self, body: bytes | str):
        if isinstance(body, str):
            body = body.encode()
        status, out = h.post_raw(self.node.url, body)
        try:
            parsed = json.loads(out) if out else None
        except ValueError:
            parsed = out
        return status, parsed

    def submit(self, record, rid=None) -> dict:
        req = {"jsonrpc": "2.0", "id": rid if rid is not None else h.next_id(), "method": "submit_record",
               "params": {"record": record}}
        status, resp = self.raw(json.dumps(req, ensure_ascii=False))
        if status != 200:
            return {"http_status": status, "body": resp}
        self.count(resp)
        return resp

    def count(self, resp) -> None:
        if isinstance(resp, dict) and "result" in resp:
            self.admitted += 1
        elif isinstance(resp, dict) and "error" in resp:
            self.refused += 1

    # ---- expectations
    def expect(self, label: str, resp, want, want_id=...) -> bool:
        wants = want if isinstance(want, list) else [want]
        got = code_reason(resp)
        text = f"{label}: error {' or '.join(f'{w[0]} {w[1]}' for w in wants)}"
        if len(wants) > 1 and got in wants:
            text += f" (got {got[0]} {got[1]})"
        ok = self.c.check(got in wants, text, f"got {h.short(resp)}")
        if want_id is not ... and isinstance(resp, dict):
            self.c.check(resp.get("id") == want_id and resp.get("jsonrpc") == "2.0",
                         f"  ... with id {want_id!r} and jsonrpc 2.0", h.short(resp))
        return ok

    def refused_record(self, label: str, record, want) -> None:
        before = self.idle()
        resp = self.submit(record)
        self.expect(label, resp, want)
        self.unchanged(before, label)
        if isinstance(record, dict) and all(k in record for k in ("chain_id", "kind", "content_hash", "submitter",
                                                                  "client_time_ms", "nonce")):
            try:
                self.absent(record, label)
            except (TypeError, ValueError, KeyError, AttributeError, OverflowError, h.struct.error):
                pass  # a record too malformed to have an id

    def accepted(self, label: str, record) -> str | None:
        resp = self.submit(record)
        ok = self.c.check(isinstance(resp, dict) and resp.get("result", {}).get("status") == "pending"
                          and resp["result"].get("id") == h.record_id(record),
                          f"{label}: admitted as pending with id = SHA-256(signed bytes)", h.short(resp))
        return resp["result"]["id"] if ok else None

    def wait_committed(self, rid: str, timeout: float = 30) -> dict | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r = h.rpc_call(self.node.url, "get_record", {"id": rid})
            if r.get("result", {}).get("status") == "committed":
                return r["result"]
            time.sleep(0.05)
        return None


def keygen(c: h.Checker, jchain: str, env: dict, path: str) -> h.Key:
    res = h.cli(jchain, ["--json", "keygen", "--out", path], env=env)
    c.require(res.rc == 0, f"`jchain keygen --out {os.path.basename(path)}`", repr(res))
    key = h.Key.from_file(path)
    c.require(res.json()["public_key"] == key.public_hex, "the Python signer derives the keygen public key")
    return key


def body(c: h.Checker, jchain: str) -> None:
    work = h.temp_dir("jchain-rpcerr-")
    env = h.test_env(work)
    home = os.path.join(work, "node")

    c.section("setup: jchain init, genesis with more members, jchain start")
    res = h.cli(jchain, ["init", "--home", home, "--chain-id", CHAIN, "--moniker", "errors-node",
                         "--rpc-listen", f"127.0.0.1:{h.free_port()}"], env=env)
    c.require(res.rc == 0, "`jchain init --home H --chain-id jchain-errors`", repr(res))
    notary = keygen(c, jchain, env, os.path.join(work, "notary.json"))
    police = keygen(c, jchain, env, os.path.join(work, "police.json"))
    auditor = keygen(c, jchain, env, os.path.join(work, "auditor.json"))
    stranger = keygen(c, jchain, env, os.path.join(work, "stranger.json"))
    genesis_file = os.path.join(home, "config", "genesis.json")
    genesis = json.load(open(genesis_file))
    for name, key, role in (("Test Notary Office", notary, "notary"), ("Test Police Bureau", police, "police"),
                            ("Test Audit Office", auditor, "auditor")):
        genesis["members"].append({"name": name, "public_key": key.public_hex, "role": role, "since_height": 0})
    json.dump(genesis, open(genesis_file, "w"), indent=2)
    global WINDOW_MS, BODY_MAX
    toml = open(os.path.join(home, "config", "node.toml")).read()
    WINDOW_MS = genesis["params"]["client_time_window_ms"]  # a chain parameter, in genesis
    BODY_MAX = int(re.search(r"^request_bytes_max\s*=\s*(\d+)", toml, re.M).group(1))
    print(f"  (genesis: client_time_window_ms = {WINDOW_MS}; node.toml: request_bytes_max = {BODY_MAX})")
    c.check(WINDOW_MS > 120_000, "the admission window is wide enough for the controls below (> 2 min)")
    court_key_file = os.path.join(home, "config", "member_key.json")
    court = h.Key.from_file(court_key_file)  # `jchain init` makes a court member key beside the node key

    node = h.Node(jchain, home, work, "errors-node")
    node.start("start")
    url = node.url
    env = h.test_env(work, url)
    s = Suite(c, jchain, node, env)
    members = {m["role"] + ":" + m["name"]: m["public_key"] for m in node.rpc("list_members")["members"]}
    c.check(notary.public_hex in members.values() and police.public_hex in members.values()
            and court.public_hex in members.values(),
            "list_members shows the court (node key) and the notary, police and auditor added to genesis",
            h.short(members))

    def rec(key, **kw):
        kw.setdefault("chain_id", CHAIN)
        return h.make_record(key, **kw)

    # ------------------------------------------------------------------ the CLI's signed bytes
    c.section("records signed by the CLI (captured) and by the Python signer agree")
    captured, res = h.capture_cli_record(jchain, env, url, [
        "--key", court_key_file, "--kind", "evidence", "--hash", secrets.token_hex(32),
        "--case", "(2026)京01民初1号", "--meta", "source=upload", "--meta", "page=1"])
    c.check(res.rc == 2 and "captured by the test proxy" in res.err,
            "`jchain submit` against the capturing proxy signs a record and reports the refusal (exit 2)", repr(res))
    c.equal(captured["submitter"], court.public_hex, "the captured record's submitter is the key file's public key")
    first = s.accepted("the CLI-signed record, replayed", captured)
    c.require(first is not None, "the CLI-signed record is admitted by the real node")
    c.require(first == h.record_id(captured), "the Python encoding of the signed bytes gives the node's record id")
    py_first = s.accepted("a Python-signed record",
                          rec(court, metadata={"b": "2", "a": "1"}, case_id="(2026)京01民初2号"))
    c.require(py_first is not None, "the Python signer's records are admitted (signer and encoding are right)")
    committed = s.wait_committed(first)
    c.require(committed is not None, "the CLI-signed record is committed")
    s.idle()

    # ------------------------------------------------------------------ framing
    c.section("JSON-RPC framing: -32700, -32600, -32601")
    before = s.idle()
    for label, raw in (("truncated JSON", '{"jsonrpc":"2.0","id":1,"method":"status"'),
                       ("not JSON at all", "hello, node"),
                       ("JSON with a trailing comma", '{"jsonrpc":"2.0","id":1,"method":"status",}'),
                       ("an empty body", "")):
        status, resp = s.raw(raw)
        c.equal(status, 200, f"{label}: HTTP 200 with a JSON-RPC error")
        s.expect(label, resp, PARSE, want_id=None)
    for label, raw, want_id in (
            ("a number, not an object", "42", None),
            ("a string, not an object", '"status"', None),
            ("null", "null", None),
            ("an empty batch", "[]", None),
            ("no method", '{"jsonrpc":"2.0","id":7}', 7),
            ("method is a number", '{"jsonrpc":"2.0","id":8,"method":42}', 8),
            ("no jsonrpc member", '{"id":9,"method":"status"}', 9),
            ("jsonrpc 1.0", '{"jsonrpc":"1.0","id":10,"method":"status"}', 10),
            ("params is a string", '{"jsonrpc":"2.0","id":11,"method":"status","params":"x"}', 11),
            ("id is an object", '{"jsonrpc":"2.0","id":{"a":1},"method":"status"}', None)):
        status, resp = s.raw(raw)
        s.expect(label, resp, INVALID_REQUEST, want_id=want_id)
    status, resp = s.raw('{"jsonrpc":"2.0","id":"abc","method":"delete_record","params":{}}')
    s.expect("an unknown method", resp, NO_METHOD, want_id="abc")
    status, resp = s.raw('{"jsonrpc":"2.0","method":"delete_record","params":{}}')
    c.check(status in (200, 204) and not resp, "a notification (no id) for an unknown method gets no response body",
            f"HTTP {status} {h.short(resp)}")
    status, out = h.http_get(url, "/rpc")
    c.equal(status, 405, "GET /rpc is HTTP 405")
    status, out = h.http_get(url, "/no-such-page")
    c.equal(status, 404, "GET of an unknown path is HTTP 404")
    s.unchanged(before, "framing errors")

    # ------------------------------------------------------------------ params
    c.section("bad params: -32602 invalid_params / invalid_record, -32007 not_found")
    before = s.idle()
    rand = secrets.token_hex(32)
    for label, method, params, want in (
            ("get_record with a non-hex id", "get_record", {"id": "xyz"}, INVALID_PARAMS),
            ("get_record without id", "get_record", {}, INVALID_PARAMS),
            ("get_record with params as an array", "get_record", [rand], INVALID_PARAMS),
            ("get_receipt with a numeric id", "get_receipt", {"id": 5}, INVALID_PARAMS),
            ("verify_hash with a short hash", "verify_hash", {"content_hash": "abcd"}, INVALID_PARAMS),
            ("case_history without case_tag", "case_history", {}, INVALID_PARAMS),
            ("case_history with a case id in clear (not its tag)", "case_history", {"case_id": "(2026)京01民初4号"}, INVALID_PARAMS),
            ("case_history with a 65-character tag", "case_history", {"case_tag": "a" * 65}, INVALID_PARAMS),
            ("get_block without height or hash", "get_block", {}, INVALID_PARAMS),
            ("get_block with height -1", "get_block", {"height": -1}, INVALID_PARAMS),
            ("get_block with a non-hex hash", "get_block", {"hash": "zz"}, INVALID_PARAMS),
            ("get_consistency_proof with size1 > size2", "get_consistency_proof", {"size1": 2, "size2": 1},
             INVALID_PARAMS),
            ("get_consistency_proof beyond the ledger", "get_consistency_proof", {"size1": 1, "size2": 10**9},
             INVALID_PARAMS),
            ("get_record of an unknown id", "get_record", {"id": rand}, NOT_FOUND),
            ("get_receipt of an unknown id", "get_receipt", {"id": rand}, NOT_FOUND),
            ("get_block above the tip", "get_block", {"height": 10**6}, NOT_FOUND),
            ("get_block of an unknown hash", "get_block", {"hash": rand}, NOT_FOUND),
            ("submit_record without params", "submit_record", None, INVALID_PARAMS),
            ("submit_record without record", "submit_record", {}, INVALID_PARAMS)):
        resp = h.rpc_call(url, method, params)
        if method == "submit_record":
            s.count(resp)
        s.expect(label, resp, want)
    s.unchanged(before, "bad params")

    good = rec(court)
    malformed = {
        "record is a string": "a record",
        "an unknown field": dict(good, extra=1),
        "no signature": {k: v for k, v in good.items() if k != "signature"},
        "signature not hex": dict(good, signature="zz" * 35),
        "signature not DER": dict(good, signature="30" + "00" * 69),
        "high-S signature (the malleated twin of a valid one)": rec(court, high_s=True),
        "submitter not a curve point": dict(good, submitter="02" + "ff" * 32),
        "content_hash of 31 bytes": dict(good, content_hash="ab" * 31),
        "kind unknown": dict(good, kind="affidavit"),
        "nonce negative": dict(good, nonce=-1),
        "client_time_ms a string": dict(good, client_time_ms=str(good["client_time_ms"])),
        "metadata value a number": dict(good, metadata={"page": 1}),
        "refs not an array": dict(good, refs=first),
        "metadata key upper-case": rec(court, metadata={"Source": "x"}),
        "a case id in clear (not its tag)": rec(court, case_id="(2026)京01民初1号", blind=False),
        "a case tag in upper case": rec(court, case_id="AB" * 32, blind=False),
        "a metadata value in clear (the privacy rule)": rec(court, metadata={"victim": "张某"}, blind=False),
        "a correction's reason in clear": rec(court, kind="correction", refs=[first], metadata={"action": "revoke", "reason": "wrong file"}, blind=False),
        "a correction without a ref": rec(court, kind="correction"),
        "a correction with a bad action": rec(court, kind="correction", refs=[first], metadata={"action": "erase"}),
        "a handover without refs": rec(court, kind="handover"),
        "chain_id of 65 bytes": rec(court, chain_id="c" * 65),
        "empty chain_id": rec(court, chain_id=""),
    }
    for label, r in malformed.items():
        s.refused_record(f"submit_record, {label}", r, INVALID_RECORD)

    # ------------------------------------------------------------------ size limits
    c.section("size limits (oversized metadata, case id, refs) and their boundaries")
    oversize = [INVALID_RECORD, TOO_LARGE]  # a field over its limit: malformed record or too large
    s.refused_record("metadata value of 257 bytes", rec(court, metadata={"note": "v" * 257}, blind=False), oversize)
    s.refused_record("17 metadata entries", rec(court, metadata={f"k{i}": "v" for i in range(17)}), oversize)
    s.refused_record("metadata key of 33 characters", rec(court, metadata={"k" * 33: "v"}), oversize)
    s.refused_record("a case tag of 65 characters", rec(court, case_id="a" * 65, blind=False), oversize)
    s.refused_record("17 refs", rec(court, refs=[first] * 17), oversize)
    # An ordinary record's values are 64-character commitments and its case a 64-character
    # tag, whatever the clear values' length (128-byte case id, 256-byte values).
    biggest = rec(court, case_id="案" * 42 + "12",  # 128 bytes of UTF-8
                  metadata={f"k{i:02d}" + "x" * 29: "值" * 85 + "v" for i in range(16)},  # keys 32, values 256
                  refs=[first] * 16)
    c.check(len(h.record_signed_bytes(biggest)) > 2000, "the largest ordinary record the limits allow is over 2000 signed bytes",
            str(len(h.record_signed_bytes(biggest))))
    big_id = s.accepted("a record at every limit (a tag, 16 entries of 32-byte keys and commitments, 16 refs)", biggest)

    # ------------------------------------------------------------------ signatures
    c.section("bad signatures: mutate a CLI-signed record")
    base, _ = h.capture_cli_record(jchain, env, url, [
        "--key", court_key_file, "--kind", "evidence", "--hash", secrets.token_hex(32), "--case", "(2026)京01民初3号"])
    mutations = {
        "content_hash changed": dict(base, content_hash=h.flip_hex_digit(base["content_hash"])),
        "nonce + 1": dict(base, nonce=base["nonce"] + 1),
        "client_time_ms + 1": dict(base, client_time_ms=base["client_time_ms"] + 1),
        "case_tag changed": dict(base, case_tag=h.flip_hex_digit(base["case_tag"])),
        "metadata added": dict(base, metadata={"source": "0" * 64}),
        "kind evidence -> notice (a court may write both)": dict(base, kind="notice"),
        "signed by the court, submitter says notary": dict(base, submitter=notary.public_hex),
        "a valid signature of another digest": dict(base, signature=court.sign_digest(secrets.token_bytes(32)).hex()),
        "signed by a stranger's key, submitter still the court": h.resign(base, stranger),
    }
    for label, r in mutations.items():
        s.refused_record(f"{label}", r, BAD_SIGNATURE)
    s.accepted("the unmutated CLI-signed record (control)", base)

    # ------------------------------------------------------------------ wrong chain
    c.section("wrong chain id")
    other, res = h.capture_cli_record(jchain, env, url, ["--key", court_key_file, "--kind", "evidence",
                                                         "--hash", secrets.token_hex(32)], chain_id="jchain-elsewhere")
    c.equal(other["chain_id"], "jchain-elsewhere", "the CLI signed a record for the chain its node named")
    s.refused_record("a CLI-signed record for chain jchain-elsewhere", other, WRONG_CHAIN)
    s.refused_record("a record for chain jchain-devnet", rec(court, chain_id="jchain-devnet"), WRONG_CHAIN)

    # ------------------------------------------------------------------ membership and policy
    c.section("unknown member, not permitted, unknown reference, governance")
    before = s.idle()
    res = h.cli(jchain, ["submit", "--key", os.path.join(work, "stranger.json"), "--kind", "evidence",
                         "--hash", secrets.token_hex(32), "--rpc", url], env=env)
    s.refused += 1
    c.check(res.rc == 2 and "unknown_member" in res.err,
            "`jchain submit` with a key from `jchain keygen` that is in no genesis: exit 2, unknown_member", repr(res))
    s.unchanged(before, "CLI unknown member")
    s.refused_record("a record signed by a non-member", rec(stranger), UNKNOWN_MEMBER)
    before = s.idle()
    res = h.cli(jchain, ["submit", "--key", os.path.join(work, "notary.json"), "--kind", "service",
                         "--hash", secrets.token_hex(32), "--rpc", url], env=env)
    s.refused += 1
    c.check(res.rc == 2 and "not_permitted" in res.err,
            "`jchain submit --kind service` with the notary's key: exit 2, not_permitted", repr(res))
    s.unchanged(before, "CLI not permitted")
    for label, key, kind in (("notary writes service", notary, "service"),
                             ("notary writes judgment", notary, "judgment"),
                             ("police writes judgment", police, "judgment"),
                             ("police writes order", police, "order"),
                             ("auditor writes evidence", auditor, "evidence"),
                             ("auditor writes operation", auditor, "operation")):
        s.refused_record(label, rec(key, kind=kind), NOT_PERMITTED)
    notary_rec = rec(notary, kind="evidence")
    notary_id = s.accepted("notary writes evidence (control: the notary is a member)", notary_rec)
    police_id = s.accepted("police writes operation (control)", rec(police, kind="operation"))
    s.refused_record("a ref to no committed record", rec(court, kind="handover", refs=[secrets.token_hex(32)]),
                     UNKNOWN_REF)
    if notary_id:
        c.require(s.wait_committed(notary_id) is not None, "the notary's evidence record is committed")
        s.refused_record("police corrects the notary's record", rec(police, kind="correction", refs=[notary_id]),
                         NOT_PERMITTED)
        amend_id = s.accepted("the notary corrects its own record",
                              rec(notary, kind="correction", refs=[notary_id], metadata={"action": "amend"}))
        revoke_id = s.accepted("a court revokes the notary's record",
                               rec(court, kind="correction", refs=[notary_id], metadata={"action": "revoke"}))
        s.accepted("police hands the case over, referring to it", rec(police, kind="handover", refs=[notary_id]))
        if amend_id and revoke_id and s.wait_committed(revoke_id) and s.wait_committed(amend_id):
            got = node.rpc("get_record", {"id": notary_id})
            c.check(got["revoked"] is True and sorted((x["id"], x["action"]) for x in got["corrections"])
                    == sorted([(amend_id, "amend"), (revoke_id, "revoke")]),
                    "get_record of the corrected record lists both corrections and says revoked", h.short(got))
            res = h.cli(jchain, ["verify", "--hash", notary_rec["content_hash"], "--rpc", url], env=env)
            c.check(res.rc == 1 and "REVOKED" in res.out,
                    "`jchain verify --hash` of revoked content: NOT NOTARIZED (revoked), exit 1", repr(res))
    s.refused_record("a governance record by a member, not a validator", rec(court, kind="governance"), NOT_PERMITTED)

    # ------------------------------------------------------------------ client time window
    c.section("client time outside the admission window")
    s.refused_record("client time a minute before the window", rec(court, client_time_ms=h.now_ms() - WINDOW_MS - 60_000),
                     STALE)
    s.refused_record("client time a minute after the window", rec(court, client_time_ms=h.now_ms() + WINDOW_MS + 60_000),
                     STALE)
    s.refused_record("client time 0 (1970)", rec(court, client_time_ms=0), STALE)
    s.refused_record("client time 2^64-1", rec(court, client_time_ms=2**64 - 1), STALE)
    s.accepted("client time a minute inside the window, in the past (control)",
               rec(court, client_time_ms=h.now_ms() - WINDOW_MS + 60_000))
    s.accepted("client time a minute inside the window, in the future (control)",
               rec(court, client_time_ms=h.now_ms() + WINDOW_MS - 60_000))
    s.accepted("nonce 2^64-1 (a full u64)", rec(court, nonce=2**64 - 1))

    # ------------------------------------------------------------------ duplicates and replays
    c.section("duplicates and replays")
    st0 = s.idle()
    dup = rec(court, case_id="(2026)京01民初4号")
    dup_id = s.accepted("a new record", dup)
    resp = s.submit(dup)
    s.expect("the same signed record again at once", resp, DUPLICATE)
    c.require(dup_id and s.wait_committed(dup_id) is not None, "the record is committed")
    before = s.idle()
    s.expect("the same signed record again once committed", s.submit(dup), DUPLICATE)
    s.expect("the same record with a fresh valid signature (same id)", s.submit(h.resign(dup, court)), DUPLICATE)
    s.expect("the first CLI-signed record replayed", s.submit(captured), DUPLICATE)
    hs = dict(dup, signature=h.der_signature(*(lambda r_s: (r_s[0], h.N_ORDER - r_s[1]))(
        h.parse_der_signature(bytes.fromhex(dup["signature"])))).hex())
    s.expect("the same record with its malleated (high-S) signature", s.submit(hs), INVALID_RECORD)
    s.unchanged(before, "replays")
    st1 = s.idle()
    c.equal(st1["ledger_size"] - st0["ledger_size"], 1, "the ledger grew by exactly one record")
    vh = node.rpc("verify_hash", {"content_hash": dup["content_hash"]})
    c.equal([r["id"] for r in vh["records"]], [dup_id], "verify_hash finds exactly one record of that content")
    ch = node.rpc("case_history", {"case_tag": h.case_tag(CHAIN, "(2026)京01民初4号")})
    c.equal(len(ch["records"]), 1, "case_history holds the record once")

    # ------------------------------------------------------------------ HTTP body limit
    c.section("request body over rpc.request_bytes_max: HTTP 413")
    before = s.idle()
    padded = rec(court)
    req = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "submit_record", "params": {"record": padded}}).encode()
    status, out = h.post_raw(url, req + b" " * (BODY_MAX + 1 - len(req)))
    c.equal(status, 413, f"a valid submit_record padded to {BODY_MAX + 1} bytes is HTTP 413")
    try:
        c.check(code_reason(json.loads(out))[0] == -32600, "  ... with a JSON-RPC error body", h.short(out))
    except (ValueError, TypeError):
        c.check(False, "  ... with a JSON-RPC error body", h.short(out))
    c.check(h.http_get(url, "/health")[0] == 200, "  ... and the node is still healthy")
    s.unchanged(before, "413")
    s.absent(padded, "413")

    def chunks():
        yield req
        left = BODY_MAX + 1 - len(req)
        while left > 0:
            n = min(left, 65536)
            yield b" " * n
            left -= n
    host, port = h.host_port(url)
    conn = h.http.client.HTTPConnection(host, port, timeout=30)
    try:
        conn.request("POST", "/rpc", body=chunks(), headers={"Content-Type": "application/json"}, encode_chunked=True)
        chunked_status = conn.getresponse().status
    except (OSError, h.http.client.HTTPException) as e:
        chunked_status = f"connection error {e}"
    finally:
        conn.close()
    c.equal(chunked_status, 413, "the same body sent chunked (no Content-Length) is HTTP 413")
    s.unchanged(before, "chunked 413")
    s.absent(padded, "chunked 413")
    status, out = h.post_raw(url, req + b" " * (BODY_MAX - len(req)))
    c.check(status == 200 and json.loads(out).get("result", {}).get("id") == h.record_id(padded),
            f"the same request padded to exactly {BODY_MAX} bytes is admitted (the limit is inclusive)",
            f"HTTP {status} {h.short(out)}")
    s.admitted += 1

    # ------------------------------------------------------------------ batches
    c.section("batches")
    before = s.idle()
    big = [rec(court) for _ in range(1001)]
    reqs = [{"jsonrpc": "2.0", "id": i, "method": "submit_record", "params": {"record": r}} for i, r in enumerate(big)]
    status, resp = s.raw(json.dumps(reqs))
    c.check(status == 200 and isinstance(resp, dict), "a batch of 1001 valid records gets one error object",
            f"HTTP {status} {h.short(resp)}")
    s.expect("a batch of 1001 calls", resp, BATCH_TOO_LARGE, want_id=None)
    s.unchanged(before, "oversized batch")
    for r in (big[0], big[500], big[1000]):
        s.absent(r, "oversized batch")
    status, resp = s.raw(json.dumps([{"jsonrpc": "2.0", "id": i, "method": "status"} for i in range(1000)]))
    c.check(status == 200 and isinstance(resp, list) and len(resp) == 1000 and all("result" in a for a in resp),
            "a batch of exactly 1000 calls is answered in full", f"HTTP {status} {h.short(resp)}")

    before = s.idle()
    a, b_ok, d, e = rec(court), rec(court), rec(court, client_time_ms=h.now_ms() - 2 * WINDOW_MS), rec(stranger)
    bad_sig = dict(rec(court), nonce=7)
    note = rec(court)  # sent as a notification: admitted, no answer
    mix = [
        {"jsonrpc": "2.0", "id": 1, "method": "submit_record", "params": {"record": a}},
        {"jsonrpc": "2.0", "id": 2, "method": "submit_record", "params": {"record": bad_sig}},
        {"jsonrpc": "2.0", "id": 3, "method": "no_such_method"},
        17,
        {"jsonrpc": "2.0", "id": 5, "method": "status"},
        {"jsonrpc": "2.0", "id": 6, "method": "get_record", "params": {"id": secrets.token_hex(32)}},
        {"jsonrpc": "2.0", "method": "submit_record", "params": {"record": note}},
        {"jsonrpc": "2.0", "id": 8, "method": "submit_record", "params": {"record": a}},
        {"jsonrpc": "2.0", "id": 9, "method": "submit_record", "params": {"record": d}},
        {"jsonrpc": "2.0", "id": 10, "method": "submit_record", "params": {"record": e}},
        {"jsonrpc": "2.0", "id": 11, "method": "submit_record", "params": {"record": dict(b_ok, extra=True)}},
        {"id": 12, "method": "submit_record", "params": {"record": b_ok}},
        {"jsonrpc": "2.0", "id": 13, "method": "submit_record", "params": {"record": rec(court, chain_id="x")}},
        {"jsonrpc": "2.0", "id": 14, "method": "submit_record", "params": {"record": b_ok}},
    ]
    status, resp = s.raw(json.dumps(mix))
    c.require(status == 200 and isinstance(resp, list), "a mixed batch gets an array of answers",
              f"HTTP {status} {h.short(resp)}")
    ids = [x.get("id") for x in resp]
    c.equal(ids, [1, 2, 3, None, 5, 6, 8, 9, 10, 11, 12, 13, 14],
            "one answer per call except the notification, in request order")
    by = {x.get("id"): x for x in resp if x.get("id") is not None}
    c.check(by.get(1, {}).get("result", {}).get("id") == h.record_id(a), "batch: the good record is admitted",
            h.short(by.get(1)))
    s.expect("batch: a record with a bad signature", by.get(2), BAD_SIGNATURE)
    s.expect("batch: an unknown method", by.get(3), NO_METHOD)
    s.expect("batch: 17 (not an object)", next((x for x in resp if x.get("id") is None), None), INVALID_REQUEST)
    c.check(by.get(5, {}).get("result", {}).get("chain_id") == CHAIN, "batch: status answers", h.short(by.get(5)))
    s.expect("batch: get_record of an unknown id", by.get(6), NOT_FOUND)
    s.expect("batch: the good record a second time in the same batch", by.get(8), DUPLICATE)
    s.expect("batch: a stale record", by.get(9), STALE)
    s.expect("batch: a non-member's record", by.get(10), UNKNOWN_MEMBER)
    s.expect("batch: a record with an unknown field", by.get(11), INVALID_RECORD)
    s.expect("batch: a call without jsonrpc", by.get(12), INVALID_REQUEST)
    s.expect("batch: a record for another chain", by.get(13), WRONG_CHAIN)
    c.check(by.get(14, {}).get("result", {}).get("id") == h.record_id(b_ok),
            "batch: a good record is admitted even though its malformed twins were refused", h.short(by.get(14)))
    # s.raw counts nothing: ids 1, 14 and the notification were admitted; 2, 8, 9, 10, 11, 13
    # reached submit_record and were refused (12 was refused as a request, before any method).
    s.admitted += 3
    s.refused += 6
    for rid in (h.record_id(a), h.record_id(note), h.record_id(b_ok)):
        c.check(s.wait_committed(rid) is not None, f"batch: admitted record {rid[:12]} is committed")
    for label, r in (("bad signature", bad_sig), ("stale", d), ("non-member", e)):
        s.absent(r, f"batch {label}")
    after = s.idle()
    c.equal(after["ledger_size"] - before["ledger_size"], 3, "the mixed batch added exactly its 3 good records")

    # ------------------------------------------------------------------ metrics agree
    c.section("metrics count what was refused")
    status, out = h.http_get(url, "/metrics")
    metrics = {}
    for line in out.decode().splitlines():
        if line and not line.startswith("#"):
            k, v = line.split()
            metrics[k] = int(v)
    c.equal(metrics.get("jchain_records_rejected_total"), s.refused,
            "jchain_records_rejected_total equals the submit_record calls the node refused")
    c.equal(metrics.get("jchain_records_admitted_total"), s.admitted,
            "jchain_records_admitted_total equals the records it admitted")

    res = h.cli(jchain, ["audit", "--rpc", url], env=env, timeout=120)
    c.check(res.rc == 0 and "CHAIN INTACT" in res.out, "after all of it, `jchain audit --rpc` says CHAIN INTACT",
            repr(res))
    c.equal(node.stop(), 0, "the node stops on SIGTERM with exit 0")

    # ------------------------------------------------------------------ mempool full
    c.section("mempool full: a second node with mempool.records_max = 3 and slow blocks")
    home2 = os.path.join(work, "small")
    res = h.cli(jchain, ["init", "--home", home2, "--chain-id", CHAIN, "--rpc-listen",
                         f"127.0.0.1:{h.free_port()}"], env=env)
    c.require(res.rc == 0, "`jchain init` of the second home", repr(res))
    h.set_toml_value(home2, "mempool", "records_max", 3)
    h.set_toml_value(home2, "consensus", "block_interval_ms", 600_000)
    small = h.Node(jchain, home2, work, "small-node")
    small.start("start")
    key2 = h.Key.from_file(os.path.join(home2, "config", "member_key.json"))
    s2 = Suite(c, jchain, small, h.test_env(work, small.url))
    pend = [rec(key2) for _ in range(3)]
    for i, r in enumerate(pend):
        s2.accepted(f"record {i + 1} of 3", r)
    st = small.status()
    c.equal(st["mempool_size"], 3, "three records are pending")
    resp = s2.submit(rec(key2, kind="handover", refs=[h.record_id(pend[0])]))
    s2.expect("a ref to a record that is pending, not committed", resp, UNKNOWN_REF)
    c.equal(s2.snapshot(small.status()), s2.snapshot(st), "  ... and nothing changed (ref to pending)")
    resp = s2.submit(rec(key2))
    s2.expect("a fourth record", resp, MEMPOOL_FULL)
    c.equal(s2.snapshot(small.status()), s2.snapshot(st), "  ... and nothing changed (mempool full)")
    s2.expect("a pending record submitted again", s2.submit(pend[0]), DUPLICATE)
    r = h.rpc_call(small.url, "get_record", {"id": h.record_id(pend[0])})
    c.equal(r.get("result", {}).get("status"), "pending", "get_record of a pending record says pending")
    s2.expect("get_receipt of a pending record", h.rpc_call(small.url, "get_receipt", {"id": h.record_id(pend[0])}),
              NOT_FOUND)
    c.equal(small.stop(), 0, "the second node stops on SIGTERM with exit 0")


if __name__ == "__main__":
    h.run_main("test_rpc_errors: refused inputs get the contract's errors and change nothing", body)
