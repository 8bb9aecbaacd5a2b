#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Boots an MPS2-AN386 firmware image in qemu-system-arm and talks to it.

A Board is one emulation: `-M mps2-an386` with the LAN9118 on QEMU's user
networking (no root, no TAP), host ports on 127.0.0.1 forwarded to the
board's ports, semihosting for the firmware's stdout, stderr, command line
(`-append`) and exit status. Every boot is bounded: a watchdog kills QEMU
after `limit` seconds, and leaving the `with` block kills it too (also on
failure). Nothing here sleeps to synchronise: readiness is a line on the
firmware's output, waited for with a deadline.
"""
import atexit
import os
import re
import socket
import subprocess
import threading
import time

QEMU = os.environ.get("QEMU_SYSTEM_ARM", "qemu-system-arm")
_LIVE = set()  # every QEMU started and not yet reaped: killed at exit, whatever happened


@atexit.register
def _kill_all():
    for proc in list(_LIVE):
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def free_port(kind=socket.SOCK_STREAM):
    """A port on 127.0.0.1 that is free now (QEMU binds it next; a clash is retried)."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class BootError(Exception):
    pass


class Board:
    """qemu-system-arm -M mps2-an386 running `image` with `args`.

    tcp / udp: board ports to forward; after start(), self.tcp[p] and
    self.udp[p] are the host ports on 127.0.0.1 that reach them.
    """

    def __init__(self, image, args="", tcp=(), udp=(), limit=120.0, nic=True, ready=None, ready_timeout=30.0):
        self.image, self.args, self.limit = image, args, limit
        self.ready, self.ready_timeout = ready, ready_timeout
        self.want_tcp, self.want_udp, self.nic = tuple(tcp), tuple(udp), nic
        self.tcp, self.udp = {}, {}
        self.proc = None
        self.lines = []          # (stream, text) in arrival order
        self._cond = threading.Condition()
        self._watchdog = None
        self.killed_by_watchdog = False

    # -- life cycle -----------------------------------------------------------------
    def start(self, ready=None, timeout=None, attempts=5):
        """Boots; with `ready` (a regex), waits for that line of the firmware's output
        (bounded by `timeout`). A forwarded host port that was taken between free_port()
        and QEMU's bind makes QEMU exit at once: the boot is retried on other ports."""
        ready = self.ready if ready is None else ready
        timeout = self.ready_timeout if timeout is None else timeout
        for attempt in range(attempts):
            self.tcp = {p: free_port() for p in self.want_tcp}
            self.udp = {p: free_port(socket.SOCK_DGRAM) for p in self.want_udp}
            cmd = [QEMU, "-M", "mps2-an386", "-display", "none", "-monitor", "none", "-serial", "null",
                   "-semihosting-config", "enable=on,target=native", "-kernel", self.image]
            if self.args:
                cmd += ["-append", self.args]
            if self.nic:
                fwd = "".join(f",hostfwd=tcp:127.0.0.1:{h}-:{g}" for g, h in self.tcp.items())
                fwd += "".join(f",hostfwd=udp:127.0.0.1:{h}-:{g}" for g, h in self.udp.items())
                cmd += ["-nic", "user,model=lan9118" + fwd]
            else:
                cmd += ["-nic", "none"]
            with self._cond:
                self.lines = []
                self._eofs = 0
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE)
            _LIVE.add(self.proc)
            for name, stream in (("out", self.proc.stdout), ("err", self.proc.stderr)):
                threading.Thread(target=self._pump, args=(name, stream), daemon=True).start()
            self._watchdog = threading.Timer(self.limit, self._expire, args=(self.proc,))
            self._watchdog.daemon = True
            self._watchdog.start()
            if ready is None:
                return self
            try:
                self.wait_line(ready, timeout)
                return self
            except BootError:
                self.kill()
                if "host forwarding" not in self.stderr() or attempt + 1 == attempts:
                    raise
        return self

    def _expire(self, proc):
        # The boot this watchdog was armed for, whatever self.proc is by now.
        if proc.poll() is None:
            self.killed_by_watchdog = True
            proc.kill()

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
        if self.proc:
            try:
                self.proc.wait(timeout=10)
                _LIVE.discard(self.proc)
            except subprocess.TimeoutExpired:
                pass
        if self._watchdog:
            self._watchdog.cancel()

    def __enter__(self):
        # A board started already (start() called to time the boot) is not booted again.
        if self.proc is not None and self.proc.poll() is None:
            return self
        return self.start()

    def __exit__(self, *exc):
        self.kill()
        return False

    def _pump(self, name, stream):
        for raw in iter(stream.readline, b""):
            with self._cond:
                self.lines.append((name, raw.decode("utf-8", "replace").rstrip("\r\n")))
                self._cond.notify_all()
        with self._cond:
            self._eofs += 1
            self._cond.notify_all()

    # -- output -----------------------------------------------------------------------
    def stdout(self):
        with self._cond:
            return "".join(t + "\n" for s, t in self.lines if s == "out")

    def stderr(self):
        with self._cond:
            return "".join(t + "\n" for s, t in self.lines if s == "err")

    def wait_line(self, pattern, timeout=30.0):
        """The first output line matching `pattern` (a regex), waiting at most `timeout` s."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for _, t in self.lines:
                    m = rx.search(t)
                    if m:
                        return m
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None and not self._pending():
                    raise BootError(f"no line matching {pattern!r} within {timeout} s "
                                    f"(qemu {'running' if self.proc.poll() is None else 'exited ' + str(self.proc.returncode)});"
                                    f" output:\n{self._tail()}")
                self._cond.wait(min(left, 0.5))

    def _pending(self):
        # After QEMU exits its pipes may still hold lines: pending until both pumps saw EOF.
        return self._eofs < 2

    def _tail(self, n=15):
        return "\n".join(f"  {s}: {t}" for s, t in self.lines[-n:])

    def wait_exit(self, timeout=60.0):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise BootError(f"the firmware did not exit within {timeout} s; output:\n{self._tail()}")

    # -- talking to it ------------------------------------------------------------------
    def connect(self, board_port, timeout=20.0):
        """A TCP connection through the forwarded port. Call it after the firmware said
        it listens: slirp accepts on the host side before the guest does, and a
        connection made before the guest listens is reset."""
        s = socket.create_connection(("127.0.0.1", self.tcp[board_port]), timeout=timeout)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return s

    def status(self, board_port=7777, timeout=5.0, attempts=5):
        """The board's status line (board.c's responder) as a dict of ints."""
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.settimeout(timeout)
            for _ in range(attempts):
                u.sendto(b"status?", ("127.0.0.1", self.udp[board_port]))
                try:
                    data, _ = u.recvfrom(512)
                except socket.timeout:
                    continue
                return {k: int(v) for k, v in (f.split("=") for f in data.decode().split())}
        raise BootError("the status responder did not answer")
