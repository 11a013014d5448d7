#include "actors/proxy/http/http_framing.hpp"

#include <string_view>

#include "runtime/http_syntax.hpp"

namespace hamesh::proxy::http {
namespace {

std::optional<http_framing> fail(http_error& error, http_errc reason, const char* text) {
  error = {reason, text};
  return std::nullopt;
}

// All Content-Length lines and list elements; false with `error` set when they are not all
// the same decimal number.
bool merged_content_length(const http_headers& headers, bool& present, uint64_t& length,
                           http_error& error) {
  present = false;
  for (const auto& f : headers) {
    if (!iequals(f.name, "Content-Length")) continue;
    std::string_view list = f.value, element;
    while (next_list_element(list, element)) {
      uint64_t n = 0;
      if (!parse_decimal(element, n)) {
        error = {http_errc::bad_content_length, "Content-Length is not a 64-bit decimal number"};
        return false;
      }
      if (present && n != length) {
        error = {http_errc::conflicting_content_length, "Content-Length values differ"};
        return false;
      }
      present = true;
      length = n;
    }
  }
  return true;
}

struct coding_list {
  bool present = false;
  bool valid = true;          // every element a token
  size_t count = 0;           // elements
  size_t chunked = 0;         // how many are "chunked"
  bool chunked_last = false;  // the final coding is chunked
};

coding_list transfer_codings(const http_headers& headers) {
  coding_list codings;
  for (const auto& f : headers) {
    if (!iequals(f.name, "Transfer-Encoding")) continue;
    codings.present = true;
    std::string_view list = f.value, element;
    while (next_list_element(list, element)) {
      if (!is_token(element)) codings.valid = false;
      ++codings.count;
      codings.chunked_last = iequals(element, "chunked");
      if (codings.chunked_last) ++codings.chunked;
    }
  }
  return codings;
}

}  // namespace

const char* to_string(http_body_framing f) {
  switch (f) {
    case http_body_framing::none:
      return "none";
    case http_body_framing::content_length:
      return "content_length";
    case http_body_framing::chunked:
      return "chunked";
    case http_body_framing::until_close:
      return "until_close";
  }
  return "?";
}

std::optional<http_framing> request_framing(const http_headers& headers, int minor_version,
                                            http_error& error) {
  bool has_length = false;
  uint64_t length = 0;
  coding_list codings = transfer_codings(headers);
  if (codings.present && headers.contains("Content-Length"))
    return fail(error, http_errc::content_length_and_transfer_encoding,
                "both Transfer-Encoding and Content-Length");
  if (codings.present) {
    if (minor_version == 0)
      return fail(error, http_errc::bad_transfer_encoding, "Transfer-Encoding in HTTP/1.0");
    if (!codings.valid || !codings.chunked_last || codings.chunked != 1)
      return fail(error, http_errc::bad_transfer_encoding,
                  "Transfer-Encoding is not exactly \"chunked\"");
    if (codings.count != 1)
      return fail(error, http_errc::unsupported_transfer_coding,
                  "transfer codings other than chunked are not supported");
    return http_framing{http_body_framing::chunked, 0};
  }
  if (!merged_content_length(headers, has_length, length, error)) return std::nullopt;
  if (has_length) return http_framing{http_body_framing::content_length, length};
  return http_framing{http_body_framing::none, 0};
}

std::optional<http_framing> response_framing(const http_headers& headers, int minor_version,
                                             http_error& error) {
  bool has_length = false;
  uint64_t length = 0;
  coding_list codings = transfer_codings(headers);
  if (codings.present && headers.contains("Content-Length"))
    return fail(error, http_errc::content_length_and_transfer_encoding,
                "both Transfer-Encoding and Content-Length");
  if (codings.present) {
    if (minor_version == 0)
      return fail(error, http_errc::bad_transfer_encoding, "Transfer-Encoding in HTTP/1.0");
    // RFC 9112 §7: chunked is never applied twice, and if present it is the final coding.
    if (!codings.valid || codings.chunked > 1 || (codings.chunked == 1 && !codings.chunked_last))
      return fail(error, http_errc::bad_transfer_encoding, "malformed Transfer-Encoding");
    if (codings.chunked_last) return http_framing{http_body_framing::chunked, 0};
    return http_framing{http_body_framing::until_close, 0};
  }
  if (!merged_content_length(headers, has_length, length, error)) return std::nullopt;
  if (has_length) return http_framing{http_body_framing::content_length, length};
  return http_framing{http_body_framing::until_close, 0};
}

}  // namespace hamesh::proxy::http
