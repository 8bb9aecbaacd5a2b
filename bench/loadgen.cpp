// SPDX-License-Identifier: MIT
// The echo benchmark's load generator (Linux, one thread, epoll).
//
//     loadgen --port P [--conns N] [--active A] [--size S] [--depth D]
//             [--warmup SEC] [--duration SEC] [--server-pid PID] [--hold]
//
// Opens N connections to 127.0.0.1:P; A of them (default all) send messages
// of S bytes, keeping D messages in flight each: a message is complete when
// all of its S bytes have come back, and then the next one is sent. Every
// echoed byte is checked against what was sent (a message is S-1 printable
// bytes that depend on the connection, the sequence number and the offset,
// then '\n', so line-echo servers are driven by the same stream). The other
// N-A connections stay idle.
//
// After `warmup` seconds a measurement window of `duration` seconds starts;
// the one line printed at the end reports the window only:
//     msgs=... msgs_per_s=... mb_per_s=... p50_us=... p99_us=... server_cpu_s=...
//     cpu_us_per_msg=... server_cs=... cs_per_msg=... errors=0
// mb_per_s counts echoed payload bytes (one direction). Latency is from the
// moment a message was handed to the kernel to the moment its last byte came
// back. server_cpu_s is the server's user+system CPU time over the window,
// read from /proc/PID/task/*/schedstat (nanoseconds, all threads) or, where
// that is missing, /proc/PID/stat (utime+stime, clock ticks). cs_per_msg is
// the server's context switches (voluntary + involuntary, all threads, from
// /proc/PID/task/*/status) over the window per message (-1 when unknown).
//
// --during CMD: run `/bin/sh -c CMD` when the window starts, and end the
// window when it exits (used to attach `perf stat` to the server for exactly
// the window, so that both rates are measured under the same perturbation).
//
// With --server-pid, connecting waits after each batch until the server holds
// a descriptor for every connection made so far (it has accepted them), so a
// slow acceptor never overflows its backlog.
//
// --hold: connect, print "connected N", and keep the connections (idle)
// until SIGTERM/SIGINT; used to measure server memory per idle connection.
//
// Connections are closed with SO_LINGER 0 (a reset): no TIME_WAIT, so runs of
// 10000 connections back to back never run out of ephemeral ports.
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

volatile sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

double now_s() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}
std::int64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "loadgen: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

// Server context switches (voluntary + involuntary), all threads. -1 when unknown.
long long server_ctx_switches(int pid) {
  if (pid <= 0) return -1;
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/task", pid);
  DIR* d = opendir(path);
  if (!d) return -1;
  long long total = 0;
  bool any = false;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    char p[128];
    std::snprintf(p, sizeof p, "/proc/%d/task/%s/status", pid, e->d_name);
    FILE* f = std::fopen(p, "r");
    if (!f) continue;
    char line[256];
    while (std::fgets(line, sizeof line, f)) {
      long long v = 0;
      if (std::sscanf(line, "voluntary_ctxt_switches: %lld", &v) == 1 ||
          std::sscanf(line, "nonvoluntary_ctxt_switches: %lld", &v) == 1) {
        total += v;
        any = true;
      }
    }
    std::fclose(f);
  }
  closedir(d);
  return any ? total : -1;
}

// Server CPU time (seconds), all threads. -1 when unknown.
double server_cpu(int pid) {
  if (pid <= 0) return -1;
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/task", pid);
  DIR* d = opendir(path);
  if (d) {
    double total = 0;
    bool any = false;
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] == '.') continue;
      char p[128];
      std::snprintf(p, sizeof p, "/proc/%d/task/%s/schedstat", pid, e->d_name);
      FILE* f = std::fopen(p, "r");
      if (!f) continue;
      unsigned long long ns = 0;
      if (std::fscanf(f, "%llu", &ns) == 1) {
        total += static_cast<double>(ns) * 1e-9;
        any = true;
      }
      std::fclose(f);
    }
    closedir(d);
    if (any) return total;
  }
  std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE* f = std::fopen(path, "r");
  if (!f) return -1;
  char buf[2048];
  std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = 0;
  const char* p = std::strrchr(buf, ')');
  if (!p) return -1;
  // fields after ")": state(3) ... utime(14) stime(15)
  unsigned long long ut = 0, st = 0;
  int field = 2;
  for (const char* q = p + 1; *q; ++q) {
    if (*q == ' ') {
      ++field;
      if (field == 14) ut = std::strtoull(q + 1, nullptr, 10);
      if (field == 15) {
        st = std::strtoull(q + 1, nullptr, 10);
        break;
      }
    }
  }
  return static_cast<double>(ut + st) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

