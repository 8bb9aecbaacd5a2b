#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# ci-apt: cmake ninja-build g++ openssl libssl-dev libmbedtls-dev libasio-dev (python3-matplotlib optional)
"""TLS echo servers beside standalone Asio's ssl::stream and a hand-written mbedTLS loop (issue 13).

    bench/tls/tls_bench.py              # build Release, run 4 rounds (about 7 minutes on 2 shared cores)
    bench/tls/tls_bench.py --quick      # 2 rounds, smaller counts (under 2 minutes after the build)
    bench/tls/tls_bench.py --no-build --rounds 7

Builds build/bench-tls (cmake -S bench -B build/bench-tls -G Ninja
-DCMAKE_BUILD_TYPE=Release; only the targets of bench/tls/), makes the test
certificates with tests/tls/make_certs.sh into build/bench-tls/certs (a P-256
CA and a localhost server certificate), then runs R rounds. A round starts the
four servers (fresh processes) and runs each phase against each of them in
turn, in the round's order: the two servers compared are next to each other,
which pair goes first and which of the two goes first change from round to
round (four orders, in turn). The servers:

  ours-openssl   bench/tls/ours_echo.cpp --engine openssl (the library: dispatcher_with_send,
                 start_tls on accept, epoll backend)
  asio           bench/tls/asio_echo.cpp (asio::ssl::stream<tcp::socket>, same OpenSSL)
  ours-mbedtls   bench/tls/ours_echo.cpp --engine mbedtls
  mbedtls-raw    bench/tls/mbedtls_echo.cpp (a hand-written epoll loop, mbedtls_ssl_set_bio on the fd)

Each server is a process of its own on 127.0.0.1 (port 0). The load client
(bench/tls/load.cpp: OpenSSL, one thread, epoll) runs these phases against it;
the driver reads the server's utime+stime from /proc/PID/stat before and after
each phase, so the CPU figures are the server's own:

  handshakes  H full handshakes (a new connection each, no session resumption,
              the certificate verified), 4 at a time: server CPU per handshake and
              handshakes per second (the latter is bounded by the client too)
  echo        C connections each echo M messages of S bytes, one at a time, every
              byte checked: server CPU per message, messages per second. In chunks
              (one tls_load run each), the pair's two servers in the order ABBA
              repeated, the CPU read after the chunk's handshakes; summed per server
  idle        on a fresh server process (after 5 warm-up handshakes): K connections
              complete the handshake and one 1-byte echo and stay idle; the server's
              VmRSS before and with them open, per connection

Ratios (ours over its peer) are taken within a round, then the median over
rounds; [min-max] is the range over rounds. tls_measure (tests/tls/tls_measure.cpp)
gives the library's own heap bytes per idle TLS connection, once per run.
Writes the "TLS" section of bench/RESULTS.md (between its markers; the rest of
the file is kept) and bench/tls/results.json.
"""
import argparse
import datetime
import json
import os
import platform
import re
import select
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.dirname(HERE)
REPO = os.path.dirname(BENCH)
SERVERS = ["ours-openssl", "asio", "ours-mbedtls", "mbedtls-raw"]
PAIRS = [("ours-openssl", "asio"), ("ours-mbedtls", "mbedtls-raw")]
ENGINE = {"ours-openssl": "openssl", "asio": "openssl", "ours-mbedtls": "mbedtls", "mbedtls-raw": "mbedtls"}
NAMES = {"ours-openssl": "ours (OpenSSL)", "asio": "Asio ssl::stream (OpenSSL)",
         "ours-mbedtls": "ours (mbedTLS)", "mbedtls-raw": "hand-written mbedTLS loop"}
TARGET = 1.1
BEGIN = "<!-- tls:begin (bench/tls/tls_bench.py writes this section) -->"
END = "<!-- tls:end -->"
TICK = os.sysconf("SC_CLK_TCK")
TARGETS = ["tls_ours_echo", "tls_asio_echo", "tls_mbedtls_echo", "tls_load", "tls_measure"]

_children = []


def log(msg):
    print(f"[tls] {msg}", file=sys.stderr, flush=True)


def kill_children():
    for p in _children:
        if p.poll() is None:
            p.kill()
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
    _children.clear()


def on_signal(signum, frame):
    kill_children()
    sys.exit(128 + signum)


