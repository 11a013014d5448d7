#pragma once
// Just enough of an HTTP/1.x request head for a scrape endpoint: the request line, up to the
// blank line that ends the head. Total over any input: need more, a request, or an error
// with the status code to answer.
#include <string>
#include <string_view>

namespace hamesh::metrics {

struct request_head {
  enum class result { need_more, complete, bad };
  result status = result::need_more;
  int error_status = 0;  // for bad: 400, 414 or 431
  std::string method;
  std::string target;
  size_t head_size = 0;  // bytes up to and including the blank line
};

// `max_head` bounds the whole head (431 beyond it); the target is bounded at 2 KiB (414).
request_head parse_request_head(std::string_view data, size_t max_head = 8192);

}  // namespace hamesh::metrics
