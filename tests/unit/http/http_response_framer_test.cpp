// The backend response framer: where each response ends for every framing of RFC 9112
// §6.3, bytes passed through unchanged, and a reason for every response the proxy must
// answer 502 to.
#include "actors/proxy/http/http_response_framer.hpp"

#include <boost/test/unit_test.hpp>
#include <string>
#include <utility>
#include <vector>

using namespace hamesh::proxy::http;
using namespace std::string_literals;
using kind = http_response_event::kind;

namespace {

struct framed {
  std::vector<std::string> events;  // "head 200", "interim 100", "body:..", "end", "tunnel:..",
                                    // "closed", "error:<reason>"
  std::vector<http_response_head> heads;
  std::string forwarded;  // every byte the proxy would pass on
};

void add(std::vector<std::string>& events, const std::string& prefix, std::string_view data) {
  if (!events.empty() && events.back().compare(0, prefix.size(), prefix) == 0) {
    events.back().append(data.data(), data.size());
  } else {
    events.push_back(prefix + std::string(data));
  }
}

// `requests`: method and whether it asked to upgrade, one per expected response.
framed frame(const std::string& bytes, const std::vector<std::pair<std::string, bool>>& requests,
             size_t piece = 0, bool close = false) {
  http_response_framer f;
  for (const auto& r : requests) f.expect_response(r.first, r.second);
  framed out;
  auto on = [&](http_response_event e) {
    switch (e.what) {
      case kind::need_more:
        return false;
      case kind::interim:
      case kind::head:
        out.heads.push_back(f.head());
        out.events.push_back((e.what == kind::head ? "head "s : "interim "s) +
                             std::to_string(f.head().status));
        out.forwarded.append(e.data.data(), e.data.size());
        return true;
      case kind::body:
        add(out.events, "body:", e.data);
        out.forwarded.append(e.data.data(), e.data.size());
        return true;
      case kind::tunnel:
        add(out.events, "tunnel:", e.data);
        out.forwarded.append(e.data.data(), e.data.size());
        return true;
      case kind::message_end:
        out.events.push_back("end");
        return true;
      case kind::closed:
        out.events.push_back("closed");
        return false;
      case kind::error:
        out.events.push_back("error:"s + to_string(f.error().reason));
        return false;
    }
    return false;
  };
  size_t step = piece == 0 ? bytes.size() + 1 : piece;
  for (size_t at = 0; at < bytes.size(); at += step) {
    std::string_view in = std::string_view(bytes).substr(at, step);
    while (on(f.next(in))) {
    }
    if (!out.events.empty() && out.events.back().rfind("error:", 0) == 0) return out;
  }
  if (close) {
    std::string_view none;
    while (on(f.next(none))) {
    }
    on(f.finish());
  }
  return out;
}

framed frame_all_splits(const std::string& bytes,
                        const std::vector<std::pair<std::string, bool>>& requests,
                        bool close = false) {
  framed whole = frame(bytes, requests, 0, close);
  for (size_t piece : {size_t(1), size_t(4)}) {
    framed split = frame(bytes, requests, piece, close);
    BOOST_TEST(split.events == whole.events, "piece " << piece);
    BOOST_TEST(split.forwarded == whole.forwarded, "piece " << piece);
  }
  return whole;
}

const std::vector<std::pair<std::string, bool>> one_get{{"GET", false}};

}  // namespace

BOOST_AUTO_TEST_SUITE(http_response_framer_tests)

struct framing_case {
  const char* what;
  std::string bytes;
  std::vector<std::pair<std::string, bool>> requests;
  bool close;
  std::vector<std::string> events;
};

