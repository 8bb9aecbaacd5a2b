#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The TLS examples against peers we did not write, driven from the host.

    example_peers.py CASE --server TLS_ECHO_SERVER --client TLS_CLIENT
                     --https-get HTTPS_GET --certs DIR [--engines openssl,mbedtls]
                     [--openssl OPENSSL]

Runs examples/tls_echo_server, tls_client and https_get (the programs given)
against `openssl s_server` / `openssl s_client` and Python's ssl module, once
per engine in --engines (the examples' --engine). The examples run natively,
or through the emulator named in ASYNCORE_TEST_EMULATOR (words separated by
spaces: tests/CMakeLists.txt sets it to the build's CMAKE_CROSSCOMPILING_EMULATOR,
Wine for the MinGW build). The peers always run on the host: a Wine process
cannot start a Linux one, so this script, not the test binary, is in charge.
DIR holds tests/tls/make_certs.sh's certificates (made at build time).

Cases (each a ctest test tls/examples_peers_CASE):
  echo_1MiB      1 MiB of random bytes through tls_echo_server, sent and read
                 back in random pieces by a Python ssl client; close_notify
                 both ways; then the same through tls_client's standard input
                 and output
  concurrent_20  20 Python ssl clients at once, 64 KiB each
  s_client       `openssl s_client` (verifying the server and its name)
                 through tls_echo_server: a line comes back, s_client ends
                 with status 0
  refusals       tls_client refuses `openssl s_server` with a certificate for
                 another name, one from an untrusted CA and an expired one:
                 status 1, certificate_verify_failed and the engine's reason
  close_notify   tls_client against `openssl s_server -rev`: the server's
                 close_notify ends it with status 0 (its standard input still
                 open); a Python server that closes without close_notify
                 ends it with status 1 (a truncation)
  https_get      https_get against Python's HTTPS server (http.server over
                 ssl): 200 and the body; 404 is status 1; an untrusted CA is
                 refused
  garbage_peer   garbage bytes on one connection to tls_echo_server are cut
                 off while an established connection goes on, and a new one
                 is served

Wine fails about one process start in 800 (ci/windows): the process dies of
a signal or hangs before main, printing nothing. Under an emulator, an
example that printed nothing at all (neither stream) and did not exit by
itself (killed by a signal, or timed out) is started once more, and the
output says so ("RETRY: ..."); any other failure fails the case. Natively
nothing is retried.

Every wait is bounded: socket operations TIMEOUT seconds, a whole example
run RUN_TIMEOUT. Exit status 0 when the case passed, 1 otherwise (with the
reason), 2 bad arguments.
"""
import argparse
import os
import random
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree for the import below
from peer import echo_exchange  # noqa: E402 - tests/tls/peer.py, beside this file

TIMEOUT = 20.0      # one socket operation, one wait for a line
RUN_TIMEOUT = 30.0  # one run of a client example
# Printed first, so that ci/windows tells a failure of this script (which
# always starts: it is a host process) from a Wine start-up failure.
START_MARKER = "example_peers: process started"


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def say(*words):
    sys.stdout.write(" ".join(str(w) for w in words) + "\n")
    sys.stdout.flush()


EMULATOR = os.environ.get("ASYNCORE_TEST_EMULATOR", "").split()
RETRIES = []  # what was started again, for the summary
CURRENT = [""]  # "[engine] case", for the RETRY lines


def short(b, n=400):
    t = bytes(b).decode("utf-8", "replace") if isinstance(b, (bytes, bytearray)) else str(b)
    return t if len(t) <= n else t[:n] + "...(%d more)" % (len(t) - n)


class Proc:
    """A child process with its output collected by threads."""

    def __init__(self, argv, stdin=True):
        self.argv = argv
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        self.out = bytearray()
        self.err = bytearray()
        self.cond = threading.Condition()
        self.eof = [False, False]
        for i, (stream, buf) in enumerate(((self.p.stdout, self.out), (self.p.stderr, self.err))):
            threading.Thread(target=self._read, args=(stream, buf, i), daemon=True).start()

    def _read(self, stream, buf, i):
        while True:
            b = stream.read1(65536) if hasattr(stream, "read1") else stream.read(65536)
            with self.cond:
                if not b:
                    self.eof[i] = True
                    self.cond.notify_all()
                    return
                buf += b
                self.cond.notify_all()

    def write(self, data, close=False):
        """Writes in a thread (the child may write meanwhile)."""
        def run():
            try:
                if data:
                    self.p.stdin.write(data)
                    self.p.stdin.flush()
                if close:
                    self.p.stdin.close()
            except (BrokenPipeError, OSError):
                pass
        t = threading.Thread(target=run, daemon=True)
        t.start()
        return t

    def close_stdin(self):
        try:
            self.p.stdin.close()
        except OSError:
            pass

    def wait_for(self, pattern, timeout=TIMEOUT, stream="out"):
        """Waits until the stream matches the regex (bytes); the match or None."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                m = rx.search(bytes(self.out if stream == "out" else self.err))
                if m:
                    return m
                if all(self.eof) or time.monotonic() >= deadline:
                    return None
                self.cond.wait(min(0.5, max(0.01, deadline - time.monotonic())))

    def wait(self, timeout):
        """The exit status, or None after killing it at the timeout."""
        try:
            status = self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None
        deadline = time.monotonic() + 5
        with self.cond:  # the rest of its output
            while not all(self.eof) and time.monotonic() < deadline:
                self.cond.wait(0.2)
        return status

    def kill(self, sig=signal.SIGKILL):
        if self.p.poll() is None:
            try:
                os.killpg(self.p.pid, sig)
            except ProcessLookupError:
                pass
        try:
            self.p.wait(10)
        except subprocess.TimeoutExpired:
            pass

    def printed_nothing(self):
        with self.cond:
            return not self.out and not self.err


