#!/usr/bin/env python3
"""Seven validators and an observer, each in its own network namespace, linked over a slow WAN.

Issue 21, part 1: courts in seven cities. Each node runs `jchain start` inside a Linux network
namespace of its own with its own address; every P2P byte between two cities crosses a
userspace TCP proxy in this test that delays it by the pair's one-way latency (20-60 ms,
from a fixed seed) plus jitter. Under a steady load of signed records submitted to four
validators it measures finality (submit -> seen committed) p50/p99 and committed records/s;
it cuts one city off and heals it (the six others keep committing, the cut one catches up);
it restarts every validator one after another under load (no record acknowledged as
committed is lost, the chain never stalls for long); and the observer, started last, joins
and catches up. The figures are printed at the end (docs/benchmarks.md, "WAN testnet").

Topology: the root namespace is the router, but at layer 4 only. Namespace i holds one end
of a veth pair, 10.S.i.2/24, and the root namespace the other, 10.S.i.1/24; a namespace has
no default route, so it reaches nothing but 10.S.i.1, where the proxies listen. Node i's
`p2p.peers` are 10.S.i.1:PORT_j, one proxy listener per other node j, which forwards to
10.S.j.2:26656. The test process reaches each node's RPC at 10.S.i.2:26657 directly.

Loss: the kernel here has no netem, and a TCP proxy cannot drop a segment without breaking
the stream (TCP would hide the loss anyway, by retransmitting). So 1 % loss is modelled as
what TCP makes of it: 1 % of the chunks the proxy relays wait an extra retransmission
timeout (200 ms, Linux's minimum RTO), holding up the bytes behind them (head-of-line).

Needs root (namespaces); exits 77 (skipped) without it. Every namespace and link it makes is
removed at the end, also on failure.

usage: test_wan.py /path/to/jchain
"""
import asyncio
import os
import random
import shutil
import subprocess
import threading
import time

import jchain_harness as h

SEED = 21
CITIES = ["Beijing", "Shanghai", "Guangzhou", "Chengdu", "Wuhan", "Xi'an", "Harbin", "Kunming"]  # last: observer
LATENCY_MS = (20.0, 60.0)  # one-way, per pair of cities
JITTER_MS = 5.0            # uniform 0..JITTER_MS added to each chunk (order kept)
LOSS = 0.01                # chunks that wait one retransmission timeout
RTO_MS = 200.0
P2P_PORT, RPC_PORT, PROXY_BASE = 26656, 26657, 27000
LOAD_TARGETS = [0, 2, 4, 6]  # validators the load is submitted to
CUT = 5                      # the city cut off (a validator that takes no load)
RATE = 24                    # records/s, over all targets
DOWN_S = 2.0                 # how long each validator stays down in the rolling restart
BURST = 2000                 # pre-signed records submitted at once to measure the ceiling


# ---------------------------------------------------------------------------- namespaces

class Netns:
    """Namespaces jcw<id>n<i> with veth pairs to the root namespace; `remove()` undoes all."""

    def __init__(self, count: int):
        tag = os.getpid() % 10000
        self.subnet = 200 + os.getpid() % 50  # 10.S.i.0/24; S differs between concurrent runs
        self.names = [f"jcw{tag}n{i}" for i in range(count)]
        self.links = [f"jcw{tag}v{i}" for i in range(count)]
        self.made_ns: list[str] = []
        self.made_links: list[str] = []

    def inner(self, i: int) -> str:
        return f"10.{self.subnet}.{i}.2"

    def outer(self, i: int) -> str:
        return f"10.{self.subnet}.{i}.1"

    def create(self) -> None:
        for i, (ns, link) in enumerate(zip(self.names, self.links)):
            run(["ip", "netns", "add", ns])
            self.made_ns.append(ns)
            run(["ip", "link", "add", link, "type", "veth", "peer", "name", link + "p"])
            self.made_links.append(link)
            run(["ip", "link", "set", link + "p", "netns", ns])
            run(["ip", "addr", "add", f"{self.outer(i)}/24", "dev", link])
            run(["ip", "link", "set", link, "up"])
            for cmd in (["ip", "addr", "add", f"{self.inner(i)}/24", "dev", link + "p"],
                        ["ip", "link", "set", link + "p", "up"], ["ip", "link", "set", "lo", "up"]):
                run(["ip", "netns", "exec", ns] + cmd)

    def remove(self) -> None:
        for link in self.made_links:  # deleting one end of a veth deletes both
            subprocess.run(["ip", "link", "del", link], capture_output=True)
        for ns in self.made_ns:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        self.made_links.clear()
        self.made_ns.clear()

    def leftovers(self) -> list[str]:
        out = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
        listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
        return [n for n in self.names if n in listed] + [l for l in self.links if l + ":" in out or l + "@" in out]


