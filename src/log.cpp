// asyncore for C++: the replaceable log sink.
#include <asyncore/log.hpp>

#include <cstdio>

namespace asyncore {
namespace {

void default_sink(void*, log_stream stream, std::string_view line) {
  std::FILE* f = stream == log_stream::log ? stderr : stdout;
  std::fwrite(line.data(), 1, line.size(), f);
  std::fputc('\n', f);
  std::fflush(f);
}

log_sink g_sink = &default_sink;
void* g_context = nullptr;

}  // namespace

void set_log_sink(log_sink sink, void* context) noexcept {
  g_sink = sink ? sink : &default_sink;
  g_context = sink ? context : nullptr;
}

void write_log(log_stream stream, std::string_view line) { g_sink(g_context, stream, line); }

}  // namespace asyncore