BOOST_AUTO_TEST_CASE(each_framing_ends_the_response_where_rfc_9112_says) {
  const std::string chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  const framing_case cases[] = {
      {"content-length",
       "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
       one_get,
       false,
       {"head 200", "body:hello", "end"}},
      {"zero length",
       "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
       one_get,
       false,
       {"head 200", "end"}},
      {"chunked",
       chunked + "5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n",
       one_get,
       false,
       {"head 200", "body:5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n", "end"}},
      {"gzip then chunked",
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
       one_get,
       false,
       {"head 200", "body:0\r\n\r\n", "end"}},
      {"close-delimited",
       "HTTP/1.1 200 OK\r\n\r\nall of it",
       one_get,
       true,
       {"head 200", "body:all of it", "end"}},
      {"TE without chunked reads until close",
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzz",
       one_get,
       true,
       {"head 200", "body:zz", "end"}},
      {"HEAD has no body",
       "HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n",
       {{"HEAD", false}},
       false,
       {"head 200", "end"}},
      {"HEAD with chunked has no body", chunked, {{"HEAD", false}}, false, {"head 200", "end"}},
      {"204",
       "HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n",
       one_get,
       false,
       {"head 204", "end"}},
      {"304",
       "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n",
       one_get,
       false,
       {"head 304", "end"}},
      {"100 then 200",
       "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz",
       one_get,
       false,
       {"interim 100", "head 200", "body:z", "end"}},
      {"103 and 100 then 201",
       "HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\nHTTP/1.1 100 Continue\r\n\r\n"
       "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n",
       one_get,
       false,
       {"interim 103", "interim 100", "head 201", "end"}},
      {"101 tunnels",
       "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x02hi",
       {{"GET", true}},
       false,
       {"head 101", "tunnel:\x81\x02hi"}},
      {"two responses back to back",
       "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nabHTTP/1.1 404 Not Found\r\n"
       "Transfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n",
       {{"GET", false}, {"GET", false}},
       false,
       {"head 200", "body:ab", "end", "head 404", "body:1\r\nx\r\n0\r\n\r\n", "end"}},
      {"HEAD then GET",
       "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: "
       "3\r\n\r\nabc",
       {{"HEAD", false}, {"GET", false}},
       false,
       {"head 200", "end", "head 200", "body:abc", "end"}},
      {"closed after the last response",
       "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
       one_get,
       true,
       {"head 200", "end", "closed"}},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.what) {
      framed f = frame_all_splits(c.bytes, c.requests, c.close);
      BOOST_TEST(f.events == c.events);
      BOOST_TEST(f.forwarded == c.bytes);  // pass-through: nothing added, nothing lost
    }
  }
}

struct bad_response {
  const char* what;
  std::string bytes;
  std::vector<std::pair<std::string, bool>> requests;
  bool close;
  http_errc reason;
};

BOOST_AUTO_TEST_CASE(malformed_responses_are_errors_with_a_reason) {
  const bad_response cases[] = {
      {"not http", "SSH-2.0-OpenSSH\r\n\r\n", one_get, false, http_errc::bad_status_line},
      {"HTTP/2", "HTTP/2 200\r\n\r\n", one_get, false, http_errc::bad_status_line},
      {"HTTP/1.2", "HTTP/1.2 200 OK\r\n\r\n", one_get, false, http_errc::bad_status_line},
      {"two digit status", "HTTP/1.1 20 OK\r\n\r\n", one_get, false, http_errc::bad_status_line},
      {"status 600", "HTTP/1.1 600 X\r\n\r\n", one_get, false, http_errc::bad_status_line},
      {"CL and TE", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
       one_get, false, http_errc::content_length_and_transfer_encoding},
      {"conflicting CL", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
       one_get, false, http_errc::conflicting_content_length},
      {"chunked not last", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", one_get,
       false, http_errc::bad_transfer_encoding},
      {"TE in 1.0", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", one_get, false,
       http_errc::bad_transfer_encoding},
      {"obs-fold", "HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", one_get, false, http_errc::obs_fold},
      {"bare LF", "HTTP/1.1 200 OK\nContent-Length: 0\n\n", one_get, false, http_errc::bare_lf},
      {"bad chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nq\r\n", one_get, false,
       http_errc::bad_chunk_size},
      {"101 not asked for", "HTTP/1.1 101 Switching Protocols\r\n\r\n", one_get, false,
       http_errc::unexpected_switching_protocols},
      {"no request outstanding",
       "HTTP/1.1 200 OK\r\n\r\n",
       {},
       false,
       http_errc::unexpected_response},
      {"response beyond those expected",
       "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\n\r\n", one_get, false,
       http_errc::unexpected_response},
      {"closed before responding", "", one_get, true, http_errc::closed_before_response},
      {"closed in the head", "HTTP/1.1 200 OK\r\nServ", one_get, true,
       http_errc::incomplete_message},
      {"closed in the body", "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc", one_get, true,
       http_errc::incomplete_message},
      {"closed in chunks", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", one_get,
       true, http_errc::incomplete_message},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.what) {
      framed f = frame_all_splits(c.bytes, c.requests, c.close);
      BOOST_TEST_REQUIRE(!f.events.empty());
      BOOST_TEST(f.events.back() == "error:"s + to_string(c.reason));
      BOOST_TEST(status_for(c.reason) >= 400);
    }
  }
}