def run(cmd: list[str]) -> None:
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise h.TestFailure(f"`{' '.join(cmd)}` failed: {p.stderr.strip()}")


# ---------------------------------------------------------------------------- the WAN proxy

class Wan:
    """One asyncio loop (its own thread) relaying every directed link i -> j with the pair's
    latency; `cut(i)` closes city i's links and refuses new ones until `heal(i)`."""

    def __init__(self, net: Netns, count: int):
        self.net, self.count = net, count
        rng = random.Random(SEED)
        self.latency_ms = {}
        for i in range(count):
            for j in range(i + 1, count):
                self.latency_ms[(i, j)] = self.latency_ms[(j, i)] = rng.uniform(*LATENCY_MS)
        self.rng = random.Random(SEED + 1)  # jitter and loss draws (loop thread only)
        self.cut_off: set[int] = set()
        self.conns: dict[tuple[int, int], set] = {}
        self.bytes = 0
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.servers = []

    def peers_of(self, i: int) -> list[str]:
        return [f"{self.net.outer(i)}:{PROXY_BASE + j}" for j in range(self.count) if j != i]

    def start(self) -> None:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), self.loop).result(10)

    async def _listen(self) -> None:
        for i in range(self.count):
            for j in range(self.count):
                if i != j:
                    s = await asyncio.start_server(lambda r, w, i=i, j=j: self._link(i, j, r, w),
                                                   self.net.outer(i), PROXY_BASE + j)
                    self.servers.append(s)

    async def _link(self, i: int, j: int, r_in, w_in) -> None:
        if i in self.cut_off or j in self.cut_off:
            w_in.transport.abort()
            return
        try:
            r_out, w_out = await asyncio.wait_for(asyncio.open_connection(self.net.inner(j), P2P_PORT), 3)
        except (OSError, asyncio.TimeoutError):
            w_in.transport.abort()
            return
        pair = (w_in, w_out)
        self.conns.setdefault((i, j), set()).add(pair)
        try:
            await asyncio.gather(self._pump(r_in, w_out, self.latency_ms[(i, j)]),
                                 self._pump(r_out, w_in, self.latency_ms[(i, j)]), return_exceptions=True)
        finally:
            self.conns[(i, j)].discard(pair)
            w_in.transport.abort()
            w_out.transport.abort()

    async def _pump(self, reader, writer, base_ms: float) -> None:
        """Delivers each chunk base + jitter (+ an RTO for a 'lost' one) after it arrived,
        never before the chunk ahead of it: a TCP stream keeps its order."""
        queue: asyncio.Queue = asyncio.Queue()

        async def deliver():
            while True:
                at, data = await queue.get()
                if data is None:
                    break
                wait = at - self.loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                writer.write(data)
                self.bytes += len(data)
                await writer.drain()
            writer.transport.abort()

        task = asyncio.ensure_future(deliver())
        last = 0.0
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                delay = base_ms + self.rng.uniform(0, JITTER_MS)
                if self.rng.random() < LOSS:
                    delay += RTO_MS
                last = max(last, self.loop.time() + delay / 1000)
                queue.put_nowait((last, data))
        except OSError:
            pass
        queue.put_nowait((0, None))
        await asyncio.gather(task, return_exceptions=True)

    def _set_cut(self, i: int, cut: bool) -> None:
        if cut:
            self.cut_off.add(i)
            for (a, b), pairs in self.conns.items():
                if i in (a, b):
                    for w_in, w_out in list(pairs):
                        w_in.transport.abort()
                        w_out.transport.abort()
        else:
            self.cut_off.discard(i)

    def cut(self, i: int) -> None:
        self.loop.call_soon_threadsafe(self._set_cut, i, True)

    def heal(self, i: int) -> None:
        self.loop.call_soon_threadsafe(self._set_cut, i, False)

    def stop(self) -> None:
        async def close():
            for s in self.servers:
                s.close()
            for pairs in self.conns.values():
                for w_in, w_out in list(pairs):
                    w_in.transport.abort()
                    w_out.transport.abort()
        if self.thread.is_alive():
            asyncio.run_coroutine_threadsafe(close(), self.loop).result(10)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)


