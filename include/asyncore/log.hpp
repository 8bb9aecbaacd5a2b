// SPDX-License-Identifier: MIT
/// \file
/// Where dispatcher::log and log_info write.
///
/// Python writes log() lines to stderr and log_info() lines to stdout. Here
/// both go through one replaceable sink, so a GUI application or firmware can
/// route them elsewhere:
///
///     asyncore::set_log_sink([](void*, asyncore::log_stream s, std::string_view line) {
///       my_logger(s == asyncore::log_stream::log ? "asyncore" : "app", line);
///     }, nullptr);
///
/// The sink gets whole lines without the newline ("log: ...", "info: ...").
/// set_log_sink may be called at any time, also while loops run on other
/// threads: each line goes to the sink set before it was written, with that
/// sink's context. The sink itself may be called from several threads at once
/// (one per loop). The default sink writes to stderr / stdout.
#ifndef ASYNCORE_LOG_HPP
#define ASYNCORE_LOG_HPP

#include <asyncore/export.hpp>

#include <string_view>

namespace asyncore {

/// log_stream::log is Python's stderr stream (dispatcher::log), info its
/// stdout stream (dispatcher::log_info).
enum class log_stream {
  log,  ///< dispatcher::log() lines, "log: ..." (Python: stderr)
  info  ///< dispatcher::log_info() lines, "<type>: ..." (Python: stdout)
};

/// A log sink: receives `context` as given to set_log_sink(), the stream,
/// and one whole line without its newline. It may be called from several
/// threads at once (one per running loop), so it must be thread-safe; it
/// must not throw.
using log_sink = void (*)(void* context, log_stream stream, std::string_view line);

/// Replaces the sink; nullptr restores the default (stderr / stdout).
ASYNCORE_API void set_log_sink(log_sink sink, void* context) noexcept;

/// Writes one line through the current sink.
ASYNCORE_API void write_log(log_stream stream, std::string_view line);

}  // namespace asyncore

#endif  // ASYNCORE_LOG_HPP
