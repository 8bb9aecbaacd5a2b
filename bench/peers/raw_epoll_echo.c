// SPDX-License-Identifier: MIT
/* The floor for the epoll backend: a minimal level-triggered epoll echo
 * loop. Registrations persist; on EPOLLIN one recv of --read-size bytes (default 65536) and one
 * send; a short send keeps the rest and switches the registration to
 * EPOLLOUT until it is written. At most 1024 events per epoll_wait. */
#include "common.h"

#include <sys/epoll.h>

int main(int argc, char** argv) {
  int lfd = open_listener(argc, argv, "raw-epoll");
  int ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event e;
  memset(&e, 0, sizeof e);
  e.events = EPOLLIN;
  e.data.fd = lfd;
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &e);
  size_t cap = 1024;
  struct pending* pend = calloc(cap, sizeof *pend);
  struct epoll_event evs[1024];
  const size_t read_size = read_size_arg(argc, argv);
  char* buf = malloc(read_size);
  while (!g_stop) {
    int r = epoll_wait(ep, evs, 1024, 200);
    if (r < 0) {
      if (errno == EINTR) continue;
      perror("epoll_wait");
      return 1;
    }
    for (int k = 0; k < r; ++k) {
      int fd = evs[k].data.fd;
      unsigned re = evs[k].events;
      if (fd == lfd) {
        for (;;) {
          int c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (c < 0) break;
          if ((size_t)c >= cap) {
            size_t old = cap;
            while ((size_t)c >= cap) cap *= 2;
            pend = realloc(pend, cap * sizeof *pend);
            memset(pend + old, 0, (cap - old) * sizeof *pend);
          }
          struct epoll_event ce;
          memset(&ce, 0, sizeof ce);
          ce.events = EPOLLIN;
          ce.data.fd = c;
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
        }
        continue;
      }
      struct pending* p = &pend[fd];
      int dead = 0;
      if (re & EPOLLOUT) {
        ssize_t w = send(fd, p->buf + p->off, p->len - p->off, MSG_NOSIGNAL);
        if (w < 0 && errno != EAGAIN) dead = 1;
        if (w > 0) p->off += (size_t)w;
        if (!dead && p->off == p->len) {
          free(p->buf);
          p->buf = NULL;
          struct epoll_event ce;
          memset(&ce, 0, sizeof ce);
          ce.events = EPOLLIN;
          ce.data.fd = fd;
          epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ce);
        }
      } else if (re & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
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
              p->len = (size_t)(got - w);
              p->off = 0;
              p->buf = malloc(p->len);
              memcpy(p->buf, buf + w, p->len);
              struct epoll_event ce;
              memset(&ce, 0, sizeof ce);
              ce.events = EPOLLOUT;
              ce.data.fd = fd;
              epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ce);
            }
          }
        }
      }
      if (dead) {
        free(p->buf);
        p->buf = NULL;
        close(fd); /* also removes it from the epoll set */
      }
    }
  }
  printf("stopped\n");
  return 0;
}
