#pragma once
// A non-blocking socket whose every operation takes a deadline and waits with poll() for no
// longer than the time left, so a peer that stops answering costs its caller the deadline
// and never more. Used by the checks' conversations; made to be reused by anything that
// talks to a server on a thread of its own (the HTTP proxy's health probes, for one).
#include <netinet/in.h>

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

namespace hamesh::probe {

enum class io_status {
  ok,       // done; `bytes` says how many were read
  timeout,  // the deadline passed first
  closed,   // the peer closed its side (a read got end of file)
  failed,   // an error, in `error`
};

struct io_result {
  io_status status = io_status::ok;
  size_t bytes = 0;
  std::string error;  // "connect: Connection refused", "tls: certificate verify failed: ..."

  bool ok() const { return status == io_status::ok; }
  static io_result failure(std::string why) { return {io_status::failed, 0, std::move(why)}; }
};

class deadline_socket {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  deadline_socket() = default;
  // Takes ownership of `fd`, which must already be non-blocking.
  explicit deadline_socket(int fd) : fd_(fd) {}
  ~deadline_socket();
  deadline_socket(deadline_socket&& other) noexcept;
  deadline_socket& operator=(deadline_socket&& other) noexcept;
  deadline_socket(const deadline_socket&) = delete;
  deadline_socket& operator=(const deadline_socket&) = delete;

  // Opens a TCP socket and connects it to `to`.
  io_result connect(const sockaddr_in& to, time_point deadline);

  // Reads what is there, at most `capacity` bytes, waiting for at least one.
  io_result read_some(char* buffer, size_t capacity, time_point deadline);

  // Writes all of `bytes`. Never raises SIGPIPE: a peer that closed is an error like another.
  io_result write_all(std::string_view bytes, time_point deadline);

  // Waits until poll() reports one of `events` (or an error or hang-up, which the next
  // operation will tell apart) on the socket.
  io_result wait(short events, time_point deadline);

  int fd() const { return fd_; }
  bool is_open() const { return fd_ >= 0; }
  void close();

 private:
  int fd_ = -1;
};

// errno as a person reads it ("Connection refused"), without strerror's shared buffer.
std::string errno_text(int error_number);

}  // namespace hamesh::probe