struct keep_alive_case {
  const char* what;
  std::string bytes;
  bool keep_alive;
};

BOOST_AUTO_TEST_CASE(backend_keep_alive_needs_persistence_and_a_delimited_body) {
  const keep_alive_case cases[] = {
      {"1.1 with length", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", true},
      {"1.1 close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", false},
      {"1.1 until close", "HTTP/1.1 200 OK\r\n\r\n", false},
      {"1.0 default", "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", false},
      {"1.0 keep-alive", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n",
       true},
      {"1.1 chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", true},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.what) {
      framed f = frame(c.bytes, one_get);
      BOOST_TEST_REQUIRE(f.heads.size() == 1u);
      BOOST_TEST(f.heads[0].keep_alive == c.keep_alive);
    }
  }
}

BOOST_AUTO_TEST_CASE(head_exposes_status_fields_and_an_insertion_point) {
  framed f = frame(
      "HTTP/1.1 302 Found\r\nLocation: /x\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\n"
      "Content-Length: 0\r\n\r\n",
      one_get);
  BOOST_TEST_REQUIRE(f.heads.size() == 1u);
  const auto& h = f.heads[0];
  BOOST_TEST(h.status == 302);
  BOOST_TEST(h.reason == "Found");
  BOOST_TEST(h.minor_version == 1);
  BOOST_TEST(h.headers.count("Set-Cookie") == 2u);
  BOOST_TEST(*h.headers.find("location") == "/x");
  BOOST_TEST(h.raw.substr(h.fields_end) == "\r\n");
  BOOST_TEST(h.with_fields("Set-Cookie: srv=b1; Path=/\r\n") ==
             "HTTP/1.1 302 Found\r\nLocation: /x\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\n"
             "Content-Length: 0\r\nSet-Cookie: srv=b1; Path=/\r\n\r\n");
}

BOOST_AUTO_TEST_CASE(status_line_without_reason_is_accepted) {
  framed f = frame("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", one_get);
  BOOST_TEST(f.events == (std::vector<std::string>{"head 200", "end"}));
  BOOST_TEST(f.heads.at(0).reason.empty());
}

BOOST_AUTO_TEST_CASE(awaiting_counts_responses_not_yet_complete) {
  http_response_framer f;
  f.expect_response("GET");
  f.expect_response("GET");
  BOOST_TEST(f.awaiting() == 2u);
  std::string_view in = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n";
  BOOST_TEST((f.next(in).what == kind::interim));
  BOOST_TEST(f.awaiting() == 2u);
  BOOST_TEST((f.next(in).what == kind::head));
  BOOST_TEST((f.next(in).what == kind::message_end));
  BOOST_TEST(f.awaiting() == 1u);
  BOOST_TEST((f.finish().what == kind::error));
  BOOST_TEST((f.error().reason == http_errc::closed_before_response));
}

BOOST_AUTO_TEST_CASE(every_reason_shared_with_the_request_parser_has_a_name_and_a_status) {
  for (int i = static_cast<int>(http_errc::bare_cr);
       i <= static_cast<int>(http_errc::unexpected_switching_protocols); ++i) {
    auto reason = static_cast<http_errc>(i);
    BOOST_TEST(std::string(to_string(reason)) != "?");
    int s = status_for(reason);
    BOOST_TEST((s == 400 || s == 413 || s == 414 || s == 431 || s == 501 || s == 502 || s == 505));
  }
}

BOOST_AUTO_TEST_SUITE_END()
