// SPDX-License-Identifier: MIT
/* The floor for the poll backend: a minimal level-triggered poll(2) echo
 * loop. A persistent pollfd array (swap-remove on close); on POLLIN one
 * recv of --read-size bytes (default 65536) and one send; a short send keeps the rest and waits
 * for POLLOUT (not reading meanwhile). */
#include "common.h"

#include <poll.h>

int main(int argc, char** argv) {
  int lfd = open_listener(argc, argv, "raw-poll");
  size_t cap = 1024, n = 1;
  struct pollfd* fds = malloc(cap * sizeof *fds);
  struct pending* pend = calloc(cap, sizeof *pend);
  fds[0].fd = lfd;
  fds[0].events = POLLIN;
  const size_t read_size = read_size_arg(argc, argv);
  char* buf = malloc(read_size);
  while (!g_stop) {
    int r = poll(fds, (nfds_t)n, 200);
    if (r < 0) {
      if (errno == EINTR) continue;
      perror("poll");
      return 1;
    }
    for (size_t i = n; i-- > 0 && r > 0;) {
      short re = fds[i].revents;
      if (!re) continue;
      --r;
      if (i == 0) {
        for (;;) {
          int c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (c < 0) break;
          if (n == cap) {
            cap *= 2;
            fds = realloc(fds, cap * sizeof *fds);
            pend = realloc(pend, cap * sizeof *pend);
          }
          fds[n].fd = c;
          fds[n].events = POLLIN;
          fds[n].revents = 0;
          pend[n].buf = NULL;
          ++n;
        }
        continue;
      }
      int fd = fds[i].fd;
      int dead = 0;
      if (re & POLLOUT) {
        struct pending* p = &pend[i];
        ssize_t w = send(fd, p->buf + p->off, p->len - p->off, MSG_NOSIGNAL);
        if (w < 0 && errno != EAGAIN) dead = 1;
        if (w > 0) p->off += (size_t)w;
        if (!dead && p->off == p->len) {
          free(p->buf);
          p->buf = NULL;
          fds[i].events = POLLIN;
        }
      } else if (re & (POLLIN | POLLHUP | POLLERR)) {
        ssize_t got = recv(fd, buf, read_size, 0);
        if (got == 0 || (got < 0 && errno != EAGAIN)) {
          dead = 1;
        } else if (got > 0) {
          ssize_t w = send(fd, buf, (size_t)got, MSG_NOSIGNAL);
          if (w < 0 && errno != EAGAIN) {
            dead = 1;
          } else {
            if (w < 0) w = 0;
            if (w < got) {
              pend[i].len = (size_t)(got - w);
              pend[i].off = 0;
              pend[i].buf = malloc(pend[i].len);
              memcpy(pend[i].buf, buf + w, pend[i].len);
              fds[i].events = POLLOUT;
            }
          }
        }
      }
      if (dead) {
        close(fd);
        free(pend[i].buf);
        fds[i] = fds[n - 1];
        pend[i] = pend[n - 1];
        --n;
      }
    }
  }
  printf("stopped\n");
  return 0;
}
