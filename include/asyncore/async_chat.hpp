// SPDX-License-Identifier: MIT
/// \file
/// The async_chat class (Python's asynchat.async_chat).
///
/// A dispatcher that frames its input stream by a *terminator* and sends from
/// a FIFO of data and producers. Subclass it and override the two hooks:
///
///     class line_handler : public asyncore::async_chat {
///      public:
///       using async_chat::async_chat;               // the dispatcher constructors
///       void start() { set_terminator("\r\n"); }
///       void collect_incoming_data(std::string_view data) override {
///         line_.append(data);                       // a view into the input buffer
///       }
///       void found_terminator() override {
///         push("you said: " + line_ + "\r\n");      // push copies its argument
///         if (line_ == "QUIT") close_when_done();
///         line_.clear();
///       }
///      private:
///       std::string line_;
///     };
///
/// Input (the loop calls handle_read; the algorithm is CPython 3.11's
/// asynchat.handle_read): each read is scanned with the *current* terminator, which the
/// hooks may change at any point:
///  - a delimiter (bytes of any length): the bytes before it go to
///    collect_incoming_data (never an empty chunk), then found_terminator()
///    runs; a delimiter split across reads is found; an empty record still
///    fires found_terminator; a trailing partial delimiter is held back until
///    the next read (and delivered to collect_incoming_data at end of stream);
///  - a count n: the next n bytes are collected (the count decreases as bytes
///    arrive, as get_terminator() shows), then found_terminator(); the
///    terminator is then a count of 0, which, as in Python, collects all
///    later input without calling found_terminator until it is reset;
///  - none (also a count of 0 and an empty delimiter, Python's falsy
///    terminators): everything is collected, found_terminator never runs.
///
/// The same bytes give the same calls as CPython for the same read boundaries.
/// A hook that polls the map (or calls handle_read) while a read of this
/// channel is being framed gets the rest of that read and the new bytes
/// framed in the nested call, in order, as CPython appends to ac_in_buffer;
/// the outer read then has nothing left.
///
/// Output: push() copies its argument into the queue, push_with_producer()
/// queues a producer, close_when_done() queues a close. Each is sent in FIFO
/// order; a write event sends until the socket would block (or
/// ASYNCORE_WRITE_BUDGET bytes went out), each send() at most
/// ac_out_buffer_size bytes.
///
/// Differences from CPython, on purpose (see the README):
///  - the terminator starts as none (CPython: unset, AttributeError);
///  - input handling is linear in the bytes received (a read cursor, no re-copy
///    of the rest of the buffer per record), the output queue never copies
///    quadratically, and a write event sends until the socket would block
///    instead of one send() per event;
///  - push() copies its argument (CPython keeps a reference to it);
///    push("") queues nothing (CPython performs a zero-length send);
///  - the record being collected has a size limit (max_record_size(), on by
///    default): a peer exceeding it gets handle_error(errc::record_too_long)
///    and, with the default handle_error, the channel closes;
///  - a partial delimiter held back at end of stream is delivered to
///    collect_incoming_data before handle_close (CPython drops it);
///  - once a hook closed the channel, no further hook runs for the rest of
///    the buffered input (CPython keeps delivering);
///  - a read that would block is ignored (as CPython, issue #16133); end of
///    stream and disconnects call handle_close, other errors handle_error;
///  - writable() is true only while connecting, or while connected and
///    holding output (CPython's "or not connected" spins the loop);
///  - optional output water marks (set_output_limits; off by default) stop
///    reading while too much output is queued.
#ifndef ASYNCORE_ASYNC_CHAT_HPP
#define ASYNCORE_ASYNC_CHAT_HPP

#include <asyncore/config.hpp>
#include <asyncore/dispatcher.hpp>
#include <asyncore/error.hpp>
#include <asyncore/producer.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <vector>