# ---------------------------------------------------------------------------- nodes in namespaces

class NsNode(h.Node):
    """A `jchain start` run with `ip netns exec NS`, its RPC on the namespace's address."""

    def __init__(self, binary, home, workdir, name, ns, address):
        super().__init__(binary, home, workdir, name)
        self.prefix = ["ip", "netns", "exec", ns]
        self.address = address
        self.url = f"http://{address}:{RPC_PORT}"
        h.set_toml_value(home, "rpc", "listen", f"{address}:{RPC_PORT}")
        h.set_toml_value(home, "p2p", "listen", f"{address}:{P2P_PORT}")
        h.register_read_home(self.url, home)

    def start(self, how: str = "start", port=None, timeout: float = 30, attempts: int = 1, wait: bool = True):
        assert self.proc is None or self.proc.poll() is not None, "node already running"
        self.starts += 1
        self.log_path = os.path.join(self.workdir, f"{self.name}.{self.starts}.log")
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(self.prefix + [self.binary, "start", "--home", self.home], stdout=log,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         env=h.test_env(self.workdir), preexec_fn=h._set_pdeathsig)
        with h._processes_lock:
            h._processes.append(self.proc)
        if wait:
            ok, err = self._wait_healthy(timeout)
            if not ok:
                raise h.TestFailure(f"{self.name} did not become healthy: {err}\n{self.log_text()[-2000:]}")


def height(n: NsNode) -> int:
    return h.rpc(n.url, "status", timeout=3)["height"]


# ---------------------------------------------------------------------------- load

class Load:
    """Submits signed records to the target nodes at a steady total rate, and polls each
    pending one until it is seen committed (finality = first seen committed - submitted)."""

    def __init__(self, nodes: list[NsNode], targets: list[int], key: h.Key, chain_id: str):
        self.nodes, self.targets, self.key, self.chain_id = nodes, targets, key, chain_id
        self.lock = threading.Lock()
        self.pending: dict[str, tuple[float, int]] = {}   # id -> (submitted at, target)
        self.committed: dict[str, tuple[float, float]] = {}  # id -> (submitted at, committed at)
        self.refused = 0
        self.running = threading.Event()
        self.stopping = threading.Event()
        self.done_submitting = threading.Event()
        self.threads = []

    def start(self) -> None:
        self.running.set()
        for t in self.targets:
            self.threads.append(threading.Thread(target=self._submit, args=(t,), daemon=True))
        self.threads.append(threading.Thread(target=self._poll, daemon=True))
        for th in self.threads:
            th.start()

    def pause(self, paused: bool) -> None:
        (self.running.clear if paused else self.running.set)()

    def stop(self) -> None:
        """Stops submitting, then polls until nothing is pending (at most 10 s)."""
        self.done_submitting.set()
        self.running.set()
        for th in self.threads[:-1]:
            th.join(15)
        h.wait_until(lambda: not self.pending, 10, 0.2)
        self.stopping.set()
        self.threads[-1].join(15)

    def _submit(self, target: int) -> None:
        interval = len(self.targets) / RATE
        nxt = time.monotonic()
        seq = 0
        while not self.done_submitting.is_set():
            self.running.wait()
            nxt = max(nxt + interval, time.monotonic() - interval)
            time.sleep(max(0.0, nxt - time.monotonic()))
            if self.done_submitting.is_set():
                break
            seq += 1
            rec = h.make_record(self.key, self.chain_id, case_id=f"wan-{target}", metadata={"seq": str(seq)})
            try:
                t0 = time.monotonic()
                rid = h.rpc(self.nodes[target].url, "submit_record", {"record": rec}, timeout=5)["id"]
                with self.lock:
                    self.pending[rid] = (t0, target)
            except Exception:
                with self.lock:
                    self.refused += 1  # the target is down (being restarted): not acknowledged

    def _poll(self) -> None:
        while not self.stopping.is_set():
            with self.lock:
                by_target: dict[int, list[str]] = {}
                for rid, (_, t) in self.pending.items():
                    by_target.setdefault(t, []).append(rid)
            for t, ids in by_target.items():
                # Ask the node it was submitted to; if that one is down, its neighbour.
                for n in (self.nodes[t], self.nodes[(t + 1) % 7]):
                    try:
                        answers = h.rpc_batch(n.url, [("get_record", {"id": rid}) for rid in ids[:200]], timeout=5)
                    except Exception:
                        continue
                    now = time.monotonic()
                    with self.lock:
                        for rid, a in zip(ids, answers):
                            if a and (a.get("result") or {}).get("status") == "committed":
                                t0, _ = self.pending.pop(rid)
                                self.committed[rid] = (t0, now)
                    break
            time.sleep(0.05)

    def finality_ms(self, since: float, until: float) -> list[float]:
        with self.lock:
            return sorted((c - s) * 1000 for s, c in self.committed.values() if since <= s < until)

    def committed_between(self, since: float, until: float) -> int:
        with self.lock:
            return sum(1 for s, c in self.committed.values() if since <= c < until)


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


