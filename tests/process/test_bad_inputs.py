#!/usr/bin/env python3
"""Walks docs/bad-inputs.md: every row of its walked tables, against a real devnet.

For each row the node must answer exactly as the table says (code, reason, message; HTTP
status; exit status and message), and after it nothing may have changed: the same height,
ledger size and root, mempool size, and /health ok. Rows are read from the document, so a
changed message must be changed there too; a table row this walker cannot build (a new
record or HTTP case) fails, as does a builder no row uses.

usage: test_bad_inputs.py /path/to/jchain
"""
import json
import os
import re
import secrets
import shutil
import socket
import subprocess

import jchain_harness as h

DOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "bad-inputs.md")


def tables(path: str) -> dict[str, list[list[str]]]:
    """The rows of each table, by the `## heading` above it (header and rule lines dropped)."""
    out, heading = {}, None
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("## "):
            heading = line[3:].strip()
        elif line.startswith("|") and heading:
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            rows = out.setdefault(heading, [])
            if rows == [] and not getattr(tables, "_seen_" + heading, False):
                setattr(tables, "_seen_" + heading, True)  # the header row
                continue
            if all(set(c) <= set("-: ") for c in cells):
                continue
            rows.append(cells)
    return out


def code_text(cell: str) -> str:
    m = re.fullmatch(r"`(.*)`", cell)
    return m.group(1) if m else cell


class Walker:
    def __init__(self, c: h.Checker, jchain: str, node: h.Node, work: str):
        self.c, self.jchain, self.node, self.work = c, jchain, node, work

    def snapshot(self) -> dict:
        st = self.node.status()
        return {k: st[k] for k in ("height", "ledger_size", "ledger_root", "mempool_size")}

    def unchanged(self, before: dict, label: str) -> None:
        status, _ = h.http_get(self.node.url, "/health")
        after = self.snapshot()
        self.c.check(after == before and status == 200, f"  ... nothing changed, /health ok ({label})",
                     f"before {before}, after {after}, health {status}")

    def rpc_error(self, label: str, body: bytes, code: str, reason: str, message: str) -> None:
        before = self.snapshot()
        status, out = h.post_raw(self.node.url, body)
        try:
            err = json.loads(out).get("error") or {}
        except (ValueError, AttributeError):
            err = {}
        got = (str(err.get("code")), (err.get("data") or {}).get("reason"))
        ok = got == (code, reason) and message in str(err.get("message", ""))
        self.c.check(ok, f"{label}: {code} {reason}" + (f" \"{message}\"" if message else ""),
                     f"HTTP {status}: {out[:300]!r}")
        self.unchanged(before, label)


def record_cases(key: h.Key, chain_id: str, node: h.Node, jchain_binary: str):
    """Builders for the Records table: name -> (record, a record to send first or None)."""
    stranger = h.Key.generate()
    validator = h.Key.from_file(os.path.join(node.home, "config", "node_key.json"))  # the devnet's only validator

    def forged():
        rec = h.make_record(stranger, chain_id, submitter=key.public_hex)
        return rec, None

    def replay():
        rec = h.make_record(key, chain_id)
        return rec, rec

    def other_suite():
        # A well-signed sm2-sm3 record (SM3 id, SM2 signature by openssl) sent to this
        # secp256k1-sha256 chain.
        keyfile = os.path.join(h.temp_dir("jchain-sm2key-"), "sm2.json")
        res = h.cli(jchain_binary, ["keygen", "--suite", "sm2", "--out", keyfile])
        assert res.rc == 0, repr(res)
        return h.make_sm2_record(h.Sm2Key.from_file(keyfile, os.path.dirname(keyfile)), chain_id), None

    return {
        "forged signature": forged,
        "stranger": lambda: (h.make_record(stranger, chain_id), None),
        "replay": replay,
        "another suite's record": other_suite,
        "other chain": lambda: (h.make_record(key, chain_id + "-other"), None),
        "stale": lambda: (h.make_record(key, chain_id, client_time_ms=h.now_ms() - 3600 * 1000), None),
        "unknown reference": lambda: (h.make_record(key, chain_id, kind="handover", refs=[secrets.token_hex(32)]),
                                      None),
        "bad metadata key": lambda: (h.make_record(key, chain_id, metadata={"Bad Key": "v"}), None),
        "governance by a member": lambda: (h.make_record(key, chain_id, kind="governance"), None),
        "malformed governance": lambda: (h.make_record(validator, chain_id, kind="governance",
                                                       metadata={"action": "propose", "op": "frobnicate"}), None),
        "governance of no proposal": lambda: (h.make_record(validator, chain_id, kind="governance",
                                                            metadata={"action": "approve"},
                                                            refs=[secrets.token_hex(32)]), None),
        "governance conflict": lambda: (h.make_record(validator, chain_id, kind="governance",
                                                      metadata={"action": "propose", "op": "add-member",
                                                                "name": "again", "role": "court",
                                                                "public_key": key.public_hex}), None),
    }


