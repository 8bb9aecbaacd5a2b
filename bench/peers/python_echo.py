#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The echo server of Python's asyncore documentation (CPython 3.11's asyncore).

    python_echo.py [--select | --poll] [--read-size N] [port]

Prints "listening on 127.0.0.1:<port> (python-select|python-poll)" and exits 0
on SIGTERM/SIGINT. Reads are N bytes (default 8192, as in the documentation).
"""
import signal
import sys
import warnings

warnings.simplefilter("ignore", DeprecationWarning)
import asyncore  # noqa: E402

stop = False


def on_signal(signum, frame):
    global stop
    stop = True


READ_SIZE = 8192


class EchoHandler(asyncore.dispatcher_with_send):
    def handle_read(self):
        data = self.recv(READ_SIZE)
        if data:
            self.send(data)

    def handle_error(self):
        self.close()


class EchoServer(asyncore.dispatcher):
    def __init__(self, port):
        asyncore.dispatcher.__init__(self)
        self.create_socket()
        self.set_reuse_addr()
        self.bind(("127.0.0.1", port))
        self.listen(1024)

    def handle_accepted(self, sock, addr):
        EchoHandler(sock)


def main():
    global READ_SIZE
    argv = sys.argv[1:]
    if "--read-size" in argv:
        i = argv.index("--read-size")
        READ_SIZE = int(argv[i + 1])
        del argv[i:i + 2]
    use_poll = "--poll" in argv
    args = [a for a in argv if not a.startswith("--")]
    port = int(args[-1]) if args else 8007
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    server = EchoServer(port)
    print("listening on 127.0.0.1:%d (%s)" % (server.socket.getsockname()[1],
                                                "python-poll" if use_poll else "python-select"), flush=True)
    while not stop:
        try:
            asyncore.loop(0.2, use_poll, None, 1)
        except InterruptedError:
            pass
    print("stopped")


if __name__ == "__main__":
    main()
