// SPDX-License-Identifier: MIT
// The TLS echo server on standalone Asio (Debian's libasio-dev) and OpenSSL:
// asio::ssl::stream<tcp::socket>, async_handshake, then async_read_some of
// up to 16 KiB and async_write of what came, on one io_context run by main.
// The context matches the library's OpenSSL engine (src/tls/openssl_engine.cpp):
// TLS_server_method, TLS 1.2 at least, OpenSSL's default cipher suites and
// session tickets; Asio's engine sets SSL_MODE_RELEASE_BUFFERS as ours does.
// On the client's close_notify it answers with its own (async_shutdown).
//
//     tls_asio_echo --cert FILE --key FILE [PORT]
//
// Prints "listening on 127.0.0.1:<port> (asio)", echoes until killed.
#define ASIO_STANDALONE 1
#include <asio.hpp>
#include <asio/ssl.hpp>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

using asio::ip::tcp;

namespace {

class session : public std::enable_shared_from_this<session> {
 public:
  session(tcp::socket s, asio::ssl::context& ctx) : stream_(std::move(s), ctx) {}
  void start() {
    auto self(shared_from_this());
    stream_.async_handshake(asio::ssl::stream_base::server, [this, self](const std::error_code& ec) {
      if (!ec) do_read();
    });
  }

 private:
  void do_read() {
    auto self(shared_from_this());
    stream_.async_read_some(asio::buffer(data_), [this, self](const std::error_code& ec, std::size_t n) {
      if (!ec) {
        do_write(n);
      } else if (ec == asio::error::eof) {  // close_notify: answer it
        stream_.async_shutdown([self](const std::error_code&) {});
      }
    });
  }
  void do_write(std::size_t n) {
    auto self(shared_from_this());
    asio::async_write(stream_, asio::buffer(data_, n), [this, self](const std::error_code& ec, std::size_t) {
      if (!ec) do_read();
    });
  }
  asio::ssl::stream<tcp::socket> stream_;
  std::array<char, 16384> data_;
};

class server {
 public:
  server(asio::io_context& io, asio::ssl::context& ctx, unsigned short port) : acceptor_(io), ctx_(ctx) {
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
      if (!ec) std::make_shared<session>(std::move(s), ctx_)->start();
      do_accept();
    });
  }
  tcp::acceptor acceptor_;
  asio::ssl::context& ctx_;
};

}  // namespace

int main(int argc, char** argv) {
  std::string cert, key;
  unsigned short port = 0;
  for (int i = 1; i < argc; ++i) {
    const bool v = i + 1 < argc;
    if (!std::strcmp(argv[i], "--cert") && v) {
      cert = argv[++i];
    } else if (!std::strcmp(argv[i], "--key") && v) {
      key = argv[++i];
    } else if (argv[i][0] != '-') {
      port = static_cast<unsigned short>(std::atoi(argv[i]));
    } else {
      std::fprintf(stderr, "usage: tls_asio_echo --cert FILE --key FILE [PORT]\n");
      return 2;
    }
  }
  if (cert.empty() || key.empty()) {
    std::fprintf(stderr, "tls_asio_echo: --cert and --key are needed\n");
    return 2;
  }
  asio::ssl::context ctx(asio::ssl::context::tls_server);
  try {
    ctx.use_certificate_chain_file(cert);
    ctx.use_private_key_file(key, asio::ssl::context::pem);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tls_asio_echo: %s\n", e.what());
    return 1;
  }
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  asio::io_context io(1);
  server s(io, ctx, port);
  io.run();
  return 0;
}
