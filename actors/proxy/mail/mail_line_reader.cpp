#include "actors/proxy/mail/mail_line_reader.hpp"

#include <cstring>

namespace hamesh::proxy::mail {

mail_line_reader::mail_line_reader(size_t max_line) : max_line_(max_line) {}

void mail_line_reader::reset() {
  line_.clear();
  line_complete_ = false;
  too_long_ = false;
}

mail_line_reader::status mail_line_reader::next(std::string_view& input) {
  if (too_long_) return status::too_long;
  if (line_complete_) {
    line_.clear();
    line_complete_ = false;
  }
  const void* found = input.empty() ? nullptr : std::memchr(input.data(), '\n', input.size());
  size_t lf = found ? size_t(static_cast<const char*>(found) - input.data()) : input.size();
  std::string_view chunk = input.substr(0, lf);
  // A CR at the end of what we have may be the first half of a CRLF: it does not count.
  size_t length = line_.size() + chunk.size();
  bool trailing_cr =
      !chunk.empty() ? chunk.back() == '\r' : (!line_.empty() && line_.back() == '\r');
  if (length - (trailing_cr ? 1 : 0) > max_line_) {
    too_long_ = true;
    return status::too_long;
  }
  line_.append(chunk.data(), chunk.size());
  if (!found) {
    input.remove_prefix(input.size());
    return status::need_more;
  }
  input.remove_prefix(lf + 1);
  if (!line_.empty() && line_.back() == '\r') line_.pop_back();
  line_complete_ = true;
  return status::line;
}

}  // namespace hamesh::proxy::mail
