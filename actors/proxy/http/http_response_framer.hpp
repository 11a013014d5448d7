#pragma once
// The responses on one backend connection (pure, incremental, total): finds where each
// response ends so the connection can be reused, while the proxy passes the bytes through
// unchanged. Responses come in request order, so the proxy announces each request it sends
// with expect_response(); the method decides whether a body follows (HEAD: never).
//
// Per response: interim* (1xx other than 101, each a complete head to forward), head, body
// events, message_end. 101 to an upgrade request: head, then tunnel bytes. A body delimited
// by the close ends with finish(), and such a connection is not reused (keep_alive false).
// Chunked bodies are validated and passed through raw, as in the request parser.
// To add a field (say an affinity Set-Cookie), send head().with_fields("Set-Cookie: ...\r\n")
// instead of the head event's bytes. Every error means: answer 502, close the connection.
#include <cstddef>
#include <deque>
#include <string_view>

#include "actors/proxy/http/http_body_reader.hpp"
#include "actors/proxy/http/http_errc.hpp"
#include "actors/proxy/http/http_head_reader.hpp"
#include "actors/proxy/http/http_limits.hpp"
#include "actors/proxy/http/http_response_head.hpp"

namespace hamesh::proxy::http {

struct http_response_event {
  enum class kind {
    need_more,    // all input consumed; feed more
    interim,      // a 1xx head (not 101): `data` is its bytes; the final response follows
    head,         // the final head: see head(); `data` is its bytes as received
    body,         // `data`: body bytes to forward (raw chunked bytes for chunked)
    message_end,  // the response is complete
    tunnel,       // `data`: opaque bytes after 101 Switching Protocols
    closed,       // finish(): the backend closed with no response outstanding (or tunnelling)
    error,        // see error(); the proxy answers 502
  };
  kind what = kind::need_more;
  // interim/head: the framer's copy (valid until the next head); body/tunnel: the input.
  std::string_view data;
};

const char* to_string(http_response_event::kind k);

class http_response_framer {
 public:
  // Uses max_head, max_header_fields and max_empty_lines; a response body has no limit.
  explicit http_response_framer(http_limits limits = {});

  // A request was sent on this connection: its response comes after those already expected.
  // `upgrade_requested`: the request asked to upgrade, so 101 is acceptable.
  void expect_response(std::string_view method, bool upgrade_requested = false);
  // Responses expected and not yet complete (the current one included).
  size_t awaiting() const { return expected_.size(); }

  // Takes bytes off the front of `input` and returns the next event. message_end comes even
  // when `input` is empty.
  http_response_event next(std::string_view& input);

  // The backend closed: message_end for a body delimited by the close, closed when nothing
  // was outstanding, else an error (closed_before_response when no byte of the awaited
  // response came: a stale keep-alive connection, a request the proxy may retry).
  http_response_event finish();

  // The last head (interim or final).
  const http_response_head& head() const { return head_; }
  const http_error& error() const { return error_; }

 private:
  enum class phase { head, body, until_close, end, tunnel, closed, failed };
  struct expectation {
    bool head_request = false;
    bool upgrade_requested = false;
  };

  http_response_event fail(http_error error);
  http_response_event on_head();
  void end_response();

  http_limits limits_;
  phase phase_ = phase::head;
  std::deque<expectation> expected_;
  http_head_reader reader_;
  http_body_reader body_;
  http_response_head head_;
  http_error error_;
};

}  // namespace hamesh::proxy::http
