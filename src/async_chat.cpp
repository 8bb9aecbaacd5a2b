// asyncore for C++: async_chat (see include/asyncore/async_chat.hpp).
//
// The input loop follows CPython 3.11's asynchat.handle_read line by line
// (spec §3.3), with a read cursor instead of re-slicing the buffer; the
// comments "C:nnn" point at the asynchat.py lines each branch mirrors.
#include <asyncore/async_chat.hpp>

#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace asyncore {

std::size_t find_prefix_at_end(std::string_view haystack, std::string_view needle) noexcept {
  // C:310-314: l = len(needle) - 1; while l and not haystack.endswith(needle[:l]): l -= 1
  if (needle.empty()) return 0;
  for (std::size_t l = needle.size() - 1; l != 0; --l) {
    if (haystack.size() >= l && std::memcmp(haystack.data() + haystack.size() - l, needle.data(), l) == 0) return l;
  }
  return 0;
}

std::string terminator::repr() const {
  switch (kind_) {
    case kind::none:
      return "None";
    case kind::count:
      return std::to_string(count_);
    case kind::delimiter:
      break;
  }
  // Python's bytes repr: single quotes unless the bytes hold ' and no ".
  const bool dq = bytes_.find('\'') != std::string::npos && bytes_.find('"') == std::string::npos;
  const char q = dq ? '"' : '\'';
  std::string out = "b";
  out += q;
  static const char hex[] = "0123456789abcdef";
  for (unsigned char c : bytes_) {
    if (c == '\\' || c == static_cast<unsigned char>(q)) {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c >= 0x7f) {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  out += q;
  return out;
}

async_chat::~async_chat() = default;

// -- terminator ------------------------------------------------------------------

void async_chat::set_terminator(const terminator& t) {
  if (&t != &terminator_) terminator_ = t;
}

void async_chat::set_terminator(std::string_view delimiter) {
  terminator_.kind_ = terminator::kind::delimiter;
  terminator_.count_ = 0;
  terminator_.bytes_.assign(delimiter.data(), delimiter.size());  // aliasing-safe
}

void async_chat::set_terminator(std::nullopt_t) noexcept {
  terminator_.kind_ = terminator::kind::none;
  terminator_.count_ = 0;
  terminator_.bytes_.clear();
}

void async_chat::set_count(std::uint64_t n) noexcept {
  terminator_.kind_ = terminator::kind::count;
  terminator_.count_ = n;
  terminator_.bytes_.clear();
}

void async_chat::negative_terminator() {
  static const char what[] = "set_terminator: the number of received bytes must be positive";
#if ASYNCORE_HAS_EXCEPTIONS
  detail::throw_error(std::make_error_code(std::errc::invalid_argument), what);
#else
  // Where Python's ValueError would have gone: the channel's handle_error.
  handle_error(error_cause{std::make_error_code(std::errc::invalid_argument), nullptr, what});
#endif
}

// -- input -----------------------------------------------------------------------

bool async_chat::readable() { return true; }

void async_chat::handle_read() {
  if (!socket().is_open()) return;
  const std::size_t want = ac_in_buffer_size ? ac_in_buffer_size : 1;
  const std::size_t held = held_.size();
  // The map's shared read buffer (a heap one only for a read nested inside
  // another read's hooks): an idle channel holds no input memory beyond its
  // partial delimiter, and a read allocates nothing. The held bytes go in
  // front so that the framing loop sees one contiguous buffer.
  struct lease {
    socket_map* m;
    char* p;
    std::unique_ptr<char[]> own;
    lease(socket_map* map, std::size_t size) : m(map), p(map ? map->borrow_buffer(size) : nullptr) {
      if (!p) {
        m = nullptr;
        own.reset(new char[size]);
        p = own.get();
      }
    }
    ~lease() {
      if (m) m->return_buffer();
    }
    lease(const lease&) = delete;
    lease& operator=(const lease&) = delete;
  } buf(map(), held + want);
  if (held) std::memcpy(buf.p, held_.data(), held);
  std::error_code ec;
  const std::size_t n = socket().recv(buf.p + held, want, ec);
  if (ec) {
    // C:125: a read that would block is not an error (issue #16133).
    if (ec == std::errc::operation_would_block || ec == std::errc::resource_unavailable_try_again ||
        ec == std::errc::interrupted)
      return;
    if (is_disconnect(ec)) {
      const std::uint32_t closes = close_count();
      flush_held();
      if (close_count() != closes) return;
    }
    deliver_error(ec, "recv");  // disconnects: handle_close; others: handle_error
    return;
  }
  if (n == 0) {  // end of stream
    const std::uint32_t closes = close_count();
    flush_held();
    if (close_count() == closes) handle_close();
    return;
  }
  held_.clear();
  process_input(buf.p, held + n);
}

void async_chat::process_incoming(std::string_view data) {
  if (data.empty()) return;
  if (held_.empty()) {
    process_input(data.data(), data.size());
    return;
  }
  std::string joined;
  joined.reserve(held_.size() + data.size());
  joined.append(held_).append(data.data(), data.size());
  held_.clear();
  process_input(joined.data(), joined.size());
}

void async_chat::flush_held() {
  // A fix: CPython drops these bytes at end of stream (C:186-187, C:196-197).
  if (held_.empty()) return;
  std::string rest;
  rest.swap(held_);
  closes_at_start_ = close_count();
  in_pos_ = in_end_ = nullptr;
  deliver(rest.data(), rest.size());
}

void async_chat::process_input(const char* p, std::size_t n) {
  // Cork: what the hooks push is sent once they have all run (one send()
  // for all the replies to this read), or by close().
  const bool outer = !corked_;
  corked_ = true;
  frame_input(p, n);
  if (!outer) return;
  corked_ = false;
  if (still_open() && !fifo_.empty()) initiate_send();
}

void async_chat::frame_input(const char* p, std::size_t n) {
  closes_at_start_ = close_count();
  in_pos_ = p;
  in_end_ = p + n;
  while (in_pos_ < in_end_) {  // C:140
    const std::size_t lb = static_cast<std::size_t>(in_end_ - in_pos_);
    const char* start = in_pos_;
    if (!terminator_) {  // C:143-146: none, 0, b'': collect it all
      in_pos_ = in_end_;
      if (!deliver(start, lb)) break;
    } else if (terminator_.kind_ == terminator::kind::count) {  // C:147-158
      const std::uint64_t want = terminator_.count_;  // may exceed size_t on 32-bit targets
      if (lb < want) {
        in_pos_ = in_end_;
        if (!deliver(start, lb)) break;
        // C:153: self.terminator = self.terminator - lb (re-read after the hook)
        if (terminator_.kind_ == terminator::kind::count)
          terminator_.count_ = terminator_.count_ > lb ? terminator_.count_ - lb : 0;
      } else {
        const std::size_t n_want = static_cast<std::size_t>(want);  // want <= lb here
        in_pos_ += n_want;
        if (!deliver(start, n_want)) break;
        set_count(0);  // C:157: self.terminator = 0
        if (!found()) break;
      }
    } else {  // C:159-191: a delimiter
      const std::string_view buf(in_pos_, lb);
      const std::string_view delim = terminator_.delimiter();
      const std::size_t dlen = delim.size();
      std::size_t index;
      if (dlen == 1) {  // the common case (lines): memchr
        const void* hit = std::memchr(in_pos_, static_cast<unsigned char>(delim[0]), lb);
        index = hit ? static_cast<std::size_t>(static_cast<const char*>(hit) - in_pos_) : std::string_view::npos;
      } else {
        index = buf.find(delim);
      }
      if (index != std::string_view::npos) {
        in_pos_ += index + dlen;
        // C:172-174: an empty chunk is never collected
        if (index > 0 && !deliver(start, index)) break;
        if (!found()) break;
      } else {
        const std::size_t prefix = find_prefix_at_end(buf, delim);
        if (prefix) {
          // C:180-186: keep the partial delimiter for the next read
          in_pos_ = in_end_ - prefix;
          if (prefix != lb) deliver(start, lb - prefix);
          break;
        }
        in_pos_ = in_end_;  // C:188-191: no prefix, collect it all
        if (!deliver(start, lb)) break;
      }
    }
  }
  // What is left is a partial delimiter, unless a hook closed the channel,
  // discarded the buffers, or the record limit cut the read short.
  if (still_open() && in_pos_ && in_pos_ < in_end_)
    held_.assign(in_pos_, static_cast<std::size_t>(in_end_ - in_pos_));
  in_pos_ = in_end_ = nullptr;
}

bool async_chat::deliver(const char* p, std::size_t n) {
  if (max_record_ != 0 && (record_size_ > max_record_ || n > max_record_ - record_size_)) {
    record_overflow();
    return false;
  }
  record_size_ += n;
  collect_incoming_data(std::string_view(p, n));
  return still_open();
}

bool async_chat::found() {
  record_size_ = 0;
  found_terminator();
  return still_open();
}

void async_chat::record_overflow() {
  // Drop the rest of this read: memory stays bounded whatever the peer sends.
  in_pos_ = in_end_;
  held_.clear();
  record_size_ = 0;
  std::string what = "async_chat: record longer than max_record_size (";
  what += std::to_string(max_record_);
  what += " bytes)";
  handle_error(error_cause{make_error_code(errc::record_too_long), nullptr, std::move(what)});
}

// -- output ----------------------------------------------------------------------

bool async_chat::writable() { return connecting || (connected && !fifo_.empty()); }

void async_chat::handle_write() { initiate_send(); }

void async_chat::handle_close() { close(); }

std::size_t async_chat::send_from(std::string_view data, std::size_t& budget, std::error_code& ec) {
  // Sends until everything went, the socket would block, the budget is spent
  // or the channel closed; each send() gets at most ac_out_buffer_size bytes.
  const std::size_t obs = ac_out_buffer_size ? ac_out_buffer_size : 1;
  std::size_t total = 0;
  while (total < data.size() && budget != 0 && connected) {
    const std::size_t chunk = std::min(std::min(obs, budget), data.size() - total);
    const std::size_t n = send(data.data() + total, chunk, ec);
    if (ec) {
      if (ec == std::errc::operation_would_block || ec == std::errc::resource_unavailable_try_again) ec.clear();
      break;
    }
    total += n;
    budget -= std::min(budget, n);
    if (n < chunk) break;  // would block (0) or a short write: the socket is full
  }
  return total;
}

void async_chat::enqueue(std::string_view data) {
  if (fifo_.empty() || fifo_.back().kind != entry_kind::data) fifo_.emplace_back(entry_kind::data);
  fifo_.back().bytes.append(data.data(), data.size());
  out_bytes_ += data.size();
}

void async_chat::push(std::string_view data) {
  // push(b"") makes CPython do a zero-length send; nothing is queued here,
  // which keeps the order of everything else.
  if (data.empty()) return;
  interest_changed();  // writable() may change (also when pushed from another channel)
  if (corked_) {
    enqueue(data);  // sent when the read's hooks return
    return;
  }
  if (fifo_.empty() && connected && !sending_) {
    // Nothing queued: send straight from the caller's bytes and copy only
    // what the socket did not take.
    const std::uint32_t closes = close_count();
    std::size_t budget = ASYNCORE_WRITE_BUDGET;
    std::error_code ec;
    const std::size_t n = send_from(data, budget, ec);
    if (close_count() != closes) return;
    data.remove_prefix(n);
    if (!data.empty()) enqueue(data);
    if (ec) deliver_error(ec, "send");
    return;
  }
  enqueue(data);
  initiate_send();
}

void async_chat::push_with_producer(std::unique_ptr<producer> p) {
  if (!p) return;
  interest_changed();
  fifo_.emplace_back(entry_kind::producer);
  fifo_.back().source = std::move(p);
  initiate_send();
}

void async_chat::close_when_done() {
  interest_changed();
  fifo_.emplace_back(entry_kind::close);
}

void async_chat::close() {
  if (corked_) {
    // A hook closes after pushing: send what it pushed first, as an
    // immediate send would have (CPython sends in push()).
    corked_ = false;
    initiate_send();
    corked_ = true;
  }
  dispatcher::close();
}

namespace {
struct flag_guard {
  bool& flag;
  explicit flag_guard(bool& f) noexcept : flag(f) { flag = true; }
  ~flag_guard() { flag = false; }
  flag_guard(const flag_guard&) = delete;
  flag_guard& operator=(const flag_guard&) = delete;
};
}  // namespace

void async_chat::initiate_send() {
  if (sending_ || corked_) return;  // re-entered from a producer or a handler, or deferred (push)
  std::optional<flag_guard> guard(std::in_place, sending_);
  const std::uint32_t closes = close_count();
  const std::uint32_t generation = generation_;
  std::size_t budget = ASYNCORE_WRITE_BUDGET;
  while (!fifo_.empty() && connected && budget != 0) {
    entry& e = fifo_.front();
    if (e.kind == entry_kind::close) {  // C:236-240
      fifo_.pop_front();
      guard.reset();
      handle_close();
      return;
    }
    std::string_view data;
    if (e.kind == entry_kind::producer) {  // C:245-251: pull lazily
      if (e.chunk.empty()) {
        const std::string_view more = e.source->more();
        if (generation_ != generation || close_count() != closes) break;
        if (more.empty()) {
          fifo_.pop_front();
          continue;
        }
        e.chunk = more;
      }
      data = e.chunk;
    } else {
      data = std::string_view(e.bytes.data(), e.bytes.size());
    }
    std::error_code ec;
    const std::size_t n = send_from(data, budget, ec);
    if (close_count() != closes || generation_ != generation) break;  // handle_close ran
    if (e.kind == entry_kind::producer) {
      e.chunk.remove_prefix(n);
    } else {
      e.bytes.consume(n);
      out_bytes_ -= n;
      if (e.bytes.empty()) fifo_.pop_front();
    }
    if (ec) {
      guard.reset();
      deliver_error(ec, "send");
      return;
    }
    if (n < data.size()) break;  // would block, or the budget is spent
  }
}

void async_chat::discard_buffers() {
  interest_changed();
  if (corked_ && !fifo_.empty()) {
    // CPython would already have sent what the hooks pushed: do so.
    corked_ = false;
    initiate_send();
    corked_ = true;
  }
  held_.clear();
  record_size_ = 0;
  if (in_pos_) in_pos_ = in_end_;
  fifo_.clear();
  out_bytes_ = 0;
  ++generation_;
}

}  // namespace asyncore
