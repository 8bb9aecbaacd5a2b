// SPDX-License-Identifier: MIT
// CPython's FileWrapperTest (TA:372-442), POSIX only as in Python, plus
// file_dispatcher over pipes and every backend.
#include <asyncore/file_dispatcher.hpp>

#include "support.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

namespace {

using namespace asyncore_test;

class FileWrapperTest : public testing::TestWithParam<param> {
 protected:
  void SetUp() override {
    ASYNCORE_SKIP_UNSUPPORTED(GetParam());
    std::snprintf(path_, sizeof path_, "/tmp/asyncore-file-test-%d", static_cast<int>(::getpid()));
    std::FILE* f = std::fopen(path_, "wb");
    ASSERT_TRUE(f);
    std::fwrite(d_.data(), 1, d_.size(), f);
    std::fclose(f);
  }
  void TearDown() override {
    asyncore::close_all(&map_, true);
    std::remove(path_);
  }
  std::string read_file() {
    std::string out;
    std::FILE* f = std::fopen(path_, "rb");
    char buf[256];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
    std::fclose(f);
    return out;
  }
  const std::string d_ = "It's not dead, it's sleeping!";
  char path_[64];
  asyncore::socket_map map_;
};

TEST_P(FileWrapperTest, test_recv) {
  int fd = ::open(path_, O_RDONLY);
  std::error_code ec;
  asyncore::file_wrapper w(fd, ec);
  ::close(fd);
  ASSERT_FALSE(ec);
  EXPECT_NE(w.fileno(), fd);
  char buf[32];
  std::size_t n = w.recv(buf, 13, ec);
  EXPECT_EQ(std::string(buf, n), "It's not dead");
  n = w.read(buf, 6, ec);
  EXPECT_EQ(std::string(buf, n), ", it's");
  w.close(ec);
  EXPECT_FALSE(ec);
  w.read(buf, 1, ec);
  EXPECT_TRUE(ec);  // reading a closed wrapper fails
#if ASYNCORE_HAS_EXCEPTIONS
  EXPECT_THROW(w.read(buf, 1), std::system_error);
#endif
}

TEST_P(FileWrapperTest, test_send) {
  const std::string d1 = "Come again?";
  const std::string d2 = "I want to buy some cheese.";
  int fd = ::open(path_, O_WRONLY | O_APPEND);
  std::error_code ec;
  asyncore::file_wrapper w(fd, ec);
  ::close(fd);
  w.write(d1.data(), d1.size(), ec);
  w.send(d2.data(), d2.size(), ec);
  w.close(ec);
  EXPECT_FALSE(ec);
  EXPECT_EQ(read_file(), d_ + d1 + d2);
}

TEST_P(FileWrapperTest, test_dispatcher) {
  int fd = ::open(path_, O_RDONLY);
  std::vector<std::string> data;
  struct FileDispatcher : asyncore::file_dispatcher {
    FileDispatcher(int fd, asyncore::socket_map* m, std::vector<std::string>* out, std::error_code& ec)
        : file_dispatcher(fd, m, ec), out_(out) {}
    void handle_read() override {
      char buf[29];
      std::error_code ec;
      out_->emplace_back(buf, recv(buf, sizeof buf, ec));
    }
    void handle_close() override { close(); }
    std::vector<std::string>* out_;
  };
  std::error_code ec;
  FileDispatcher s(fd, &map_, &data, ec);
  ::close(fd);
  ASSERT_FALSE(ec) << ec.message();
  asyncore::loop(0.01, GetParam().be, &map_, 2);
  std::string joined;
  for (auto& p : data) joined += p;
  EXPECT_EQ(joined, d_);
  EXPECT_FALSE(s.registered());  // the second read was the end of the file
}

// C++'s ResourceWarning: the destructor closes the descriptor.
TEST_P(FileWrapperTest, test_resource_warning) {
  int fd = ::open(path_, O_RDONLY);
  int dup_fd;
  {
    std::error_code ec;
    asyncore::file_wrapper f(fd, ec);
    dup_fd = f.fileno();
    ::close(fd);
    EXPECT_GE(::fcntl(dup_fd, F_GETFD), 0);
  }
  EXPECT_EQ(::fcntl(dup_fd, F_GETFD), -1);  // closed by the destructor
}

TEST_P(FileWrapperTest, test_close_twice) {
  int fd = ::open(path_, O_RDONLY);
  std::error_code ec;
  asyncore::file_wrapper f(fd, ec);
  ::close(fd);
  ::close(f.fileno());  // file_wrapper dup'ed fd
  f.close(ec);
  EXPECT_TRUE(ec);  // EBADF
  EXPECT_EQ(f.fileno(), -1);
  f.close(ec);  // calling close twice should not fail
  EXPECT_FALSE(ec);
}

// A pipe through file_dispatcher: data, then EOF as handle_close; and the
// caller's descriptor keeps its blocking mode (CPython sets O_NONBLOCK on the
// shared file description).
TEST_P(FileWrapperTest, test_pipe_dispatcher) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  struct reader : asyncore::file_dispatcher {
    using file_dispatcher::file_dispatcher;
    std::string got;
    int closes = 0;
    bool writable() override { return false; }
    void handle_read() override {
      char buf[64];
      std::error_code ec;
      got.append(buf, recv(buf, sizeof buf, ec));
    }
    void handle_close() override {
      ++closes;
      close();
    }
  };
  std::error_code ec;
  reader r(p[0], &map_, ec);
  ASSERT_FALSE(ec);
  EXPECT_EQ(::fcntl(p[0], F_GETFL) & O_NONBLOCK, 0);
  ::close(p[0]);
  ASSERT_EQ(::write(p[1], "spam", 4), 4);
  ::close(p[1]);
  EXPECT_TRUE(loop_until([&] { return r.closes > 0; }, map_, GetParam().be));
  EXPECT_EQ(r.got, "spam");
  EXPECT_EQ(r.closes, 1);
}

INSTANTIATE_TEST_SUITE_P(asyncore, FileWrapperTest, testing::ValuesIn(backend_params()), param_name);

}  // namespace