def may_retry(proc, status, what):
    """True (and says so) when an emulated start printed nothing and did not
    exit by itself: a Wine start-up failure, retried once."""
    if not EMULATOR or not proc.printed_nothing() or (status is not None and status >= 0):
        return False
    note = "%s %s printed nothing and %s" % (CURRENT[0], what,
                                              "timed out" if status is None else "died of signal %d" % -status)
    RETRIES.append(note)
    say("RETRY: %s: a Wine start-up failure (about 1 start in 800, see ci/windows); starting it once more" % note)
    return True


class Args:
    pass


A = Args()


def example(path, *args):
    return EMULATOR + [path] + [str(a) for a in args]


def cert(name):
    return os.path.join(A.certs, name)


def start_echo_server(engine):
    """Our tls_echo_server on a free port: (proc, port)."""
    argv = example(A.server, "--cert", cert("server.pem"), "--key", cert("server.key"), "--engine", engine, "0")
    for attempt in (1, 2):
        p = Proc(argv, stdin=False)
        m = p.wait_for(rb"listening on 127\.0\.0\.1:(\d+)", 30)
        if m:
            return p, int(m.group(1))
        status = p.p.poll()
        p.kill()
        if attempt == 1 and may_retry(p, status, "tls_echo_server"):
            continue
        raise Failure("tls_echo_server did not say it listens (status %s): %s %s" % (status, short(p.out), short(p.err)))


def stop_echo_server(p):
    """SIGTERM: natively it says "stopped" and exits 0 (its signal handler);
    under Wine the signal ends the process, its status is Wine's."""
    p.kill(signal.SIGTERM)
    status = p.wait(15)
    if not EMULATOR:
        check(status == 0, "tls_echo_server exited with %s after SIGTERM: %s" % (status, short(p.err)))
        check(b"stopped" in p.out, "tls_echo_server did not say 'stopped': %s" % short(p.out))
    return p.err.decode("utf-8", "replace")


def run_client(argv, what, data=b"", close_stdin=True, timeout=RUN_TIMEOUT):
    """Runs a client example to its end: (status, out, err); status None if it
    had to be killed at the timeout."""
    for attempt in (1, 2):
        p = Proc(argv)
        p.write(data, close=close_stdin)
        status = p.wait(timeout)
        if attempt == 1 and may_retry(p, status, what):
            continue
        p.close_stdin()
        return status, bytes(p.out), bytes(p.err)