def http_cases(port: int):
    """Builders for the HTTP table: name -> raw bytes of one request."""
    return {
        "body too large": lambda: (b"POST /rpc HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                   b"Content-Length: %d\r\n\r\n" % ((1 << 20) + 1)) + b"x" * ((1 << 20) + 1),
        "header too large": lambda: b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (17 << 10) + b"\r\n\r\n",
        "malformed request": lambda: b"\x01\x02 garbage \x03\r\n\r\n",
        "JSON-RPC by GET": lambda: b"GET /rpc HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "unknown path": lambda: b"GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "certificate of an unknown record": lambda: (b"GET /certificate?record=" + b"0" * 64 +
                                                     b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
        "certificate id not hex": lambda: b"GET /certificate?record=zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "certificate body not a receipt": lambda: (b"POST /certificate HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                                   b"Content-Type: application/json\r\nContent-Length: 1\r\n\r\n{"),
    }


def raw_http(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        try:
            s.sendall(request)
        except OSError:
            pass  # the server may answer and close before reading everything
        out = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
        except OSError:
            pass
    return out


def put_setting(path: str, dotted: str, value: str) -> None:
    """Sets `table.key = value` (or a top-level `key = value`) in a TOML file, replacing or adding it."""
    table, _, key = dotted.rpartition(".")
    lines = open(path).read().split("\n")
    section, at, header = "", None, None
    for i, line in enumerate(lines):
        s = line.strip()
        if s.startswith("[") and s.endswith("]"):
            section = s[1:-1].strip()
            if section == table:
                header = i
        elif section == table and s.split("=", 1)[0].strip() == key:
            at = i
    if at is not None:
        lines[at] = f"{key} = {value}"
    elif table and header is not None:
        lines.insert(header + 1, f"{key} = {value}")
    elif not table:
        lines.insert(0, f"{key} = {value}")
    else:
        lines += [f"[{table}]", f"{key} = {value}"]
    open(path, "w").write("\n".join(lines))


def body(c: h.Checker, jchain: str) -> None:
    doc = tables(DOC)
    work = h.temp_dir("jchain-bad-")
    home = os.path.join(work, "devnet")
    node = h.Node(jchain, home, work, "devnet")
    node.start("devnet")
    key_file = os.path.join(home, "config", "demo_member_key.json")
    key = h.Key.from_file(key_file)
    chain_id = node.status()["chain_id"]
    w = Walker(c, jchain, node, work)
    zeros = "0" * 64

    c.section("RPC requests")
    rows = doc.get("RPC requests (walked)", [])
    c.require(len(rows) >= 10, "the RPC table has its rows", repr(rows[:2]))
    for case, body_cell, code, reason, message in rows:
        w.rpc_error(case, code_text(body_cell).replace("{Z}", zeros).encode(), code, reason,
                    message.replace("{Z}", zeros))

    c.section("records")
    builders = record_cases(key, chain_id, node, jchain)
    rows = doc.get("Records (walked)", [])
    c.check({r[0] for r in rows} == set(builders), "every Records row has a builder and every builder a row",
            f"rows {sorted(r[0] for r in rows)}, builders {sorted(builders)}")
    for case, _, code, reason, message in rows:
        if case not in builders:
            continue
        rec, first = builders[case]()
        if first is not None:  # the original goes in and commits; only the replay must change nothing
            node.rpc("submit_record", {"record": first})
            h.wait_until(lambda: node.rpc("get_record", {"id": h.record_id(first)})["status"] == "committed", 30)
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "submit_record", "params": {"record": rec}})
        w.rpc_error(case, body.encode(), code, reason, message)
        if first is None:
            r = h.rpc_call(node.url, "get_record", {"id": h.record_id(rec)})
            c.check((r.get("error") or {}).get("data", {}).get("reason") == "not_found",
                    f"  ... and the record is neither pending nor committed ({case})", h.short(r))

    c.section("HTTP")
    builders = http_cases(node.port)
    rows = doc.get("HTTP (walked)", [])
    c.check({r[0] for r in rows} == set(builders), "every HTTP row has a builder and every builder a row",
            f"rows {sorted(r[0] for r in rows)}, builders {sorted(builders)}")
    for case, _, status, says in rows:
        if case not in builders:
            continue
        before = w.snapshot()
        out = raw_http(node.port, builders[case]())
        first = out.split(b"\r\n", 1)[0].decode(errors="replace")
        c.check(first.split(" ")[1:2] == [status] and says.encode() in out, f"{case}: HTTP {status}, \"{says}\"",
                repr(out[:300]))
        w.unchanged(before, case)

    c.section("command line")
    env = h.test_env(work)
    down = f"http://127.0.0.1:{h.free_port()}"
    for case, cmd, code, says in doc.get("Command line (walked)", []):
        args = code_text(cmd).format(key=key_file, rpc=node.url, down=down, home=home, h="ab" * 32).split()
        before = w.snapshot()
        res = h.cli(jchain, args, env=env)
        c.check(str(res.rc) == code and says in res.err, f"{case}: exit {code}, \"{says}\"", repr(res)[-400:])
        w.unchanged(before, case)

    c.section("node.toml")
    for case, setting, says in doc.get("node.toml (walked)", []):
        dotted, _, value = code_text(setting).partition(" = ")
        copy = os.path.join(work, "conf-" + re.sub(r"\W", "_", case))
        os.makedirs(os.path.join(copy, "config"))
        for f in ("node.toml", "genesis.json", "node_key.json"):
            shutil.copy(os.path.join(home, "config", f), os.path.join(copy, "config", f))
        put_setting(os.path.join(copy, "config", "node.toml"), dotted, value)
        res = h.cli(jchain, ["start", "--home", copy], env=env, timeout=20)
        c.check(res.rc == 2 and says in res.err and "node.toml" in res.err, f"{case}: exit 2, \"{says}\"",
                repr(res)[-400:])
        c.check(not os.path.exists(os.path.join(copy, "data")), f"  ... and it created no store ({case})")

    c.check(node.stop() == 0, "the devnet stops cleanly")


if __name__ == "__main__":
    h.run_main("docs/bad-inputs.md, walked", body)
