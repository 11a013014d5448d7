#include "actors/probe/line_reader.hpp"

namespace hamesh::probe {

void line_reader::append(std::string_view bytes) {
  if (skip_ > 0) {
    size_t n = bytes.size() < skip_ ? bytes.size() : static_cast<size_t>(skip_);
    bytes.remove_prefix(n);
    skip_ -= n;
  }
  // Reclaim what has been read before growing, so the buffer stays near one line's size.
  if (start_ > 0 && start_ >= buffer_.size() / 2) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  buffer_.append(bytes.data(), bytes.size());
}

line_reader::result line_reader::next_line(std::string& line) {
  size_t lf = buffer_.find('\n', start_);
  size_t end = lf == std::string::npos ? buffer_.size() : lf;
  size_t length = end - start_;
  if (lf == std::string::npos) {
    // One more byte than the limit may be a CR still waiting for its LF.
    return length > max_line_ + 1 ? result::too_long : result::need_more;
  }
  if (length > 0 && buffer_[end - 1] == '\r') --length;
  if (length > max_line_) return result::too_long;
  line.assign(buffer_, start_, length);
  start_ = lf + 1;
  return result::line;
}

void line_reader::skip(uint64_t count) {
  size_t buffered = buffer_.size() - start_;
  size_t n = count < buffered ? static_cast<size_t>(count) : buffered;
  start_ += n;
  uint64_t later = count - n;
  skip_ = later > UINT64_MAX - skip_ ? UINT64_MAX : skip_ + later;
}

}  // namespace hamesh::probe