def start_openssl_server(certname, extra=()):
    p = Proc([A.openssl, "s_server", "-accept", "127.0.0.1:0", "-naccept", "1",
              "-cert", cert(certname + ".pem"), "-key", cert(certname + ".key")] + list(extra))
    m = p.wait_for(rb"ACCEPT 127\.0\.0\.1:(\d+)", TIMEOUT)
    if not m:
        p.kill()
        raise Failure("openssl s_server did not start: %s %s" % (short(p.out), short(p.err)))
    return p, int(m.group(1))


def recv_exact(s, n):
    got = b""
    while len(got) < n:
        b = s.recv(n - len(got))
        if not b:
            break
        got += b
    return got


def client_context():
    return ssl.create_default_context(cafile=cert("ca.pem"))


def echo_through(port, data, seed):
    """A Python ssl client: sends `data` in random pieces, reads the echo in
    random pieces, then close_notify and the server's answer to it."""
    rnd = random.Random(seed)
    raw = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    s = client_context().wrap_socket(raw, server_hostname="localhost")
    got = echo_exchange(s, data, rnd, rnd)
    if bytes(got) != data:
        raise Failure("the echo differs: %d of %d bytes came back%s" % (
            len(got), len(data), "" if len(got) < len(data) else " (different bytes)"))
    s.unwrap()  # close_notify, and the server's close_notify in answer
    s.close()


# -- the cases ---------------------------------------------------------------------------------

def case_echo_1MiB(engine):
    srv, port = start_echo_server(engine)
    try:
        data = random.Random(1).randbytes(1 << 20)
        t0 = time.monotonic()
        echo_through(port, data, 2)
        say("  Python's ssl: 1 MiB echoed in %.2f s, close_notify both ways" % (time.monotonic() - t0))
        # The same bytes through tls_client's standard input and output (binary
        # on Windows: no CR/LF translation; read by its input thread there).
        t0 = time.monotonic()
        status, out, err = run_client(
            example(A.client, "--engine", engine, "--ca", cert("ca.pem"), "--host", "localhost", "127.0.0.1", port),
            "tls_client", data)
        check(status == 0, "tls_client with 1 MiB: status %s: %s" % (status, short(err)))
        check(out == data, "tls_client's output differs from its input: %d of %d bytes%s" % (
            len(out), len(data), "" if len(out) != len(data) else " (different bytes)"))
        say("  tls_client: 1 MiB in and out in %.2f s, status 0" % (time.monotonic() - t0))
    finally:
        stop_echo_server(srv)


def case_concurrent_20(engine):
    srv, port = start_echo_server(engine)
    results = [None] * 20

    def one(i):
        try:
            echo_through(port, random.Random(100 + i).randbytes(64 * 1024), 200 + i)
            results[i] = "OK"
        except Exception as e:  # noqa: BLE001 - reported below
            results[i] = "FAIL %s" % (getattr(e, "reason", None) or e)

    try:
        ts = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(20)]
        t0 = time.monotonic()
        for t in ts:
            t.start()
        for t in ts:
            t.join(RUN_TIMEOUT)
        bad = ["%d: %s" % (i, r or "still running") for i, r in enumerate(results) if r != "OK"]
        check(not bad, "%d of 20 clients failed: %s" % (len(bad), "; ".join(bad)))
        say("  20 concurrent clients x 64 KiB echoed in %.2f s" % (time.monotonic() - t0))
    finally:
        stop_echo_server(srv)


def case_s_client(engine):
    srv, port = start_echo_server(engine)
    try:
        p = Proc([A.openssl, "s_client", "-connect", "127.0.0.1:%d" % port, "-servername", "localhost",
                  "-verify_hostname", "localhost", "-CAfile", cert("ca.pem"), "-verify_return_error",
                  "-brief", "-nocommands"])
        line = b"a line through openssl s_client\n"
        p.write(line)
        ok = p.wait_for(re.escape(line), TIMEOUT)
        p.close_stdin()  # s_client sends close_notify and leaves
        status = p.wait(TIMEOUT)
        check(ok is not None, "the line did not come back through s_client: %s %s" % (short(p.out), short(p.err)))
        check(status == 0, "s_client exited with %s: %s" % (status, short(p.err)))
        check(b"Verification: OK" in p.err, "s_client's verification: %s" % short(p.err))
        say("  s_client: the line came back, verification OK, status 0")
    finally:
        stop_echo_server(srv)