namespace asyncore {

namespace detail {
class chat_queue;
// Frees the output queue out of line (the type is complete only in src/).
struct ASYNCORE_API chat_queue_deleter {
  void operator()(chat_queue* q) const noexcept;
};
}  // namespace detail

/// Python's find_prefix_at_end(haystack, needle): the length of the longest
/// proper prefix of `needle` that ends `haystack`, or 0. The caller
/// guarantees `needle` does not occur in `haystack`. A one-byte needle always
/// gives 0. (An empty needle gives 0; CPython returns -1 for it.)
///
///     find_prefix_at_end("qwerty\r", "\r\n") == 1
///     find_prefix_at_end("qwertydkjf", "\r\n") == 0
ASYNCORE_API std::size_t find_prefix_at_end(std::string_view haystack, std::string_view needle) noexcept;

/// What frames async_chat's input: a delimiter (bytes of any length), a byte
/// count, or none. A value type; default-constructed it is none.
///
///     terminator::of_bytes("\r\n"), terminator::of_count(512), terminator::none()
class ASYNCORE_API terminator {
 public:
  /// Which of the three a terminator is.
  enum class kind : std::uint8_t {
    none,       ///< Python's None: collect everything, never found_terminator
    delimiter,  ///< Python's bytes: a record ends at the delimiter
    count       ///< Python's int: a record is that many bytes
  };

  /// The none terminator (Python's None).
  terminator() noexcept = default;
  /// std::nullopt is Python's None.
  terminator(std::nullopt_t) noexcept {}  // NOLINT: implicit on purpose

  /// The none terminator (Python's None).
  static terminator none() noexcept { return terminator(); }
  /// A delimiter of any length (copied). An empty one behaves as none.
  static terminator of_bytes(std::string_view delimiter) {
    terminator t;
    t.kind_ = kind::delimiter;
    t.bytes_.assign(delimiter.data(), delimiter.size());
    return t;
  }
  /// A byte count; 0 behaves as none.
  static terminator of_count(std::uint64_t n) noexcept {
    terminator t;
    t.kind_ = kind::count;
    t.count_ = n;
    return t;
  }

  /// Which kind this terminator is.
  kind type() const noexcept { return kind_; }
  /// True for kind::none.
  bool is_none() const noexcept { return kind_ == kind::none; }
  /// True for kind::delimiter (an empty delimiter too).
  bool is_delimiter() const noexcept { return kind_ == kind::delimiter; }
  /// True for kind::count (a count of 0 too).
  bool is_count() const noexcept { return kind_ == kind::count; }
  /// The delimiter bytes (empty unless is_delimiter()).
  std::string_view delimiter() const noexcept { return bytes_; }
  /// The bytes still expected (0 unless is_count()). 64-bit on every target:
  /// a count above 4 GiB is exact on 32-bit ones (armhf) too.
  std::uint64_t count() const noexcept { return count_; }

  /// Python's truthiness: false for none, a count of 0 and an empty
  /// delimiter, which all mean "collect everything, never found_terminator".
  explicit operator bool() const noexcept {
    return kind_ == kind::delimiter ? !bytes_.empty() : kind_ == kind::count && count_ != 0;
  }

  /// Python's repr of the terminator: `None`, `3`, <code>b'\\r\\n'</code>.
  std::string repr() const;

  /// Same kind, count and delimiter bytes.
  friend bool operator==(const terminator& a, const terminator& b) noexcept {
    return a.kind_ == b.kind_ && a.count_ == b.count_ && a.bytes_ == b.bytes_;
  }
  /// `!(a == b)`.
  friend bool operator!=(const terminator& a, const terminator& b) noexcept { return !(a == b); }