int count_fds(int pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/fd", pid);
  DIR* d = opendir(path);
  if (!d) return -1;
  int n = 0;
  while (dirent* e = readdir(d))
    if (e->d_name[0] != '.') ++n;
  closedir(d);
  return n;
}

inline char msg_byte(std::uint32_t conn, std::uint64_t seq, std::size_t j, std::size_t size) {
  if (j + 1 == size) return '\n';
  return static_cast<char>('a' + (conn * 7u + seq * 13u + j) % 26u);
}

struct conn {
  int fd = -1;
  std::uint32_t id = 0;
  bool active = false;
  bool connected = false;
  // output: bytes queued but not yet written
  std::string out;
  std::size_t out_off = 0;
  // sequence numbers
  std::uint64_t next_send = 0;   // next message to generate
  std::uint64_t recv_seq = 0;    // message being received
  std::size_t recv_off = 0;      // bytes of it received
  std::vector<std::int64_t> sent_at;  // ring of D timestamps
  bool want_out = false;
};

struct histogram {
  // 1 µs buckets up to 100 ms, then one overflow bucket.
  std::vector<std::uint64_t> b = std::vector<std::uint64_t>(100001, 0);
  std::uint64_t n = 0;
  void add(std::int64_t ns) {
    std::int64_t us = ns / 1000;
    if (us < 0) us = 0;
    if (us > 100000) us = 100000;
    ++b[static_cast<std::size_t>(us)];
    ++n;
  }
  double pct(double p) const {
    if (!n) return 0;
    std::uint64_t want = static_cast<std::uint64_t>(p * static_cast<double>(n));
    if (want >= n) want = n - 1;
    std::uint64_t acc = 0;
    for (std::size_t i = 0; i < b.size(); ++i) {
      acc += b[i];
      if (acc > want) return static_cast<double>(i);
    }
    return 100000;
  }
};