def build(build_dir):
    subprocess.run(["cmake", "-S", BENCH, "-B", build_dir, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release"],
                   check=True, stdout=subprocess.DEVNULL, timeout=300)
    subprocess.run(["cmake", "--build", build_dir, "-j2", "--target"] + TARGETS, check=True, timeout=1200)


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)


def cpu_ns(pid):
    """The sum of the threads' run time from /proc/PID/task/*/schedstat (ns): a finer cross-check."""
    total = 0
    for t in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{t}/schedstat") as f:
                total += int(f.read().split()[0])
        except OSError:
            pass
    return total


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        m = re.search(r"^VmRSS:\s+(\d+) kB", f.read(), re.M)
    return int(m.group(1))


def read_line(p, timeout, what):
    """A line from p's stdout within timeout seconds."""
    deadline = time.monotonic() + timeout
    buf = b""
    fd = p.stdout.fileno()
    while not buf.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0:
            raise RuntimeError(f"{what}: no line within {timeout} s")
        r, _, _ = select.select([fd], [], [], left)
        if r:
            ch = os.read(fd, 1)
            if not ch:
                raise RuntimeError(f"{what}: exited (status {p.wait()}): {p.stderr.read().decode().strip()}")
            buf += ch
    return buf.decode().strip()


def parse(line):
    return {k: float(v) for k, v in re.findall(r"(\w+)=([-0-9.]+)", line)}


class Server:
    def __init__(self, bd, name, certs):
        exe = {"ours-openssl": ["tls_ours_echo", "--engine", "openssl"],
               "ours-mbedtls": ["tls_ours_echo", "--engine", "mbedtls"],
               "asio": ["tls_asio_echo"], "mbedtls-raw": ["tls_mbedtls_echo"]}[name]
        argv = [os.path.join(bd, "tls", exe[0])] + exe[1:] + [
            "--cert", os.path.join(certs, "server.pem"), "--key", os.path.join(certs, "server.key"), "0"]
        self.p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        _children.append(self.p)
        line = read_line(self.p, 20, name)
        m = re.search(r"127\.0\.0\.1:(\d+)", line)
        if not m:
            raise RuntimeError(f"{name}: unexpected first line {line!r}")
        self.port = int(m.group(1))
        self.name = name

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait(timeout=10)
        err = self.p.stderr.read().decode().strip()
        _children.remove(self.p)
        if self.p.returncode not in (0, -signal.SIGTERM):
            raise RuntimeError(f"{self.name}: exit status {self.p.returncode}: {err}")
        return err


def client(bd, certs, mode, port, *args, timeout=150):
    argv = [os.path.join(bd, "tls", "tls_load"), mode, "--port", str(port), "--ca", os.path.join(certs, "ca.pem"),
            "--timeout", str(timeout - 10)] + [str(a) for a in args]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: exit {p.returncode}: {p.stderr.strip()}")
    return parse(p.stdout)


def phase(srv, fn):
    t0, n0 = cpu_ticks(srv.p.pid), cpu_ns(srv.p.pid)
    out = fn()
    t1, n1 = cpu_ticks(srv.p.pid), cpu_ns(srv.p.pid)
    out["cpu_s"] = (t1 - t0) / TICK
    out["cpu_s_schedstat"] = (n1 - n0) / 1e9
    return out


def run_round(bd, certs, order, cfg):
    """One round: the four servers started together; each phase runs against each server in turn, in `order`
    (the two servers compared are next to each other), then the idle phase on a fresh process of each."""
    res = {s: {} for s in order}
    servers = {}
    try:
        for s in order:
            servers[s] = Server(bd, s, certs)
        for s in order:
            srv, h = servers[s], cfg["handshakes"][ENGINE[s]]
            r = phase(srv, lambda: client(bd, certs, "hs", srv.port, "--handshakes", h, "--conns", 4))
            r["cpu_ms_per_handshake"] = 1e3 * r["cpu_s"] / h
            res[s]["hs"] = r
        for size, conns, msgs, reps in cfg["echo"]:
            for a, b in (order[0:2], order[2:4]):
                acc = {x: {"cpu_s": 0.0, "cpu_s_schedstat": 0.0, "messages": 0, "seconds": 0.0} for x in (a, b)}
                for x in [a, b, b, a] * reps:
                    r = echo_chunk(bd, certs, servers[x], size, conns, msgs)
                    for k in acc[x]:
                        acc[x][k] += r[k]
                for x in (a, b):
                    r = acc[x]
                    r["per_second"] = r["messages"] / r["seconds"]
                    r["cpu_us_per_msg"] = 1e6 * r["cpu_s"] / r["messages"]
                    r["cpu_us_per_msg_schedstat"] = 1e6 * r["cpu_s_schedstat"] / r["messages"]
                    res[x][f"echo{size}"] = r
        for s in order:
            err = servers.pop(s).stop()
            if err:
                raise RuntimeError(f"{s} wrote to stderr: {err}")
        for s in order:
            res[s]["idle"] = idle(bd, certs, s, cfg["idle"])
    finally:
        for srv in servers.values():
            if srv.p.poll() is None:
                srv.stop()
    return res


