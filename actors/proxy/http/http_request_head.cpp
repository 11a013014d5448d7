#include "actors/proxy/http/http_request_head.hpp"

#include <utility>

#include "runtime/http_syntax.hpp"

namespace hamesh::proxy::http {
namespace {

bool fail(http_error& error, http_errc reason, const char* text) {
  error = {reason, text};
  return false;
}

bool starts_with_icase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

// RFC 9112 §2.3: "HTTP/" DIGIT "." DIGIT (case-sensitive).
bool parse_version(std::string_view v, int& major, int& minor) {
  if (v.size() != 8 || v.substr(0, 5) != "HTTP/" || v[6] != '.') return false;
  if (v[5] < '0' || v[5] > '9' || v[7] < '0' || v[7] > '9') return false;
  major = v[5] - '0';
  minor = v[7] - '0';
  return true;
}

// The target's path, query removed.
std::string path_of(std::string_view path_and_query) {
  return std::string(path_and_query.substr(0, path_and_query.find('?')));
}

bool parse_target(http_request_head& head, http_error& error) {
  std::string_view t = head.target;
  // Visible ASCII only: no CTL, no SP, no obs-text; no fragment (RFC 9112 §3.2: a target
  // is a URI without one).
  for (unsigned char c : t)
    if (c <= 0x20 || c >= 0x7f || c == '#')
      return fail(error, http_errc::bad_target, "bad character in request target");
  if (t.front() == '/') {
    head.target_form = http_target_form::origin;
    head.path = path_of(t);
    return true;
  }
  if (t == "*") {
    // RFC 9112 §3.2.4: asterisk-form is for a server-wide OPTIONS only.
    if (head.method != "OPTIONS")
      return fail(error, http_errc::bad_target, "asterisk-form target outside OPTIONS");
    head.target_form = http_target_form::asterisk;
    head.path = "*";
    return true;
  }
  std::string_view rest;
  if (starts_with_icase(t, "http://")) {
    rest = t.substr(7);
  } else if (starts_with_icase(t, "https://")) {
    rest = t.substr(8);
  } else {
    return fail(error, http_errc::bad_target, "request target is not origin- or absolute-form");
  }
  size_t end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, end);
  if (authority.empty()) return fail(error, http_errc::bad_target, "absolute-form without a host");
  if (authority.find('@') != std::string_view::npos)
    return fail(error, http_errc::bad_target, "userinfo in the request target");  // RFC 9110 §4.2.4
  if (!is_valid_authority(authority))
    return fail(error, http_errc::bad_host, "bad host in the request target");
  head.target_form = http_target_form::absolute;
  head.host = std::string(authority);
  std::string_view path = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  head.path = path.empty() || path.front() == '?' ? "/" : path_of(path);
  return true;
}

}  // namespace

bool build_request_head(std::string_view request_line, http_headers headers,
                        const http_limits& limits, http_request_head& head, http_error& error) {
  head = http_request_head{};
  head.headers = std::move(headers);
  // RFC 9112 §3: method SP request-target SP HTTP-version, single spaces.
  size_t sp1 = request_line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : request_line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || request_line.find(' ', sp2 + 1) != std::string_view::npos ||
      sp2 == sp1 + 1)
    return fail(error, http_errc::bad_request_line,
                "request line is not \"method target version\"");
  std::string_view method = request_line.substr(0, sp1);
  if (!is_token(method)) return fail(error, http_errc::bad_method, "method is not a token");
  head.method = std::string(method);
  head.target = std::string(request_line.substr(sp1 + 1, sp2 - sp1 - 1));
  int major = 0, minor = 0;
  if (!parse_version(request_line.substr(sp2 + 1), major, minor))
    return fail(error, http_errc::bad_version, "malformed HTTP version");
  if (major != 1 || minor > 1)
    return fail(error, http_errc::version_not_supported, "HTTP version other than 1.0 or 1.1");
  head.minor_version = minor;
  if (head.method == "CONNECT")
    return fail(error, http_errc::method_not_supported, "CONNECT is not supported");
  if (!parse_target(head, error)) return false;

  // RFC 9112 §3.2: 400 for a 1.1 request without Host, for more than one Host, or for an
  // invalid one; an absolute-form target's authority then replaces it (§3.2.2).
  size_t hosts = head.headers.count("Host");
  if (hosts > 1) return fail(error, http_errc::multiple_host, "more than one Host field");
  if (hosts == 0 && minor == 1)
    return fail(error, http_errc::missing_host, "HTTP/1.1 without Host");
  const std::string* host = head.headers.find("Host");
  if (host && !is_valid_authority(*host)) return fail(error, http_errc::bad_host, "bad Host field");
  if (host && head.target_form != http_target_form::absolute) head.host = *host;

  auto framing = request_framing(head.headers, minor, error);
  if (!framing) return false;
  head.framing = *framing;
  if (limits.max_body != 0 && framing->kind == http_body_framing::content_length &&
      framing->content_length > limits.max_body)
    return fail(error, http_errc::body_too_large, "Content-Length larger than the body limit");

  bool close = head.headers.has_token("Connection", "close");
  head.keep_alive =
      minor == 1 ? !close : !close && head.headers.has_token("Connection", "keep-alive");
  if (minor == 1) {
    const std::string* expect = head.headers.find("Expect");
    head.expect_100_continue = expect && iequals(*expect, "100-continue");
    head.upgrade =
        head.headers.contains("Upgrade") && head.headers.has_token("Connection", "upgrade");
  }
  return true;
}

}  // namespace hamesh::proxy::http
