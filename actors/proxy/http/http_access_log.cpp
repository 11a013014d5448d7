#include "actors/proxy/http/http_access_log.hpp"

#include <cstdio>
#include <ctime>

#include <nlohmann/json.hpp>

namespace hamesh::proxy::http {
namespace {

// CLF's [10/Oct/2000:13:55:36 +0000], in UTC.
std::string clf_time(int64_t at_ms) {
  std::time_t t = static_cast<std::time_t>(at_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "[%d/%b/%Y:%H:%M:%S +0000]", &tm);
  return buf;
}

// A request line inside CLF's quotes: quotes and control bytes escaped, so a hostile target
// cannot forge a log line.
std::string clf_escaped(const std::string& s) {
  std::string out;
  for (unsigned char ch : s) {
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += char(ch);
    } else if (ch < 0x20 || ch >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", ch);
      out += buf;
    } else {
      out += char(ch);
    }
  }
  return out;
}

}  // namespace

std::string format_access(const http_access_record& r, http_access_format f) {
  if (f == http_access_format::json)
    return nlohmann::json{{"time_ms", r.at_ms},
                          {"client", r.client},
                          {"method", r.method},
                          {"target", r.target},
                          {"version", "HTTP/1." + std::to_string(r.minor_version)},
                          {"status", r.status},
                          {"bytes", r.bytes},
                          {"duration_ms", double(r.duration_us) / 1000.0},
                          {"pool", r.pool},
                          {"server", r.server}}
        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string request =
      r.method == "-" ? "-"
                      : r.method + " " + r.target + " HTTP/1." + std::to_string(r.minor_version);
  char duration[32];
  std::snprintf(duration, sizeof duration, "%.3f", double(r.duration_us) / 1000.0);
  return r.client + " - - " + clf_time(r.at_ms) + " \"" + clf_escaped(request) + "\" " +
         std::to_string(r.status) + " " + (r.bytes ? std::to_string(r.bytes) : "-") +
         " pool=" + r.pool + " server=" + r.server + " ms=" + duration;
}

}  // namespace hamesh::proxy::http