def echo_chunk(bd, certs, srv, size, conns, msgs):
    """One tls_load echo run; the server's CPU is read once the connections are up (handshakes excluded)."""
    argv = [os.path.join(bd, "tls", "tls_load"), "echo", "--port", str(srv.port), "--ca",
            os.path.join(certs, "ca.pem"), "--conns", str(conns), "--messages", str(msgs), "--size", str(size),
            "--timeout", "110"]
    c = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _children.append(c)
    line = read_line(c, 120, "tls_load echo")
    if not line.startswith("ready"):
        raise RuntimeError(f"tls_load echo: {line!r}")
    t0, n0 = cpu_ticks(srv.p.pid), cpu_ns(srv.p.pid)
    c.stdin.write(b"go\n")
    c.stdin.close()
    out = read_line(c, 120, "tls_load echo")
    t1, n1 = cpu_ticks(srv.p.pid), cpu_ns(srv.p.pid)
    if c.wait(timeout=60) != 0:
        raise RuntimeError(f"tls_load echo: exit {c.returncode}: {c.stderr.read().decode().strip()}")
    _children.remove(c)
    r = parse(out)
    if int(r.get("messages", 0)) != conns * msgs:
        raise RuntimeError(f"tls_load echo: {out!r}")
    return {"cpu_s": (t1 - t0) / TICK, "cpu_s_schedstat": (n1 - n0) / 1e9, "messages": conns * msgs,
            "seconds": r["seconds"]}


def idle(bd, certs, name, k):
    """K idle connections on a fresh server process (after 5 warm-up handshakes): VmRSS before and with them."""
    srv = Server(bd, name, certs)
    try:
        client(bd, certs, "hs", srv.port, "--handshakes", 5, "--conns", 1)
        before = rss_kib(srv.p.pid)
        argv = [os.path.join(bd, "tls", "tls_load"), "idle", "--port", str(srv.port), "--ca",
                os.path.join(certs, "ca.pem"), "--conns", str(k), "--timeout", "110"]
        c = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        _children.append(c)
        line = read_line(c, 120, "tls_load idle")
        if not line.startswith("ready"):
            raise RuntimeError(f"tls_load idle: {line!r}")
        during = rss_kib(srv.p.pid)
        c.stdin.write(b"go\n")
        c.stdin.close()
        if c.wait(timeout=60) != 0:
            raise RuntimeError(f"tls_load idle: exit {c.returncode}: {c.stderr.read().decode().strip()}")
        _children.remove(c)
        err = srv.stop()
    finally:
        if srv.p.poll() is None:
            srv.stop()
    if err:
        raise RuntimeError(f"{name} wrote to stderr: {err}")
    return {"conns": k, "rss_before_kib": before, "rss_idle_kib": during, "bytes_per_conn": (during - before) * 1024 / k}


def tls_measure(bd, certs):
    p = subprocess.run([os.path.join(bd, "tls", "tls_measure"), certs], capture_output=True, text=True, timeout=300)
    out = {}
    for line in p.stdout.splitlines():
        m = re.match(r"(\w+)\s.*?([0-9.]+) allocations by the library, ([0-9.]+) in all.*?"
                     r"idle TLS connection: (-?[0-9]+) bytes per end", line)
        if m:
            out[m.group(1)] = {"allocs_library": float(m.group(2)), "allocs_all": float(m.group(3)),
                               "idle_bytes_per_end": int(m.group(4))}
    if p.returncode != 0 or not out:
        raise RuntimeError(f"tls_measure: exit {p.returncode}: {p.stderr.strip()}")
    return out