 private:
  friend class async_chat;
  kind kind_ = kind::none;
  std::uint64_t count_ = 0;
  std::string bytes_;
};

/// Python's asynchat.async_chat: a dispatcher that frames its input by a
/// terminator and sends from a FIFO of data, producers and a close.
///
/// Subclass it and override collect_incoming_data() and found_terminator();
/// set the terminator with set_terminator() (it starts as none), send with
/// push() and push_with_producer(), end with close_when_done(). The framing
/// rules, and the differences from CPython, are in async_chat.hpp.
/// Errors: end of stream and disconnects call handle_close(), other socket
/// errors, an over-long record (errc::record_too_long) and whatever a hook
/// throws call handle_error().
class ASYNCORE_API async_chat : public dispatcher {
 public:
  /// The dispatcher's constructors: async_chat(map), async_chat(sock, map, ec)
  /// and, with exceptions, async_chat(sock, map).
  using dispatcher::dispatcher;
  /// Frees the queued output (producers too); then ~dispatcher() unregisters
  /// the channel and closes its socket (no hook runs).
  ~async_chat() override;

  // -- settings (Python's class attributes, per instance here) -------------
  /// The size of each recv() (Python: 65536). Takes effect on the next read.
  /// The buffer exists only during a read (as CPython's recv allocates one),
  /// so an idle channel holds no input memory but its partial delimiter;
  /// small targets lower the default, ASYNCORE_IN_BUFFER_SIZE. For bulk
  /// transfers keep it at 64 KiB or more: each read costs a system call and
  /// one framing pass, so 8 KiB reads make eight times the calls per 64 KiB.
  std::size_t ac_in_buffer_size = ASYNCORE_IN_BUFFER_SIZE;
  /// The most one send() call is given (Python: 65536, also its push split).
  /// A push of at least this many bytes from a read's hooks is sent at once
  /// (see push()). For bulk output (records of hundreds of KiB or more)
  /// a larger value (256 KiB to 1 MiB) sends them in fewer calls; the
  /// kernel takes what fits either way.
  std::size_t ac_out_buffer_size = ASYNCORE_OUT_BUFFER_SIZE;

  /// The limit on the record being collected: the bytes given to
  /// collect_incoming_data since the last found_terminator() (with any
  /// terminator kind, none included). Default ASYNCORE_DEFAULT_MAX_RECORD;
  /// 0 turns it off. A peer that exceeds it: handle_error with
  /// errc::record_too_long (whose default closes the channel); the rest of
  /// that read is dropped and the count starts again. The chunk that would
  /// exceed the limit is not delivered. Channels that stream with no
  /// terminator, or expect a count above the limit, raise it or turn it off.
  std::size_t max_record_size() const noexcept { return max_record_; }
  /// Sets max_record_size() (bytes; 0: no limit). Takes effect at once.
  void set_max_record_size(std::size_t n) noexcept { max_record_ = n; }
  /// Bytes collected in the current record so far (64-bit on every target:
  /// a stream with no limit can pass 4 GiB on 32-bit ones).
  std::uint64_t record_size() const noexcept { return record_size_; }

  // -- terminator ----------------------------------------------------------
  /// Sets the terminator. May be called at any time, also from inside
  /// collect_incoming_data/found_terminator: the rest of the buffered input
  /// is framed by the new one (smtpd switches to "\r\n.\r\n" that way).
  void set_terminator(const terminator& t);
  /// A delimiter of any length (Python: bytes). An empty one behaves as none.
  void set_terminator(std::string_view delimiter);
  /// Python's set_terminator(None).
  void set_terminator(std::nullopt_t) noexcept;
  /// set_terminator(nullptr) is Python's None too (a null pointer is never a
  /// delimiter: this overload keeps it from reaching the string_view one).
  void set_terminator(std::nullptr_t) noexcept { set_terminator(std::nullopt); }
  /// A byte count (Python: int). A negative count is rejected with
  /// std::errc::invalid_argument and the terminator is left unchanged.
  template <class Int, std::enable_if_t<std::is_integral<Int>::value && !std::is_same<Int, bool>::value &&
                                            !std::is_same<Int, char>::value, int> = 0>
  void set_terminator(Int count, std::error_code& ec) noexcept {
    if (is_negative(count)) {
      ec = std::make_error_code(std::errc::invalid_argument);
      return;
    }
    ec.clear();
    set_count(static_cast<std::uint64_t>(count));
  }
  /// A byte count (Python: int), as the overload above. A negative count
  /// throws std::system_error(invalid_argument), as Python raises
  /// ValueError; without exceptions the terminator is left unchanged and
  /// handle_error gets the error (where a throw would have gone).
  template <class Int, std::enable_if_t<std::is_integral<Int>::value && !std::is_same<Int, bool>::value &&
                                            !std::is_same<Int, char>::value, int> = 0>
  void set_terminator(Int count) {
    if (is_negative(count)) {
      negative_terminator();
      return;
    }
    set_count(static_cast<std::uint64_t>(count));
  }
  /// The current terminator; a count decreases as bytes arrive.
  const terminator& get_terminator() const noexcept { return terminator_; }

