#!/usr/bin/env python3
"""`jchain config check --home DIR`: a home's node.toml, genesis.json and node key, checked
as `jchain start` checks them. For each broken file the check exits 2 naming the file, the
setting and the reason, and `jchain start` refuses the same home with the same words; a
good home passes, also beside its running node (no store is opened).

usage: test_config_check.py /path/to/jchain
"""
import json
import os
import re
import shutil

import jchain_harness as h


def body(c: h.Checker, jchain: str) -> None:
    work = h.temp_dir("jchain-config-check-")
    env = h.test_env(work)
    home = os.path.join(work, "court-a")
    r = h.cli(jchain, ["init", "--home", home, "--chain-id", "config-check"], env=env)
    c.require(r.rc == 0, "jchain init", repr(r))
    cfg = os.path.join(home, "config")
    toml, genesis, key = (os.path.join(cfg, f) for f in ("node.toml", "genesis.json", "node_key.json"))
    saved = {p: open(p).read() for p in (toml, genesis, key)}

    c.section("a good home")
    r = h.cli(jchain, ["config", "check", "--home", home], env=env)
    c.check(r.rc == 0 and r.out.count("\nok    ") + r.out.startswith("ok    ") == 3 and
            "config OK" in r.out and "a genesis validator" in r.out, "three ok lines and 'config OK', exit 0", repr(r))
    r = h.cli(jchain, ["--json", "config", "check", "--home", home], env=env)
    j = r.json() if r.rc == 0 else {}
    c.check(j.get("ok") is True and j.get("chain_id") == "config-check" and j.get("role") == "validator" and
            re.fullmatch(r"[0-9a-f]{64}", j.get("genesis_hash", "")) is not None, "--json: ok, chain, role, hash",
            repr(r))

    c.section("each broken file: the check and start refuse it in the same words")
    cases = [
        ("a setting of the wrong type", toml, lambda t: re.sub(r"(?m)^threads = 2$", 'threads = "two"', t),
         f"{toml}: rpc.threads must be a non-negative integer"),
        ("an unknown setting", toml, lambda t: t + "\n[web]\nbogus = 1\n" if "[web]" not in t else
         t.replace("[web]", "[web]\nbogus = 1"), f"{toml}: unknown setting web.bogus"),
        ("a TOML syntax error", toml, lambda t: t + "\n[rpc\n", f"{toml}:"),
        ("a peer that is no host:port", toml, lambda t: re.sub(r"(?m)^peers = \[\]$", 'peers = ["court-b.example"]', t),
         f"{toml}: p2p.peers[0]: address 'court-b.example' is not host:port"),
        ("a P2P listen port out of range", toml, lambda t: re.sub(r"(?m)^(\[p2p\]\nlisten = )'[^']*'", r"\g<1>'0.0.0.0:70000'", t),
         f"{toml}: p2p.listen: address '0.0.0.0:70000' is not host:port"),
        ("a role that is neither", toml, lambda t: re.sub(r"(?m)^role = '[a-z]+'$", "role = 'validatr'", t),
         f"{toml}: role must be 'validator' or 'observer'"),
        ("an unknown genesis field", genesis, lambda t: t.replace('"chain_id"', '"chainid"', 1), f"{genesis}: unknown genesis field chainid"),
        ("a node key that is not a key file", key, lambda t: '{"type":"secp256k1"}', f"{key}: "),
    ]
    for what, path, change, expect in cases:
        text = change(saved[path])
        c.require(text != saved[path], f"({what}: the test changed {os.path.basename(path)})")
        open(path, "w").write(text)
        chk = h.cli(jchain, ["config", "check", "--home", home], env=env)
        start = h.cli(jchain, ["start", "--home", home], env=env, timeout=20)
        said = chk.out.split("\n")[0][len("FAIL  "):] if chk.out.startswith("FAIL  ") else chk.out
        c.check(chk.rc == 2 and said.startswith(expect) and "config REFUSED" in chk.out,
                f"{what}: config check exits 2, '{expect}…'", repr(chk))
        c.check(start.rc == 2 and start.err.strip() == "jchain: " + said,
                f"{what}: jchain start refuses it in the same words", f"check: {said!r}\nstart: {start.err.strip()!r}")
        open(path, "w").write(saved[path])
    r = h.cli(jchain, ["config", "check", "--home", os.path.join(work, "nowhere")], env=env)
    c.check(r.rc == 2 and "no node home at" in r.out and "jchain init" in r.out, "a missing home: exit 2, how to make one",
            repr(r))
    os.remove(key)
    r = h.cli(jchain, ["config", "check", "--home", home], env=env)
    c.check(r.rc == 2 and key in r.out, "a missing node key: exit 2, naming the file", repr(r))
    open(key, "w").write(saved[key])
    os.chmod(key, 0o600)

    c.section("beside a running node")
    node = h.Node(jchain, home, work, "court-a")
    node.start("start")
    r = h.cli(jchain, ["config", "check", "--home", home], env=env)
    c.check(r.rc == 0 and "config OK" in r.out, "config check passes while the node runs (it opens no store)", repr(r))
    c.check(node.status()["height"] >= 0 and node.proc.poll() is None, "and the node keeps running")
    node.stop()

    c.section("what genesis says of the node key")
    other = os.path.join(work, "other.json")
    c.require(h.cli(jchain, ["keygen", "--out", other], env=env).rc == 0, "a key genesis does not name")
    shutil.copy(other, key)
    r = h.cli(jchain, ["config", "check", "--home", home], env=env)
    c.check(r.rc == 0 and "note  the node key" in r.out and "neither a validator nor an observer node in genesis" in r.out,
            "a node key genesis does not name: a note, not a refusal (governance may have added it)", repr(r))


if __name__ == "__main__":
    h.run_main("jchain config check", body)
