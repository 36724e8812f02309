"""Back up and restore a node with the real `jchain` binary, as docs/backup.md tells an operator to.

devnet in a temp home -> a few records with `jchain submit --wait` -> `jchain export --rpc`
while it runs (and `--home` refused while it runs) -> stop -> `jchain export --home` (the
same bytes as the RPC export) -> `jchain init` a second home, copy genesis.json and the
node key in -> `jchain import` -> start it: same height, last block hash and ledger root,
the receipts still verify, `jchain audit --home` says CHAIN INTACT -> tampered, truncated,
foreign and garbage files are refused with the documented exit codes and one-line
messages -> `--json` and `--help`.

Usage: python3 test_backup.py /path/to/jchain
"""

import json
import os
import shutil
import struct
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import jchain_harness as h  # noqa: E402

RECORDS = 5


def stderr_line(res: h.CliResult) -> str:
    lines = [line for line in res.err.strip().split("\n") if line.strip()]
    return lines[-1] if lines else ""


def fresh_home(c: h.Checker, jchain: str, env: dict, work: str, name: str, genesis: str | None,
               node_key: str | None) -> str:
    """`jchain init` a home; copy in a genesis (and node key) when given."""
    home = os.path.join(work, name)
    res = h.cli(jchain, ["init", "--home", home], env=env)
    c.require(res.rc == 0, f"`jchain init --home {name}` exits 0", repr(res))
    if genesis:
        shutil.copyfile(genesis, os.path.join(home, "config", "genesis.json"))
    if node_key:
        shutil.copyfile(node_key, os.path.join(home, "config", "node_key.json"))
        os.chmod(os.path.join(home, "config", "node_key.json"), 0o600)
    return home


