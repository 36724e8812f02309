#!/usr/bin/env python3
"""Signed checkpoints, witnesses and the monitor, as an outsider sees them.

- GET /checkpoint is a C2SP signed note, checked here with nothing of JChain's: the note
  format and key id by this script (from the C2SP spec), the ECDSA and Ed25519
  signatures by `openssl`.
- A witness made with `jchain witness keygen` and named in node.toml cosigns through
  `jchain monitor --witness-key`; its cosignature is served; an unnamed witness's is
  ignored and reported; malformed or foreign notes get one clear error.
- `jchain monitor` stays quiet on an honest chain, reports records of a watched member,
  and raises an alarm (exit 1, a JSON event) on a rewound node (an older copy of its store
  behind the same address) and on a split view (two copies of one store that diverge
  after a common prefix), in one round across nodes and across restarts via --state.

usage: test_checkpoints.py /path/to/jchain
"""
import base64
import hashlib
import json
import os
import shutil
import subprocess

import jchain_harness as h

SPKI_SECP256K1 = bytes.fromhex("3036301006072a8648ce3d020106052b8104000a032200")
SPKI_ED25519 = bytes.fromhex("302a300506032b6570032100")
EM_DASH = "\u2014"


def pem(prefix: bytes, key: bytes) -> str:
    b64 = base64.b64encode(prefix + key).decode()
    return "-----BEGIN PUBLIC KEY-----\n" + "\n".join(b64[i:i + 64] for i in range(0, len(b64), 64)) + \
        "\n-----END PUBLIC KEY-----\n"


def parse_note(text: str) -> tuple[str, list[tuple[str, bytes, bytes]]]:
    """C2SP signed-note, from the spec: the text ends at the last blank line."""
    assert text.endswith("\n")
    lines = text[:-1].split("\n")
    blank = max(i for i, l in enumerate(lines) if l == "")
    body = "\n".join(lines[:blank]) + "\n"
    sigs = []
    for l in lines[blank + 1:]:
        assert l.startswith(EM_DASH + " "), l
        name, b64 = l[2:].split(" ")
        raw = base64.b64decode(b64, validate=True)
        sigs.append((name, raw[:4], raw[4:]))
    return body, sigs


def key_id(name: str, type_and_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + type_and_key).digest()[:4]


def openssl_ok(args: list[str], work: str) -> bool:
    r = subprocess.run(["openssl"] + args, cwd=work, capture_output=True, text=True)
    return r.returncode == 0 and ("Verified OK" in r.stdout or "Signature Verified Successfully" in r.stdout)


def submit(c: h.Checker, jchain: str, env: dict, node: h.Node, key: str, tag: str) -> str:
    f = os.path.join(env["HOME"], f"{tag}.txt")
    open(f, "w").write(f"evidence {tag}\n")
    r = h.cli(jchain, ["submit", "--rpc", node.url, "--key", key, "--kind", "evidence", "--file", f, "--wait",
                       "--case", "(2026)京0105民初7号"], env=env)
    c.require(r.rc == 0, f"record '{tag}' committed", r.err)
    return r.out.split("committed ")[1].split()[0]


def pdf_text(path: str) -> str:
    r = subprocess.run(["pdftotext", "-layout", path, "-"], capture_output=True, text=True)
    return " ".join(r.stdout.split())  # one line: the page wraps long text


def monitor(jchain: str, env: dict, args: list[str]) -> tuple[int, list[dict], str]:
    r = h.cli(jchain, ["monitor", "--once"] + args, env=env)
    events = [json.loads(l) for l in r.out.splitlines() if l.startswith("{")]
    return r.rc, events, r.err


