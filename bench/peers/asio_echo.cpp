// SPDX-License-Identifier: MIT
// The echo service on standalone Asio (Debian's libasio-dev), one thread:
// one io_context run by main. Each connection reads up to --read-size bytes (default 65536) with
// async_read_some and writes them back with async_write, the pattern of
// Asio's own echo examples.
//
//     asio_echo [--read-size N] [port]     (prints "listening on 127.0.0.1:<port> (asio)";
//                            exits 0 on SIGTERM/SIGINT)
#define ASIO_STANDALONE 1
#include <asio.hpp>

#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

using asio::ip::tcp;

namespace {

class session : public std::enable_shared_from_this<session> {
 public:
  session(tcp::socket s, std::size_t read_size) : socket_(std::move(s)), data_(read_size) {}
  void start() { do_read(); }

 private:
  void do_read() {
    auto self(shared_from_this());
    socket_.async_read_some(asio::buffer(data_), [this, self](std::error_code ec, std::size_t n) {
      if (!ec) do_write(n);
    });
  }
  void do_write(std::size_t n) {
    auto self(shared_from_this());
    asio::async_write(socket_, asio::buffer(data_.data(), n), [this, self](std::error_code ec, std::size_t) {
      if (!ec) do_read();
    });
  }
  tcp::socket socket_;
  std::vector<char> data_;
};

class server {
 public:
  server(asio::io_context& io, unsigned short port, std::size_t read_size)
      : acceptor_(io), read_size_(read_size) {
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port);
    acceptor_.open(ep.protocol());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen(1024);
    std::printf("listening on 127.0.0.1:%u (asio)\n", acceptor_.local_endpoint().port());
    std::fflush(stdout);
    do_accept();
  }

 private:
  void do_accept() {
    acceptor_.async_accept([this](std::error_code ec, tcp::socket s) {
      if (!ec) std::make_shared<session>(std::move(s), read_size_)->start();
      do_accept();
    });
  }
  tcp::acceptor acceptor_;
  std::size_t read_size_;
};

}  // namespace

int main(int argc, char** argv) {
  unsigned short port = static_cast<unsigned short>(argc > 1 ? std::atoi(argv[argc - 1]) : 8007);
  std::size_t read_size = 65536;
  for (int i = 1; i + 1 < argc; ++i)
    if (!std::strcmp(argv[i], "--read-size")) read_size = static_cast<std::size_t>(std::atol(argv[i + 1]));
  if (read_size == 0) {
    std::fprintf(stderr, "asio_echo: --read-size takes a positive number of bytes\n");
    return 2;
  }
  asio::io_context io(1);
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](std::error_code, int) { io.stop(); });
  server s(io, port, read_size);
  io.run();
  std::printf("stopped\n");
  return 0;
}
