#pragma once
// The body of one HTTP message, framed by Content-Length or by chunks: hands out the bytes
// that belong to it, in order and unchanged, and says when it ended or why it cannot go on.
// One piece for both directions: the request parser and the response framer.
#include <cstdint>
#include <string_view>

#include "actors/proxy/http/http_chunked_scanner.hpp"
#include "actors/proxy/http/http_errc.hpp"

namespace hamesh::proxy::http {

class http_body_reader {
 public:
  enum class status { need_more, data, error };
  struct step {
    status state = status::need_more;
    std::string_view data;  // with status::data: the next body bytes (a prefix of the input)
    bool ended = false;     // with status::data: the body is complete after these bytes
  };

  // Starts a body of exactly `length` bytes (not 0: a 0-length body has no body phase).
  void by_length(uint64_t length);
  // Starts a chunked body; limits as http_chunked_scanner's.
  void chunked(uint64_t max_data, size_t max_trailer, size_t max_trailer_fields);

  // Takes the next bytes of the body from the front of `input`. A chunked stream found bad
  // after some valid bytes hands those out first; the error comes on the next call.
  step next(std::string_view& input);
  const http_error& error() const { return scanner_.error(); }

 private:
  bool by_chunks_ = false;
  uint64_t remaining_ = 0;      // body bytes left, by length
  bool error_pending_ = false;  // the scanner failed after a data step was returned
  http_chunked_scanner scanner_{0, 0, 0};
};

}  // namespace hamesh::proxy::http