def body(c: h.Checker, jchain: str) -> None:
    work = h.temp_dir("jchain-checkpoints-")
    env = h.test_env(work)
    home = os.path.join(work, "a")
    a = h.Node(jchain, home, work, "a")
    a.start()
    member_key = os.path.join(home, "config", "demo_member_key.json")
    genesis = os.path.join(home, "config", "genesis.json")
    first_id = submit(c, jchain, env, a, member_key, "one")
    submit(c, jchain, env, a, member_key, "two")

    c.section("GET /checkpoint, checked without JChain")
    st = a.status()
    status, raw = h.http_get(a.url, "/checkpoint")
    c.require(status == 200, "GET /checkpoint answers 200", raw[:200])
    text = raw.decode()
    note_body, sigs = parse_note(text)
    origin, size, root = note_body[:-1].split("\n")
    c.equal(origin, f"jchain.log/jchain-devnet/{st['genesis_hash']}", "origin names the chain and its genesis hash")
    c.equal(int(size), st["ledger_size"], "size is the ledger size")
    c.equal(base64.b64decode(root).hex(), st["ledger_root"], "root is the ledger root (base64)")
    validator = bytes.fromhex(json.load(open(genesis))["validators"][0]["public_key"])
    c.require(len(sigs) == 1, "one signature line (the lone validator)", text)
    name, kid, der = sigs[0]
    c.equal(name, origin, "the validator's key name is the origin")
    c.equal(kid.hex(), key_id(origin, b"\xff" + b"jchain-ecdsa-secp256k1-sha256" + validator).hex(),
            "key id = SHA-256(origin || 0x0A || 0xff || type || key)[:4]")
    open(os.path.join(work, "body.txt"), "w").write(note_body)
    open(os.path.join(work, "sig.der"), "wb").write(der)
    open(os.path.join(work, "validator.pem"), "w").write(pem(SPKI_SECP256K1, validator))
    c.check(openssl_ok(["dgst", "-sha256", "-verify", "validator.pem", "-signature", "sig.der", "body.txt"], work),
            "openssl verifies the validator's signature over the note text")
    open(os.path.join(work, "body.txt"), "w").write(note_body.replace(f"\n{size}\n", f"\n{int(size) + 1}\n"))
    c.check(not openssl_ok(["dgst", "-sha256", "-verify", "validator.pem", "-signature", "sig.der", "body.txt"], work),
            "... and refuses it over another size")
    cp1 = a.rpc("get_checkpoint", {"size": 1})
    c.check(cp1["size"] == 1 and cp1["quorum"] and cp1["validators"] == ["devnet-validator"],
            "get_checkpoint at size 1: the earlier checkpoint, signed", h.short(cp1))

    c.section("witnesses")
    wkey = os.path.join(work, "witness.json")
    r = h.cli(jchain, ["witness", "keygen", "--name", "witness.example/court-b", "--out", wkey], env=env)
    c.require(r.rc == 0, "jchain witness keygen", r.err)
    vkey = r.out.strip()
    c.check(oct(os.stat(wkey).st_mode & 0o777) == "0o600", "the witness key file is mode 0600")
    other_key = os.path.join(work, "other-witness.json")
    c.require(h.cli(jchain, ["witness", "keygen", "--name", "notary.example/w", "--out", other_key], env=env).rc == 0,
              "a second, unconfigured witness")
    a.stop()
    h.set_toml_value(home, "checkpoints", "witnesses", [vkey])  # str() of a list is a TOML array of literal strings
    a.start()
    state = os.path.join(work, "monitor.json")
    rc, events, err = monitor(jchain, env, ["--rpc", a.url, "--state", state, "--genesis", genesis,
                                            "--witness-key", wkey])
    cos = [e for e in events if e["event"] == "cosigned"]
    c.check(rc == 0 and cos and cos[0]["answer"]["accepted"] == ["witness.example/court-b"],
            "the monitor checked the checkpoint, cosigned it and the node accepted the cosignature", h.short(events))
    cp = a.rpc("get_checkpoint")
    c.check([w["name"] for w in cp["witnesses"]] == ["witness.example/court-b"], "get_checkpoint serves the cosignature",
            h.short(cp))
    status, raw = h.http_get(a.url, "/checkpoint")
    wbody, wsigs = parse_note(raw.decode())
    wline = [s for s in wsigs if s[0] == "witness.example/court-b"]
    c.require(len(wline) == 1, "GET /checkpoint carries the witness's line")
    wpub = base64.b64decode(vkey.split("+", 2)[2])
    c.equal(wline[0][1].hex(), key_id("witness.example/court-b", wpub).hex(),
            "witness key id = SHA-256(name || 0x0A || 0x04 || key)[:4], as the verifier key says")
    ts = int.from_bytes(wline[0][2][:8], "big")
    open(os.path.join(work, "cosigned.txt"), "w").write(f"cosignature/v1\ntime {ts}\n" + wbody)
    open(os.path.join(work, "cosig.bin"), "wb").write(wline[0][2][8:])
    open(os.path.join(work, "witness.pem"), "w").write(pem(SPKI_ED25519, wpub[1:]))
    c.check(openssl_ok(["pkeyutl", "-verify", "-pubin", "-inkey", "witness.pem", "-rawin", "-in", "cosigned.txt",
                        "-sigfile", "cosig.bin"], work),
            "openssl verifies the Ed25519 cosignature over 'cosignature/v1', the time and the note text")
    rc, events, err = monitor(jchain, env, ["--rpc", a.url, "--state", os.path.join(work, "m-other.json"),
                                            "--genesis", genesis, "--witness-key", other_key])
    cos = [e for e in events if e["event"] == "cosigned"]
    c.check(cos and cos[0]["answer"]["ignored"] == ["notary.example/w"] and cos[0]["answer"]["accepted"] == [],
            "an unconfigured witness's cosignature is ignored and reported", h.short(events))
    for note, expect in [("hello", "must end with a newline"),
                         ("other.log\n1\n" + "A" * 43 + "=\n\n" + EM_DASH + " w AAAAAAA=\n", "another log"),
                         (wbody.replace(root, base64.b64encode(b"\x01" * 32).decode()) + "\n" + EM_DASH +
                          " w AAAAAAA=\n", "split view")]:
        try:
            a.rpc("add_cosignature", {"note": note})
            c.check(False, f"add_cosignature refuses a bad note ({expect})")
        except h.RpcError as e:
            c.check(expect in str(e), f"add_cosignature refuses a bad note: '{expect}'", str(e))

    c.section("a receipt that carries the cosigned checkpoint")
    rfile = os.path.join(work, "receipt.json")
    r = h.cli(jchain, ["receipt", "--rpc", a.url, "--id", first_id, "--checkpoint", "--out", rfile], env=env)
    c.require(r.rc == 0, "jchain receipt --checkpoint", r.err)
    receipt = json.load(open(rfile))
    c.check(receipt["checkpoint"]["note"] == raw.decode() and receipt["block"]["header"]["ledger_size"] == 1,
            "the record of block 1 carries the witnessed checkpoint of size 2, with a consistency proof")
    r = h.cli(jchain, ["verify", "--receipt", rfile, "--genesis", genesis, "--witness", vkey], env=env)
    c.check(r.rc == 0 and "witness witness.example/court-b cosigned" in r.out,
            "jchain verify --witness: VALID, naming the witness that cosigned", r.out + r.err)
    tampered = json.loads(json.dumps(receipt))
    tampered["checkpoint"]["consistency_path"][0] = h.flip_hex_digit(tampered["checkpoint"]["consistency_path"][0])
    json.dump(tampered, open(rfile + ".t1", "w"))
    r = h.cli(jchain, ["verify", "--receipt", rfile + ".t1", "--genesis", genesis], env=env)
    c.check(r.rc == 1 and "FAIL  checkpoint" in r.out and "consistency proof fails" in r.out,
            "a changed consistency path: INVALID at 'checkpoint'", r.out)
    tampered = json.loads(json.dumps(receipt))
    tampered["checkpoint"]["note"] = tampered["checkpoint"]["note"].replace("\n2\n", "\n1\n", 1)
    json.dump(tampered, open(rfile + ".t2", "w"))
    r = h.cli(jchain, ["verify", "--receipt", rfile + ".t2", "--genesis", genesis], env=env)
    c.check(r.rc == 1 and "FAIL  checkpoint" in r.out and "BAD signature" in r.out,
            "a checkpoint whose size was changed: its signatures fail", r.out)

    c.section("an honest chain: the monitor says nothing")
    submit(c, jchain, env, a, member_key, "three")
    rc, events, err = monitor(jchain, env, ["--rpc", a.url, "--state", state, "--genesis", genesis, "--witness", vkey])
    alarms = [e for e in events if e.get("alarm")]
    c.check(rc == 0 and not alarms, "exit 0 and no alarm after the log grew", h.short(events) + err)
    seen = json.load(open(state))
    c.equal(seen["latest"]["size"], 3, "the state file keeps the largest checkpoint checked")
    member_pub = json.load(open(member_key))["public_key"]
    rc, events, err = monitor(jchain, env, ["--rpc", a.url, "--state", os.path.join(work, "m-watch.json"),
                                            "--genesis", genesis, "--watch-member", member_pub, "--watch-from", "1"])
    watched = [e for e in events if e["event"] == "watched_record"]
    c.check(rc == 0 and len(watched) == 3 and all(e["submitter"] == member_pub for e in watched),
            "--watch-member reports the member's three records", h.short(events))

    s_tofu = os.path.join(work, "m-tofu.json")
    rc, events, err = monitor(jchain, env, ["--rpc", a.url, "--state", s_tofu])
    c.check(rc == 0 and any(e["event"] == "genesis_pinned" for e in events) and "trusting the genesis" in err,
            "without --genesis the monitor pins the first node's, and says so", h.short(events) + err)
    rc, events, err = monitor(jchain, env, ["--rpc", a.url, "--state", s_tofu])
    c.check(rc == 0 and not any(e["event"] == "genesis_pinned" for e in events) and
            json.load(open(s_tofu))["genesis"]["chain_id"] == "jchain-devnet",
            "and uses the pinned one on the next run", h.short(events))

    c.section("a rewound node")
    a.stop()
    old_home = os.path.join(work, "old")
    shutil.copytree(home, old_home)  # size 3; grow a past it, then put the copy behind a's address
    a.start()
    submit(c, jchain, env, a, member_key, "four")
    rc, events, err = monitor(jchain, env, ["--rpc", a.url, "--state", state, "--genesis", genesis])
    c.check(rc == 0, "the monitor saw size 4", err)
    port = a.port
    a.stop()
    old = h.Node(jchain, old_home, work, "old")
    old.start(port=port)
    rc, events, err = monitor(jchain, env, ["--rpc", old.url, "--state", state, "--genesis", genesis])
    rew = [e for e in events if e["event"] == "rewound"]
    c.check(rc == 1 and rew and rew[0]["alarm"] and rew[0]["size"] == 3 and rew[0]["size_before"] == 4,
            "exit 1 and a 'rewound' alarm: the node at that address shows 3 records after 4", h.short(events))
    c.check("ALARM rewound" in err, "a clear message on stderr", err)
    c.check("alarms" in json.load(open(state)), "the state file keeps the alarm's evidence")

    c.section("a split view")
    # `old` holds a's first three records; a holds four. Give `old` a different fourth.
    submit(c, jchain, env, old, member_key, "four-other")
    a.start()
    rc, events, err = monitor(jchain, env, ["--rpc", a.url, "--rpc", old.url, "--state",
                                            os.path.join(work, "m-split.json"), "--genesis", genesis])
    split = [e for e in events if e["event"] == "split_view"]
    c.check(rc == 1 and split, "exit 1 and a 'split_view' alarm: two nodes, one origin, two different logs of 4",
            h.short(events))
    # Across restarts: a monitor that saw only a, then only old.
    s2 = os.path.join(work, "m-split-2.json")
    rc1, _, _ = monitor(jchain, env, ["--rpc", a.url, "--state", s2, "--genesis", genesis])
    rc2, events, err = monitor(jchain, env, ["--rpc", old.url, "--state", s2, "--genesis", genesis])
    c.check(rc1 == 0 and rc2 == 1 and any(e["event"] == "split_view" for e in events),
            "the split is caught across restarts too: the state file remembers a's checkpoint", h.short(events))
    # A note someone presents (here: old's signed checkpoint of size 4) against a: two
    # different notes of the same size, each validly signed, are evidence.
    old_note = os.path.join(work, "old-note.txt")
    open(old_note, "w").write(old.rpc("get_checkpoint", {"size": 4})["note"])
    rc, events, err = monitor(jchain, env, ["--rpc", a.url, "--state", os.path.join(work, "m-note.json"),
                                            "--genesis", genesis, "--note", old_note])
    conflict = [e for e in events if e["event"] == "conflicting_notes"]
    c.check(rc == 1 and conflict and conflict[0]["alarm"] and conflict[0]["size"] == 4 and
            conflict[0]["note"] != conflict[0]["other_note"],
            "--note: a presented note of size 4 that differs from a's: 'conflicting_notes', both notes kept", h.short(events))
    a_note = os.path.join(work, "a-note.txt")
    open(a_note, "w").write(a.rpc("get_checkpoint", {"size": 4})["note"])
    rc, events, err = monitor(jchain, env, ["--rpc", a.url, "--state", os.path.join(work, "m-note-2.json"),
                                            "--genesis", genesis, "--note", a_note])
    c.check(rc == 0 and any(e["event"] == "note_checked" for e in events),
            "--note with a's own note of size 4: checked, no alarm", h.short(events) + err)
    submit(c, jchain, env, old, member_key, "five-other")
    rc, events, err = monitor(jchain, env, ["--rpc", a.url, "--rpc", old.url, "--state",
                                            os.path.join(work, "m-split-3.json"), "--genesis", genesis])
    c.check(rc == 1 and any(e["event"] == "split_view" for e in events),
            "and when the fork is longer: a's 4 records are not a prefix of the other's 5", h.short(events))

    witnessed_chain(c, jchain, env, work, wkey, vkey, other_key)