void usage() {
  std::fprintf(stderr,
               "usage: loadgen --port P [--conns N] [--active A] [--size S] [--depth D]\n"
               "               [--warmup SEC] [--duration SEC] [--server-pid PID] [--hold]\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0, conns = 1, active = -1, depth = 1, server_pid = 0;
  std::size_t size = 64;
  double warmup = 1.0, duration = 3.0;
  bool hold = false;
  const char* during = nullptr;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&]() -> const char* {
      if (i + 1 >= argc) usage();
      return argv[++i];
    };
    if (a == "--port") port = std::atoi(val());
    else if (a == "--conns") conns = std::atoi(val());
    else if (a == "--active") active = std::atoi(val());
    else if (a == "--size") size = static_cast<std::size_t>(std::atol(val()));
    else if (a == "--depth") depth = std::atoi(val());
    else if (a == "--warmup") warmup = std::atof(val());
    else if (a == "--duration") duration = std::atof(val());
    else if (a == "--server-pid") server_pid = std::atoi(val());
    else if (a == "--hold") hold = true;
    else if (a == "--during") during = val();
    else usage();
  }
  if (port <= 0 || conns <= 0 || size < 1 || depth < 1) usage();
  if (active < 0 || active > conns) active = conns;
  if (hold) active = 0;

  signal(SIGPIPE, SIG_IGN);
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < static_cast<rlim_t>(conns) + 64) {
    rl.rlim_cur = std::min<rlim_t>(rl.rlim_max, static_cast<rlim_t>(conns) + 64);
    setrlimit(RLIMIT_NOFILE, &rl);
  }

  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) die("epoll_create1");
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<std::uint16_t>(port));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

  std::vector<conn> cs(static_cast<std::size_t>(conns));
  // Spread active connections evenly among the idle ones.
  for (int i = 0; i < conns; ++i) {
    cs[static_cast<std::size_t>(i)].id = static_cast<std::uint32_t>(i);
    cs[static_cast<std::size_t>(i)].active =
        active > 0 && (static_cast<long long>(i) * active / conns != static_cast<long long>(i + 1) * active / conns);
  }

  // -- connect, in batches (the servers' backlogs are finite) --------------
  const int batch = 1000;  // below the servers' listen backlog (1024)
  std::vector<epoll_event> evs(4096);
  const int fd_base = server_pid > 0 ? count_fds(server_pid) : -1;
  for (int start = 0; start < conns; start += batch) {
    int end = std::min(conns, start + batch);
    int pending = 0;
    for (int i = start; i < end; ++i) {
      conn& c = cs[static_cast<std::size_t>(i)];
      c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (c.fd < 0) die("socket");
      int one = 1;
      setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      linger lg{1, 0};
      setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
      int r = connect(c.fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
      if (r < 0 && errno != EINPROGRESS) die("connect");
      epoll_event e{};
      e.events = EPOLLOUT;
      e.data.u32 = static_cast<std::uint32_t>(i);
      if (epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &e) < 0) die("epoll_ctl");
      ++pending;
    }
    double deadline = now_s() + 30;
    while (pending > 0) {
      int n = epoll_wait(ep, evs.data(), static_cast<int>(evs.size()), 1000);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) die("epoll_wait");
      if (now_s() > deadline) {
        std::fprintf(stderr, "loadgen: connect timed out\n");
        return 1;
      }
      for (int k = 0; k < n; ++k) {
        conn& c = cs[evs[static_cast<std::size_t>(k)].data.u32];
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err) {
          errno = err;
          die("connect");
        }
        c.connected = true;
        --pending;
        if (c.active) {
          epoll_event e{};
          e.events = EPOLLIN;
          e.data.u32 = c.id;
          epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &e);
        } else {
          epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
        }
      }
    }
    if (fd_base >= 0) {
      // Wait (bounded) until the server has accepted this batch.
      double until = now_s() + 10;
      while (count_fds(server_pid) < fd_base + end && now_s() < until) usleep(5000);
    }
  }

  if (hold) {
    std::printf("connected %d\n", conns);
    std::fflush(stdout);
    while (!g_stop) pause();
    for (conn& c : cs) close(c.fd);
    return 0;
  }

  // -- traffic ------------------------------------------------------------
  std::string scratch;
  auto queue_msgs = [&](conn& c, int count, std::int64_t t) {
    for (int m = 0; m < count; ++m) {
      std::uint64_t seq = c.next_send++;
      c.sent_at[seq % static_cast<std::uint64_t>(depth)] = t;
      std::size_t base = c.out.size();
      c.out.resize(base + size);
      char* p = &c.out[base];
      for (std::size_t j = 0; j < size; ++j) p[j] = msg_byte(c.id, seq, j, size);
    }
  };
  auto flush = [&](conn& c) -> bool {
    while (c.out_off < c.out.size()) {
      ssize_t n = send(c.fd, c.out.data() + c.out_off, c.out.size() - c.out_off, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) break;
        return false;
      }
      c.out_off += static_cast<std::size_t>(n);
    }
    if (c.out_off == c.out.size()) {
      c.out.clear();
      c.out_off = 0;
    } else if (c.out_off > (1u << 20)) {
      c.out.erase(0, c.out_off);
      c.out_off = 0;
    }
    bool want = c.out_off < c.out.size();
    if (want != c.want_out) {
      epoll_event e{};
      e.events = EPOLLIN | (want ? EPOLLOUT : 0u);
      e.data.u32 = c.id;
      epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &e);
      c.want_out = want;
    }
    return true;
  };

  const std::int64_t t0 = now_ns();
  for (conn& c : cs) {
    if (!c.active) continue;
    c.sent_at.assign(static_cast<std::size_t>(depth), 0);
    queue_msgs(c, depth, t0);
    if (!flush(c)) die("send");
  }

  // The warm-up starts once the first messages are made (1 MiB ones take a
  // while to generate): a window that began before would be over at once.
  const std::int64_t win_start = now_ns() + static_cast<std::int64_t>(warmup * 1e9);
  const std::int64_t win_end = win_start + static_cast<std::int64_t>(duration * 1e9);
  bool in_window = false;
  pid_t during_pid = -1;
  std::uint64_t msgs = 0, bytes = 0, errors = 0, win_msgs = 0, win_bytes = 0;
  double cpu0 = -1, cpu1 = -1;
  long long cs0 = -1;
  std::int64_t real_start = 0, real_end = 0;
  histogram hist;
  std::vector<char> rbuf(1u << 18);

  for (;;) {
    std::int64_t t = now_ns();
    if (!in_window && t >= win_start) {
      in_window = true;
      win_msgs = msgs;
      win_bytes = bytes;
      cpu0 = server_cpu(server_pid);
      cs0 = server_ctx_switches(server_pid);
      real_start = now_ns();
      if (during) {
        during_pid = fork();
        if (during_pid == 0) {
          execl("/bin/sh", "sh", "-c", during, static_cast<char*>(nullptr));
          _exit(127);
        }
      }
    }
    if (during_pid > 0) {
      int st;
      if (waitpid(during_pid, &st, WNOHANG) == during_pid) break;
    } else if (t >= win_end || g_stop) {
      break;
    }
    int timeout = during_pid > 0 ? 5 : static_cast<int>(((in_window ? win_end : win_start) - t) / 1000000) + 1;
    int n = epoll_wait(ep, evs.data(), static_cast<int>(evs.size()), timeout);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("epoll_wait");
    }
    t = now_ns();
    for (int k = 0; k < n; ++k) {
      conn& c = cs[evs[static_cast<std::size_t>(k)].data.u32];
      std::uint32_t ev = evs[static_cast<std::size_t>(k)].events;
      if (ev & EPOLLOUT) {
        if (!flush(c)) die("send");
      }
      if (!(ev & (EPOLLIN | EPOLLHUP | EPOLLERR))) continue;
      ssize_t r = recv(c.fd, rbuf.data(), rbuf.size(), 0);
      if (r < 0) {
        if (errno == EAGAIN || errno == EINTR) continue;
        die("recv");
      }
      if (r == 0) {
        std::fprintf(stderr, "loadgen: server closed connection %u\n", c.id);
        return 1;
      }
      int completed = 0;
      const char* p = rbuf.data();
      std::size_t left = static_cast<std::size_t>(r);
      while (left) {
        std::size_t take = std::min(left, size - c.recv_off);
        for (std::size_t j = 0; j < take; ++j) {
          if (p[j] != msg_byte(c.id, c.recv_seq, c.recv_off + j, size)) {
            ++errors;
            if (errors < 5)
              std::fprintf(stderr, "loadgen: wrong byte on connection %u message %" PRIu64 " offset %zu\n", c.id,
                           c.recv_seq, c.recv_off + j);
          }
        }
        p += take;
        left -= take;
        c.recv_off += take;
        bytes += take;
        if (c.recv_off == size) {
          if (in_window) hist.add(t - c.sent_at[c.recv_seq % static_cast<std::uint64_t>(depth)]);
          ++c.recv_seq;
          c.recv_off = 0;
          ++msgs;
          ++completed;
        }
      }
      if (c.recv_seq > c.next_send) {
        std::fprintf(stderr, "loadgen: more bytes echoed than sent on connection %u\n", c.id);
        return 1;
      }
      if (completed) {
        queue_msgs(c, completed, t);
        if (!flush(c)) die("send");
      }
    }
  }
  real_end = now_ns();
  cpu1 = server_cpu(server_pid);
  const long long cs1 = server_ctx_switches(server_pid);
  for (conn& c : cs) close(c.fd);

  const double secs = static_cast<double>(real_end - real_start) * 1e-9;
  const std::uint64_t m = msgs - win_msgs;
  const std::uint64_t b = bytes - win_bytes;
  const double cpu = (cpu0 >= 0 && cpu1 >= 0) ? cpu1 - cpu0 : -1;
  std::printf(
      "msgs=%" PRIu64 " secs=%.3f msgs_per_s=%.1f mb_per_s=%.3f p50_us=%.0f p99_us=%.0f server_cpu_s=%.6f "
      "cpu_us_per_msg=%.4f server_cs=%lld cs_per_msg=%.5f errors=%" PRIu64 "\n",
      m, secs, secs > 0 ? static_cast<double>(m) / secs : 0.0, secs > 0 ? static_cast<double>(b) / secs / 1e6 : 0.0,
      hist.pct(0.50), hist.pct(0.99), cpu, (cpu >= 0 && m) ? cpu * 1e6 / static_cast<double>(m) : -1.0,
      (cs0 >= 0 && cs1 >= cs0) ? cs1 - cs0 : -1LL, (cs0 >= 0 && cs1 >= cs0 && m) ? static_cast<double>(cs1 - cs0) / static_cast<double>(m) : -1.0, errors);
  return errors ? 3 : 0;
}
