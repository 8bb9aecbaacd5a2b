# SPDX-License-Identifier: MIT
"""CPython side of bench/asynchat_lines.cpp: CPython's own asynchat on one-byte
lines (b"x\\n"), fed 64 KiB per recv() ("socket") or all in one recv()
("one_read"), through async_chat.handle_read with a fake socket (no system
calls). Usage: asynchat_lines.py RESULT_FILE KIB [KIB ...]

Writes "feed kib seconds" lines; seconds is -1 for sizes skipped because
their estimated time (linear for "socket", quadratic for "one_read", from the
previous size) is beyond the time cap.
"""

import sys
import time
import warnings

warnings.simplefilter("ignore", DeprecationWarning)
import asynchat  # noqa: E402  (3.11 or older)

CAP = 20.0  # seconds per measurement


class FakeSocket:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def recv(self, n):
        chunk = self.data[self.pos:self.pos + n]
        self.pos += len(chunk)
        return chunk

    def close(self):
        pass


class Counter(asynchat.async_chat):
    def __init__(self, data, bufsize):
        asynchat.async_chat.__init__(self, sock=None, map={})
        self.socket = FakeSocket(data)
        self.ac_in_buffer_size = bufsize
        self.set_terminator(b"\n")
        self.lines = 0
        self.done = False

    def collect_incoming_data(self, data):
        pass

    def found_terminator(self):
        self.lines += 1

    def handle_close(self):
        self.done = True
        self.close()


def run(kib, feed):
    data = b"x\n" * (kib * 512)
    ch = Counter(data, 65536 if feed == "socket" else len(data))
    t0 = time.process_time()  # CPU time, as the C++ side measures
    while not ch.done:
        ch.handle_read()
    secs = time.process_time() - t0
    assert ch.lines == len(data) // 2, (ch.lines, len(data) // 2)
    return secs


def main():
    out = open(sys.argv[1], "w")
    sizes = sorted(int(k) for k in sys.argv[2:])
    for feed, power in (("socket", 1), ("one_read", 2)):
        prev = None
        for kib in sizes:
            if prev is not None:
                pk, ps = prev
                if ps < 0 or ps * (kib / pk) ** power > CAP:
                    out.write("%s %d -1\n" % (feed, kib))
                    prev = (kib, -1.0)
                    continue
            secs = run(kib, feed)
            out.write("%s %d %.6f\n" % (feed, kib, secs))
            out.flush()
            prev = (kib, secs)
    out.close()


if __name__ == "__main__":
    main()