def body(c: h.Checker, jchain: str) -> None:
    work = h.temp_dir("jchain-backup-")
    home = os.path.join(work, "devnet")
    node = h.Node(jchain, home, work, "devnet")
    node.start("devnet")
    url = node.url
    env = h.test_env(work, url)
    key_file = os.path.join(home, "config", "demo_member_key.json")
    genesis_file = os.path.join(home, "config", "genesis.json")
    node_key = os.path.join(home, "config", "node_key.json")

    def run(args, **kw):
        return h.cli(jchain, args, env=kw.pop("env", env), **kw)

    # ------------------------------------------------------------------ a small chain
    c.section("a chain of a few records")
    receipts = []
    hashes = []
    for i in range(RECORDS):
        content = os.urandom(32).hex()
        receipt = os.path.join(work, f"receipt{i}.json")
        res = run(["submit", "--key", key_file, "--kind", "evidence", "--hash", content, "--case", f"case-{i % 2}",
                   "--meta", f"n={i}", "--rpc", url, "--wait", "--receipt-out", receipt])
        c.require(res.rc == 0, f"record {i} committed with `jchain submit --wait`", repr(res))
        receipts.append(receipt)
        hashes.append(content)
    st1 = node.status()
    c.require(st1["height"] >= 1 and st1["ledger_size"] == RECORDS,
              f"the devnet holds {RECORDS} records in {st1['height']} blocks", h.short(st1))

    # ------------------------------------------------------------------ export while running
    c.section("jchain export while the node runs")
    out_rpc = os.path.join(work, "chain-rpc.jbak")
    res = run(["export", "--rpc", url, "--out", out_rpc])
    c.check(res.rc == 0 and os.path.exists(out_rpc) and f"{st1['height']} blocks" in res.out,
            "`jchain export --rpc URL --out FILE` reads a running node through its RPC, exit 0", repr(res))
    busy = os.path.join(work, "busy.jbak")
    res = run(["export", "--home", home, "--out", busy])
    c.check(res.rc == 2 and "export with --rpc" in stderr_line(res) and not os.path.exists(busy)
            and not os.path.exists(busy + ".partial"),
            "`jchain export --home` of a running node exits 2, suggests --rpc and leaves no file", repr(res))

    # ------------------------------------------------------------------ export stopped
    c.section("jchain export --home of the stopped node")
    c.equal(node.stop(), 0, "the devnet stops on SIGTERM with exit 0")
    out = os.path.join(work, "chain.jbak")
    res = run(["--json", "export", "--home", home, "--out", out])
    try:
        doc = res.json()
    except ValueError:
        doc = {}
    c.check(res.rc == 0 and doc.get("blocks") == st1["height"] and doc.get("records") == RECORDS
            and doc.get("from") == 1 and doc.get("to") == st1["height"] and doc.get("chain_id") == "jchain-devnet"
            and doc.get("bytes") == os.path.getsize(out),
            "`jchain --json export --home` writes every block and record and says so", repr(res))
    data = open(out, "rb").read()
    c.check(data[:8] == b"JCHAINBK" and struct.unpack(">I", data[8:12])[0] == 1,
            "the file starts with the magic JCHAINBK and format version 1")
    c.check(h.sha256(data[:-32]) == data[-32:] and doc.get("sha256") == data[-32:].hex(),
            "the file ends with the SHA-256 of every byte before it, as --json reports")
    c.check(struct.unpack(">IQ", data[-44:-32]) == (0, st1["height"]),
            "before the checksum: an end marker 0 and the block count")
    c.check(open(out_rpc, "rb").read() == data, "the RPC export of the running node is byte for byte the same file")

    # ------------------------------------------------------------------ import
    c.section("jchain import into a fresh home with the same genesis")
    restored = fresh_home(c, jchain, env, work, "restored", genesis_file, node_key)
    res = run(["--json", "import", "--home", restored, "--in", out])
    try:
        doc = res.json()
    except ValueError:
        doc = {}
    c.check(res.rc == 0 and doc.get("ok") is True and doc.get("imported") == st1["height"]
            and doc.get("records_imported") == RECORDS and doc.get("height") == st1["height"]
            and doc.get("last_block_hash") == st1["last_block_hash"] and doc.get("ledger_root") == st1["ledger_root"],
            "`jchain --json import --home --in` checks and commits every block, exit 0", repr(res))
    res = run(["import", "--home", restored, "--in", out])
    c.check(res.rc == 0 and "imported 0 blocks" in res.out and f"{st1['height']} already held" in res.out,
            "importing the same file again changes nothing and exits 0", repr(res))

    node2 = h.Node(jchain, restored, work, "restored")
    node2.start("start")
    st2 = node2.status()
    for field in ("height", "last_block_hash", "last_block_time", "ledger_size", "ledger_root", "chain_id"):
        c.equal(st2[field], st1[field], f"the restored node's status {field} equals the original's")
    res = run(["verify", "--hash", hashes[-1], "--rpc", node2.url])
    c.check(res.rc == 0 and "NOTARIZED" in res.out, "the restored node finds a record by its content hash", repr(res))
    got = node2.rpc("get_receipt", {"id": json.load(open(receipts[0]))["record_id"]})
    saved = {k: v for k, v in json.load(open(receipts[0])).items() if k != "disclosure"}  # the holder's clear values
    c.equal(got, saved, "the restored node gives the same receipt for the first record")
    busy_import = run(["import", "--home", restored, "--in", out])
    c.check(busy_import.rc == 2 and "stop it first" in stderr_line(busy_import),
            "`jchain import` into a running node's home exits 2 and says to stop it", repr(busy_import))
    c.equal(node2.stop(), 0, "the restored node stops with exit 0")
    res = run(["audit", "--home", restored])
    c.check(res.rc == 0 and "CHAIN INTACT" in res.out, "`jchain audit --home` of the restored home says CHAIN INTACT",
            repr(res))

    # ------------------------------------------------------------------ refusals
    c.section("tampered, truncated, foreign and garbage files are refused")
    # A record's content hash is in the file once; change one byte of the last record's.
    at = data.find(bytes.fromhex(hashes[-1]))
    c.require(at > 0 and data.find(bytes.fromhex(hashes[-1]), at + 1) < 0, "the last record's content hash is in the file once")
    last_height = json.load(open(receipts[-1]))["block"]["header"]["height"]
    tampered = os.path.join(work, "tampered.jbak")
    open(tampered, "wb").write(data[:at + 5] + bytes([data[at + 5] ^ 1]) + data[at + 6:])
    target = fresh_home(c, jchain, env, work, "target-tampered", genesis_file, node_key)
    res = run(["import", "--home", target, "--in", tampered])
    line = stderr_line(res)
    c.check(res.rc == 1 and f"block {last_height} breaks rule record_id" in line
            and f"keeps blocks 1..{last_height - 1}" in line,
            "a flipped byte in a record: exit 1, the block and the rule named, the blocks before it kept", repr(res))
    res = run(["--json", "audit", "--home", target])
    try:
        doc = res.json()
    except ValueError:
        doc = {}
    c.check(res.rc == 0 and doc.get("blocks") == last_height - 1,
            "the store left behind holds exactly the valid blocks before it (audit intact)", repr(res))

    bad_sum = os.path.join(work, "bad-checksum.jbak")
    open(bad_sum, "wb").write(data[:-1] + bytes([data[-1] ^ 0x80]))
    target = fresh_home(c, jchain, env, work, "target-checksum", genesis_file, node_key)
    res = run(["--json", "import", "--home", target, "--in", bad_sum])
    try:
        doc = res.json()
    except ValueError:
        doc = {}
    c.check(res.rc == 1 and "SHA-256 does not match" in stderr_line(res) and doc.get("ok") is False
            and (doc.get("problem") or {}).get("fault") == "checksum",
            "a bad trailer checksum: exit 1, reported after the blocks (fault checksum)", repr(res))

    truncated = os.path.join(work, "truncated.jbak")
    open(truncated, "wb").write(data[:len(data) // 2])
    target = fresh_home(c, jchain, env, work, "target-truncated", genesis_file, node_key)
    res = run(["import", "--home", target, "--in", truncated])
    c.check(res.rc == 1 and "truncated" in stderr_line(res), "a truncated file: exit 1, 'truncated'", repr(res))
    res = run(["import", "--home", target, "--in", out])
    c.check(res.rc == 0 and f"store height {st1['height']}" in res.out,
            "then the whole file continues from where the truncated one stopped", repr(res))

    foreign = fresh_home(c, jchain, env, work, "foreign", None, None)  # its own genesis
    res = run(["import", "--home", foreign, "--in", out])
    c.check(res.rc == 2 and "this home's genesis" in stderr_line(res),
            "a file of another genesis: exit 2, both genesis named", repr(res))

    garbage = os.path.join(work, "garbage.jbak")
    open(garbage, "wb").write(b"hello, not a backup\n")
    res = run(["import", "--home", foreign, "--in", garbage])
    c.check(res.rc == 2 and "not a JChain backup" in stderr_line(res), "a file that is no backup: exit 2", repr(res))

    res = run(["import", "--home", os.path.join(work, "nowhere"), "--in", out])
    c.check(res.rc == 2 and "genesis.json" in stderr_line(res), "a home without config/genesis.json: exit 2",
            repr(res))
    res = run(["import", "--home", foreign])
    c.check(res.rc == 2 and "--in" in res.err, "`jchain import` without --in: exit 2 naming it", repr(res))
    res = run(["export", "--out", os.path.join(work, "x.jbak")])
    c.check(res.rc == 2 and "--home or --rpc" in res.err, "`jchain export` without a source: exit 2", repr(res))
    res = run(["export", "--home", home, "--out", os.path.join(work, "x.jbak"), "--to", str(st1["height"] + 5)])
    c.check(res.rc == 2 and "beyond the tip" in res.err, "`jchain export --to` past the tip: exit 2", repr(res))

    # ------------------------------------------------------------------ ranges and help
    c.section("--from/--to, --help")
    if st1["height"] >= 2:
        part1, part2 = os.path.join(work, "part1.jbak"), os.path.join(work, "part2.jbak")
        mid = st1["height"] // 2
        r1 = run(["export", "--home", home, "--out", part1, "--to", str(mid)])
        r2 = run(["export", "--home", home, "--out", part2, "--from", str(mid + 1)])
        c.check(r1.rc == 0 and r2.rc == 0, "exports of two height ranges exit 0", f"{r1!r}\n{r2!r}")
        target = fresh_home(c, jchain, env, work, "target-parts", genesis_file, node_key)
        res = run(["import", "--home", target, "--in", part2])
        c.check(res.rc == 2 and f"starts at block {mid + 1}" in stderr_line(res),
                "the second range first: exit 2, it does not follow the store's tip", repr(res))
        ra = run(["import", "--home", target, "--in", part1])
        rb = run(["--json", "import", "--home", target, "--in", part2])
        try:
            doc = rb.json()
        except ValueError:
            doc = {}
        c.check(ra.rc == 0 and rb.rc == 0 and doc.get("last_block_hash") == st1["last_block_hash"],
                "the ranges imported in order rebuild the same chain", f"{ra!r}\n{rb!r}")
    for cmd in ("export", "import"):
        res = run([cmd, "--help"])
        c.check(res.rc == 0 and "--home" in res.out and ("--out" in res.out or "--in" in res.out),
                f"`jchain {cmd} --help` describes its options, exit 0", repr(res))


if __name__ == "__main__":
    h.run_main("backup and restore", body)
