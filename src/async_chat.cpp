// SPDX-License-Identifier: MIT
// asyncore for C++: async_chat (see include/asyncore/async_chat.hpp).
//
// The input loop follows CPython 3.11's asynchat.handle_read line by line,
// with a read cursor instead of re-slicing the buffer; the comments "C:nnn"
// point at the asynchat.py lines each branch mirrors.
//
// The lifetime rule (src/core.hpp) shapes both halves: the input cursor is
// moved past the bytes a hook gets *before* the hook runs (so a hook that
// polls sees only what is left), and the output queue is settled before any
// hook or producer runs and re-read after (more() may push, which may move
// the queue's entries; a send error is reported last).
#include <asyncore/async_chat.hpp>
#include <asyncore/detail/byte_queue.hpp>

#include "core.hpp"
#include "map_state.hpp"

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

// -- the output queue ---------------------------------------------------------------

namespace detail {

// The output FIFO: a ring of entries that are recycled, not freed, so a
// channel in steady state does not allocate. References into it are valid
// only until the next emplace_back (which may grow the ring): the send loop
// never keeps one across user code.
class chat_queue {
 public:
  enum class kind : std::uint8_t { data, producer, close };
  struct entry {
    kind k = kind::data;
    byte_queue bytes;                  // data
    std::unique_ptr<producer> source;  // producer
    std::string_view chunk;            // producer: the unsent part of more()
    void reset() noexcept {
      k = kind::data;
      bytes.clear();  // keeps its storage: the next push reuses it
      source.reset();
      chunk = std::string_view();
    }
  };

  bool empty() const noexcept { return count_ == 0; }
  entry& front() noexcept { return v_[head_]; }
  entry& back() noexcept { return v_[(head_ + count_ - 1) & (v_.size() - 1)]; }
  entry& emplace_back(kind k) {
    if (count_ == v_.size()) grow();
    entry& e = v_[(head_ + count_) & (v_.size() - 1)];
    e.k = k;
    ++count_;
    return e;
  }
  void pop_front() noexcept {
    v_[head_].reset();
    head_ = (head_ + 1) & (v_.size() - 1);
    if (--count_ == 0) head_ = 0;  // reuse the first entry (and its storage)
  }
  void clear() noexcept {
    while (!empty()) pop_front();
  }
  /// True when every queued entry is a close marker (none queued: true).
  bool only_closes() const noexcept {
    for (std::size_t i = 0; i < count_; ++i)
      if (v_[(head_ + i) & (v_.size() - 1)].k != kind::close) return false;
    return true;
  }

 private:
  void grow() {
    std::vector<entry> bigger(v_.empty() ? 2 : v_.size() * 2);
    for (std::size_t i = 0; i < count_; ++i) bigger[i] = std::move(v_[(head_ + i) & (v_.size() - 1)]);
    for (std::size_t i = count_; i < v_.size(); ++i) bigger[i] = std::move(v_[(head_ + i) & (v_.size() - 1)]);
    v_.swap(bigger);
    head_ = 0;
  }
  std::vector<entry> v_;  // size 0 or a power of two
  std::size_t head_ = 0;
  std::size_t count_ = 0;
};

void chat_queue_deleter::operator()(chat_queue* q) const noexcept { delete q; }

}  // namespace detail

using entry_kind = detail::chat_queue::kind;

// How much of the queue send_queue may run.
enum class async_chat::flush : std::uint8_t {
  all,     // everything, close markers included (write events, initiate_send)
  pushed,  // what CPython's push() calls would already have sent: a close
           // marker runs only if a later push follows it
  closing  // as pushed, but stop at the first close marker and report no
           // error: the channel is being closed (close() never calls handle_close)
};

// One read being framed. Frames nest when a hook reads again (a nested
// poll); the innermost is async_chat::frame_. On leaving (also by an
// exception from a hook) the unframed rest is kept for the next read.
struct async_chat::read_frame {
  read_frame(async_chat& c, const char* p, std::size_t n) noexcept
      : chat(c), pos(p), end(p + n), outer(c.frame_), watch(c) {
    c.frame_ = this;
  }
  ~read_frame() {
    chat.frame_ = outer;
    if (!watch.closed() && pos && pos < end) chat.held_.append(pos, static_cast<std::size_t>(end - pos));
  }
  read_frame(const read_frame&) = delete;
  read_frame& operator=(const read_frame&) = delete;
  bool open() const noexcept { return !watch.closed(); }
  std::size_t left() const noexcept { return static_cast<std::size_t>(end - pos); }

  async_chat& chat;
  const char* pos;
  const char* end;
  read_frame* outer;
  detail::open_watch watch;
};

