// SPDX-License-Identifier: MIT
/* Shared by the hand-written C echo loops: the command line, the listener
 * and the signal handling of examples/echo_server.cpp, so every server of
 * the benchmark is driven the same way:
 *
 *     raw_poll_echo [--read-size N] [port]      raw_epoll_echo [--read-size N] [port]
 *
 * Listens on 127.0.0.1:<port>, prints "listening on 127.0.0.1:<port> (...)",
 * echoes, and exits 0 on SIGTERM/SIGINT. Reads are N bytes (default 65536,
 * as in the examples, examples/echo_server.cpp; bench/run passes the size of
 * each configuration to every peer). */
#ifndef BENCH_PEERS_COMMON_H
#define BENCH_PEERS_COMMON_H

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ECHO_READ_SIZE 65536

/* --read-size N anywhere on the command line (default ECHO_READ_SIZE). */
static size_t read_size_arg(int argc, char** argv) {
  for (int i = 1; i + 1 < argc; ++i)
    if (!strcmp(argv[i], "--read-size")) {
      long n = atol(argv[i + 1]);
      if (n <= 0) {
        fprintf(stderr, "--read-size takes a positive number of bytes\n");
        exit(2);
      }
      return (size_t)n;
    }
  return ECHO_READ_SIZE;
}

static volatile sig_atomic_t g_stop = 0;
static void on_signal(int s) { (void)s; g_stop = 1; }

static int open_listener(int argc, char** argv, const char* name) {
  int port = argc > 1 ? atoi(argv[argc - 1]) : 8007;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal; /* no SA_RESTART: the wait returns EINTR */
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr*)&a, sizeof a) < 0 || listen(fd, 1024) < 0) {
    perror(name);
    exit(1);
  }
  socklen_t len = sizeof a;
  getsockname(fd, (struct sockaddr*)&a, &len);
  printf("listening on 127.0.0.1:%d (%s)\n", ntohs(a.sin_port), name);
  fflush(stdout);
  return fd;
}

/* Per connection: what a write could not take (NULL when nothing). */
struct pending {
  char* buf;
  size_t len, off;
};

#endif
