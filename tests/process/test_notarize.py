"""Notarize a file end to end with the real `jchain` binary, as the README tells a user to.

devnet in a temp home -> `jchain submit --wait --receipt-out` -> `jchain verify` online (by
file, by hash, a never-submitted file) -> `jchain proof inclusion|consistency|root` ->
`jchain audit --rpc` and, stopped, `--home` -> offline `jchain verify --receipt` (valid,
wrong file, tampered receipts, a forged certificate, another chain's genesis) -> the record
and certificate signatures with the stock `openssl` CLI exactly as docs/receipt.md says ->
`--json` everywhere -> devnet resumes on the same home.

Usage: python3 test_notarize.py /path/to/jchain
"""

import base64
import hashlib
import json
import os
import re
import secrets
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import jchain_harness as h  # noqa: E402

CASE_ID = "(2026)京0105民初123号"
HEX64 = re.compile(r"\b[0-9a-f]{64}\b")


def pem_of(public_key: bytes) -> str:
    """SPKI PEM of a compressed secp256k1 key (id-ecPublicKey, secp256k1), as openssl writes it."""
    spki = bytes.fromhex("3036301006072a8648ce3d020106052b8104000a032200") + public_key
    b64 = base64.b64encode(spki).decode()
    return "-----BEGIN PUBLIC KEY-----\n" + "\n".join(b64[i:i + 64] for i in range(0, len(b64), 64)) + \
        "\n-----END PUBLIC KEY-----\n"