REASONS = {  # what each engine says for each refusal (its own words)
    "openssl": {"other": "hostname mismatch", "rogue": "unable to get local issuer certificate",
                "expired": "certificate has expired"},
    "mbedtls": {"other": "Common Name (CN) does not match", "rogue": "not correctly signed by the trusted CA",
                "expired": "validity has expired"},
}


def case_refusals(engine):
    for certname, what in (("other", "wrong host name"), ("rogue", "untrusted CA"), ("expired", "expired certificate")):
        srv, port = start_openssl_server(certname)
        try:
            status, out, err = run_client(
                example(A.client, "--engine", engine, "--ca", cert("ca.pem"), "--host", "localhost",
                        "127.0.0.1", port), "tls_client", b"never sent\n")
        finally:
            srv.kill()
        text = err.decode("utf-8", "replace")
        check(status == 1, "%s: tls_client exited with %s (expected 1): %s" % (what, status, short(err)))
        check("certificate_verify_failed" in text, "%s: no certificate_verify_failed in: %s" % (what, short(err)))
        want = REASONS[engine][certname]
        check(want in text, "%s: the reason '%s' is not in: %s" % (what, want, short(err)))
        for other, reason in REASONS[engine].items():
            check(other == certname or reason not in text,
                  "%s: '%s' (the %s case's reason) in: %s" % (what, reason, other, short(err)))
        check(not out, "%s: tls_client printed data: %s" % (what, short(out)))
        say("  %s: status 1, %s" % (what, text.strip()))