namespace {

// The read buffer: the map's shared one (a heap one only for a read nested
// inside another read's hooks), so an idle channel holds no input memory
// beyond what it holds back, and a read allocates nothing.
struct lease {
  detail::map_state* m;
  char* p;
  std::unique_ptr<char[]> own;
  lease(detail::map_state& map, std::size_t size) : m(&map), p(map.borrow_buffer(size)) {
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
};

// A flag set for a scope, restored on every way out (also an exception).
struct flag_scope {
  bool& flag;
  bool was;
  explicit flag_scope(bool& f) noexcept : flag(f), was(f) { flag = true; }
  ~flag_scope() { flag = was; }
  flag_scope(const flag_scope&) = delete;
  flag_scope& operator=(const flag_scope&) = delete;
};

}  // namespace

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

bool async_chat::readable() { return !paused_; }

void async_chat::handle_read() {
  if (!socket().is_open()) return;
  // What goes in front of the new bytes, so that the framing loop sees one
  // contiguous buffer: the bytes held back from the last read and, in a read
  // nested inside a hook of this channel's read, the rest of that read.
  const std::size_t outer_left = frame_ ? frame_->left() : 0;
  const std::size_t front = outer_left + held_.size();
  std::size_t want = ac_in_buffer_size ? ac_in_buffer_size : 1;
  if (want > ASYNCORE_MAX_READ_SIZE) want = ASYNCORE_MAX_READ_SIZE;
  if (want > static_cast<std::size_t>(-1) - front) want = static_cast<std::size_t>(-1) - front;
  lease buf(detail::core::state(detail::core::home(*this)), front + want);
  if (outer_left) std::memcpy(buf.p, frame_->pos, outer_left);
  if (!held_.empty()) std::memcpy(buf.p + outer_left, held_.data(), held_.size());
  std::error_code ec;
  const std::size_t n = detail::core::stream_recv(*this, buf.p + front, want, ec);  // through TLS if started
  if (ec) {
    // C:125: a read that would block is not an error (issue #16133).
    if (ec == std::errc::operation_would_block || ec == std::errc::resource_unavailable_try_again ||
        ec == std::errc::interrupted)
      return;
    if (is_disconnect(ec)) {
      const detail::open_watch watch(*this);
      flush_held();
      if (watch.closed()) return;
    }
    detail::core::deliver_error(*this, ec, "recv");  // disconnects: handle_close; others: handle_error
    return;
  }
  if (n == 0) {  // end of stream
    const detail::open_watch watch(*this);
    flush_held();
    if (!watch.closed()) handle_close();
    return;
  }
  // This call frames it all now: the outer read has nothing left.
  if (frame_) frame_->pos = frame_->end;
  held_.clear();
  process_input(buf.p, front + n);
}

void async_chat::process_incoming(std::string_view data) {
  if (data.empty()) return;
  const std::size_t outer_left = frame_ ? frame_->left() : 0;
  if (!outer_left && held_.empty()) {
    process_input(data.data(), data.size());
    return;
  }
  std::string joined;
  joined.reserve(outer_left + held_.size() + data.size());
  if (outer_left) joined.append(frame_->pos, outer_left);
  joined.append(held_).append(data.data(), data.size());
  if (frame_) frame_->pos = frame_->end;
  held_.clear();
  process_input(joined.data(), joined.size());
}

void async_chat::flush_held() {
  // A fix: CPython drops these bytes at end of stream (C:186-187, C:196-197).
  if (held_.empty()) return;
  std::string rest;
  rest.swap(held_);
  read_frame frame(*this, rest.data(), rest.size());
  frame.pos = frame.end;  // settled before the hook runs
  deliver(rest.data(), rest.size());
}

void async_chat::process_input(const char* p, std::size_t n) {
  // Cork: what the hooks push is sent once they have all run (one send()
  // for all the replies to this read), or by close(). The cork is lifted on
  // every way out, also when a hook throws (its output is then sent by the
  // next write event).
  const bool outer = !corked_;
  const detail::open_watch watch(*this);
  {
    const flag_scope cork(corked_);
    frame_input(p, n);
  }
  if (outer && !watch.closed() && has_output()) initiate_send();
}

void async_chat::frame_input(const char* p, std::size_t n) {
  read_frame f(*this, p, n);
  while (f.pos < f.end) {  // C:140
    const std::size_t lb = f.left();
    const char* start = f.pos;
    if (!terminator_) {  // C:143-146: none, 0, b'': collect it all
      f.pos = f.end;
      if (!deliver(start, lb)) break;
    } else if (terminator_.kind_ == terminator::kind::count) {  // C:147-158
      const std::uint64_t want = terminator_.count_;  // may exceed size_t on 32-bit targets
      if (lb < want) {
        f.pos = f.end;
        if (!deliver(start, lb)) break;
        // C:153: self.terminator = self.terminator - lb (re-read after the hook)
        if (terminator_.kind_ == terminator::kind::count)
          terminator_.count_ = terminator_.count_ > lb ? terminator_.count_ - lb : 0;
      } else {
        const std::size_t n_want = static_cast<std::size_t>(want);  // want <= lb here
        f.pos += n_want;
        if (!deliver(start, n_want)) break;
        set_count(0);  // C:157: self.terminator = 0
        if (!found()) break;
      }
    } else {  // C:159-191: a delimiter
      const std::string_view buf(f.pos, lb);
      const std::string_view delim = terminator_.delimiter();
      const std::size_t dlen = delim.size();
      std::size_t index;
      if (dlen == 1) {  // the common case (lines): memchr
        const void* hit = std::memchr(f.pos, static_cast<unsigned char>(delim[0]), lb);
        index = hit ? static_cast<std::size_t>(static_cast<const char*>(hit) - f.pos) : std::string_view::npos;
      } else {
        index = buf.find(delim);
      }
      if (index != std::string_view::npos) {
        f.pos += index + dlen;
        // C:172-174: an empty chunk is never collected
        if (index > 0 && !deliver(start, index)) break;
        if (!found()) break;
      } else {
        const std::size_t prefix = find_prefix_at_end(buf, delim);
        if (prefix) {
          // C:180-186: keep the partial delimiter for the next read (the
          // frame keeps what is left when it ends)
          f.pos = f.end - prefix;
          if (prefix != lb) deliver(start, lb - prefix);
          break;
        }
        f.pos = f.end;  // C:188-191: no prefix, collect it all
        if (!deliver(start, lb)) break;
      }
    }
  }
  // What is left (a partial delimiter) is kept by the frame as it ends,
  // unless a hook closed the channel, discarded the buffers, or the record
  // limit cut the read short.
}

bool async_chat::deliver(const char* p, std::size_t n) {
  if (max_record_ != 0 && (record_size_ > max_record_ || n > max_record_ - record_size_)) {
    record_overflow();
    return false;
  }
  record_size_ += n;
  collect_incoming_data(std::string_view(p, n));
  return frame_->open();
}

bool async_chat::found() {
  record_size_ = 0;
  found_terminator();
  return frame_->open();
}

void async_chat::record_overflow() {
  // Drop the rest of this read: memory stays bounded whatever the peer sends.
  for (read_frame* f = frame_; f; f = f->outer) f->pos = f->end;
  held_.clear();
  record_size_ = 0;
#if ASYNCORE_SMALL
  // The size-first text: the same words, without the limit's number.
  handle_error(error_cause{make_error_code(errc::record_too_long), nullptr,
                           "async_chat: record longer than max_record_size"});
#else
  std::string what = "async_chat: record longer than max_record_size (";
  what += std::to_string(max_record_);
  what += " bytes)";
  handle_error(error_cause{make_error_code(errc::record_too_long), nullptr, std::move(what)});
#endif
}

// -- output ----------------------------------------------------------------------

bool async_chat::has_output() const noexcept { return out_ && !out_->empty(); }

bool async_chat::writable() { return connecting || (connected && has_output()); }

void async_chat::handle_write() { initiate_send(); }

void async_chat::handle_close() { close(); }

detail::chat_queue& async_chat::queue() {
  if (!out_) out_.reset(new detail::chat_queue);
  return *out_;
}

void async_chat::enqueue(std::string_view data) {
  detail::chat_queue& q = queue();
  if (q.empty() || q.back().k != entry_kind::data) q.emplace_back(entry_kind::data);
  q.back().bytes.append(data.data(), data.size());
  out_bytes_ += data.size();
}

void async_chat::push(std::string_view data) {
  // push(b"") makes CPython do a zero-length send; nothing is queued here,
  // which keeps the order of everything else.
  if (data.empty()) return;
  interest_changed();  // writable() may change (also when pushed from another channel)
  // Corked (a hook of a read): small pushes are queued and go out together
  // when the read's hooks return. One of at least ac_out_buffer_size bytes
  // gains nothing from that (it is at least one send() of its own), so with
  // nothing queued before it it is sent now, from the caller's bytes, as
  // CPython's push() does: a bulk echo then copies only what the socket
  // does not take, not every byte into the queue and out again.
  const bool direct_ok = !has_output() && connected && !sending_;
  if (corked_ && !(direct_ok && ac_out_buffer_size != 0 && data.size() >= ac_out_buffer_size)) {
    enqueue(data);  // sent when the read's hooks return
    check_marks();
    return;
  }
  if (direct_ok) {
    // Nothing queued: send straight from the caller's bytes and copy only
    // what the socket did not take.
    std::size_t budget = ASYNCORE_WRITE_BUDGET;
    std::error_code ec;
    data.remove_prefix(detail::core::transmit(*this, data.data(), data.size(), ac_out_buffer_size, budget, ec));
    if (!data.empty()) enqueue(data);
    const detail::open_watch watch(*this);
    check_marks();
    if (ec && !watch.closed()) detail::core::deliver_error(*this, ec, "send");
    return;
  }
  enqueue(data);
  initiate_send();
}

void async_chat::push_with_producer(std::unique_ptr<producer> p) {
  if (!p) return;
  interest_changed();
  queue().emplace_back(entry_kind::producer).source = std::move(p);
  initiate_send();
}

void async_chat::close_when_done() {
  interest_changed();
  queue().emplace_back(entry_kind::close);
}

void async_chat::close() {
  if (corked_ && has_output()) {
    // A hook closes after pushing: send what it pushed first, as an
    // immediate send would have (CPython sends in push()).
    corked_ = false;
    send_queue(flush::closing);
    corked_ = true;
  }
  dispatcher::close();
}

void async_chat::initiate_send() { send_queue(flush::all); }

void async_chat::send_queue(flush mode) {
  if (sending_ || corked_ || !out_) return;  // re-entered from a producer or a hook, or deferred (push)
  const detail::open_watch watch(*this);
  const std::uint32_t generation = generation_;
  std::size_t budget = ASYNCORE_WRITE_BUDGET;
  std::error_code err;
  bool close_now = false;
  bool discarded = false;
  {
    const flag_scope sending(sending_);
    detail::chat_queue& q = *out_;
    while (!q.empty() && connected && budget != 0) {
      if (q.front().k == entry_kind::close) {  // C:236-240
        if (mode == flush::closing || (mode == flush::pushed && q.only_closes())) break;
        q.pop_front();
        close_now = true;
        break;
      }
      if (q.front().k == entry_kind::producer && q.front().chunk.empty()) {  // C:245-251: pull lazily
        producer& source = *q.front().source;  // a heap object: stays put when the queue grows
        const std::string_view more = source.more();  // user code: no reference into q is held
        if (watch.closed()) return;
        if (generation_ != generation) {  // more() called discard_buffers
          discarded = true;
          break;
        }
        if (more.empty()) {
          q.pop_front();
          continue;
        }
        q.front().chunk = more;
      }
      detail::chat_queue::entry& e = q.front();  // valid until the next user call
      const std::string_view data = e.k == entry_kind::producer
                                        ? e.chunk
                                        : std::string_view(e.bytes.data(), e.bytes.size());
      const std::size_t n = detail::core::transmit(*this, data.data(), data.size(), ac_out_buffer_size, budget, err);
      if (e.k == entry_kind::producer) {
        e.chunk.remove_prefix(n);
      } else {
        e.bytes.consume(n);
        out_bytes_ -= n;
        if (e.bytes.empty()) q.pop_front();
      }
      if (err || n < data.size()) break;  // an error, would block, or the budget is spent
    }
  }
  // Settled: now the hooks. The water marks first (not while closing:
  // close() never runs a hook), then the queued close or the error.
  if (mode != flush::closing) {
    check_marks();
    if (watch.closed() || discarded) return;
  }
  if (close_now) {
    handle_close();
  } else if (err && mode != flush::closing) {
    detail::core::deliver_error(*this, err, "send");
  }
}

void async_chat::discard_buffers() {
  interest_changed();
  if (corked_ && has_output()) {
    // CPython would already have sent what the hooks pushed: do so.
    corked_ = false;
    send_queue(flush::pushed);
    corked_ = true;
  }
  held_.clear();
  record_size_ = 0;
  for (read_frame* f = frame_; f; f = f->outer) f->pos = f->end;
  if (out_) out_->clear();
  out_bytes_ = 0;
  ++generation_;
  check_marks();
}

void async_chat::set_output_limits(std::size_t high, std::size_t low) {
  high_ = high;
  low_ = std::min(low, high);
  check_marks();
}

void async_chat::check_marks() {
  // One transition per call; a hook that moves the queue again (push, or a
  // nested initiate_send) makes its own call.
  if (!paused_) {
    if (high_ == 0 || out_bytes_ <= high_) return;
    paused_ = true;
    interest_changed();  // readable() is now false
    handle_output_high();
  } else if (high_ == 0 || out_bytes_ <= low_) {
    paused_ = false;
    interest_changed();  // readable() is true again
    handle_output_low();
  }
}

void async_chat::handle_output_high() {}

void async_chat::handle_output_low() {}

}  // namespace asyncore