def openssl_verify(c: h.Checker, work: str, sig: dict, what: str, digest_should_be: str | None = None) -> None:
    """docs/receipt.md, "Checking it by hand", for one {signed_bytes, der, pem} object."""
    d = os.path.join(work, "openssl-" + re.sub(r"[^a-z0-9]+", "-", what.lower()))
    os.makedirs(d, exist_ok=True)
    signed, der, pub = (os.path.join(d, n) for n in ("signed.bin", "sig.der", "pub.pem"))
    open(signed, "wb").write(bytes.fromhex(sig["signed_bytes"]))
    open(der, "wb").write(bytes.fromhex(sig["der"]))
    open(pub, "w").write(sig["pem"])
    p = subprocess.run(["openssl", "dgst", "-sha256", "-verify", pub, "-signature", der, signed],
                       capture_output=True, text=True, timeout=30)
    c.check(p.returncode == 0 and p.stdout.strip() == "Verified OK",
            f"openssl dgst -sha256 -verify says 'Verified OK' for the {what}",
            f"exit {p.returncode}, stdout {p.stdout.strip()!r}, stderr {p.stderr.strip()!r}")
    if digest_should_be is not None:
        c.equal(hashlib.sha256(open(signed, "rb").read()).hexdigest(), digest_should_be,
                f"sha256sum of the {what}'s signed.bin equals its id")
    # The same check must be able to say no: one flipped bit in the signed bytes.
    bad = bytearray(open(signed, "rb").read())
    bad[len(bad) // 2] ^= 1
    open(signed, "wb").write(bytes(bad))
    p = subprocess.run(["openssl", "dgst", "-sha256", "-verify", pub, "-signature", der, signed],
                       capture_output=True, text=True, timeout=30)
    c.check(p.returncode != 0 and "Verified OK" not in p.stdout,
            f"openssl refuses the {what} when one bit of signed.bin is flipped",
            f"exit {p.returncode}, stdout {p.stdout.strip()!r}")


def wait_idle(node: h.Node, timeout: float = 30) -> dict:
    """The node's status once its mempool is empty (every admitted record is in a block)."""
    deadline = time.monotonic() + timeout
    while True:
        st = node.status()
        if st["mempool_size"] == 0 or time.monotonic() > deadline:
            return st
        time.sleep(0.05)


def body(c: h.Checker, jchain: str) -> None:
    work = h.temp_dir("jchain-notarize-")
    home = os.path.join(work, "devnet")
    node = h.Node(jchain, home, work, "devnet")
    node.start("devnet")
    url = node.url
    env = h.test_env(work, url)
    key_file = os.path.join(home, "config", "demo_member_key.json")
    genesis_file = os.path.join(home, "config", "genesis.json")
    print(f"devnet at {url}, home {home}")

    def run(args, **kw):
        return h.cli(jchain, args, env=kw.pop("env", env), **kw)

    # ------------------------------------------------------------------ status
    c.section("jchain status")
    res = run(["status", "--rpc", url])
    c.check(res.rc == 0 and "jchain-devnet" in res.out and re.search(r"height\s+\d+", res.out) is not None,
            "`jchain status --rpc URL` exits 0 and shows the chain and height", repr(res))
    res = run(["status"])  # JCHAIN_RPC from the environment
    c.check(res.rc == 0 and "jchain-devnet" in res.out, "`jchain status` uses $JCHAIN_RPC", repr(res))
    res = run(["--json", "status", "--rpc", url])
    try:
        st = res.json()
        c.check(res.rc == 0 and st["chain_id"] == "jchain-devnet" and isinstance(st["height"], int)
                and len(st["validators"]) == 1, "`jchain --json status` prints the status as JSON", repr(res))
    except (ValueError, KeyError) as e:
        c.check(False, "`jchain --json status` prints the status as JSON", f"{e}: {res!r}")
    res = run(["status", "--rpc", url, "--json"])
    ok = res.rc == 0
    try:
        ok = ok and res.json()["chain_id"] == "jchain-devnet"
    except ValueError:
        ok = False
    c.check(ok, "`jchain status --json` (the flag after the command, as users type it) prints JSON",
            f"README/contract: every command takes --json; {res!r}")
    res = run(["status", "--rpc", "http://127.0.0.1:1"])
    c.check(res.rc == 2 and res.err.strip() != "", "`jchain status` against a dead node exits 2 with a reason",
            repr(res))

    # ------------------------------------------------------------------ submit
    c.section("jchain submit")
    earlier = []
    for i in range(3):
        res = run(["submit", "--key", key_file, "--kind", "evidence", "--hash", secrets.token_hex(32),
                   "--rpc", url])
        m = re.search(r"submitted ([0-9a-f]{64}) \(pending\)", res.out)
        c.check(res.rc == 0 and m is not None, f"`jchain submit --hash` (no --wait) #{i + 1} says pending", repr(res))
        if m:
            earlier.append(m.group(1))

    evidence = os.path.join(work, "evidence.txt")
    content = ("contract scan, page 1\n" + secrets.token_hex(16) + "\n").encode()
    open(evidence, "wb").write(content)
    content_hash = hashlib.sha256(content).hexdigest()
    receipt_file = os.path.join(work, "receipt.json")
    res = run(["submit", "--key", key_file, "--kind", "evidence", "--file", evidence, "--case", CASE_ID,
               "--meta", "source=upload", "--wait", "--receipt-out", receipt_file, "--rpc", url])
    m = re.search(r"committed ([0-9a-f]{64}) at height (\d+)", res.out)
    c.require(res.rc == 0 and m is not None, "`jchain submit --file --wait --receipt-out` commits the file", repr(res))
    record_id, height = m.group(1), int(m.group(2))
    print(f"  record {record_id} at height {height} ({res.seconds:.2f} s)")
    c.check("receipt saved to" in res.out, "submit says where the receipt was saved", repr(res))
    c.require(os.path.exists(receipt_file), "the receipt file exists")
    receipt = json.load(open(receipt_file))
    c.equal(receipt.get("format"), "jchain-receipt/4", "receipt format")
    c.equal(receipt.get("record_id"), record_id, "receipt record_id is the id submit printed")
    c.equal(receipt["record"]["content_hash"], content_hash, "record content_hash is the file's SHA-256")
    # Privacy (docs/privacy.md): the record carries the case's tag and a commitment; the
    # holder's copy discloses the clear values, the case key and the salt.
    disclosure = receipt.get("disclosure") or {}
    case_key_file = os.path.join(home, "config", "cases", hashlib.sha256(CASE_ID.encode()).hexdigest()[:32] + ".json")
    c.check(os.path.exists(case_key_file) and os.stat(case_key_file).st_mode & 0o777 == 0o600,
            "the first `submit --case` made a case key in config/cases/ beside the key file, mode 0600", case_key_file)
    held_key = json.load(open(case_key_file)).get("case_key", "") if os.path.exists(case_key_file) else ""
    c.equal(disclosure.get("case_id"), CASE_ID, "the saved receipt discloses the clear case id (UTF-8)")
    c.equal(disclosure.get("case_key"), held_key, "... with the case key kept in the key store")
    c.equal(receipt["record"].get("case_tag"), h.case_tag("jchain-devnet", CASE_ID, bytes.fromhex(held_key or "00")),
            "the record's case_tag is HMAC-SHA-256(case key, str(jchain/case/v1) || str(chain id) || str(case id))")
    src = disclosure.get("metadata", {}).get("source", {})
    c.check(src.get("value") == "upload" and len(bytes.fromhex(src.get("salt", ""))) == 16 and
            receipt["record"].get("metadata") == {"source": h.commitment("source", "upload", bytes.fromhex(src["salt"]))},
            "the record's metadata value is the salted commitment of the clear value the disclosure holds (16-byte salt)",
            json.dumps(receipt["record"].get("metadata")) + " " + json.dumps(disclosure, ensure_ascii=False))
    c.check(CASE_ID not in json.dumps(receipt["record"], ensure_ascii=False) and "upload" not in json.dumps(receipt["record"]),
            "the signed record itself holds neither the case id nor the value")
    fetched = node.rpc("get_receipt", {"id": record_id})
    c.check("disclosure" not in fetched and CASE_ID not in json.dumps(fetched, ensure_ascii=False)
            and "upload" not in json.dumps(fetched),
            "a receipt fetched from the node has the commitments only: no disclosure, no clear value")
    c.equal(receipt["block"]["header"]["height"], height, "receipt block height is the height submit printed")
    c.check(len(receipt["inclusion_proof"]["path"]) > 0,
            "the inclusion proof has nodes (records were committed before this one)",
            f"tree size {receipt['inclusion_proof']['tree_size']}")
    c.check(content.decode() not in json.dumps(receipt, ensure_ascii=False),
            "the file's content itself appears nowhere in the receipt (only its hash)")

    got = node.rpc("get_record", {"id": record_id})
    c.check(got["status"] == "committed" and got["height"] == height and got["revoked"] is False,
            "get_record says committed at that height", h.short(got))
    # The header commits to the body: every record id of the block with its signature
    # (docs/encoding.md, "Block body"), so the certificate covers the signatures too.
    blk = node.rpc("get_block", {"height": receipt["block"]["header"]["height"]})
    body = b"".join(bytes.fromhex(rid) + b"".join(v.to_bytes(32, "big") for v in h.parse_der_signature(
        bytes.fromhex(node.rpc("get_record", {"id": rid})["record"]["signature"]))) for rid in blk["record_ids"])
    tag = b"jchain/body/v1"
    body = len(tag).to_bytes(4, "big") + tag + len(blk["record_ids"]).to_bytes(4, "big") + body
    c.equal(hashlib.sha256(body).hexdigest(), receipt["block"]["header"]["body_hash"],
            "SHA-256 of the block body (each record id with its r || s) is the header's body_hash")
    c.check(bytes.fromhex(receipt["block"]["header"]["body_hash"]) in bytes.fromhex(receipt["block"]["header_bytes"]),
            "block.header_bytes carry the header's body_hash")
    for rid in earlier:
        try:
            st = node.rpc("get_record", {"id": rid})["status"]
        except h.RpcError as e:
            st = str(e)
        c.check(st in ("pending", "committed"), f"earlier record {rid[:12]} is known to the node", st)

    res = run(["--json", "submit", "--key", key_file, "--kind", "notice", "--hash", secrets.token_hex(32),
               "--wait", "--rpc", url])
    try:
        j = res.json()
        c.check(res.rc == 0 and j["status"] == "committed" and HEX64.fullmatch(j["id"]) and j["height"] >= 1,
                "`jchain --json submit --wait` prints {id, status: committed, height}", repr(res))
    except (ValueError, KeyError, TypeError) as e:
        c.check(False, "`jchain --json submit --wait` prints JSON", f"{e}: {res!r}")
    res = run(["--json", "submit", "--key", key_file, "--kind", "evidence", "--hash", secrets.token_hex(32),
               "--rpc", url])
    try:
        j = res.json()
        c.check(res.rc == 0 and j["status"] == "pending" and HEX64.fullmatch(j["id"]),
                "`jchain --json submit` prints {id, status: pending}", repr(res))
    except (ValueError, KeyError, TypeError) as e:
        c.check(False, "`jchain --json submit` prints JSON", f"{e}: {res!r}")
    res = run(["submit", "--key", key_file, "--kind", "evidence", "--file", evidence, "--receipt-out", "x.json",
               "--rpc", url])
    c.check(res.rc == 2, "`--receipt-out` without `--wait` is bad usage (exit 2)", repr(res))
    res = run(["submit", "--key", key_file, "--kind", "affidavit", "--hash", secrets.token_hex(32), "--rpc", url])
    c.check(res.rc == 2 and "kind" in res.err, "an unknown --kind is bad usage (exit 2)", repr(res))
    res = run(["submit", "--key", key_file, "--kind", "evidence", "--hash", "abc", "--rpc", url])
    c.check(res.rc == 2, "a --hash that is not 64 hex is bad usage (exit 2)", repr(res))

    # ------------------------------------------------------------------ verify online
    # ------------------------------------------------------------------ privacy (issue 19)
    c.section("privacy: a stranger walking the chain learns no case id or value; a party with the key gets the case")
    minors_case, adult_case = "(2026)沪0107未检1号", "(2026)沪0107刑初12号"
    secrets_submitted = [minors_case, adult_case, CASE_ID, "张某", "受害人张某", "age-fourteen-" + secrets.token_hex(4)]
    party_ids = []
    for case, metas in ((minors_case, ["victim=受害人张某", "age=14"]), (adult_case, ["note=" + secrets_submitted[5]]),
                        (minors_case, ["victim=张某"])):
        args = ["--json", "submit", "--key", key_file, "--kind", "evidence", "--hash", secrets.token_hex(32), "--case", case,
                "--wait", "--rpc", url]
        for m in metas:
            args += ["--meta", m]
        res = run(args)
        try:
            party_ids.append((case, res.json()["id"]))
        except (ValueError, KeyError):
            c.check(False, f"submit --case {case} with personal metadata commits", repr(res))
    c.check(len(party_ids) == 3, "three records with a minors' case id, a victim's name and an age committed", str(party_ids))
    # The stranger: no key, only the public RPC. Every block, every record, every receipt.
    transcript = []

    def stranger(method, params):
        try:
            out = node.rpc(method, params)
        except h.RpcError as e:
            out = {"error": str(e)}
        transcript.append(json.dumps(out, ensure_ascii=False))
        transcript.append(json.dumps(out))  # \u-escaped too
        return out

    tip = stranger("status", {}).get("height", 0)
    walked = 0
    for height in range(1, tip + 1):
        blk = stranger("get_block", {"height": height})
        for rid in blk.get("record_ids", []):
            stranger("get_record", {"id": rid})
            stranger("get_receipt", {"id": rid})
            walked += 1
    for case in (minors_case, adult_case):  # a guessed case number, as the case id itself
        stranger("case_history", {"case_id": case})
    text = "\n".join(transcript)
    leaked = [s for s in secrets_submitted + ["upload"] if s in text]
    c.check(walked >= 5 and not leaked,
            f"a stranger walking all {tip} blocks and {walked} records (get_block, get_record, get_receipt) and guessing "
            "case numbers finds none of the submitted case ids or metadata values in its whole transcript",
            f"found: {leaked}; {len(text)} characters of transcript")
    # The party: the submitter's own key store, then another agency given the key.
    res = run(["--json", "case-history", "--case", minors_case, "--key", key_file, "--rpc", url])
    try:
        got = [r["id"] for r in res.json()["records"]]
    except (ValueError, KeyError):
        got = None
    c.equal(got, [rid for case, rid in party_ids if case == minors_case],
            "`jchain case-history --case ID --key K` (the submitter holds the case key) lists the case's records in order")
    other_dir = os.path.join(work, "procuratorate")
    os.makedirs(other_dir, exist_ok=True)
    other_key = os.path.join(other_dir, "key.json")
    run(["keygen", "--out", other_key])
    res = run(["case-history", "--case", minors_case, "--key", other_key, "--rpc", url])
    c.check(res.rc == 2 and "no case key" in res.err, "another agency without the case key cannot ask for the case (exit 2)",
            repr(res))
    handover = os.path.join(work, "handover-case-key.json")
    res = run(["case-key", "show", "--key", key_file, "--case", minors_case, "--out", handover])
    c.check(res.rc == 0 and os.stat(handover).st_mode & 0o777 == 0o600,
            "`jchain case-key show --out` writes the hand-over file with mode 0600", repr(res))
    res = run(["case-key", "import", "--key", other_key, "--in", handover])
    c.check(res.rc == 0, "`jchain case-key import` keeps the received key beside the other agency's key", repr(res))
    res = run(["--json", "case-history", "--case", minors_case, "--key", other_key, "--rpc", url])
    try:
        got = [r["id"] for r in res.json()["records"]]
    except (ValueError, KeyError):
        got = None
    c.equal(got, [rid for case, rid in party_ids if case == minors_case],
            "... and with it gets the same case history")
    res = run(["--json", "case-history", "--case", minors_case, "--case-key", handover, "--rpc", url])
    c.check(res.rc == 0 and len(res.json()["records"]) == 2, "a party given the hand-over file gets it with --case-key", repr(res))
    wrong = os.path.join(work, "wrong-key.json")
    open(wrong, "w").write(json.dumps({"case_id": minors_case, "case_key": "11" * 32}))
    os.chmod(wrong, 0o600)
    res = run(["--json", "case-history", "--case", minors_case, "--case-key", wrong, "--rpc", url])
    c.check(res.rc == 0 and res.json()["records"] == [], "with a wrong case key the case has no records (another tag)", repr(res))
    res = run(["--json", "submit", "--key", other_key, "--kind", "evidence", "--hash", secrets.token_hex(32), "--case",
               minors_case, "--case-key", wrong, "--rpc", url])
    c.check(res.rc != 0, "a submit with a hand-over file of another key is refused (that agency is no member here)",
            repr(res))
    # The node refuses clear text from a client that does not blind.
    try:
        node.rpc("submit_record", {"record": h.make_record(h.Key.from_file(key_file), "jchain-devnet",
                                                           metadata={"victim": "张某"}, blind=False)})
        refused = ""
    except h.RpcError as e:
        refused = str(e)
    c.check("commitment" in refused, "a record with a metadata value in clear is refused by the node (the shape rule)", refused)

    c.section("jchain verify (online)")
    res = run(["verify", "--file", evidence, "--rpc", url])
    c.check(res.rc == 0 and "NOTARIZED" in res.out and "NOT NOTARIZED" not in res.out and record_id in res.out,
            "`jchain verify --file` says NOTARIZED, names the record, exit 0", repr(res))
    res = run(["verify", "--hash", content_hash])
    c.check(res.rc == 0 and record_id in res.out, "`jchain verify --hash` (JCHAIN_RPC) exit 0", repr(res))
    res = run(["--json", "verify", "--file", evidence, "--rpc", url])
    try:
        j = res.json()
        c.check(res.rc == 0 and j["verdict"] == "notarized" and j["found"] is True
                and [r["id"] for r in j["records"]] == [record_id] and j["records"][0]["case_tag"] == receipt["record"]["case_tag"],
                "`jchain --json verify --file` gives verdict notarized and the one record", repr(res))
    except (ValueError, KeyError) as e:
        c.check(False, "`jchain --json verify` prints JSON", f"{e}: {res!r}")
    never = os.path.join(work, "never-submitted.txt")
    open(never, "wb").write(b"never submitted " + secrets.token_bytes(16))
    res = run(["verify", "--file", never, "--rpc", url])
    c.check(res.rc == 1 and "NOT NOTARIZED" in res.out,
            "`jchain verify --file` of a never-submitted file says NOT NOTARIZED, exit 1", repr(res))
    res = run(["--json", "verify", "--file", never, "--rpc", url])
    try:
        c.check(res.rc == 1 and res.json()["verdict"] == "not_notarized" and res.json()["found"] is False,
                "`jchain --json verify` of a never-submitted file: not_notarized, exit 1", repr(res))
    except (ValueError, KeyError) as e:
        c.check(False, "`jchain --json verify` (not found) prints JSON", f"{e}: {res!r}")
    res = run(["verify", "--hash", "zz" * 32, "--rpc", url])
    c.check(res.rc == 2, "`jchain verify --hash` with a non-hex hash is bad input (exit 2)", repr(res))
    res = run(["verify", "--file", os.path.join(work, "no-such-file"), "--rpc", url])
    c.check(res.rc == 2 and res.err.strip() != "", "`jchain verify --file` of a missing file exits 2", repr(res))
    res = run(["verify", "--file", evidence, "--rpc", "http://127.0.0.1:1"])
    c.check(res.rc == 2, "`jchain verify` with the node unreachable exits 2 (not 1: nothing was checked)",
            repr(res))

    # ------------------------------------------------------------------ proofs against live data
    c.section("jchain proof consistency / root (data from the node)")
    st = wait_idle(node)
    size2, root2 = st["ledger_size"], st["ledger_root"]
    size1 = receipt["inclusion_proof"]["tree_size"]
    cp = node.rpc("get_consistency_proof", {"size1": size1, "size2": size2})
    c.equal(cp["root1"], receipt["inclusion_proof"]["root"], "get_consistency_proof root1 is the receipt's root")
    c.equal(cp["root2"], root2, "get_consistency_proof root2 is status.ledger_root")
    c.check(h.verify_consistency(size1, size2, bytes.fromhex(cp["root1"]), bytes.fromhex(cp["root2"]),
                                 [bytes.fromhex(x) for x in cp["path"]]),
            f"the consistency proof {size1} -> {size2} checks in Python (RFC 9162)")
    args = ["proof", "consistency", "--size1", str(size1), "--root1", cp["root1"], "--size2", str(size2),
            "--root2", cp["root2"], "--path", ",".join(cp["path"])]
    res = run(args)
    c.check(res.rc == 0 and "VALID" in res.out and "INVALID" not in res.out,
            "`jchain proof consistency` with the node's proof: VALID, exit 0", repr(res))
    res = run(["--json"] + args)
    try:
        c.check(res.rc == 0 and res.json()["valid"] is True, "`jchain --json proof consistency` prints valid: true",
                repr(res))
    except (ValueError, KeyError) as e:
        c.check(False, "`jchain --json proof consistency` prints JSON", f"{e}: {res!r}")
    if size1 < size2:
        bad = list(args)
        bad[bad.index("--root2") + 1] = h.flip_hex_digit(cp["root2"])
        res = run(bad)
        c.check(res.rc == 1 and "INVALID" in res.out, "`jchain proof consistency` with a wrong root2: exit 1",
                repr(res))

    ids = []
    for hh in range(1, st["height"] + 1):
        ids += node.rpc("get_block", {"height": hh})["record_ids"]
    c.equal(len(ids), size2, "the blocks' record_ids add up to the ledger size")
    res = run(["proof", "root", "--leaf-data", ",".join(ids)])
    c.check(res.rc == 0 and res.out.strip() == root2,
            "`jchain proof root --leaf-data <every record id in order>` equals status.ledger_root", repr(res))
    c.equal(h.merkle_root([bytes.fromhex(i) for i in ids]).hex(), root2,
            "an independent RFC 6962 root over the record ids equals status.ledger_root")
    res = run(["--json", "proof", "root", "--leaf-data", ",".join(ids)])
    try:
        c.check(res.rc == 0 and res.json()["root"] == root2 and res.json()["size"] == len(ids),
                "`jchain --json proof root` prints {root, size}", repr(res))
    except (ValueError, KeyError) as e:
        c.check(False, "`jchain --json proof root` prints JSON", f"{e}: {res!r}")
    res = run(["proof", "root", "--leaf-data", "xyz"])
    c.check(res.rc == 2, "`jchain proof root` with non-hex leaf data exits 2", repr(res))

    # ------------------------------------------------------------------ audit online
    c.section("jchain audit --rpc")
    st = wait_idle(node)  # every submitted record committed: the ledger no longer moves
    size2, root2 = st["ledger_size"], st["ledger_root"]
    res = run(["audit", "--rpc", url], timeout=120)
    c.check(res.rc == 0 and "CHAIN INTACT" in res.out, "`jchain audit --rpc URL` says CHAIN INTACT, exit 0",
            repr(res))
    report_file = os.path.join(work, "audit-report.json")
    res = run(["--json", "audit", "--rpc", url, "--report", report_file], timeout=120)
    try:
        j = res.json()
        c.check(res.rc == 0 and j["ok"] is True and j["problems"] == [] and j["ledger_root"] == root2
                and j["ledger_size"] == size2, "`jchain --json audit --rpc` reports ok and the node's ledger root",
                repr(res))
        c.check(json.load(open(report_file)) == j, "`--report FILE` holds the same JSON report")
    except (ValueError, KeyError, OSError) as e:
        c.check(False, "`jchain --json audit --rpc` prints JSON and writes --report", f"{e}: {res!r}")

    res = run(["audit", "--home", home], timeout=60)
    c.check(res.rc == 2 and res.err.strip() != "",
            "`jchain audit --home` while the node runs exits 2 with a reason (not a verdict)", repr(res))

    # ------------------------------------------------------------------ stop; audit the home
    c.section("stop the node; jchain audit --home")
    rc = node.stop()
    c.equal(rc, 0, "the devnet stops on SIGTERM with exit 0")
    res = run(["audit", "--home", home], timeout=120)
    c.check(res.rc == 0 and "CHAIN INTACT" in res.out, "`jchain audit --home` of the stopped node: CHAIN INTACT",
            repr(res))

    # ------------------------------------------------------------------ offline receipt checks
    c.section("jchain verify --receipt (offline, node stopped)")
    offline_env = h.test_env(work, "http://127.0.0.1:1")  # any network use would fail
    res = run(["verify", "--receipt", receipt_file, "--genesis", genesis_file], env=offline_env)
    c.check(res.rc == 0 and "VALID" in res.out and "INVALID" not in res.out,
            "`jchain verify --receipt R --genesis G`: VALID, exit 0", repr(res))
    res = run(["verify", "--receipt", receipt_file, "--genesis", genesis_file, "--file", evidence], env=offline_env)
    c.check(res.rc == 0 and "VALID" in res.out and "INVALID" not in res.out,
            "`jchain verify --receipt R --genesis G --file F`: VALID, exit 0", repr(res))
    c.check(re.search(r"ok +disclosure: case id " + re.escape(CASE_ID), res.out) is not None
            and "case id  " + CASE_ID in res.out and "source = upload" in res.out,
            "`jchain verify --receipt` checks the disclosure and prints the clear case id and value", repr(res))
    fetched_file = os.path.join(work, "fetched-receipt.json")
    json.dump(fetched, open(fetched_file, "w"), ensure_ascii=False)
    res = run(["verify", "--receipt", fetched_file, "--genesis", genesis_file], env=offline_env)
    c.check(res.rc == 0 and "no disclosure" in res.out and CASE_ID not in res.out,
            "the receipt fetched from the node verifies too, and says nothing is disclosed", repr(res))
    res = run(["--json", "verify", "--receipt", receipt_file, "--genesis", genesis_file, "--file", evidence],
              env=offline_env)
    try:
        j = res.json()
        c.check(res.rc == 0 and j["valid"] is True and len(j["checks"]) >= 5 and all(x["ok"] for x in j["checks"]),
                f"`jchain --json verify --receipt` lists {len(j['checks'])} checks, all ok", repr(res))
    except (ValueError, KeyError) as e:
        c.check(False, "`jchain --json verify --receipt` prints JSON", f"{e}: {res!r}")
    other_file = os.path.join(work, "other.txt")
    open(other_file, "wb").write(content + b"!")
    res = run(["verify", "--receipt", receipt_file, "--genesis", genesis_file, "--file", other_file], env=offline_env)
    c.check(res.rc == 1 and "INVALID" in res.out, "offline verify with a different file: INVALID, exit 1", repr(res))
    res = run(["verify", "--receipt", receipt_file, "--genesis", genesis_file, "--file", never], env=offline_env)
    c.check(res.rc == 1, "offline verify with the never-submitted file: exit 1", repr(res))
    res = run(["verify", "--receipt", receipt_file], env=offline_env)
    c.check(res.rc == 2, "`--receipt` without `--genesis` is bad usage (exit 2)", repr(res))
    res = run(["verify", "--receipt", os.path.join(work, "missing.json"), "--genesis", genesis_file], env=offline_env)
    c.check(res.rc == 2, "a missing receipt file exits 2", repr(res))

    def tampered(label, mutate, expect_rc=1):
        doc = json.loads(json.dumps(receipt))
        mutate(doc)
        path = os.path.join(work, "tampered-" + re.sub(r"[^a-z0-9]+", "-", label.lower()) + ".json")
        json.dump(doc, open(path, "w"), ensure_ascii=False, indent=2)
        r = run(["verify", "--receipt", path, "--genesis", genesis_file], env=offline_env)
        c.check(r.rc == expect_rc and "VALID" not in r.out.replace("INVALID", ""),
                f"tampered receipt ({label}): exit {expect_rc}, not VALID", repr(r))

    def set_path(doc, keys, fn):
        o = doc
        for k in keys[:-1]:
            o = o[k]
        o[keys[-1]] = fn(o[keys[-1]])

    flip = h.flip_hex_digit
    tampered("record content_hash digit", lambda d: set_path(d, ["record", "content_hash"], flip))
    tampered("block header ledger_root digit", lambda d: set_path(d, ["block", "header", "ledger_root"], flip))
    tampered("inclusion proof root digit", lambda d: set_path(d, ["inclusion_proof", "root"], flip))
    tampered("inclusion proof path node digit", lambda d: set_path(d, ["inclusion_proof", "path", 0], flip))
    tampered("inclusion proof leaf_hash digit", lambda d: set_path(d, ["inclusion_proof", "leaf_hash"], flip))
    tampered("inclusion proof tree_size + 1", lambda d: set_path(d, ["inclusion_proof", "tree_size"], lambda n: n + 1))
    tampered("certificate signature digit", lambda d: set_path(d, ["commit", "signatures", 0, "der"], flip))
    tampered("record signature digit", lambda d: set_path(d, ["record", "signature"], flip))
    tampered("record_signature.der digit", lambda d: set_path(d, ["record_signature", "der"], flip))
    tampered("record_signature.signed_bytes digit", lambda d: set_path(d, ["record_signature", "signed_bytes"], flip))
    tampered("record nonce + 1", lambda d: set_path(d, ["record", "nonce"], lambda n: n + 1))
    tampered("record case_tag digit", lambda d: set_path(d, ["record", "case_tag"], flip))
    # The disclosure is checked against the tag and commitments: a changed value, salt,
    # case id or case key fails (exit 1).
    tampered("disclosed value changed", lambda d: set_path(d, ["disclosure", "metadata", "source", "value"], lambda s: "uploaded"))
    tampered("disclosed salt digit", lambda d: set_path(d, ["disclosure", "metadata", "source", "salt"], flip))
    tampered("disclosed case id changed", lambda d: set_path(d, ["disclosure", "case_id"], lambda s: s.replace("123", "124")))
    tampered("disclosed case key digit", lambda d: set_path(d, ["disclosure", "case_key"], flip))
    tampered("record_id digit", lambda d: set_path(d, ["record_id"], flip))
    tampered("leaf_index + 1", lambda d: set_path(d, ["leaf_index"], lambda n: n + 1))
    tampered("block hash digit", lambda d: set_path(d, ["block", "hash"], flip))
    tampered("block header time changed", lambda d: set_path(d, ["block", "header", "time_ms"], lambda n: n + 1))
    tampered("block header_bytes digit", lambda d: set_path(d, ["block", "header_bytes"], flip))
    tampered("commit block_hash digit", lambda d: set_path(d, ["commit", "block_hash"], flip))
    tampered("commit height + 1", lambda d: set_path(d, ["commit", "height"], lambda n: n + 1))
    tampered("certificate without signatures", lambda d: set_path(d, ["commit", "signatures"], lambda s: []))
    tampered("validator set key digit",
             lambda d: set_path(d, ["validator_set", "validators", 0, "public_key"], flip))

    # A certificate signed by a key that is not a validator, internally consistent (signature,
    # pem and validator all match each other), must still be refused.
    forger = h.Key.generate()

    def forge_commit(d):
        s = d["commit"]["signatures"][0]
        s["der"] = forger.sign_digest(hashlib.sha256(bytes.fromhex(s["signed_bytes"])).digest()).hex()
        s["pem"] = pem_of(forger.public_key)
        s["validator"] = forger.public_hex
    tampered("certificate re-signed by a non-validator key", forge_commit)

    # Someone else's chain with the same chain id: a fresh `jchain init` has another validator.
    other_home = os.path.join(work, "impostor")
    res = run(["init", "--home", other_home, "--chain-id", "jchain-devnet", "--rpc-listen",
               f"127.0.0.1:{h.free_port()}"])
    c.check(res.rc == 0, "`jchain init` of a second home (same chain id, other validator)", repr(res))
    if res.rc == 0:
        res = run(["verify", "--receipt", receipt_file, "--genesis", os.path.join(other_home, "config",
                                                                                   "genesis.json")],
                  env=offline_env)
        c.check(res.rc == 1, "the receipt does not verify against another chain's genesis (same chain id): exit 1",
                repr(res))

    # ------------------------------------------------------------------ openssl, no JChain code
    c.section("signatures checked with the stock openssl CLI (docs/receipt.md)")
    openssl_verify(c, work, receipt["record_signature"], "record signature", digest_should_be=record_id)
    c.equal(h.record_signed_bytes(receipt["record"]).hex(), receipt["record_signature"]["signed_bytes"],
            "record_signature.signed_bytes are the record's canonical bytes")
    c.equal(receipt["record_signature"]["pem"], pem_of(bytes.fromhex(receipt["record"]["submitter"])),
            "record_signature.pem is the submitter's key")
    block_hash = receipt["block"]["hash"]
    for i, sig in enumerate(receipt["commit"]["signatures"]):
        openssl_verify(c, work, sig, f"certificate signature {i}")
        c.check(bytes.fromhex(block_hash) in bytes.fromhex(sig["signed_bytes"]),
                f"certificate signature {i}'s signed bytes name the block hash")
    c.equal(hashlib.sha256(bytes.fromhex(receipt["block"]["header_bytes"])).hexdigest(), block_hash,
            "sha256 of block.header_bytes equals block.hash")
    c.check(bytes.fromhex(receipt["block"]["header"]["ledger_root"]) in bytes.fromhex(receipt["block"]["header_bytes"]),
            "block.header_bytes carry the header's ledger_root")

    # ------------------------------------------------------------------ inclusion proof
    c.section("jchain proof inclusion with the receipt's proof")
    ip = receipt["inclusion_proof"]
    leaf = hashlib.sha256(b"\x00" + bytes.fromhex(record_id)).hexdigest()
    c.equal(ip["leaf_hash"], leaf, "inclusion_proof.leaf_hash is SHA-256(0x00 || record_id)")
    c.equal(ip["root"], receipt["block"]["header"]["ledger_root"], "the proof's root is the header's ledger_root")
    c.equal(ip["tree_size"], receipt["block"]["header"]["ledger_size"], "the proof's size is the header's ledger_size")
    c.check(h.verify_inclusion(bytes.fromhex(leaf), receipt["leaf_index"], ip["tree_size"],
                               [bytes.fromhex(p) for p in ip["path"]], bytes.fromhex(ip["root"])),
            "the inclusion proof checks in Python (RFC 9162)")
    args = ["proof", "inclusion", "--leaf-hash", leaf, "--index", str(receipt["leaf_index"]),
            "--size", str(ip["tree_size"]), "--root", ip["root"], "--path", ",".join(ip["path"])]
    res = run(args, env=offline_env)
    c.check(res.rc == 0 and "VALID" in res.out and "INVALID" not in res.out,
            "`jchain proof inclusion` with the receipt's proof: VALID, exit 0", repr(res))
    res = run(["--json"] + args, env=offline_env)
    try:
        c.check(res.rc == 0 and res.json() == {"valid": True}, "`jchain --json proof inclusion` prints valid: true",
                repr(res))
    except ValueError as e:
        c.check(False, "`jchain --json proof inclusion` prints JSON", f"{e}: {res!r}")
    bad = list(args)
    bad[bad.index("--index") + 1] = str(receipt["leaf_index"] ^ 1)
    res = run(bad, env=offline_env)
    c.check(res.rc == 1 and "INVALID" in res.out, "`jchain proof inclusion` with a wrong index: INVALID, exit 1",
            repr(res))
    bad = list(args)
    bad[bad.index("--path") + 1] = ",".join([h.flip_hex_digit(ip["path"][0])] + ip["path"][1:])
    res = run(bad, env=offline_env)
    c.check(res.rc == 1, "`jchain proof inclusion` with a tampered path node: exit 1", repr(res))
    bad = list(args)
    bad[bad.index("--root") + 1] = "not-hex"
    res = run(bad, env=offline_env)
    c.check(res.rc == 2, "`jchain proof inclusion` with a malformed root: exit 2", repr(res))

    # ------------------------------------------------------------------ keygen --json
    c.section("jchain keygen")
    key2 = os.path.join(work, "k2.json")
    res = run(["--json", "keygen", "--out", key2])
    try:
        j = res.json()
        c.check(res.rc == 0 and j["public_key"] == h.Key.from_file(key2).public_hex,
                "`jchain --json keygen` prints the public key of the file it wrote", repr(res))
        c.equal(oct(os.stat(key2).st_mode & 0o777), "0o600", "the key file is mode 0600")
    except (ValueError, KeyError, OSError) as e:
        c.check(False, "`jchain --json keygen` prints JSON", f"{e}: {res!r}")
    res = run(["keygen", "--out", key2])
    c.check(res.rc == 2, "`jchain keygen` never overwrites an existing key file (exit 2)", repr(res))

    # ------------------------------------------------------------------ devnet resumes
    c.section("devnet resumes on the same home")
    node.start("devnet")
    st2 = node.status()
    c.check(st2["height"] == st["height"] and st2["ledger_root"] == root2,
            "after a restart the devnet has the same height and ledger root", f"{st2} vs {st}")
    res = run(["verify", "--file", evidence, "--rpc", node.url])
    c.check(res.rc == 0 and record_id in res.out, "the file still verifies online after the restart", repr(res))
    got = node.rpc("get_receipt", {"id": record_id})
    c.check(got == {k: v for k, v in receipt.items() if k != "disclosure"},
            "get_receipt after the restart returns the same receipt (the saved one less its disclosure)")
    rc = node.stop()
    c.equal(rc, 0, "the devnet stops again with exit 0")


if __name__ == "__main__":
    h.run_main("test_notarize: notarize a file and check its receipt", body)