def witnessed_chain(c: h.Checker, jchain: str, env: dict, work: str, wkey: str, vkey: str, other_key: str) -> None:
    """A chain whose genesis declares the witness (jchain init --witness): a receipt is
    VALID only when the witness cosigned its checkpoint, and says which basis it has."""
    c.section("a chain that declares its witness in genesis")
    home = os.path.join(work, "w")
    r = h.cli(jchain, ["init", "--home", home, "--chain-id", "jchain-witnessed", "--witness", vkey], env=env)
    c.require(r.rc == 0, "jchain init --witness VKEY", r.err)
    genesis = os.path.join(home, "config", "genesis.json")
    c.equal(json.load(open(genesis))["witnesses"], [vkey], "genesis.json lists the witness's verifier key")
    w = h.Node(jchain, home, work, "w")
    w.start(how="start")
    member_key = os.path.join(home, "config", "member_key.json")
    first = submit(c, jchain, env, w, member_key, "w-one")
    rfile = os.path.join(work, "w-receipt.json")
    c.require(h.cli(jchain, ["receipt", "--rpc", w.url, "--id", first, "--out", rfile], env=env).rc == 0, "a receipt")
    r = h.cli(jchain, ["verify", "--receipt", rfile, "--genesis", genesis], env=env)
    c.check(r.rc == 1 and "FAIL  trust basis" in r.out and "declares witnesses" in r.out,
            "without a witnessed checkpoint: INVALID by default, the trust basis says why", r.out)
    r = h.cli(jchain, ["verify", "--receipt", rfile, "--genesis", genesis, "--accept-validators-only"], env=env)
    c.check(r.rc == 0 and "certified by validators only" in r.out.splitlines()[-1],
            "--accept-validators-only: VALID, printed as certified by validators only", r.out)

    # The witness (named in no node.toml) cosigns through the monitor: the node keeps the
    # cosignature because the chain declares the witness.
    submit(c, jchain, env, w, member_key, "w-two")
    rc, events, err = monitor(jchain, env, ["--rpc", w.url, "--state", os.path.join(work, "m-w.json"),
                                            "--genesis", genesis, "--witness-key", wkey])
    cos = [e for e in events if e["event"] == "cosigned"]
    c.check(rc == 0 and cos and cos[0]["answer"]["accepted"] == ["witness.example/court-b"],
            "the node accepts the cosignature of the witness its genesis declares", h.short(events) + err)
    r = h.cli(jchain, ["receipt", "--rpc", w.url, "--id", first, "--checkpoint", "--out", rfile], env=env)
    c.require(r.rc == 0, "jchain receipt --checkpoint", r.err)
    receipt = json.load(open(rfile))
    c.check(receipt["checkpoint"]["block"]["header"]["height"] == receipt["checkpoint"]["height"] and
            receipt["checkpoint"]["state"]["witnesses"] == [vkey],
            "the checkpoint carries the certified header at its height and the state naming the witness")
    r = h.cli(jchain, ["verify", "--receipt", rfile, "--genesis", genesis], env=env)
    c.check(r.rc == 0 and "witnessed by 1 of 1 witnesses (witness.example/court-b" in r.out.splitlines()[-1],
            "VALID, witnessed by 1 of 1 witnesses, from the genesis file alone", r.out)
    # The deposit certificate states the trust basis: jchain certificate as verify does,
    # the node's GET /certificate with the witnessed checkpoint attached.
    cert = os.path.join(work, "w-cert.pdf")
    r = h.cli(jchain, ["certificate", "--receipt", rfile, "--genesis", genesis, "--out", cert], env=env)
    c.check(r.rc == 0 and "witnessed by 1 of 1 witnesses" in r.out and
            "witnessed by 1 of 1 witnesses" in pdf_text(cert), "jchain certificate of the witnessed receipt says so, "
            "on the page too", r.out + r.err)
    plain = os.path.join(work, "w-plain.json")
    c.require(h.cli(jchain, ["receipt", "--rpc", w.url, "--id", first, "--out", plain], env=env).rc == 0, "a plain receipt")
    os.remove(cert)
    r = h.cli(jchain, ["certificate", "--receipt", plain, "--genesis", genesis, "--out", cert], env=env)
    c.check(r.rc == 1 and "trust basis" in r.err and not os.path.exists(cert),
            "jchain certificate of a receipt no witness cosigned: refused, nothing written", r.out + r.err)
    r = h.cli(jchain, ["certificate", "--receipt", plain, "--genesis", genesis, "--out", cert, "--accept-validators-only"],
              env=env)
    c.check(r.rc == 0 and "certified by validators only" in pdf_text(cert),
            "... written with --accept-validators-only, saying 'certified by validators only'", r.out + r.err)
    status, pdf = h.http_get(w.url, f"/certificate?record={first}")
    open(cert, "wb").write(pdf)
    c.check(status == 200 and "witnessed by 1 of 1 witnesses" in pdf_text(cert),
            "GET /certificate attaches the witnessed checkpoint and says 'witnessed by 1 of 1 witnesses'", str(status))
    other_vkey = h.cli(jchain, ["witness", "keygen", "--name", "notary.example/w2", "--out",
                                os.path.join(work, "w2.json")], env=env).out.strip()
    r = h.cli(jchain, ["verify", "--receipt", rfile, "--genesis", genesis, "--witness", other_vkey], env=env)
    c.check(r.rc == 1 and "did not cosign" in r.out, "--witness with a key that did not cosign: INVALID, not silence", r.out)
    for shift in (-1, 1):
        tampered = json.loads(json.dumps(receipt))
        tampered["checkpoint"]["height"] += shift
        json.dump(tampered, open(rfile + ".h", "w"))
        r = h.cli(jchain, ["verify", "--receipt", rfile + ".h", "--genesis", genesis, "--accept-validators-only"], env=env)
        c.check(r.rc == 1 and "FAIL  checkpoint" in r.out, f"checkpoint.height shifted by {shift:+d}: INVALID", r.out)

    # A newer checkpoint cosigned only by a witness node.toml names (not one the chain
    # declares) does not make a receipt witnessed: the node attaches the newest checkpoint
    # the quorum in force cosigned instead.
    witnessed_size = json.loads(json.dumps(receipt))["checkpoint"]["block"]["header"]["ledger_size"]
    w.stop()
    h.set_toml_value(home, "checkpoints", "witnesses", [other_vkey])
    w.start(how="start")
    submit(c, jchain, env, w, member_key, "w-three")
    rc, events, err = monitor(jchain, env, ["--rpc", w.url, "--state", os.path.join(work, "m-w2.json"),
                                            "--genesis", genesis, "--witness-key", os.path.join(work, "w2.json")])
    cos = [e for e in events if e["event"] == "cosigned"]
    c.check(rc == 0 and cos and cos[-1]["answer"]["accepted"] == ["notary.example/w2"],
            "the node keeps the cosignature of the witness its node.toml names", h.short(events) + err)
    r = h.cli(jchain, ["receipt", "--rpc", w.url, "--id", first, "--checkpoint", "--out", rfile], env=env)
    c.require(r.rc == 0, "jchain receipt --checkpoint, after the newer cosignature", r.err)
    chosen = json.load(open(rfile))["checkpoint"]["block"]["header"]["ledger_size"]
    c.check(chosen == witnessed_size and w.status()["ledger_size"] > witnessed_size,
            f"the receipt carries the checkpoint the declared witness cosigned (size {witnessed_size}), "
            f"not the newer one only node.toml's witness cosigned", f"chosen size {chosen}")
    r = h.cli(jchain, ["verify", "--receipt", rfile, "--genesis", genesis], env=env)
    c.check(r.rc == 0 and "witnessed by 1 of 1 witnesses" in r.out.splitlines()[-1],
            "... and it verifies as witnessed from the genesis file alone", r.out)
    w.stop()


if __name__ == "__main__":
    h.run_main("checkpoints, witnesses and the monitor", body)
