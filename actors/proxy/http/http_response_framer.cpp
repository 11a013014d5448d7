#include "actors/proxy/http/http_response_framer.hpp"

#include <utility>

namespace hamesh::proxy::http {
namespace {

using kind = http_response_event::kind;

http_head_limits head_limits(const http_limits& l) {
  return {l.max_head, l.max_header_fields, l.max_empty_lines, 0};
}

}  // namespace

const char* to_string(http_response_event::kind k) {
  switch (k) {
    case kind::need_more:
      return "need_more";
    case kind::interim:
      return "interim";
    case kind::head:
      return "head";
    case kind::body:
      return "body";
    case kind::message_end:
      return "message_end";
    case kind::tunnel:
      return "tunnel";
    case kind::closed:
      return "closed";
    case kind::error:
      return "error";
  }
  return "?";
}

http_response_framer::http_response_framer(http_limits limits)
    : limits_(limits), reader_(head_limits(limits)) {}

void http_response_framer::expect_response(std::string_view method, bool upgrade_requested) {
  expected_.push_back({method == "HEAD", upgrade_requested});
}

http_response_event http_response_framer::fail(http_error error) {
  phase_ = phase::failed;
  error_ = std::move(error);
  return {kind::error, {}};
}

void http_response_framer::end_response() {
  if (!expected_.empty()) expected_.pop_front();
  reader_.reset();
  phase_ = phase::head;
}

http_response_event http_response_framer::next(std::string_view& input) {
  switch (phase_) {
    case phase::head: {
      if (input.empty()) return {kind::need_more, {}};
      if (expected_.empty())
        return fail({http_errc::unexpected_response, "response bytes with no request outstanding"});
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
    case phase::until_close:
    case phase::tunnel: {
      if (input.empty()) return {kind::need_more, {}};
      std::string_view data = input;
      input.remove_prefix(input.size());
      return {phase_ == phase::tunnel ? kind::tunnel : kind::body, data};
    }
    case phase::end:
      end_response();
      return {kind::message_end, {}};
    case phase::closed:
      return {kind::closed, {}};
    case phase::failed:
      return {kind::error, {}};
  }
  return {kind::error, {}};
}

http_response_event http_response_framer::on_head() {
  head_ = http_response_head{};
  http_error error;
  if (!parse_status_line(reader_.start_line(), head_, error)) return fail(std::move(error));
  head_.headers = reader_.headers();
  head_.raw = reader_.raw();
  head_.fields_end = head_.raw.size() - 2;
  auto framing = response_framing(head_.headers, head_.minor_version, error);
  if (!framing) return fail(std::move(error));
  const expectation expected = expected_.front();
  std::string_view bytes = head_.raw;

  if (head_.status == 101) {
    if (!expected.upgrade_requested)
      return fail({http_errc::unexpected_switching_protocols,
                   "101 Switching Protocols to a request that did not ask to upgrade"});
    head_.framing = {};
    expected_.pop_front();
    phase_ = phase::tunnel;
    return {kind::head, bytes};
  }
  if (head_.status < 200) {
    // RFC 9110 §15.2: an interim response; the final one follows for the same request.
    head_.framing = {};
    reader_.reset();
    return {kind::interim, bytes};
  }
  // RFC 9112 §6.3 item 1: no body after HEAD, 204 or 304, whatever the fields say.
  if (expected.head_request || head_.status == 204 || head_.status == 304) framing = http_framing{};
  head_.framing = *framing;
  bool persistent = head_.minor_version == 1
                        ? !head_.headers.has_token("Connection", "close")
                        : !head_.headers.has_token("Connection", "close") &&
                              head_.headers.has_token("Connection", "keep-alive");
  head_.keep_alive = persistent && framing->kind != http_body_framing::until_close;
  switch (framing->kind) {
    case http_body_framing::content_length:
      if (framing->content_length == 0) {
        phase_ = phase::end;
        break;
      }
      body_.by_length(framing->content_length);
      phase_ = phase::body;
      break;
    case http_body_framing::chunked:
      body_.chunked(0, limits_.max_head, limits_.max_header_fields);
      phase_ = phase::body;
      break;
    case http_body_framing::until_close:
      phase_ = phase::until_close;
      break;
    case http_body_framing::none:
      phase_ = phase::end;
      break;
  }
  return {kind::head, bytes};
}

http_response_event http_response_framer::finish() {
  switch (phase_) {
    case phase::head:
      if (reader_.started()) break;
      if (expected_.empty()) {
        phase_ = phase::closed;
        return {kind::closed, {}};
      }
      return fail({http_errc::closed_before_response, "the backend closed before responding"});
    case phase::until_close:
      if (!expected_.empty()) expected_.pop_front();
      phase_ = phase::closed;
      return {kind::message_end, {}};
    case phase::tunnel:
    case phase::closed:
      phase_ = phase::closed;
      return {kind::closed, {}};
    case phase::failed:
      return {kind::error, {}};
    default:
      break;
  }
  return fail({http_errc::incomplete_message, "the backend closed inside a response"});
}

}  // namespace hamesh::proxy::http
