#pragma once
// The requests on one client connection (pure, incremental, total): the proxy hands it the
// bytes it has, and takes events off one at a time, so it never buffers a whole body and
// can stop between pipelined requests (it just stops calling next()).
//
//   std::string_view in = buffer;
//   for (auto e = p.next(in); e.what != kind::need_more; e = p.next(in)) { ... }
//   buffer.erase(0, buffer.size() - in.size());  // next() consumed a prefix
//
// Per request: head, then body events (none for a body-less request), then message_end.
// Chunked bodies are passed through, not decoded: the body events carry the raw chunked
// bytes (sizes, extensions, data, CRLFs, last chunk and trailers) after validation, so the
// proxy forwards them as they are with "Transfer-Encoding: chunked" kept. A request with
// `upgrade` ends in upgrade_pending: the proxy holds the client's further bytes until the
// backend answers, then calls accept_upgrade() (101: the rest is tunnel bytes) or
// decline_upgrade() (parsing goes on). Errors are sticky: next() keeps returning the error.
// An error inside a body comes after the valid bytes before it were given as body events;
// the proxy must then close the backend connection (the request on it is cut short).
#include <string_view>

#include "actors/proxy/http/http_body_reader.hpp"
#include "actors/proxy/http/http_errc.hpp"
#include "actors/proxy/http/http_head_reader.hpp"
#include "actors/proxy/http/http_limits.hpp"
#include "actors/proxy/http/http_request_head.hpp"

namespace hamesh::proxy::http {

struct http_request_event {
  enum class kind {
    need_more,        // all input consumed; feed more
    head,             // a request head: see head()
    body,             // `data`: body bytes to forward (raw chunked bytes for chunked)
    message_end,      // the request is complete (trailers included)
    upgrade_pending,  // after an upgrade request: accept_upgrade() or decline_upgrade()
    tunnel,           // `data`: opaque bytes after an accepted upgrade
    closed,           // finish(): the client closed between requests (or in a tunnel)
    error,            // see error(); status_for(error().reason) is the answer
  };
  kind what = kind::need_more;
  // Points into the caller's input (valid while that buffer is); empty for other kinds.
  std::string_view data;
};

const char* to_string(http_request_event::kind k);

class http_request_parser {
 public:
  explicit http_request_parser(http_limits limits = {});

  // Takes bytes off the front of `input` and returns the next event. Events that need no
  // input (message_end after the last body byte, upgrade_pending, error) come even when
  // `input` is empty, so the sequence does not depend on how the stream was cut.
  http_request_event next(std::string_view& input);

  // The client closed: closed between requests or in a tunnel, error otherwise.
  http_request_event finish();

  void accept_upgrade();   // only in upgrade_pending
  void decline_upgrade();  // only in upgrade_pending

  // The last request head; valid from its head event until the next head event.
  const http_request_head& head() const { return head_; }
  // The head's bytes as received (start line through the empty line); valid from the head
  // event until message_end.
  std::string_view raw_head() const { return reader_.raw(); }
  const http_error& error() const { return error_; }

 private:
  enum class phase { head, body, end, upgrade_pending, tunnel, failed };

  http_request_event fail(http_error error);
  http_request_event on_head();
  void start_next_request();

  http_limits limits_;
  phase phase_ = phase::head;
  http_head_reader reader_;
  http_body_reader body_;
  http_request_head head_;
  http_error error_;
};

}  // namespace hamesh::proxy::http