  // -- the two hooks a subclass provides -------------------------------------
  /// Receives the input up to the terminator, possibly in several pieces.
  /// `data` views the input buffer: it is valid only during the call (copy
  /// what you keep). Never called with an empty view.
  virtual void collect_incoming_data(std::string_view data) = 0;
  /// The terminator was found (or the count reached). The hook may change
  /// the terminator, push, close, or discard_buffers.
  virtual void found_terminator() = 0;

  // -- output ------------------------------------------------------------------
  /// Copies `data` to the output queue and tries to send at once. Pushing
  /// while not yet connected only queues (sent once the connect completes).
  /// Inside collect_incoming_data/found_terminator during a read, the send
  /// is deferred until the read's hooks return (or close()), so the replies
  /// to all the records of one read go out in one send() call; except a
  /// push of at least ac_out_buffer_size bytes with nothing queued before
  /// it, which gains nothing from waiting: it is sent at once from `data`
  /// (as CPython's push() sends), and only what the socket does not take is
  /// copied to the queue.
  void push(std::string_view data);
  /// Queues a producer (taking ownership) and tries to send at once. Its
  /// more() is called only when everything queued before it has been sent.
  void push_with_producer(std::unique_ptr<producer> p);
  /// Closes the channel (handle_close()) once everything queued before this
  /// call has been sent. discard_buffers() drops it with the rest of the
  /// queue; close() does not run it (close() never calls handle_close()).
  void close_when_done();
  /// Sends from the queue until it is empty, the socket would block, or
  /// ASYNCORE_WRITE_BUDGET bytes went out. Does nothing unless connected.
  /// A send error other than would-block and disconnects (which call
  /// handle_close) goes to handle_error.
  void initiate_send();
  /// Python's "emergencies only": drops the held input (also the rest of the
  /// read being processed, when called from a hook), the current record's
  /// count, and the whole output queue (producers and close_when_done too).
  void discard_buffers();

  /// Bytes of input held back: a partial delimiter (shorter than the
  /// delimiter), or the unframed rest of a read whose hook threw (framed
  /// first on the next read, as CPython keeps it in ac_in_buffer).
  std::size_t buffered_input() const noexcept { return held_.size(); }
  /// Bytes queued by push() and not yet sent (producers not counted).
  std::size_t buffered_output() const noexcept { return out_bytes_; }
  /// True while anything (data, producer, close) is queued.
  bool has_output() const noexcept;

  /// Output water marks (not in Python; default off: the queue is
  /// unbounded, as in Python). When buffered_output() passes `high`, reading
  /// stops (readable() is false, so a peer that does not read back-pressures
  /// the one that writes) and handle_output_high() is called, once; when it
  /// is down to `low` or below, reading resumes and handle_output_low() is
  /// called. The rest of a read already received is still framed, so a line
  /// echo holds at most `high` plus one read (ac_in_buffer_size) and one
  /// reply. Producers are not counted (they make their bytes on demand).
  /// `high` 0 turns the limits off (resuming reading); `low` above `high`
  /// counts as `high`. The new limits apply at once (the hooks may run
  /// inside this call). The hooks run after the queue is settled, before a
  /// send error is reported, and may push, close or change the limits; a
  /// push from inside a read's hooks may call handle_output_high() at once.
  void set_output_limits(std::size_t high, std::size_t low);
  /// The high water mark in bytes (0: limits off).
  std::size_t output_high() const noexcept { return high_; }
  /// The low water mark in bytes.
  std::size_t output_low() const noexcept { return low_; }
  /// True between handle_output_high() and handle_output_low().
  bool output_paused() const noexcept { return paused_; }
  /// The queued output passed the high water mark. Default: nothing.
  virtual void handle_output_high();
  /// The queued output is down to the low water mark. Default: nothing.
  virtual void handle_output_low();

