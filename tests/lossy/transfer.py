#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""transfer.py: sends a payload to an echo server and checks it comes back intact.

    transfer.py HOST PORT MODE [--size BYTES] [--seed N] [--deadline SECONDS] [--half-close]

MODE is one of
  bytes         random bytes (for echo_server), written in chunks of random size;
  lines         random lines of 1..200 bytes, all "\\n"-terminated (for line_echo_server);
  random-lines  async_chat-style random framing (for line_echo_server): line
                lengths drawn from empty, short, medium and long (up to 256 KiB,
                below the server's 1 MiB record limit), written in chunks of
                random size (1 byte .. 64 KiB) that start and end anywhere in a line.

The payload (--size bytes, default 8 MiB) is made from --seed, so a failure can
be replayed. The client writes and reads at the same time (non-blocking, one
selector), so the server's back-pressure never deadlocks it; it reads until
it has received as many bytes as it sent (an end of stream before that is a
failure), then closes. With --half-close it shuts down its sending side after
the last byte instead of keeping it open: the examples' handle_close() closes
at once on the end of stream, dropping any echo not yet sent, so over a slow
link this mode shows that loss (see the lossy-net leg's notes). It prints one line

    ok MODE: 8388608 bytes echoed intact in 4.1 s (2.0 MiB/s), sha256 1a2b3c4d5e6f

or `FAIL MODE: ...` (short read, mismatch with the first differing offset,
timeout), and exits 0 only on success. Every step is bounded by --deadline
(default 90 s) from the start.
"""
import argparse
import hashlib
import random
import selectors
import socket
import sys
import time


def make_payload(mode, size, rng):
    if mode == "bytes":
        return rng.randbytes(size)
    # Lines: random bytes without "\n", then terminators at chosen positions.
    data = bytearray(rng.randbytes(size).replace(b"\n", b"."))
    pos = -1
    while True:
        if mode == "lines":
            n = rng.randint(1, 200)
        else:
            kind = rng.random()
            if kind < 0.10:
                n = 0  # an empty line
            elif kind < 0.60:
                n = rng.randint(1, 100)
            elif kind < 0.95:
                n = rng.randint(101, 16 << 10)
            else:
                n = rng.randint(16 << 10, 256 << 10)
        pos += n + 1
        if pos >= size - 1:
            break
        data[pos] = 0x0A
    data[size - 1] = 0x0A  # the last line is complete too
    return bytes(data)


def chunk_sizes(mode, rng):
    while True:
        if mode == "random-lines":
            yield rng.choice((1, 2, 7, rng.randint(1, 512), rng.randint(1, 8192), rng.randint(1, 65536)))
        else:
            yield rng.randint(1, 65536)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("mode", choices=("bytes", "lines", "random-lines"))
    ap.add_argument("--size", type=int, default=8 << 20)
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--deadline", type=float, default=90.0)
    ap.add_argument("--half-close", action="store_true")
    args = ap.parse_args()

    rng = random.Random(args.seed)
    payload = make_payload(args.mode, args.size, rng)
    sizes = chunk_sizes(args.mode, rng)
    lines = payload.count(b"\n")
    t0 = time.monotonic()
    end = t0 + args.deadline

    def fail(msg):
        print(f"FAIL {args.mode}: {msg}", flush=True)
        sys.exit(1)

    try:
        sock = socket.create_connection((args.host, args.port), timeout=min(10.0, args.deadline))
    except OSError as e:
        fail(f"connect to {args.host}:{args.port}: {e}")
    sock.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(sock, selectors.EVENT_READ | selectors.EVENT_WRITE)
    sent = 0
    received = bytearray()
    view = memoryview(payload)
    want = next(sizes)
    eof = False
    while not eof and len(received) < len(payload):
        left = end - time.monotonic()
        if left <= 0:
            fail(f"timed out after {args.deadline:g} s: sent {sent}, received {len(received)} of {len(payload)}")
        for key, events in sel.select(min(left, 1.0)):
            if events & selectors.EVENT_WRITE and sent < len(payload):
                try:
                    n = sock.send(view[sent:sent + want])
                except BlockingIOError:
                    n = 0
                except OSError as e:
                    fail(f"send after {sent} bytes: {e}")
                sent += n
                want -= n
                if want <= 0:
                    want = next(sizes)
                if sent == len(payload):
                    if args.half_close:
                        sock.shutdown(socket.SHUT_WR)
                    sel.modify(sock, selectors.EVENT_READ)
            if events & selectors.EVENT_READ:
                try:
                    data = sock.recv(1 << 16)
                except BlockingIOError:
                    continue
                except OSError as e:
                    fail(f"recv after {len(received)} bytes: {e}")
                if not data:
                    eof = True
                    if len(received) < len(payload):
                        fail(f"the server ended the stream after {len(received)} of {len(payload)} bytes"
                             f" (sent {sent})")
                received += data
    sock.close()
    secs = time.monotonic() - t0
    got = bytes(received)
    digest = hashlib.sha256(got).hexdigest()
    if digest != hashlib.sha256(payload).hexdigest():
        n = min(len(got), len(payload))
        first = next((i for i in range(n) if got[i] != payload[i]), n)
        fail(f"sha256 differs: sent {len(payload)} bytes, received {len(got)}, first difference at offset {first}")
    what = f"{len(payload)} bytes" + (f" in {lines} lines" if args.mode != "bytes" else "")
    print(f"ok {args.mode}: {what} echoed intact in {secs:.1f} s "
          f"({len(payload) / secs / (1 << 20):.1f} MiB/s), sha256 {digest[:12]}", flush=True)


if __name__ == "__main__":
    main()