class HeightWatch:
    """Polls the nodes' heights; `longest_stall(a, b)` is the longest time the highest of them
    did not grow within [a, b]."""

    def __init__(self, nodes: list[NsNode]):
        self.nodes = nodes
        self.samples: list[tuple[float, int]] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.stopping.set()
        self.thread.join(10)

    def _run(self):
        while not self.stopping.is_set():
            best = -1
            for n in self.nodes:
                try:
                    best = max(best, height(n))
                except Exception:
                    pass
            if best >= 0:
                self.samples.append((time.monotonic(), best))
            time.sleep(0.2)

    def longest_stall(self, a: float, b: float) -> float:
        pts = [(t, v) for t, v in self.samples if a <= t <= b]
        longest, since, last = 0.0, a, None
        for t, v in pts:
            if last is None or v > last:
                longest = max(longest, t - since)
                since, last = t, v
        return max(longest, (pts[-1][0] if pts else b) - since)


# ---------------------------------------------------------------------------- the test

def body(c: h.Checker, jchain: str) -> None:
    if os.geteuid() != 0 or not shutil.which("ip"):
        print("skipped: needs root and iproute2 (network namespaces)")
        raise SystemExit(77)
    net = Netns(len(CITIES))
    wan = Wan(net, len(CITIES))
    try:
        run_wan(c, jchain, net, wan)
    finally:
        h.stop_all_processes()
        wan.stop()
        net.remove()
        left = net.leftovers()
        c.check(not left, "every namespace and link the test made is removed", f"left: {left}")


