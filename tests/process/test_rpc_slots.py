"""Connections that stall or trickle their request bodies cannot keep /health and status out.

Issue 17, against a real `jchain devnet` with its default rpc.connections_max (1024):

- four client addresses (127.0.0.2-5; Linux routes all of 127.0.0.0/8 to loopback) each
  open 256 connections and send a full request header announcing a 1 MB body, then
  nothing: before the fix every slot was held busy and /health answered 0 of 14 checks in
  40 s. Now each address has at most a quarter of its share (64) in progress, the others
  get HTTP 429, and every /health and `status` from 127.0.0.1 is answered;
- five addresses each open 256 connections trickling a body one byte every 5 s (before:
  0 of 16): every /health and `status` is answered;
- sixteen addresses each hold 64 stalled bodies, within every per-address bound, filling
  all 1024 slots: the checks get in by closing stalled connections of the addresses
  holding the most.

Afterwards the node still commits a record and stops cleanly.

Usage: python3 test_rpc_slots.py /path/to/jchain
"""

import json
import os
import socket
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import jchain_harness as h  # noqa: E402

STALLED_HEADER = b"POST /rpc HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n"


def open_stalled(port: int, source: str, count: int) -> list[socket.socket]:
    """`count` connections from `source`, each with a header sent and its body withheld."""
    out = []
    for _ in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind((source, 0))
        s.settimeout(5)
        try:
            s.connect(("127.0.0.1", port))
            s.sendall(STALLED_HEADER)
        except OSError:
            s.close()
            continue
        out.append(s)
    return out


def count_429(socks: list[socket.socket], want: int, timeout: float = 15) -> int:
    """How many of `socks` were answered 429, waiting up to `timeout` s for `want` of them."""
    seen: set[int] = set()
    deadline = time.monotonic() + timeout
    while len(seen) < want and time.monotonic() < deadline:
        for i, sock in enumerate(socks):
            if i in seen:
                continue
            sock.setblocking(False)
            try:
                if sock.recv(64).startswith(b"HTTP/1.1 429"):
                    seen.add(i)
            except OSError:
                pass
        time.sleep(0.2)
    return len(seen)


def closed(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        return sock.recv(64) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def probe(c: h.Checker, node: h.Node, checks: int, seconds: float, label: str) -> None:
    """`checks` rounds of GET /health and `status`, spread over `seconds`; all must answer."""
    health = status = 0
    errors = []
    for i in range(checks):
        try:
            code, body = h.http_get(node.url, "/health", timeout=5)
            health += code == 200 and json.loads(body).get("status") == "ok"
        except Exception as e:  # noqa: BLE001 (any failure to answer is what we count)
            errors.append(f"/health: {e}")
        try:
            status += node.rpc("status", timeout=5)["chain_id"] == "jchain-devnet"
        except Exception as e:  # noqa: BLE001
            errors.append(f"status: {e}")
        time.sleep(seconds / checks)
    c.check(health == checks, f"{label}: /health answered {health} of {checks}", "; ".join(errors[:3]))
    c.check(status == checks, f"{label}: status answered {status} of {checks}", "; ".join(errors[:3]))


def body(c: h.Checker, jchain: str) -> None:
    work = h.temp_dir("jchain-slots-")
    node = h.Node(jchain, os.path.join(work, "devnet"), work, "devnet")
    node.start("devnet")

    c.section("4 addresses x 256 connections with stalled bodies")
    held: list[socket.socket] = []
    for a in range(2, 6):
        held += open_stalled(node.port, f"127.0.0.{a}", 256)
    c.check(len(held) >= 1000, f"the attacker opened {len(held)} connections")
    refused = count_429(held, 4 * (256 - 64))
    c.check(refused >= 4 * (256 - 64), f"{refused} of them were answered 429: at most 64 in progress an address")
    probe(c, node, 14, 7, "while they stall")
    for s in held:
        s.close()

    c.section("5 addresses x 256 connections trickling a byte every 5 s")
    held = []
    for a in range(2, 7):
        held += open_stalled(node.port, f"127.0.0.{a}", 256)
    c.check(len(held) >= 900, f"the attacker opened {len(held)} connections")
    started = time.monotonic()
    checks, health_ok, status_ok = 16, 0, 0
    misses = []
    next_drip = started
    for i in range(checks):
        if time.monotonic() >= next_drip:
            for s in held:
                try:
                    s.send(b" ")
                except OSError:
                    pass
            next_drip += 5
        t0 = time.monotonic()
        try:
            code, body_ = h.http_get(node.url, "/health", timeout=5)
            health_ok += code == 200
            if code != 200:
                misses.append(f"/health #{i}: HTTP {code} {body_[:80]!r}")
        except Exception as e:  # noqa: BLE001
            misses.append(f"/health #{i}: {type(e).__name__} {e} after {time.monotonic() - t0:.1f} s")
        t0 = time.monotonic()
        try:
            status_ok += node.rpc("status", timeout=5)["chain_id"] == "jchain-devnet"
        except Exception as e:  # noqa: BLE001
            misses.append(f"status #{i}: {type(e).__name__} {e} after {time.monotonic() - t0:.1f} s")
        time.sleep(0.7)
    c.check(health_ok == checks, f"while they trickle: /health answered {health_ok} of {checks}", "; ".join(misses))
    c.check(status_ok == checks, f"while they trickle: status answered {status_ok} of {checks}", "; ".join(misses))
    for s in held:
        s.close()

    c.section("16 addresses x 64 stalled bodies: every slot busy, within every bound")
    held = []
    for a in range(2, 18):
        held += open_stalled(node.port, f"127.0.0.{a}", 64)
    c.check(len(held) >= 1000, f"the attacker opened {len(held)} connections")
    time.sleep(1)
    probe(c, node, 14, 7, "while they stall")
    cut = sum(1 for s in held if closed(s))
    c.check(1 <= cut <= 2 * 14 + 64, f"{cut} stalled connections gave way to the checks")
    for s in held:
        s.close()

    c.section("afterwards")
    key = h.Key.from_file(os.path.join(node.home, "config", "demo_member_key.json"))
    rec = h.make_record(key, "jchain-devnet")
    node.rpc("submit_record", {"record": rec})
    c.check(h.wait_until(lambda: node.rpc("get_record", {"id": h.record_id(rec)})["status"] == "committed", 30),
            "a record submitted afterwards commits")
    c.check(node.stop() == 0, "the devnet stops cleanly")


if __name__ == "__main__":
    h.run_main("RPC slots under stalled and trickling bodies", body)
