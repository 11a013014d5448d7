#include "actors/proxy/http/http_body_reader.hpp"

namespace hamesh::proxy::http {

void http_body_reader::by_length(uint64_t length) {
  by_chunks_ = false;
  remaining_ = length;
  error_pending_ = false;
}

void http_body_reader::chunked(uint64_t max_data, size_t max_trailer, size_t max_trailer_fields) {
  by_chunks_ = true;
  error_pending_ = false;
  scanner_ = http_chunked_scanner(max_data, max_trailer, max_trailer_fields);
}

http_body_reader::step http_body_reader::next(std::string_view& input) {
  if (error_pending_) {
    error_pending_ = false;
    return {status::error, {}, false};
  }
  if (input.empty()) return {status::need_more, {}, false};
  if (!by_chunks_) {
    size_t n = input.size() < remaining_ ? input.size() : static_cast<size_t>(remaining_);
    std::string_view data = input.substr(0, n);
    input.remove_prefix(n);
    remaining_ -= n;
    return {status::data, data, remaining_ == 0};
  }
  auto scanned = scanner_.scan(input);
  std::string_view data = input.substr(0, scanned.valid);
  input.remove_prefix(scanned.valid);
  if (scanned.state == http_chunked_scanner::status::error) {
    if (data.empty()) return {status::error, {}, false};
    error_pending_ = true;
  }
  return {status::data, data, scanned.state == http_chunked_scanner::status::done};
}

}  // namespace hamesh::proxy::http
