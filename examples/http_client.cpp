// The basic HTTP client of Python's asyncore documentation, in C++.
//
//     http_client <host> <port> <path>
//
// Sends "GET <path> HTTP/1.0" and prints the whole response to stdout.
#include <asyncore/asyncore.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

class http_client : public asyncore::dispatcher {
 public:
  http_client(const std::string& host, std::uint16_t port, const std::string& path, std::error_code& ec)
      : buffer_("GET " + path + " HTTP/1.0\r\nHost: " + host + "\r\n\r\n") {
    create_socket(asyncore::family::inet, asyncore::socket_type::stream, ec);
    if (ec) return;
    asyncore::address a = asyncore::address::resolve(host, port, asyncore::family::inet, ec);
    if (!ec) connect(a, ec);
  }

  void handle_connect() override {}
  void handle_close() override { close(); }
  void handle_read() override {
    char buf[8192];
    std::error_code ec;
    std::size_t n = recv(buf, sizeof buf, ec);
    std::fwrite(buf, 1, n, stdout);
  }
  bool writable() override { return !buffer_.empty(); }
  void handle_write() override {
    std::error_code ec;
    std::size_t sent = send(buffer_, ec);
    buffer_.erase(0, sent);
  }

 private:
  std::string buffer_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s <host> <port> <path>\n", argv[0]);
    return 2;
  }
  std::error_code ec;
  http_client client(argv[1], static_cast<std::uint16_t>(std::strtoul(argv[2], nullptr, 10)), argv[3], ec);
  if (ec) {
    std::fprintf(stderr, "http_client: %s\n", ec.message().c_str());
    return 1;
  }
  asyncore::loop();
  std::fflush(stdout);
  return 0;
}
