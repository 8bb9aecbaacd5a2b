// SPDX-License-Identifier: MIT
/* The echo service on libuv (Debian's libuv1-dev), one loop. Reads land in
 * one shared buffer of --read-size bytes (default 65536; alloc_cb); each read is written back with
 * uv_try_write, and only what the socket does not take is copied into a
 * uv_write request, with reading stopped until it completes (back-pressure).
 *
 *     uv_echo [--read-size N] [port]   (prints "listening on 127.0.0.1:<port> (libuv)";
 *                        exits 0 on SIGTERM/SIGINT) */
#include <uv.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char* g_buf;
static size_t g_buf_size = 65536;
static uv_loop_t* g_loop;

typedef struct {
  uv_write_t req;
  uv_buf_t buf;
} write_req;

static void on_close(uv_handle_t* h) { free(h); }

static void alloc_cb(uv_handle_t* h, size_t suggested, uv_buf_t* b) {
  (void)h;
  (void)suggested;
  *b = uv_buf_init(g_buf, (unsigned)g_buf_size);
}

static void read_cb(uv_stream_t* s, ssize_t n, const uv_buf_t* b);

static void write_cb(uv_write_t* req, int status) {
  write_req* w = (write_req*)req;
  uv_stream_t* s = req->handle;
  free(w->buf.base);
  free(w);
  if (status < 0) {
    if (!uv_is_closing((uv_handle_t*)s)) uv_close((uv_handle_t*)s, on_close);
    return;
  }
  uv_read_start(s, alloc_cb, read_cb);
}

static void read_cb(uv_stream_t* s, ssize_t n, const uv_buf_t* b) {
  if (n < 0) {
    if (!uv_is_closing((uv_handle_t*)s)) uv_close((uv_handle_t*)s, on_close);
    return;
  }
  if (n == 0) return;
  uv_buf_t out = uv_buf_init(b->base, (unsigned)n);
  int w = uv_try_write(s, &out, 1);
  if (w == UV_EAGAIN) w = 0;
  if (w < 0) {
    uv_close((uv_handle_t*)s, on_close);
    return;
  }
  if (w < n) {
    write_req* req = malloc(sizeof *req);
    req->buf = uv_buf_init(malloc((size_t)n - (size_t)w), (unsigned)((size_t)n - (size_t)w));
    memcpy(req->buf.base, b->base + w, req->buf.len);
    uv_read_stop(s);
    uv_write(&req->req, s, &req->buf, 1, write_cb);
  }
}

static void on_connection(uv_stream_t* server, int status) {
  if (status < 0) return;
  uv_tcp_t* c = malloc(sizeof *c);
  uv_tcp_init(g_loop, c);
  if (uv_accept(server, (uv_stream_t*)c) == 0) {
    uv_read_start((uv_stream_t*)c, alloc_cb, read_cb);
  } else {
    uv_close((uv_handle_t*)c, on_close);
  }
}

static void on_signal(uv_signal_t* h, int sig) {
  (void)sig;
  uv_stop(h->loop);
}

int main(int argc, char** argv) {
  int port = argc > 1 ? atoi(argv[argc - 1]) : 8007;
  for (int i = 1; i + 1 < argc; ++i)
    if (!strcmp(argv[i], "--read-size")) g_buf_size = (size_t)atol(argv[i + 1]);
  if (g_buf_size == 0) {
    fprintf(stderr, "uv_echo: --read-size takes a positive number of bytes\n");
    return 2;
  }
  g_buf = malloc(g_buf_size);
  g_loop = uv_default_loop();
  uv_tcp_t server;
  uv_tcp_init(g_loop, &server);
  struct sockaddr_in a;
  uv_ip4_addr("127.0.0.1", port, &a);
  if (uv_tcp_bind(&server, (const struct sockaddr*)&a, 0) != 0 ||
      uv_listen((uv_stream_t*)&server, 1024, on_connection) != 0) {
    fprintf(stderr, "uv_echo: cannot listen\n");
    return 1;
  }
  int len = sizeof a;
  uv_tcp_getsockname(&server, (struct sockaddr*)&a, &len);
  printf("listening on 127.0.0.1:%d (libuv)\n", ntohs(a.sin_port));
  fflush(stdout);
  uv_signal_t sterm, sint;
  uv_signal_init(g_loop, &sterm);
  uv_signal_init(g_loop, &sint);
  uv_signal_start(&sterm, on_signal, SIGTERM);
  uv_signal_start(&sint, on_signal, SIGINT);
  uv_run(g_loop, UV_RUN_DEFAULT);
  printf("stopped\n");
  return 0;
}
