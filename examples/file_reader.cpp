// file_dispatcher (POSIX): copy a pipe or terminal to stdout through the loop,
// next to sockets if there were any.
//
//     some_command | file_reader
//
// Reads standard input with a file_dispatcher (a duplicate of fd 0; the
// caller's descriptor keeps its blocking mode) and prints what it reads with
// a byte count, until end of input.
#include <asyncore/asyncore.hpp>
#include <asyncore/file_dispatcher.hpp>

#include <cstdio>

namespace {

class stdin_reader : public asyncore::file_dispatcher {
 public:
  using file_dispatcher::file_dispatcher;
  std::size_t total = 0;
  bool writable() override { return false; }
  void handle_read() override {
    char buf[4096];
    std::error_code ec;
    std::size_t n = recv(buf, sizeof buf, ec);
    total += n;
    std::fwrite(buf, 1, n, stdout);
  }
  void handle_close() override { close(); }
};

}  // namespace

int main() {
  std::error_code ec;
  stdin_reader in(0, nullptr, ec);
  if (ec) {
    std::fprintf(stderr, "file_reader: %s\n", ec.message().c_str());
    return 1;
  }
  asyncore::loop(30.0, true);
  std::fprintf(stderr, "file_reader: %zu bytes\n", in.total);
  return 0;
}
