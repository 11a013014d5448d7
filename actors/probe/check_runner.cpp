#include "actors/probe/check_runner.hpp"

#include "actors/probe/check_attempt.hpp"
#include "actors/probe/icmp_echo.hpp"
#include "actors/probe/resolve_ipv4.hpp"
#include "runtime/duration.hpp"

namespace hamesh::probe {
namespace {

using clock = std::chrono::steady_clock;

check_result run_tcp_check(const check_attempt& attempt) {
  deadline_socket socket;
  auto r = socket.connect(attempt.target, attempt.deadline);
  if (!r.ok()) return failed_check(attempt.describe(r, "the connection"));
  return passed_check("connected");
}

check_result dispatch(const check_settings& check, clock::time_point deadline,
                      clock::time_point start) {
  if (check.kind == check_kind::script)
    return failed_check("script checks run through the probe actor, not the network check runner");
  auto found = resolve_ipv4(check.host);
  if (!found.ok) return failed_check(found.error);
  // Milliseconds are what a person configured; the nanoseconds of scheduling noise are not.
  std::string budget =
      format_duration(std::chrono::round<std::chrono::milliseconds>(deadline - start));
  if (check.kind == check_kind::icmp) {
    auto echo = icmp_echo(found.address, deadline);
    return {echo.ok, {}, echo.detail};
  }
  check_attempt attempt{check, {}, deadline, budget};
  attempt.target.sin_family = AF_INET;
  attempt.target.sin_addr = found.address;
  attempt.target.sin_port = htons(check.port != 0 ? check.port : well_known_port(check.kind));
  if (attempt.target.sin_port == 0) return failed_check("no port to check");
  switch (check.kind) {
    case check_kind::tcp:
      return run_tcp_check(attempt);
    case check_kind::http:
    case check_kind::https:
      return run_http_check(attempt);
    case check_kind::smtp:
      return run_smtp_check(attempt);
    case check_kind::imap:
      return run_imap_check(attempt);
    case check_kind::pop3:
      return run_pop3_check(attempt);
    default:
      return failed_check(std::string("unsupported check kind ") + to_string(check.kind));
  }
}

}  // namespace

check_result failed_check(std::string detail) {
  return {false, {}, std::move(detail)};
}

check_result passed_check(std::string detail) {
  return {true, {}, std::move(detail)};
}

bool fits_in_one_line(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

std::string check_attempt::describe(const io_result& r, std::string_view waiting_for) const {
  switch (r.status) {
    case io_status::timeout:
      return "timeout after " + budget + " waiting for " + std::string(waiting_for);
    case io_status::closed:
      return "connection closed waiting for " + std::string(waiting_for);
    case io_status::failed:
      return r.error;
    case io_status::ok:
      break;
  }
  return "ok";
}

clock::time_point check_attempt::goodbye_deadline() const {
  auto soon = clock::now() + std::chrono::milliseconds(200);
  return soon < deadline ? soon : deadline;
}

check_result run_check(const check_settings& check, clock::time_point deadline) {
  auto start = clock::now();
  check_result result = dispatch(check, deadline, start);
  result.latency = clock::now() - start;
  return result;
}

}  // namespace hamesh::probe
