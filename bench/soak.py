#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The soak (issue 15): examples/echo_server under 100000 connect / send /
half-close / echo / close cycles with 200 connections in flight, on each
backend, and the same under AddressSanitizer with leak checking.

    bench/soak.py                      # build, run everything (a few minutes on 2 cores)
    bench/soak.py --cycles 20000       # shorter
    bench/soak.py --no-build --no-asan

Builds build/bench-soak (cmake -S bench, BENCH_OURS_ONLY, Release: the
echo_server example and bench/soak_client.cpp, a plain POSIX load with no
library code) and build/bench-soak-asan (the same with
-fsanitize=address,undefined). For each backend (select, poll, epoll) it
starts `echo_server --BACKEND 0`, reads the server's open descriptors
(/proc/PID/fd) and resident memory (VmRSS) once it listens, runs
soak_client (which checks every byte of every echo and that every
connection ends with the server's end of stream), samples the server
every 50 ms meanwhile (descriptors, VmRSS; VmHWM is the kernel's peak),
reads both again when the load is done, then stops the server with SIGTERM
and requires exit status 0. Under ASan the server runs with
detect_leaks=1: a leak or any ASan/UBSan report fails the run.

A server that holds more descriptors afterwards than before fails the run
(exit 1), as does any failure of the load or the server. Resident memory is
reported, not judged (the allocator keeps freed pages); leaks are judged
by the ASan run's leak check.
Writes the "Soak" section of bench/RESULTS.md between its markers (the rest
of the file is kept).
"""
import argparse
import datetime
import os
import platform
import re
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
BACKENDS = ["select", "poll", "epoll"]
BEGIN = "<!-- soak:begin (bench/soak.py writes this section) -->"
END = "<!-- soak:end -->"


def log(msg):
    print(f"[soak] {msg}", file=sys.stderr, flush=True)


def build(build_dir, asan):
    flags = ["-DBENCH_OURS_ONLY=ON", "-DCMAKE_BUILD_TYPE=" + ("RelWithDebInfo" if asan else "Release")]
    if asan:
        san = "-fsanitize=address,undefined -fno-omit-frame-pointer"
        flags += [f"-DCMAKE_CXX_FLAGS={san}", f"-DCMAKE_C_FLAGS={san}", f"-DCMAKE_EXE_LINKER_FLAGS={san}"]
    subprocess.run(["cmake", "-S", HERE, "-B", build_dir, "-G", "Ninja"] + flags, check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", build_dir, "-j2", "--target", "echo_server", "soak_client"], check=True,
                   stdout=subprocess.DEVNULL)


def status_kib(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def run_one(build_dir, backend, cycles, inflight, asan):
    env = dict(os.environ)
    if asan:
        env["ASAN_OPTIONS"] = "detect_leaks=1:abort_on_error=0:exitcode=23"
        env["UBSAN_OPTIONS"] = "halt_on_error=1:print_stacktrace=1:exitcode=24"
    server = subprocess.Popen([os.path.join(build_dir, "echo_server"), "--" + backend, "0"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = server.stdout.readline()
        m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
        if not m:
            raise RuntimeError(f"echo_server --{backend} did not say where it listens: {line!r}")
        port = m.group(1)
        pid = server.pid
        # One cycle first: the loop makes its wake-up handle (and epoll its
        # descriptor) when it first runs; "before" counts them.
        warm = subprocess.run([os.path.join(build_dir, "soak_client"), port, "1", "1"], capture_output=True,
                              text=True, timeout=60)
        if warm.returncode != 0:
            raise RuntimeError(f"soak_client warm-up against --{backend}: {warm.stderr.strip()}")
        before = {"fds": fd_count(pid), "rss": status_kib(pid, "VmRSS")}
        peak = {"fds": before["fds"], "rss": before["rss"]}
        done = threading.Event()

        def sample():
            while not done.wait(0.05):
                try:
                    peak["fds"] = max(peak["fds"], fd_count(pid))
                    peak["rss"] = max(peak["rss"], status_kib(pid, "VmRSS"))
                except OSError:
                    return

        sampler = threading.Thread(target=sample)
        sampler.start()
        t0 = time.monotonic()
        client = subprocess.run([os.path.join(build_dir, "soak_client"), port, str(cycles), str(inflight)],
                                capture_output=True, text=True, timeout=900)
        seconds = time.monotonic() - t0
        done.set()
        sampler.join()
        if client.returncode != 0:
            raise RuntimeError(f"soak_client against --{backend}: {client.stderr.strip() or client.stdout.strip()}")
        # The server closes each connection after its last echo; give the
        # last closes one loop turn (bounded) before counting.
        deadline = time.monotonic() + 10
        while fd_count(pid) > before["fds"] and time.monotonic() < deadline:
            time.sleep(0.05)
        after = {"fds": fd_count(pid), "rss": status_kib(pid, "VmRSS")}
        hwm = status_kib(pid, "VmHWM")
        server.send_signal(signal.SIGTERM)
        try:
            rc = server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            raise RuntimeError(f"echo_server --{backend} did not stop on SIGTERM")
        err = server.stderr.read()
        if rc != 0:
            raise RuntimeError(f"echo_server --{backend} exited with {rc}" + (f":\n{err[-4000:]}" if err else ""))
        if re.search(r"ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:", err):
            raise RuntimeError(f"echo_server --{backend}: sanitizer report:\n{err[-4000:]}")
        problems = []
        if after["fds"] > before["fds"]:
            problems.append(f"{after['fds'] - before['fds']} descriptors more than before")
        return {"backend": backend, "asan": asan, "cycles": cycles, "inflight": inflight, "seconds": seconds,
                "rate": cycles / seconds, "before": before, "peak": peak, "after": after, "hwm": hwm,
                "client": client.stdout.strip(), "problems": problems}
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def section(results, cycles, inflight):
    lines = [BEGIN, "## Soak (issue 15)", "",
             f"`bench/soak.py`, {datetime.date.today().isoformat()}, {platform.machine()}, "
             f"{os.cpu_count()} cores: `examples/echo_server` under {cycles} cycles of connect, send 100 bytes, "
             f"half-close, read the whole echo and the end of stream, close, with {inflight} connections in flight "
             "(`bench/soak_client.cpp`, plain POSIX sockets, checks every byte and every end of stream). "
             "Server descriptors and resident memory (KiB) before the load, at its peak (sampled every 50 ms; "
             "VmHWM is the kernel's high-water mark) and after it; the ASan rows are an "
             "`-fsanitize=address,undefined` build run with `detect_leaks=1` (a leak fails the run). "
             "What is judged: every cycle completes with its whole echo and end of stream, no descriptor is "
             "left, no sanitizer report. cycles/s is the load's pace on this machine at the time, not a "
             "benchmark (other work shared the 2 cores).", "",
             "| server | cycles/s | fds before | fds peak | fds after | RSS before | RSS peak (VmHWM) | RSS after | result |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        name = f"echo_server --{r['backend']}" + (" (ASan, leak check)" if r["asan"] else "")
        res = "ok" if not r["problems"] else "; ".join(r["problems"])
        lines.append(f"| {name} | {r['rate']:.0f} | {r['before']['fds']} | {r['peak']['fds']} | {r['after']['fds']} | "
                     f"{r['before']['rss']} | {r['hwm']} | {r['after']['rss']} | {res} |")
    lines += ["", END]
    return "\n".join(lines)


def write_results(text):
    path = os.path.join(HERE, "RESULTS.md")
    old = open(path).read() if os.path.exists(path) else ""
    if BEGIN in old and END in old:
        new = old[:old.index(BEGIN)] + text + old[old.index(END) + len(END):]
    else:
        new = old.rstrip("\n") + "\n\n" + text + "\n"
    with open(path, "w") as f:
        f.write(new)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cycles", type=int, default=100000)
    ap.add_argument("--inflight", type=int, default=200)
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--no-asan", action="store_true")
    ap.add_argument("--no-write", action="store_true", help="print the section instead of writing RESULTS.md")
    a = ap.parse_args()
    plain = os.path.join(REPO, "build", "bench-soak")
    asan = os.path.join(REPO, "build", "bench-soak-asan")
    variants = [(plain, False)] + ([] if a.no_asan else [(asan, True)])
    if not a.no_build:
        for d, s in variants:
            log(f"building {os.path.relpath(d, REPO)}")
            build(d, s)
    results = []
    failed = False
    for d, s in variants:
        for b in BACKENDS:
            log(f"echo_server --{b}{' (ASan)' if s else ''}: {a.cycles} cycles, {a.inflight} in flight")
            try:
                r = run_one(d, b, a.cycles, a.inflight, s)
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                log(f"FAIL: {e}")
                failed = True
                continue
            log(f"  {r['client']}; fds {r['before']['fds']} -> {r['peak']['fds']} -> {r['after']['fds']}, "
                f"RSS {r['before']['rss']} -> {r['hwm']} -> {r['after']['rss']} KiB"
                + (f"; {'; '.join(r['problems'])}" if r["problems"] else ""))
            failed = failed or bool(r["problems"])
            results.append(r)
    text = section(results, a.cycles, a.inflight)
    if a.no_write:
        print(text)
    elif results:
        write_results(text)
        log("wrote the Soak section of bench/RESULTS.md")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