def orders(rounds):
    """Round r: the pairs in turn (OpenSSL first on even rounds), each pair's two servers next to each other,
    ours first or second by turns: four orders, in turn."""
    out = []
    for r in range(rounds):
        pairs = PAIRS if r % 2 == 0 else PAIRS[::-1]
        out.append([x for a, b in pairs for x in ((a, b) if (r // 2) % 2 == 0 else (b, a))])
    return out


def pkg_version(name):
    p = subprocess.run(["dpkg-query", "-W", "-f=${Version}", name], capture_output=True, text=True)
    return p.stdout.strip() if p.returncode == 0 else "?"


def machine():
    info = {}
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for key in ("Model name", "CPU(s)", "Hypervisor vendor"):
            m = re.search(rf"^{re.escape(key)}:\s*(.+)$", out, re.M)
            if m:
                info[key] = m.group(1).strip()
    except OSError:
        pass
    info["kernel"] = platform.release()
    with open("/proc/loadavg") as f:
        info["load average at start"] = " ".join(f.read().split()[:3])
    cc = subprocess.run(["c++", "--version"], capture_output=True, text=True).stdout.splitlines()
    info["compiler"] = cc[0] if cc else "?"
    for pkg in ("libssl-dev", "libmbedtls-dev", "libasio-dev"):
        info[pkg] = pkg_version(pkg)
    return info


def git_head():
    p = subprocess.run(["git", "-C", REPO, "log", "-1", "--format=%h %s"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--", "src", "include"],
                           capture_output=True, text=True).stdout.strip()
    head = p.stdout.strip()
    if len(head) > 90:
        head = head[:head.rfind(" ", 0, 88)] + " …"
    return head + (" (with local changes in src/ or include/)" if dirty else "")


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def rng(xs, nd):
    return f"[{min(xs):.{nd}f}–{max(xs):.{nd}f}]" if xs else ""


def series(data, server, key, field):
    return [r[server][key][field] for r in data["rounds"]]


def ratios(data, a, b, key, field):
    return [r[a][key][field] / r[b][key][field] for r in data["rounds"] if r[b][key][field] > 0]


def write_section(out_path, data):
    meta, cfg = data["meta"], data["config"]
    w = [BEGIN, "## TLS echo (issue 13)", ""]
    w.append(f"Generated by `bench/tls/tls_bench.py` on {meta['date']} in {meta['minutes']:.1f} minutes; library at "
             f"{meta['head']}. Reproduce with:")
    w += ["", "    " + meta["command"], ""]
    w.append(f"{cfg['rounds']} round{'s' if cfg['rounds'] != 1 else ''}; a round starts the four servers (a process "
             "each) and runs each phase against each of them in turn, the two servers compared next to each other "
             "in time; which pair goes first, and which of its two, change from round to round (four orders in "
             "turn). Server CPU is the server process's utime+stime from /proc/PID/stat "
             "read by the driver before and after each phase (10 ms ticks; the phases are long enough for many). "
             "Figures are medians over rounds; ratios are taken within a round, then the median; [min–max] is the "
             "range over rounds. The machine is a shared 2-core virtual machine (other builds ran at the same time, "
             "and the load client shares the cores with the server): compare ratios, not absolute figures.")
    w.append("")
    w.append("Machine: " + "; ".join(f"{k}: {v}" for k, v in meta["machine"].items()) + ".")
    w.append("")
    w.append("Servers (all on 127.0.0.1, the same P-256 certificate from tests/tls/make_certs.sh, reads of 16 KiB): "
             "**ours** is `bench/tls/ours_echo.cpp`, examples/tls_echo_server's `dispatcher_with_send` handler "
             "with `start_tls` on each accepted channel, epoll backend, `--engine openssl|mbedtls`; **Asio** is "
             "`asio::ssl::stream<tcp::socket>` with `async_handshake`, `async_read_some`/`async_write` "
             "(`bench/tls/asio_echo.cpp`, TLS 1.2 minimum, as ours); the **hand-written mbedTLS loop** is "
             "`bench/tls/mbedtls_echo.cpp`, epoll over `mbedtls_ssl_context` with `mbedtls_ssl_set_bio` on the "
             "descriptor and our engine's configuration (default preset, TLS 1.2 minimum, CTR-DRBG, no session "
             "cache). OpenSSL negotiates TLS 1.3; Debian's mbedTLS 2.28 speaks TLS 1.2 only. The load client "
             "(`bench/tls/load.cpp`, OpenSSL, one thread, epoll) verifies the certificate and the name, offers no "
             "session, and closes with close_notify both ways.")
    w.append("")
    w.append(f"Phases per server and round: {cfg['handshakes']['openssl']} (OpenSSL servers) / "
             f"{cfg['handshakes']['mbedtls']} (mbedTLS servers) full handshakes, 4 at a time; then, on the same "
             "processes, the echo in chunks: " +
             "; ".join(f"{c} connections × {m:,} messages of {s:,} bytes per chunk, {4 * n} chunks per pair in the "
                       f"order ABBA repeated ({2 * n * c * m:,} messages per server)" for s, c, m, n in cfg["echo"]) +
             " (each chunk's connections are made and handshaken before the server's CPU is read; the figures "
             "are the sums over a server's chunks)" +
             f"; then on a fresh process (after 5 warm-up handshakes) {cfg['idle']} idle connections.")
    w.append("")
    w.append("### Server CPU and throughput (medians [range])")
    w.append("")
    cols = [("hs", "cpu_ms_per_handshake", "server CPU ms per handshake", 3),
            ("hs", "per_second", "handshakes per second", 0)]
    for s, *_ in cfg["echo"]:
        cols.append((f"echo{s}", "cpu_us_per_msg", f"server CPU µs per {s:,}-byte message", 1))
        cols.append((f"echo{s}", "per_second", f"{s:,}-byte messages per second", 0))
    w.append("| | " + " | ".join(NAMES[s] for s in SERVERS) + " |")
    w.append("|---|" + "---:|" * len(SERVERS))
    for key, field, label, nd in cols:
        cells = []
        for s in SERVERS:
            xs = series(data, s, key, field)
            cells.append(f"{med(xs):,.{nd}f} {rng(xs, nd)}")
        w.append(f"| {label} | " + " | ".join(cells) + " |")
    w.append("")
    w.append("### Memory per idle TLS connection")
    w.append("")
    w.append(f"Server VmRSS with {cfg['idle']} idle connections open less before them, per connection (the "
             "kernel's socket buffers are not in it), medians [range]; and the library's own figure from "
             "`tests/tls/tls_measure.cpp` (glibc heap bytes per idle TLS connection end beyond a plain one, "
             "both ends in one process, each after one echo).")
    w.append("")
    w.append("| | " + " | ".join(NAMES[s] for s in SERVERS) + " |")
    w.append("|---|" + "---:|" * len(SERVERS))
    cells = []
    for s in SERVERS:
        xs = [x / 1024 for x in series(data, s, "idle", "bytes_per_conn")]
        cells.append(f"{med(xs):,.1f} KiB {rng(xs, 1)}")
    w.append("| VmRSS per idle connection | " + " | ".join(cells) + " |")
    tm = data.get("tls_measure", {})
    cells = []
    for s in SERVERS:
        e = ENGINE[s]
        cells.append(f"{tm[e]['idle_bytes_per_end'] / 1024:,.1f} KiB" if s.startswith("ours") and e in tm else "–")
    w.append("| tls_measure: heap per idle connection end | " + " | ".join(cells) + " |")
    cells = []
    for s in SERVERS:
        e = ENGINE[s]
        cells.append(f"{tm[e]['allocs_library']:g} (engine included: {tm[e]['allocs_all']:g})"
                     if s.startswith("ours") and e in tm else "–")
    w.append("| tls_measure: allocations per echoed 1 KiB message, both ends | " + " | ".join(cells) + " |")
    w.append("")
    w.append("### Ratios, ours over its peer on the same engine (median per-round ratio [range])")
    w.append("")
    w.append("| | ours (OpenSSL) / Asio | ours (mbedTLS) / hand-written mbedTLS |")
    w.append("|---|---:|---:|")
    rows = [("hs", "cpu_ms_per_handshake", "server CPU per handshake")]
    rows += [(f"echo{s}", "cpu_us_per_msg", f"server CPU per {s:,}-byte message") for s, *_ in cfg["echo"]]
    rows += [(f"echo{s}", "per_second", f"{s:,}-byte messages per second") for s, *_ in cfg["echo"]]
    rows += [(f"echo{s}", "cpu_us_per_msg_schedstat", f"server CPU per {s:,}-byte message, from schedstat (ns)")
             for s, *_ in cfg["echo"]]
    rows += [("idle", "bytes_per_conn", "VmRSS per idle connection")]
    for key, field, label in rows:
        cells = []
        for a, b in PAIRS:
            rs = ratios(data, a, b, key, field)
            cells.append(f"{med(rs):.2f}× {rng(rs, 2)}")
        w.append(f"| {label} | " + " | ".join(cells) + " |")
    w.append("")
    w.append("The schedstat rows are a cross-check of the /proc/PID/stat figures: the same phases timed by the sum "
             "of the server's threads' run time in /proc/PID/task/*/schedstat (nanoseconds, not 10 ms ticks).")
    w.append("")
    w.append("### Targets")
    w.append("")
    w.append("| target | measured (median per-round ratio [range]) | met |")
    w.append("|---|---|---|")
    for a, b in PAIRS:
        for s, *_ in cfg["echo"]:
            rs = ratios(data, a, b, f"echo{s}", "cpu_us_per_msg")
            ok = "yes" if med(rs) <= TARGET else "no"
            w.append(f"| server CPU per {s:,}-byte message, {NAMES[a]} ≤ {TARGET}× {NAMES[b]} | "
                     f"{med(rs):.2f}× {rng(rs, 2)} | {ok} |")
    w.append("")
    if data.get("notes"):
        w.append(data["notes"].rstrip())
        w.append("")
    w.append(END)
    section = "\n".join(w)
    text = ""
    if os.path.exists(out_path):
        with open(out_path) as f:
            text = f.read()
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + section + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    with open(out_path, "w") as f:
        f.write(text)
    return section


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, help="rounds (default 4, the four orders once; --quick 2)")
    ap.add_argument("--quick", action="store_true", help="2 rounds and smaller counts")
    ap.add_argument("--build-dir", default=os.path.join(REPO, "build", "bench-tls"))
    ap.add_argument("--results", default=os.path.join(BENCH, "RESULTS.md"), help="the RESULTS.md to write")
    ap.add_argument("--json", default=os.path.join(HERE, "results.json"))
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--report", action="store_true", help="only rewrite the section from the JSON")
    ap.add_argument("--notes", help="a file whose text goes at the end of the section")
    a = ap.parse_args()
    if a.report:
        with open(a.json) as f:
            data = json.load(f)
        if a.notes:
            with open(a.notes) as f:
                data["notes"] = f.read()
            with open(a.json, "w") as f:
                json.dump(data, f, indent=1)
        print(write_section(a.results, data))
        return
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    started = time.monotonic()
    info = machine()
    if a.quick:
        cfg = {"rounds": a.rounds or 2, "handshakes": {"openssl": 150, "mbedtls": 40},
               "echo": [[1024, 20, 200, 1], [16384, 8, 100, 1]], "idle": 100}
    else:
        cfg = {"rounds": a.rounds or 4, "handshakes": {"openssl": 800, "mbedtls": 120},
               "echo": [[1024, 20, 250, 3], [16384, 8, 150, 2]], "idle": 200}
    bd = a.build_dir
    if not a.no_build:
        build(bd)
    certs = os.path.join(bd, "certs")
    subprocess.run(["sh", os.path.join(REPO, "tests", "tls", "make_certs.sh"), certs], check=True,
                   stdout=subprocess.DEVNULL, timeout=60)
    data = {"config": cfg, "rounds": [], "orders": orders(cfg["rounds"])}
    try:
        for r, order in enumerate(data["orders"]):
            res = run_round(bd, certs, order, cfg)
            data["rounds"].append(res)
            msg = []
            for x, y in PAIRS:
                rr = res[x]["echo1024"]["cpu_us_per_msg"] / res[y]["echo1024"]["cpu_us_per_msg"]
                msg.append(f"{x}/{y} {rr:.2f}×")
            log(f"round {r + 1}/{cfg['rounds']} ({', '.join(order)}): CPU per 1 KiB message " + ", ".join(msg))
        data["tls_measure"] = tls_measure(bd, certs)
    finally:
        kill_children()
    with open("/proc/loadavg") as f:
        info["load average at end"] = " ".join(f.read().split()[:3])
    cmd = "bench/tls/tls_bench.py" + (" --quick" if a.quick else "") + (f" --rounds {a.rounds}" if a.rounds else "")
    data["meta"] = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "minutes": (time.monotonic() - started) / 60,
        "head": git_head(),
        "command": cmd + "    # from the repository's top; needs cmake ninja-build g++ openssl libssl-dev "
                         "libmbedtls-dev libasio-dev",
        "machine": info,
    }
    if a.notes:
        with open(a.notes) as f:
            data["notes"] = f.read()
    with open(a.json, "w") as f:
        json.dump(data, f, indent=1)
    print(write_section(a.results, data))
    log(f"done in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