  // -- dispatcher overrides --------------------------------------------------
  /// True (Python; the record limit bounds the input), except while the
  /// output is over its high water mark (set_output_limits).
  bool readable() override;
  /// True while connecting, or while connected and holding output.
  bool writable() override;
  /// One recv() of ac_in_buffer_size bytes, then the framing loop above.
  void handle_read() override;
  /// initiate_send().
  void handle_write() override;
  /// close(), with no log line (Python).
  void handle_close() override;
  /// Sends what the hooks of the current read pushed (see push) up to the
  /// first close_when_done(), then closes, without calling handle_close() and
  /// without reporting send errors. (close(ec) closes without sending it.)
  void close() override;
  /// dispatcher::close(std::error_code&): closes at once, reporting a close
  /// error through `ec`; nothing queued is sent.
  using dispatcher::close;
  std::string_view type_name() const override { return "asyncore::async_chat"; }

 protected:
  /// Frames `data` exactly as if handle_read had just received it (after
  /// any partial delimiter held from before). For subclasses whose bytes do
  /// not come from this channel's socket (a TLS layer, a test, a benchmark);
  /// the hooks see views into `data` when nothing was held. Re-entrant as
  /// handle_read is: called from a hook of this channel's own read, the rest
  /// of that read and `data` are framed by this call, in that order.
  void process_incoming(std::string_view data);

 private:
  struct read_frame;  // one read being framed (src/async_chat.cpp)
  enum class flush : std::uint8_t;

  template <class Int>
  static constexpr bool is_negative(Int v) noexcept {
    if constexpr (std::is_signed<Int>::value) {
      return v < 0;
    } else {
      (void)v;
      return false;
    }
  }
  void set_count(std::uint64_t n) noexcept;
  void negative_terminator();
  // Frames [p, p+n) with the current terminator, then sends what the hooks
  // pushed (see corked_).
  void process_input(const char* p, std::size_t n);
  void frame_input(const char* p, std::size_t n);
  // Gives a chunk to collect_incoming_data, enforcing the record limit.
  // False when processing must stop (closed, or over the limit).
  bool deliver(const char* p, std::size_t n);
  // Calls found_terminator; false when it closed the channel.
  bool found();
  void record_overflow();
  void flush_held();
  void enqueue(std::string_view data);
  detail::chat_queue& queue();
  void send_queue(flush mode);
  // After buffered_output() changed: pauses or resumes reading per the
  // water marks, calling the hook (the queue is settled first).
  void check_marks();

  terminator terminator_;
  std::string held_;  // input held back between reads (a partial delimiter)
  std::size_t max_record_ = ASYNCORE_DEFAULT_MAX_RECORD;
  std::uint64_t record_size_ = 0;
  read_frame* frame_ = nullptr;  // the innermost read being framed; null between reads
  std::unique_ptr<detail::chat_queue, detail::chat_queue_deleter> out_;  // the output FIFO, made on first use
  std::size_t out_bytes_ = 0;
  std::size_t high_ = 0;  // output water marks; 0: off
  std::size_t low_ = 0;
  std::uint32_t generation_ = 0;  // bumped by discard_buffers
  bool sending_ = false;
  bool corked_ = false;  // a read's hooks are running: push() only queues
  bool paused_ = false;  // over the high water mark: not reading
};

}  // namespace asyncore

#endif  // ASYNCORE_ASYNC_CHAT_HPP
