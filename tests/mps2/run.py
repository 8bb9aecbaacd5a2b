#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The host side of ci/mps2-qemu: boots the MPS2-AN386 images in qemu-system-arm
and tests them over TCP from this process (Python 3.11, standard library only).

    tests/mps2/run.py BUILD_DIR [-k SUBSTRING]

BUILD_DIR holds the images of the `mps2-an386` preset (mps2_*.elf). Each image
is booted with the examples' own command line, `--bind 10.0.2.15 7` (the board's
address on QEMU's user network, its port 7), and port 7 forwarded from a free
host port on 127.0.0.1; a case starts once the firmware printed its
"listening on 10.0.2.15:7" line. The cases:

  args.*                 argv and the exit status cross semihosting: --help exits 0
                         with the usage on stdout, a bad option exits 2 with it on stderr
  echo.binary_1mib       1 MiB of random bytes, every byte verified
  echo.concurrent_8x64k  8 connections at once, 64 KiB each, each verified
  echo.reset_then_normal a client that resets mid-stream (SO_LINGER 0), then a normal one
  echo.half_close        every byte echoed after the client's shutdown(SHUT_WR), then EOF
  echo.ram_per_idle_connection
                         heap in use (newlib's mallinfo, board.c's UDP status port)
                         with 0 and with 8 idle connections (after a first round that
                         grows what stays grown), per connection; back to within
                         64 B of the figure once they are closed
  line_echo.random_chunking
                         lines of random length sent in random chunks come back whole
  chat.broadcast_3_clients
                         3 clients: joins, /nick, a line to the others, /quit
  device.suite           mps2_tests.elf: the conformance subset on the device over
                         lwIP's loopback; its per-case results and exit status

