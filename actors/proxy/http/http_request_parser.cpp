#include "actors/proxy/http/http_request_parser.hpp"

#include <utility>

namespace hamesh::proxy::http {
namespace {

using kind = http_request_event::kind;

http_head_limits head_limits(const http_limits& l) {
  return {l.max_head, l.max_header_fields, l.max_empty_lines, l.max_target};
}

}  // namespace

const char* to_string(http_request_event::kind k) {
  switch (k) {
    case kind::need_more:
      return "need_more";
    case kind::head:
      return "head";
    case kind::body:
      return "body";
    case kind::message_end:
      return "message_end";
    case kind::upgrade_pending:
      return "upgrade_pending";
    case kind::tunnel:
      return "tunnel";
    case kind::closed:
      return "closed";
    case kind::error:
      return "error";
  }
  return "?";
}

http_request_parser::http_request_parser(http_limits limits)
    : limits_(limits), reader_(head_limits(limits)) {}

http_request_event http_request_parser::fail(http_error error) {
  phase_ = phase::failed;
  error_ = std::move(error);
  return {kind::error, {}};
}

void http_request_parser::start_next_request() {
  phase_ = phase::head;
  reader_.reset();
}

http_request_event http_request_parser::next(std::string_view& input) {
  switch (phase_) {
    case phase::head: {
      auto s = reader_.feed(input);
      if (s == http_head_reader::status::need_more) return {kind::need_more, {}};
      if (s == http_head_reader::status::error) return fail(reader_.error());
      return on_head();
    }
    case phase::body: {
      auto step = body_.next(input);
      if (step.state == http_body_reader::status::need_more) return {kind::need_more, {}};
      if (step.state == http_body_reader::status::error) return fail(body_.error());
      if (step.ended) phase_ = phase::end;
      return {kind::body, step.data};
    }
    case phase::end:
      if (head_.upgrade) {
        phase_ = phase::upgrade_pending;
      } else {
        start_next_request();
      }
      return {kind::message_end, {}};
    case phase::upgrade_pending:
      return {kind::upgrade_pending, {}};
    case phase::tunnel: {
      if (input.empty()) return {kind::need_more, {}};
      std::string_view data = input;
      input.remove_prefix(input.size());
      return {kind::tunnel, data};
    }
    case phase::failed:
      return {kind::error, {}};
  }
  return {kind::error, {}};
}

http_request_event http_request_parser::on_head() {
  http_error error;
  if (!build_request_head(reader_.start_line(), reader_.headers(), limits_, head_, error))
    return fail(std::move(error));
  switch (head_.framing.kind) {
    case http_body_framing::content_length:
      if (head_.framing.content_length == 0) {
        phase_ = phase::end;
        break;
      }
      body_.by_length(head_.framing.content_length);
      phase_ = phase::body;
      break;
    case http_body_framing::chunked:
      body_.chunked(limits_.max_body, limits_.max_head, limits_.max_header_fields);
      phase_ = phase::body;
      break;
    default:
      phase_ = phase::end;
      break;
  }
  return {kind::head, {}};
}

http_request_event http_request_parser::finish() {
  switch (phase_) {
    case phase::head:
      if (!reader_.started()) return {kind::closed, {}};
      break;
    case phase::upgrade_pending:
    case phase::tunnel:
      return {kind::closed, {}};
    case phase::failed:
      return {kind::error, {}};
    default:
      break;
  }
  return fail({http_errc::incomplete_message, "the client closed inside a request"});
}

void http_request_parser::accept_upgrade() {
  if (phase_ == phase::upgrade_pending) phase_ = phase::tunnel;
}

void http_request_parser::decline_upgrade() {
  if (phase_ == phase::upgrade_pending) start_next_request();
}

}  // namespace hamesh::proxy::http
