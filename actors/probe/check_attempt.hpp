#pragma once
// What one running check knows, shared by the conversations of every kind (tcp in
// check_runner.cpp, http(s) in http_check.cpp, the mail protocols in mail_check.cpp):
// where to connect, until when, and how to turn an I/O outcome into a person's reason.
#include <netinet/in.h>

#include <chrono>
#include <string>
#include <string_view>

#include "actors/probe/check_runner.hpp"
#include "actors/probe/check_settings.hpp"
#include "actors/probe/deadline_socket.hpp"

namespace hamesh::probe {

struct check_attempt {
  const check_settings& check;
  sockaddr_in target{};  // address and port, resolved
  std::chrono::steady_clock::time_point deadline;
  std::string budget;  // the time the attempt was given, "1s", for timeout reasons

  // "timeout after 1s waiting for the banner", "connection closed waiting for the banner",
  // or the error itself ("recv: Connection reset by peer").
  std::string describe(const io_result& r, std::string_view waiting_for) const;

  // A deadline for the goodbye (QUIT, LOGOUT) of a check that has its verdict: short, so a
  // server that does not answer it costs little, and never past the attempt's deadline.
  std::chrono::steady_clock::time_point goodbye_deadline() const;
};

check_result failed_check(std::string detail);
check_result passed_check(std::string detail);

// The conversations; each connects on its own.
check_result run_http_check(const check_attempt& attempt);
check_result run_smtp_check(const check_attempt& attempt);
check_result run_imap_check(const check_attempt& attempt);
check_result run_pop3_check(const check_attempt& attempt);

// Whether `value` can be sent inside one protocol line: no CR, LF or NUL, so a setting can
// never smuggle a second command.
bool fits_in_one_line(std::string_view value);

}  // namespace hamesh::probe