Every boot is bounded (a watchdog kills QEMU), every socket operation has a
timeout. Prints one line per case and a summary line; exits 1 if any failed.
"""
import os
import random
import re
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from board import Board, BootError  # noqa: E402

LISTENING = r"^listening on 10\.0\.2\.15:7 "
SERVER_ARGS = "--bind 10.0.2.15 7"

# Cases of the on-device subset that cannot run on the board, with the reason
# (passed to GoogleTest as a negative filter; the board has 4 MiB of RAM, about
# 3.4 MiB of it heap: without exceptions an allocation that fails aborts).
DEVICE_EXCLUDED = {
    "*count_terminator_above_the_limit_and_limit_off": "keeps a 4 MiB record: more than the board's RAM",
    "*one_write_sends_until_the_socket_would_block": "queues 8 MiB: more than the board's RAM",
    "*test_send_large*": "3 MiB sent and received, both kept: more than the board's RAM",
    "*GracefulClose.send_echo_half_close*": "echoes MiBs kept on both sides: more than the board's RAM",
    "*GracefulClose.line_echo_half_close*": "echoes MiBs kept on both sides: more than the board's RAM",
    "*GracefulClose.announced_send_echo_half_close*": "echoes MiBs kept on both sides: more than the board's RAM",
    "*GracefulClosePair.close_when_done_closes_after_output*": "queues MiBs: more than the board's RAM",
    "*close_when_done_peer_gone*": "queues MiBs: more than the board's RAM",
    "*_from_outside*": "queues a 4 MiB string: more than the board's RAM",
    "*WaterMarks.dispatcher_with_send_echo*": "MiBs in flight beside the test's copies: more than the board's RAM",
    "*WaterMarks.async_chat_line_echo*": "MiBs in flight beside the test's copies: more than the board's RAM",
    "DispatcherTests.test_repr": "its expected string uses %llx, which newlib-nano's printf lacks",
}

results = []  # (name, ok, detail, seconds)


def case(name):
    def wrap(fn):
        fn.case_name = name
        return fn
    return wrap


def recv_exactly(s, n):
    buf = bytearray()
    while len(buf) < n:
        d = s.recv(min(65536, n - len(buf)))
        if not d:
            break
        buf += d
    return bytes(buf)


def echo_roundtrip(board, payload, chunk=65536, half_close=True):
    """Sends `payload` while a thread reads the echo; returns (echoed bytes, saw EOF)."""
    s = board.connect(7)
    got = bytearray()
    eof = [False]

    def reader():
        try:
            while len(got) < len(payload) or half_close:
                d = s.recv(65536)
                if not d:
                    eof[0] = True
                    return
                got.extend(d)
                if not half_close and len(got) >= len(payload):
                    return
        except OSError:
            return

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    for i in range(0, len(payload), chunk):
        s.sendall(payload[i:i + chunk])
    if half_close:
        s.shutdown(socket.SHUT_WR)
    t.join(60)
    s.close()
    return bytes(got), eof[0]


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


def expect_same(got, want, what):
    if got != want:
        raise AssertionError(f"{what}: {len(got)} of {len(want)} bytes came back, first difference at "
                             f"byte {first_difference(got, want)}")


# -- argv and exit status -----------------------------------------------------------------

@case("args.help_exits_0")
def args_help(build):
    with Board(f"{build}/mps2_echo_server.elf", "--help", nic=False, limit=30) as b:
        rc = b.wait_exit(30)
        if rc != 0 or not b.stdout().startswith("usage: echo_server"):
            raise AssertionError(f"status {rc}, stdout {b.stdout()[:80]!r}")
    return "status 0, usage on stdout"


@case("args.bad_option_exits_2")
def args_bad(build):
    with Board(f"{build}/mps2_echo_server.elf", "--bogus", nic=False, limit=30) as b:
        rc = b.wait_exit(30)
        err = b.stderr()
        if rc != 2 or "unknown option '--bogus'" not in err or "usage: echo_server" not in err:
            raise AssertionError(f"status {rc}, stderr {err[:160]!r}")
    return "status 2, message and usage on stderr"


# -- echo_server ------------------------------------------------------------------------------

@case("echo.binary_1mib")
def echo_1mib(b):
    payload = os.urandom(1 << 20)
    t0 = time.monotonic()
    got, eof = echo_roundtrip(b, payload)
    expect_same(got, payload, "1 MiB echo")
    if not eof:
        raise AssertionError("no EOF after the echo")
    return f"1048576 bytes verified in {time.monotonic() - t0:.2f} s"


@case("echo.concurrent_8x64k")
def echo_8x64k(b):
    payloads = [os.urandom(64 << 10) for _ in range(8)]
    out = [None] * 8

    def one(i):
        try:
            out[i] = echo_roundtrip(b, payloads[i], chunk=4096)
        except OSError as e:
            out[i] = (repr(e).encode(), False)

    t0 = time.monotonic()
    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    for i in range(8):
        if out[i] is None:
            raise AssertionError(f"connection {i} did not finish")
        expect_same(out[i][0], payloads[i], f"connection {i}")
        if not out[i][1]:
            raise AssertionError(f"connection {i}: no EOF")
    return f"8 x 65536 bytes verified in {time.monotonic() - t0:.2f} s"


@case("echo.reset_then_normal")
def echo_reset(b):
    s = b.connect(7)
    s.sendall(os.urandom(32 << 10))
    recv_exactly(s, 1000)  # the echo is flowing: reset in the middle of the stream
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    s.close()
    payload = os.urandom(128 << 10)
    got, eof = echo_roundtrip(b, payload)
    expect_same(got, payload, "the connection after the reset")
    if not eof:
        raise AssertionError("no EOF after the echo")
    return "reset after 1000 echoed bytes; the next client's 131072 bytes verified"


@case("echo.half_close")
def echo_half_close(b):
    s = b.connect(7)
    payload = os.urandom(200 << 10)
    s.sendall(payload)  # the window is small: the server echoes while we send...
    s.shutdown(socket.SHUT_WR)  # (sendall returns once the kernel took it all)
    got = bytearray()
    while True:
        d = s.recv(65536)
        if not d:
            break
        got += d
    s.close()
    expect_same(bytes(got), payload, "echo after the half-close")
    return "204800 bytes echoed after shutdown(SHUT_WR), then EOF"


@case("echo.ram_per_idle_connection")
def echo_ram(b):
    k = 8
    initial = b.status()

    def open_idle():
        conns = []
        for i in range(k):
            s = b.connect(7)
            s.sendall(b"x")  # one byte echoed: accepted and its handler made
            if recv_exactly(s, 1) != b"x":
                raise AssertionError(f"idle connection {i}: no echo")
            conns.append(s)
        return conns

    def settle():
        # Every connection closed on the board too: its pcb off lwIP's active list,
        # and the heap unchanged over 5 more queries. The board answers a query only
        # when its loop waits (board.c), after the iteration that closed a channel
        # has freed it; an answer from inside an iteration (lwIP's input also runs
        # there) once reported the heap of 8 closed, not yet freed channels.
        # Polling is bounded by the round trips themselves (no sleep), and by a
        # deadline.
        deadline = time.monotonic() + 20
        st, same = b.status(), 0
        while time.monotonic() < deadline:
            nxt = b.status()
            same = same + 1 if nxt["heap_in_use"] == st["heap_in_use"] else 0
            st = nxt
            if st["tcp_active"] <= initial["tcp_active"] and same >= 5:
                return st
        raise AssertionError(f"the board did not settle after the connections closed: {st}")

    # A first round grows what stays grown (the map's tables, newlib's free lists).
    for s in open_idle():
        s.close()
    before = settle()
    conns = open_idle()
    with_k = b.status()
    for s in conns:
        s.close()
    after = settle()
    per_heap = (with_k["heap_in_use"] - before["heap_in_use"]) / k
    pcb = with_k["tcp_pcb_size"]
    if with_k["tcp_active"] - before["tcp_active"] < k:
        raise AssertionError(f"{with_k['tcp_active'] - before['tcp_active']} active pcbs for {k} connections")
    if per_heap <= 0:
        raise AssertionError(f"heap did not grow with {k} connections: {before} -> {with_k}")
    # Nothing of a connection stays behind: what the second round leaves is under
    # 64 B in all (a container's growth), not a share per connection.
    if after["heap_in_use"] - before["heap_in_use"] >= min(64, per_heap):
        seen=[b.status() for _ in range(3)]
        raise AssertionError(f"heap in use {after['heap_in_use']} B after closing, {before['heap_in_use']} B before; {with_k} {after} {seen}")
    print(f"RAM per idle connection (measured on the device, echo_server, {k} connections): "
          f"{per_heap:.0f} B heap (C++ objects) + {pcb} B lwIP tcp_pcb (static pool) "
          f"= {per_heap + pcb:.0f} B, plus one handle record of the raw platform's table; "
          f"heap in use {before['heap_in_use']} -> {with_k['heap_in_use']} -> {after['heap_in_use']} B",
          flush=True)
    return f"{per_heap:.0f} B heap + {pcb} B pcb per idle connection; heap back to {after['heap_in_use']} B"


# -- line_echo_server -------------------------------------------------------------------------

@case("line_echo.random_chunking")
def line_echo(b):
    rng = random.Random(14)
    lines = []
    for _ in range(1500):
        n = rng.choice([0, 1, 2, rng.randrange(3, 80), rng.randrange(80, 2000)])
        body = bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz0123456789 \t\r") for _ in range(n))
        lines.append(body + b"\n")
    stream = b"".join(lines)
    s = b.connect(7)
    got = bytearray()

    def reader():
        while True:
            d = s.recv(65536)
            if not d:
                return
            got.extend(d)

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    i = 0
    while i < len(stream):
        n = rng.choice([1, 2, 3, rng.randrange(1, 100), rng.randrange(100, 5000)])
        s.sendall(stream[i:i + n])
        i += n
    s.shutdown(socket.SHUT_WR)
    t.join(60)
    s.close()
    expect_same(bytes(got), stream, "line echo")
    return f"{len(lines)} lines ({len(stream)} bytes) in random chunks, echoed whole, then EOF"


# -- chat_server ------------------------------------------------------------------------------

class ChatClient:
    def __init__(self, board):
        self.s = board.connect(7)
        self.buf = b""

    def line(self):
        while b"\r\n" not in self.buf:
            d = self.s.recv(4096)
            if not d:
                raise AssertionError(f"EOF while waiting for a line (have {self.buf!r})")
            self.buf += d
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line.decode()

    def expect(self, want):
        got = self.line()
        if not re.fullmatch(want, got):
            raise AssertionError(f"expected {want!r}, got {got!r}")
        return got

    def say(self, text):
        self.s.sendall(text.encode() + b"\r\n")

    def eof(self):
        while True:
            d = self.s.recv(4096)
            if not d:
                return self.buf == b""
            self.buf += d


@case("chat.broadcast_3_clients")
def chat(b):
    a = ChatClient(b)
    a.expect(r"\* welcome, guest1 .*")
    c2 = ChatClient(b)
    c2.expect(r"\* welcome, guest2 .*")
    a.expect(r"\* guest2 joined")
    c3 = ChatClient(b)
    c3.expect(r"\* welcome, guest3 .*")
    a.expect(r"\* guest3 joined")
    c2.expect(r"\* guest3 joined")
    for c, old, new in ((a, "guest1", "alice"), (c2, "guest2", "bob"), (c3, "guest3", "carol")):
        c.say(f"/nick {new}")
        for x in (a, c2, c3):
            x.expect(rf"\* {old} is now known as {new}")
    a.say("hello everyone!")
    c2.expect(r"<alice> hello everyone!")
    c3.expect(r"<alice> hello everyone!")
    c2.say("hi alice")  # alice's next line is bob's, not her own echo
    a.expect(r"<bob> hi alice")
    c3.expect(r"<bob> hi alice")
    c2.say("/quit")
    c2.expect(r"\* bye bob")
    if not c2.eof():
        raise AssertionError("bob: data after the goodbye")
    a.expect(r"\* bob left")
    c3.expect(r"\* bob left")
    c3.say("bye alice")
    a.expect(r"<carol> bye alice")
    for c in (a, c2, c3):
        c.s.close()
    return "joins, 3 renames, 2 broadcasts, /quit with goodbye and EOF, 'left' to the others"


# -- the on-device subset ---------------------------------------------------------------------

@case("device.suite")
def device_suite(build):
    filt = "--gtest_filter=-" + ":".join(DEVICE_EXCLUDED)
    with Board(f"{build}/mps2_tests.elf", filt, nic=False, limit=240, ready=r"^mps2_tests: ") as b:
        rc = b.wait_exit(240)
    out = b.stdout()
    passed = re.findall(r"^\[       OK \] (\S+)", out, re.M)
    failed = sorted(set(re.findall(r"^\[  FAILED  \] (\S+) \(", out, re.M)))
    skipped = re.findall(r"^\[  SKIPPED \] (\S+) \(", out, re.M)
    for name in passed:
        print(f"  device: PASS {name}")
    for name in failed:
        print(f"  device: FAIL {name}")
    reasons = {}
    for m in re.finditer(r"^\S+:\d+: Skipped\n(.*)\n\[  SKIPPED \] (\S+)", out, re.M):
        reasons.setdefault(m.group(1).strip(), []).append(m.group(2))
    for why, names in sorted(reasons.items()):
        print(f"  device: SKIP {len(names)} case(s): {why}")
    for pat, why in DEVICE_EXCLUDED.items():
        print(f"  device: not run: {pat}: {why}")
    summary = f"{len(passed)} passed, {len(skipped)} skipped, {len(failed)} failed on the device; exit status {rc}"
    if rc != 0 or failed or not passed:
        raise AssertionError(summary + ("\n" + b.stderr() if rc else ""))
    return summary


# -- driver ------------------------------------------------------------------------------------

def run_case(fn, arg):
    t0 = time.monotonic()
    try:
        detail = fn(arg)
        ok = True
    except (AssertionError, BootError, OSError) as e:
        detail, ok = f"{type(e).__name__}: {e}", False
    dt = time.monotonic() - t0
    results.append((fn.case_name, ok, detail, dt))
    print(f"{'PASS' if ok else 'FAIL'} {fn.case_name} ({dt:.2f} s): {detail}", flush=True)


def server_cases(build, image, cases, only):
    cases = [c for c in cases if not only or only in c.case_name]
    if not cases:
        return
    try:
        b = Board(f"{build}/{image}", SERVER_ARGS, tcp=(7,), udp=(7777,), limit=180, ready=LISTENING)
        t0 = time.monotonic()
        b.start()
        print(f"boot {image}: listening after {time.monotonic() - t0:.2f} s "
              f"(host 127.0.0.1:{b.tcp[7]} -> board 10.0.2.15:7)", flush=True)
    except BootError as e:
        for c in cases:
            results.append((c.case_name, False, f"boot failed: {e}", 0.0))
            print(f"FAIL {c.case_name}: boot of {image} failed: {e}", flush=True)
        return
    with b:
        for c in cases:
            if b.proc.poll() is not None:
                results.append((c.case_name, False, "the firmware is gone", 0.0))
                print(f"FAIL {c.case_name}: the firmware exited ({b.proc.returncode}):\n{b.stderr()}", flush=True)
                continue
            run_case(c, b)
        if b.proc.poll() is not None:
            print(f"{image}: exited with {b.proc.returncode}; stderr:\n{b.stderr()}", flush=True)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    build = sys.argv[1]
    only = sys.argv[3] if len(sys.argv) > 3 and sys.argv[2] == "-k" else ""
    t0 = time.monotonic()
    for c in (args_help, args_bad):
        if not only or only in c.case_name:
            run_case(c, build)
    server_cases(build, "mps2_echo_server.elf",
                 [echo_1mib, echo_8x64k, echo_reset, echo_half_close, echo_ram], only)
    server_cases(build, "mps2_line_echo_server.elf", [line_echo], only)
    server_cases(build, "mps2_chat_server.elf", [chat], only)
    if not only or only in device_suite.case_name:
        run_case(device_suite, build)
    failed = [r for r in results if not r[1]]
    print(f"mps2: {len(results) - len(failed)} passed, {len(failed)} failed of {len(results)}; "
          f"elapsed {time.monotonic() - t0:.1f} s", flush=True)
    sys.exit(1 if failed or not results else 0)


if __name__ == "__main__":
    main()
