#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""idle_peer.py: a client that is busy for a while, then vanishes.

    idle_peer.py HOST PORT [--active SECONDS] [--deadline SECONDS]

Connects to an echo server, sends "ping N\\n" every 0.25 s for --active seconds
(default 3) and checks every echo comes back, so that a server idle timeout
shorter than --active must have been reset by the traffic. Then it prints

    active phase done after 3.0 s, 12 pings echoed

and from then on sends nothing and keeps its end open (the caller cuts the
link now: to the server, this peer has vanished). It exits when the --deadline
(default 60 s) passes or when it is stopped (SIGTERM). It exits 1, printing
`FAIL ...`, if the connection fails or closes during the active phase.
"""
import argparse
import signal
import socket
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--active", type=float, default=3.0)
    ap.add_argument("--deadline", type=float, default=60.0)
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    t0 = time.monotonic()

    def fail(msg):
        print(f"FAIL idle_peer: {msg}", flush=True)
        sys.exit(1)

    try:
        sock = socket.create_connection((args.host, args.port), timeout=10)
    except OSError as e:
        fail(f"connect: {e}")
    print(f"connected from {sock.getsockname()[0]}:{sock.getsockname()[1]}", flush=True)
    pings = 0
    got = b""
    next_ping = t0
    while time.monotonic() - t0 < args.active:
        if time.monotonic() >= next_ping:
            pings += 1
            sock.sendall(f"ping {pings}\n".encode())
            next_ping += 0.25
        # Wait for the echo of what was sent, at most until the next ping is due
        # (under 5% loss an echo may take a retransmission, about 0.2 s or more).
        sock.settimeout(max(0.01, next_ping - time.monotonic()))
        try:
            data = sock.recv(4096)
        except socket.timeout:
            continue
        except OSError as e:
            fail(f"recv after {pings} pings: {e}")
        if not data:
            fail(f"the server closed the connection during the active phase, after {pings} pings")
        got += data
    # The last echoes, boundedly.
    want = "".join(f"ping {i}\n" for i in range(1, pings + 1)).encode()
    sock.settimeout(5)
    while len(got) < len(want):
        try:
            data = sock.recv(4096)
        except OSError as e:
            fail(f"waiting for the last echoes: {e}")
        if not data:
            fail("the server closed the connection during the active phase")
        got += data
    if got != want:
        fail(f"echoes differ: got {got[:80]!r}...")
    print(f"active phase done after {time.monotonic() - t0:.1f} s, {pings} pings echoed", flush=True)
    # Vanished: silent, but the socket stays open until stopped.
    sock.settimeout(None)
    time.sleep(max(0.0, args.deadline - (time.monotonic() - t0)))


if __name__ == "__main__":
    main()