def no_notify_server():
    """A Python ssl server that answers one line, then closes the TCP
    connection without close_notify."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert("server.pem"), cert("server.key"))
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    ls.settimeout(RUN_TIMEOUT)

    def serve():
        try:
            c, _ = ls.accept()
            c.settimeout(TIMEOUT)
            s = ctx.wrap_socket(c, server_side=True)
            line = b""
            while not line.endswith(b"\n"):
                b = s.recv(1)
                if not b:
                    break
                line += b
            s.sendall(line)
            s.close()  # no unwrap(): the TCP connection ends, no close_notify
        except (OSError, ssl.SSLError):
            pass
        finally:
            ls.close()

    threading.Thread(target=serve, daemon=True).start()
    return ls.getsockname()[1]


def case_close_notify(engine):
    srv, port = start_openssl_server("server", ["-rev"])
    try:
        # -rev answers each line reversed; "CLOSE" makes it shut down (close_notify).
        status, out, err = run_client(
            example(A.client, "--engine", engine, "--ca", cert("ca.pem"), "--host", "localhost", "127.0.0.1", port),
            "tls_client", b"hello asyncore\nCLOSE\n", close_stdin=False)
    finally:
        srv.kill()
    check(status == 0, "tls_client exited with %s after s_server's close_notify: %s" % (status, short(err)))
    check(out == b"erocnysa olleh\n", "tls_client printed %r" % short(out))
    say("  s_server's close_notify: tls_client status 0 (its standard input still open)")
    port = no_notify_server()
    status, out, err = run_client(
        example(A.client, "--engine", engine, "--ca", cert("ca.pem"), "--host", "localhost", "127.0.0.1", port),
        "tls_client", b"cut short\n", close_stdin=False)
    text = err.decode("utf-8", "replace")
    check(out == b"cut short\n", "tls_client printed %r" % short(out))
    check(status == 1 and "without close_notify" in text,
          "a close without close_notify: status %s, %s" % (status, short(err)))
    say("  no close_notify: status 1, %s" % text.strip())


def case_https_get(engine):
    py = Proc([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "peer.py"),
               "https-server", "--cert", cert("server.pem"), "--key", cert("server.key")])
    m = py.wait_for(rb"PORT (\d+)", TIMEOUT)
    if not m:
        py.kill()
        raise Failure("the Python HTTPS server did not start: %s" % short(py.err))
    base = "https://localhost:%d" % int(m.group(1))
    try:
        status, out, err = run_client(example(A.https_get, "--engine", engine, "--ca", cert("ca.pem"), base + "/hello"),
                                      "https_get")
        check(status == 0, "GET /hello: status %s: %s" % (status, short(err)))
        check(out == b"hello over https\n", "GET /hello printed %r" % short(out))
        check(b"200" in err, "GET /hello: no 200 in %s" % short(err))
        status, out, err = run_client(
            example(A.https_get, "--engine", engine, "--ca", cert("ca.pem"), base + "/nothing"), "https_get")
        check(status == 1 and b"404" in err, "GET /nothing: status %s, %s" % (status, short(err)))
        status, out, err = run_client(
            example(A.https_get, "--engine", engine, "--ca", cert("rogue_ca.pem"), base + "/hello"), "https_get")
        check(status == 1 and b"certificate_verify_failed" in err,
              "an untrusted CA: status %s, %s" % (status, short(err)))
        check(not out, "an untrusted CA: https_get printed %r" % short(out))
        say("  200 with its body, 404 status 1, untrusted CA refused")
    finally:
        py.close_stdin()  # peer.py leaves at the end of its standard input
        if py.wait(10) is None:
            py.kill()


def case_garbage_peer(engine):
    srv, port = start_echo_server(engine)
    try:
        raw = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        good = client_context().wrap_socket(raw, server_hostname="localhost")
        good.sendall(b"before")
        check(recv_exact(good, 6) == b"before", "no echo before the garbage")
        bad = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        bad.sendall(b"\x17\x03\x03\x00\x10" + random.Random(5).randbytes(4096))
        try:
            while bad.recv(4096):
                pass
            how = "closed"
        except ConnectionResetError:
            how = "reset"
        except socket.timeout:
            raise Failure("the garbage peer was not cut off within %.0f s" % TIMEOUT)
        bad.close()
        good.sendall(b"after")
        check(recv_exact(good, 5) == b"after", "the established connection did not go on")
        echo_through(port, b"a new connection after the garbage", 9)
        good.unwrap()
        good.close()
    finally:
        log = stop_echo_server(srv)
    check("tls_echo_server: 127.0.0.1:" in log, "the server logged no error for the garbage peer: %s" % short(log))
    say("  garbage peer %s; the other connection went on; server: %s" % (how, log.strip().splitlines()[0]))


CASES = {name[5:]: f for name, f in globals().items() if name.startswith("case_")}


def main():
    p = argparse.ArgumentParser(description="the TLS examples against openssl and Python's ssl")
    p.add_argument("case", choices=sorted(CASES))
    p.add_argument("--server", required=True, help="examples/tls_echo_server")
    p.add_argument("--client", required=True, help="examples/tls_client")
    p.add_argument("--https-get", required=True, help="examples/https_get")
    p.add_argument("--certs", required=True, help="tests/tls/make_certs.sh's directory")
    p.add_argument("--engines", default="openssl,mbedtls", help="comma-separated")
    p.add_argument("--openssl", default="openssl", help="the openssl command (default: on PATH)")
    a = p.parse_args()
    A.__dict__.update(vars(a))
    say(START_MARKER)
    say("case %s; examples %s%s" % (a.case, "through " + " ".join(EMULATOR) if EMULATOR else "native", ""))
    for f in (a.server, a.client, a.https_get, cert("ca.pem")):
        if not os.path.isfile(f):
            say("FAIL: %s does not exist" % f)
            return 1
    engines = [e for e in a.engines.replace(";", ",").split(",") if e]
    failed = []
    for engine in engines:
        say("[%s] %s" % (engine, a.case))
        CURRENT[0] = "[%s] %s:" % (engine, a.case)
        t0 = time.monotonic()
        try:
            CASES[a.case](engine)
            say("[%s] %s: OK (%.1f s)" % (engine, a.case, time.monotonic() - t0))
        except (Failure, OSError, ssl.SSLError) as e:
            failed.append(engine)
            say("[%s] %s: FAIL: %s" % (engine, a.case, e))
    say("retried (Wine start-up failures only): %s" % ("; ".join(RETRIES) if RETRIES else "none"))
    return 1 if failed or not engines else 0


if __name__ == "__main__":
    sys.exit(main())