def run_wan(c: h.Checker, jchain: str, net: Netns, wan: Wan) -> None:
    work = h.temp_dir("jchain-wan-")
    env = h.test_env(work)
    out = os.path.join(work, "net")

    c.section("seven validators and an observer, each in its own namespace, linked through the WAN proxy")
    res = h.cli(jchain, ["testnet", "--validators", "7", "--observers", "1", "--out", out, "--json"], env=env)
    c.require(res.rc == 0, "`jchain testnet --validators 7 --observers 1` writes the homes", repr(res))
    spec = res.json()
    c.require(len(spec["nodes"]) == 8, "eight homes", repr(spec["nodes"]))
    key = h.Key.from_file(spec["demo_member_key"])
    chain_id = spec["chain_id"]
    net.create()
    wan.start()
    nodes = []
    for i, n in enumerate(spec["nodes"]):
        node = NsNode(jchain, n["home"], work, f"{CITIES[i].lower()}", net.names[i], net.inner(i))
        h.set_toml_value(n["home"], "p2p", "peers", wan.peers_of(i))
        nodes.append(node)
    validators, observer = nodes[:7], nodes[7]
    lat = sorted(v for (a, b), v in wan.latency_ms.items() if a < b)
    print(f"  one-way latency per pair of cities: {lat[0]:.0f}..{lat[-1]:.0f} ms (median {pct(lat, 50):.0f})")
    for v in validators:
        v.start(wait=False)
    for v in validators:
        ok, err = v._wait_healthy(30)
        c.require(ok, f"{v.name} ({v.address}) is healthy", err + v.log_text()[-1500:])
    ok = h.wait_until(lambda: all(len(h.rpc(v.url, "status")["peers"]) >= 6 for v in validators), 30, 0.5)
    c.require(bool(ok), "every validator links to the six others through the proxies",
              str([len(h.rpc(v.url, "status")["peers"]) for v in validators]))

    watch = HeightWatch(validators)
    watch.start()
    load = Load(nodes, LOAD_TARGETS, key, chain_id)
    load.start()

    c.section(f"steady load: {RATE} records/s to {len(LOAD_TARGETS)} validators")
    t0 = time.monotonic()
    time.sleep(25)
    t1 = time.monotonic()
    time.sleep(3)  # let the last of the window commit
    fin = load.finality_ms(t0 + 3, t1)  # the first seconds warm up
    rate = load.committed_between(t0 + 3, t1) / (t1 - t0 - 3)
    p50, p99 = pct(fin, 50), pct(fin, 99)
    print(f"  finality over {len(fin)} records: p50 {p50:.0f} ms, p99 {p99:.0f} ms; committed {rate:.1f} records/s")
    c.check(len(fin) >= 0.9 * RATE * (t1 - t0 - 3), f"records commit at the offered rate ({len(fin)} in the window)")
    c.check(p99 < 5000, f"finality p99 under WAN latency stays under 5 s ({p99:.0f} ms)")
    print(f"  finality p90 {pct(fin, 90):.0f} ms, max {pct(fin, 100):.0f} ms")

    c.section(f"a burst: {BURST} pre-signed records at once, in batches of 100 to {len(LOAD_TARGETS)} validators")
    load.pause(True)
    h.wait_until(lambda: not load.pending, 10, 0.2)
    before = min(h.rpc(v.url, "status")["ledger_size"] for v in validators)
    recs = [h.make_record(key, chain_id, case_id="wan-burst", metadata={"seq": str(k)}) for k in range(BURST)]
    chunks = [recs[k:k + 100] for k in range(0, BURST, 100)]
    tb = time.monotonic()

    def send(t: int) -> None:
        for chunk in chunks[t::len(LOAD_TARGETS)]:
            h.rpc_batch(validators[LOAD_TARGETS[t]].url, [("submit_record", {"record": r}) for r in chunk])
    senders = [threading.Thread(target=send, args=(t,)) for t in range(len(LOAD_TARGETS))]
    for s in senders:
        s.start()
    for s in senders:
        s.join(60)
    ok = h.wait_until(lambda: min(h.rpc(v.url, "status")["ledger_size"] for v in validators) >= before + BURST,
                      60, 0.1)
    burst_s = time.monotonic() - tb
    burst_rate = BURST / burst_s
    c.check(bool(ok), f"all {BURST} commit on all seven validators in {burst_s:.1f} s ({burst_rate:.0f} records/s)")
    load.pause(False)

    c.section(f"{CITIES[CUT]} cut off: the six others keep committing; healed, it catches up")
    cut_node = validators[CUT]
    wan.cut(CUT)
    time.sleep(1)
    h_cut = height(cut_node)
    others = [v for i, v in enumerate(validators) if i != CUT]
    start_h = max(height(v) for v in others)
    tc = time.monotonic()
    time.sleep(15)
    td = time.monotonic()
    grown = max(height(v) for v in others)
    c.check(grown > start_h + 5, f"the six others keep committing while it is cut ({start_h} -> {grown})")
    c.check(load.committed_between(tc, td) >= 0.8 * RATE * (td - tc),
            f"records keep committing ({load.committed_between(tc, td)} in {td - tc:.0f} s)")
    c.check(height(cut_node) <= h_cut + 1, f"the cut city commits nothing meanwhile (height {height(cut_node)})")
    wan.heal(CUT)
    th = time.monotonic()
    target = max(height(v) for v in others)
    ok = h.wait_until(lambda: height(cut_node) >= target, 40, 0.1)
    catch_up_cut = time.monotonic() - th
    c.check(bool(ok), f"healed, {CITIES[CUT]} catches up to height {target} ({catch_up_cut:.1f} s)")

    c.section("every validator restarted in turn under load: nothing acknowledged lost, no long stall")
    tr = time.monotonic()
    for v in validators:
        code = v.stop()
        c.check(code == 0, f"{v.name} stops cleanly on SIGTERM")
        time.sleep(DOWN_S)  # the others commit without it
        tip = max(height(x) for x in validators if x is not v)
        v.start(timeout=30)
        # Back means linked again and committing blocks made after it returned, not only
        # serving the ones it had.
        ok = h.wait_until(lambda: height(v) > tip and len(h.rpc(v.url, "status")["peers"]) >= 6, 40, 0.2)
        c.check(bool(ok), f"{v.name} is back, linked, and past height {tip}")
    te = time.monotonic()
    stall = watch.longest_stall(tr, te)
    print(f"  rolling restart took {te - tr:.1f} s; the longest time without a new block: {stall:.1f} s")
    c.check(stall < 10, f"the chain never stops for long (longest stall {stall:.1f} s)")

    c.section(f"the observer in {CITIES[7]} joins late and catches up")
    tip = max(height(v) for v in validators)
    to = time.monotonic()
    observer.start()
    ok = h.wait_until(lambda: height(observer) >= tip, 60, 0.1)
    catch_up_obs = time.monotonic() - to
    c.check(bool(ok), f"the observer reaches height {tip} ({catch_up_obs:.1f} s after its start, healthy included)")
    c.equal(h.rpc(observer.url, "status")["role"], "observer", "and says it is an observer")

    load.stop()
    watch.stop()
    c.section("every record acknowledged as committed is on every node")
    ids = list(load.committed)
    tip = max(height(v) for v in validators)
    h.wait_until(lambda: all(height(n) >= tip for n in nodes), 30, 0.2)
    for n in nodes:
        missing = 0
        for k in range(0, len(ids), 200):
            answers = h.rpc_batch(n.url, [("get_record", {"id": rid}) for rid in ids[k:k + 200]])
            missing += sum(1 for a in answers if not a or (a.get("result") or {}).get("status") != "committed")
        c.check(missing == 0, f"{n.name}: all {len(ids)} committed records are there", f"{missing} missing")
    top = min(height(n) for n in nodes)
    hashes = {h.rpc(n.url, "get_block", {"height": top})["hash"] for n in nodes}
    c.check(len(hashes) == 1, f"all eight nodes have the same block at height {top}")
    print(f"  {len(ids)} records committed, {len(load.pending)} never seen committed, {load.refused} refused "
          f"(target down); P2P bytes through the proxies: {wan.bytes / 1e6:.1f} MB")

    print("\nWAN figures (7 validators + 1 observer, one namespace each, one-way latency "
          f"{LATENCY_MS[0]:.0f}-{LATENCY_MS[1]:.0f} ms per pair, seed {SEED}):")
    print(f"  finality p50 {p50:.0f} ms, p99 {p99:.0f} ms at {RATE} records/s offered; committed {rate:.1f} records/s")
    print(f"  a burst of {BURST} records committed on all validators in {burst_s:.1f} s: {burst_rate:.0f} records/s")
    print(f"  cut city catch-up after heal: {catch_up_cut:.1f} s; late observer catch-up: {catch_up_obs:.1f} s; "
          f"longest stall during the rolling restart: {stall:.1f} s")
    for n in nodes:
        c.check(n.stop() == 0, f"{n.name} stops cleanly on SIGTERM")


if __name__ == "__main__":
    h.run_main("wan: seven validators and an observer across namespaces and a slow WAN", body)
