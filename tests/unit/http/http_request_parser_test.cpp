// The proxy's request parser: every smuggling vector of RFC 9112 is an error with the status
// it maps to, pipelined requests come out in order, and the events do not depend on how the
// stream is cut into reads.
#include "actors/proxy/http/http_request_parser.hpp"

#include <boost/test/unit_test.hpp>
#include <ostream>
#include <string>
#include <vector>

namespace hamesh::proxy::http {
// For Boost.Test's messages.
std::ostream& operator<<(std::ostream& os, http_errc e) {
  return os << to_string(e);
}
std::ostream& operator<<(std::ostream& os, http_body_framing f) {
  return os << to_string(f);
}
}  // namespace hamesh::proxy::http

using namespace hamesh::proxy::http;
using namespace std::string_literals;
using kind = http_request_event::kind;

namespace {

// The events as text, adjacent body (and tunnel) pieces merged: "head GET /a", "body:...",
// "end", "upgrade", "tunnel:...", "error:<reason>", "closed".
struct run_result {
  std::vector<std::string> events;
  std::vector<http_request_head> heads;
  http_error error;
};

void add(std::vector<std::string>& events, const std::string& prefix, std::string_view data) {
  if (!events.empty() && events.back().compare(0, prefix.size(), prefix) == 0) {
    events.back().append(data.data(), data.size());
  } else {
    events.push_back(prefix + std::string(data));
  }
}

// Feeds `bytes` in pieces of `piece` bytes (0: whole), then closes when `close`.
run_result run(const std::string& bytes, size_t piece = 0, http_limits limits = {},
               bool close = false, bool accept_upgrade = true) {
  http_request_parser p(limits);
  run_result r;
  auto drain = [&](std::string_view& in) {
    for (;;) {
      auto e = p.next(in);
      switch (e.what) {
        case kind::need_more:
          return;
        case kind::head:
          r.heads.push_back(p.head());
          r.events.push_back("head " + p.head().method + " " + p.head().target);
          break;
        case kind::body:
          add(r.events, "body:", e.data);
          break;
        case kind::tunnel:
          add(r.events, "tunnel:", e.data);
          break;
        case kind::message_end:
          r.events.push_back("end");
          break;
        case kind::upgrade_pending:
          r.events.push_back("upgrade");
          accept_upgrade ? p.accept_upgrade() : p.decline_upgrade();
          break;
        case kind::closed:
          r.events.push_back("closed");
          return;
        case kind::error:
          r.events.push_back("error:"s + to_string(p.error().reason));
          r.error = p.error();
          return;
      }
    }
  };
  size_t step = piece == 0 ? bytes.size() + 1 : piece;
  for (size_t at = 0; at < bytes.size() || at == 0; at += step) {
    std::string_view in = std::string_view(bytes).substr(at, step);
    drain(in);
    if (!r.events.empty() && r.events.back().rfind("error:", 0) == 0) return r;
    if (bytes.empty()) break;
  }
  if (close) {
    auto e = p.finish();
    if (e.what == kind::closed) r.events.push_back("closed");
    if (e.what == kind::error) r.events.push_back("error:"s + to_string(p.error().reason));
  }
  return r;
}

// Same events whether fed whole, byte by byte, or in pieces of 3 and 7.
run_result run_all_splits(const std::string& bytes, http_limits limits = {}, bool close = false) {
  run_result whole = run(bytes, 0, limits, close);
  for (size_t piece : {size_t(1), size_t(3), size_t(7)}) {
    run_result split = run(bytes, piece, limits, close);
    BOOST_TEST(split.events == whole.events, "piece " << piece);
  }
  return whole;
}

std::string error_of(const std::string& bytes, http_limits limits = {}) {
  run_result r = run_all_splits(bytes, limits);
  return r.events.empty() ? "" : r.events.back();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(http_request_parser_tests)

struct refusal {
  const char* what;
  std::string bytes;
  http_errc reason;
  int status;
};

BOOST_AUTO_TEST_CASE(smuggling_vectors_are_refused_with_their_status) {
  const std::string get = "GET / HTTP/1.1\r\nHost: a\r\n";
  const std::string post = "POST / HTTP/1.1\r\nHost: a\r\n";
  const refusal cases[] = {
      {"CL and TE", post + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
       http_errc::content_length_and_transfer_encoding, 400},
      {"TE and CL", post + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
       http_errc::content_length_and_transfer_encoding, 400},
      {"CL,CL differing", post + "Content-Length: 3\r\nContent-Length: 4\r\n\r\n",
       http_errc::conflicting_content_length, 400},
      {"CL list differing", post + "Content-Length: 3, 4\r\n\r\n",
       http_errc::conflicting_content_length, 400},
      {"CL not digits", post + "Content-Length: 3a\r\n\r\n", http_errc::bad_content_length, 400},
      {"CL signed", post + "Content-Length: +3\r\n\r\n", http_errc::bad_content_length, 400},
      {"CL negative", post + "Content-Length: -1\r\n\r\n", http_errc::bad_content_length, 400},
      {"CL empty", post + "Content-Length:\r\n\r\n", http_errc::bad_content_length, 400},
      {"CL empty element", post + "Content-Length: 3,\r\n\r\n", http_errc::bad_content_length, 400},
      {"CL overflow", post + "Content-Length: 18446744073709551616\r\n\r\n",
       http_errc::bad_content_length, 400},
      {"TE chunked, identity", post + "Transfer-Encoding: chunked, identity\r\n\r\n",
       http_errc::bad_transfer_encoding, 400},
      {"TE xchunked", post + "Transfer-Encoding: xchunked\r\n\r\n",
       http_errc::bad_transfer_encoding, 400},
      {"TE chunked twice",
       post + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
       http_errc::bad_transfer_encoding, 400},
      {"TE chunked list twice", post + "Transfer-Encoding: chunked, chunked\r\n\r\n",
       http_errc::bad_transfer_encoding, 400},
      {"TE identity", post + "Transfer-Encoding: identity\r\n\r\n",
       http_errc::bad_transfer_encoding, 400},
      {"TE empty", post + "Transfer-Encoding:\r\n\r\n", http_errc::bad_transfer_encoding, 400},
      {"TE trailing comma", post + "Transfer-Encoding: chunked,\r\n\r\n",
       http_errc::bad_transfer_encoding, 400},
      {"TE quoted", post + "Transfer-Encoding: \"chunked\"\r\n\r\n",
       http_errc::bad_transfer_encoding, 400},
      {"TE with parameter", post + "Transfer-Encoding: chunked;q=1\r\n\r\n",
       http_errc::bad_transfer_encoding, 400},
      {"TE vertical tab", post + "Transfer-Encoding: \vchunked\r\n\r\n",
       http_errc::control_character, 400},
      {"TE gzip, chunked", post + "Transfer-Encoding: gzip, chunked\r\n\r\n",
       http_errc::unsupported_transfer_coding, 501},
      {"TE in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
       http_errc::bad_transfer_encoding, 400},
      {"obs-fold", get + "X-A: 1\r\n 2\r\n\r\n", http_errc::obs_fold, 400},
      {"obs-fold with tab", get + "X-A: 1\r\n\tTransfer-Encoding: chunked\r\n\r\n",
       http_errc::obs_fold, 400},
      {"whitespace after request line", "GET / HTTP/1.1\r\n Host: a\r\n\r\n", http_errc::obs_fold,
       400},
      {"space before colon", post + "Transfer-Encoding : chunked\r\n\r\n",
       http_errc::space_before_colon, 400},
      {"tab before colon", post + "Content-Length\t: 1\r\n\r\n", http_errc::space_before_colon,
       400},
      {"bad header name", get + "X@Y: 1\r\n\r\n", http_errc::bad_header_name, 400},
      {"empty header name", get + ": 1\r\n\r\n", http_errc::bad_header_line, 400},
      {"no colon", get + "Host a\r\n\r\n", http_errc::bad_header_line, 400},
      {"bare CR in value", get + "X: a\rb\r\n\r\n", http_errc::bare_cr, 400},
      {"bare CR ending a line", "GET / HTTP/1.1\rHost: a\r\n\r\n", http_errc::bare_cr, 400},
      {"bare LF", "GET / HTTP/1.1\nHost: a\n\n", http_errc::bare_lf, 400},
      {"NUL in value", get + "X: a\0b\r\n\r\n"s, http_errc::nul_byte, 400},
      {"NUL in request line", "GET /\0 HTTP/1.1\r\n\r\n"s, http_errc::nul_byte, 400},
      {"control in value", get + "X: a\x01\r\n\r\n", http_errc::control_character, 400},
      {"bad method", "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", http_errc::bad_method, 400},
      {"two spaces", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", http_errc::bad_request_line, 400},
      {"missing version", "GET /\r\nHost: a\r\n\r\n", http_errc::bad_request_line, 400},
      {"trailing space", "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", http_errc::bad_request_line, 400},
      {"lowercase version", "GET / http/1.1\r\nHost: a\r\n\r\n", http_errc::bad_version, 400},
      {"HTTP/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", http_errc::version_not_supported, 505},
      {"HTTP/1.2", "GET / HTTP/1.2\r\nHost: a\r\n\r\n", http_errc::version_not_supported, 505},
      {"HTTP/0.9 style", "GET / HTTP/0.9\r\n\r\n", http_errc::version_not_supported, 505},
      {"relative target", "GET a/b HTTP/1.1\r\nHost: a\r\n\r\n", http_errc::bad_target, 400},
      {"fragment", "GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n", http_errc::bad_target, 400},
      {"obs-text in target", "GET /\xff HTTP/1.1\r\nHost: a\r\n\r\n", http_errc::bad_target, 400},
      {"asterisk outside OPTIONS", "GET * HTTP/1.1\r\nHost: a\r\n\r\n", http_errc::bad_target, 400},
      {"userinfo", "GET http://u@a/ HTTP/1.1\r\nHost: a\r\n\r\n", http_errc::bad_target, 400},
      {"CONNECT", "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n", http_errc::method_not_supported,
       501},
      {"1.1 without Host", "GET / HTTP/1.1\r\nX: 1\r\n\r\n", http_errc::missing_host, 400},
      {"two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", http_errc::multiple_host, 400},
      {"two Hosts in 1.0", "GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n", http_errc::multiple_host,
       400},
      {"bad Host", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", http_errc::bad_host, 400},
      {"Host with path", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", http_errc::bad_host, 400},
      {"absolute-form without Host", "GET http://a/ HTTP/1.1\r\n\r\n", http_errc::missing_host,
       400},
      {"chunk size not hex", post + "Transfer-Encoding: chunked\r\n\r\nzz\r\n",
       http_errc::bad_chunk_size, 400},
      {"chunk size empty", post + "Transfer-Encoding: chunked\r\n\r\n\r\n",
       http_errc::bad_chunk_size, 400},
      {"chunk size signed", post + "Transfer-Encoding: chunked\r\n\r\n+5\r\n",
       http_errc::bad_chunk_size, 400},
      {"chunk size 0x", post + "Transfer-Encoding: chunked\r\n\r\n0x5\r\n",
       http_errc::bad_chunk_size, 400},
      {"chunk size over the body limit", post + "Transfer-Encoding: chunked\r\n\r\nA00001\r\n",
       http_errc::body_too_large, 413},
      {"chunk size trailing space", post + "Transfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n",
       http_errc::bad_chunk_size, 400},
      {"chunk size bare LF", post + "Transfer-Encoding: chunked\r\n\r\n5\nhello\r\n",
       http_errc::bad_chunk_size, 400},
      {"chunk data too long", post + "Transfer-Encoding: chunked\r\n\r\n1\r\nxy\r\n0\r\n\r\n",
       http_errc::missing_chunk_crlf, 400},
      {"chunk data bare LF", post + "Transfer-Encoding: chunked\r\n\r\n1\r\nx\n0\r\n\r\n",
       http_errc::missing_chunk_crlf, 400},
      {"chunk ext bad name", post + "Transfer-Encoding: chunked\r\n\r\n1;=x\r\n",
       http_errc::bad_chunk_extension, 400},
      {"chunk ext trailing space", post + "Transfer-Encoding: chunked\r\n\r\n1;a \r\n",
       http_errc::bad_chunk_extension, 400},
      {"chunk ext bare LF", post + "Transfer-Encoding: chunked\r\n\r\n1;a\nx\r\n",
       http_errc::bad_chunk_extension, 400},
      {"chunk ext bad quoted", post + "Transfer-Encoding: chunked\r\n\r\n1;a=\"x\ny\"\r\n",
       http_errc::bad_chunk_extension, 400},
      {"chunk ext after quote", post + "Transfer-Encoding: chunked\r\n\r\n1;a=\"x\"y\r\n",
       http_errc::bad_chunk_extension, 400},
      {"trailer obs-fold", post + "Transfer-Encoding: chunked\r\n\r\n0\r\nA: 1\r\n 2\r\n\r\n",
       http_errc::obs_fold, 400},
      {"trailer space before colon", post + "Transfer-Encoding: chunked\r\n\r\n0\r\nA : 1\r\n\r\n",
       http_errc::space_before_colon, 400},
      {"trailer bare LF", post + "Transfer-Encoding: chunked\r\n\r\n0\r\nA: 1\n\r\n",
       http_errc::bad_trailer, 400},
      {"trailer NUL", post + "Transfer-Encoding: chunked\r\n\r\n0\r\nA: \0\r\n\r\n"s,
       http_errc::bad_trailer, 400},
      {"final CRLF missing LF", post + "Transfer-Encoding: chunked\r\n\r\n0\r\n\rX",
       http_errc::bare_cr, 400},
      {"too many empty lines", "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n" + get + "\r\n",
       http_errc::too_many_empty_lines, 400},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.what) {
      BOOST_TEST(error_of(c.bytes) == "error:"s + to_string(c.reason));
      BOOST_TEST(status_for(c.reason) == c.status);
    }
  }
}

struct accepted_request {
  const char* what;
  std::string bytes;
  std::vector<std::string> events;
};

BOOST_AUTO_TEST_CASE(valid_requests_give_head_body_and_end_however_cut) {
  const std::string post = "POST /p HTTP/1.1\r\nHost: a\r\n";
  const accepted_request cases[] = {
      {"get", "GET / HTTP/1.1\r\nHost: a\r\n\r\n", {"head GET /", "end"}},
      {"content-length",
       post + "Content-Length: 5\r\n\r\nhello",
       {"head POST /p", "body:hello", "end"}},
      {"identical CL lines merged",
       post + "Content-Length: 2\r\nContent-Length: 2\r\n\r\nhi",
       {"head POST /p", "body:hi", "end"}},
      {"identical CL list merged",
       post + "Content-Length: 2, 2\r\n\r\nhi",
       {"head POST /p", "body:hi", "end"}},
      {"zero length", post + "Content-Length: 0\r\n\r\n", {"head POST /p", "end"}},
      {"TE case-insensitive",
       post + "Transfer-Encoding:  ChUnKeD \r\n\r\n0\r\n\r\n",
       {"head POST /p", "body:0\r\n\r\n", "end"}},
      {"chunked passed through raw",
       post + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
       {"head POST /p", "body:5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "end"}},
      {"chunk extensions",
       post + "Transfer-Encoding: chunked\r\n\r\n3;a=b;c\r\nabc\r\nA ; n = \"q\\\"x\" ; m\r\n"
              "0123456789\r\n0;last\r\n\r\n",
       {"head POST /p",
        "body:3;a=b;c\r\nabc\r\nA ; n = \"q\\\"x\" ; m\r\n0123456789\r\n0;last\r\n\r\n", "end"}},
      {"trailers",
       post + "Transfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\nExpires: never\r\nX-Sum: 1\r\n\r\n",
       {"head POST /p", "body:1\r\nx\r\n0\r\nExpires: never\r\nX-Sum: 1\r\n\r\n", "end"}},
      {"leading empty lines", "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", {"head GET /", "end"}},
      {"pipelined pair",
       post + "Content-Length: 3\r\n\r\nabcGET /2 HTTP/1.1\r\nHost: a\r\n\r\n",
       {"head POST /p", "body:abc", "end", "head GET /2", "end"}},
      {"pipelined after chunked with a stray CRLF",
       post + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n\r\nGET /2 HTTP/1.0\r\n\r\n",
       {"head POST /p", "body:0\r\n\r\n", "end", "head GET /2", "end"}},
      {"options asterisk", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", {"head OPTIONS *", "end"}},
      {"http/1.0 without host", "GET / HTTP/1.0\r\n\r\n", {"head GET /", "end"}},
      {"body bytes wait for more",
       post + "Content-Length: 10\r\n\r\nabc",
       {"head POST /p", "body:abc"}},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.what) {
      BOOST_TEST(run_all_splits(c.bytes).events == c.events);
    }
  }
}

BOOST_AUTO_TEST_CASE(head_gives_fields_framing_and_derived_facts) {
  auto r =
      run("POST /a/b?x=1 HTTP/1.1\r\nHost: Example.COM:8080\r\nX-Twice: 1\r\nx-twice: 2\r\n"
          "Content-Length: 4\r\nExpect: 100-continue\r\n\r\nbody");
  BOOST_TEST_REQUIRE(r.heads.size() == 1u);
  const auto& h = r.heads[0];
  BOOST_TEST(h.method == "POST");
  BOOST_TEST(h.target == "/a/b?x=1");
  BOOST_TEST(h.path == "/a/b");
  BOOST_TEST(h.minor_version == 1);
  BOOST_TEST(h.host == "Example.COM:8080");
  BOOST_TEST(h.headers.size() == 5u);
  BOOST_TEST(h.headers.count("X-TWICE") == 2u);
  BOOST_TEST(*h.headers.find("x-twice") == "1");
  BOOST_TEST(h.headers.fields()[2].name == "x-twice");  // order and spelling kept
  BOOST_TEST(h.framing.kind == http_body_framing::content_length);
  BOOST_TEST(h.framing.content_length == 4u);
  BOOST_TEST(h.keep_alive);
  BOOST_TEST(h.expect_100_continue);
  BOOST_TEST(!h.upgrade);
}

struct keep_alive_case {
  const char* what;
  std::string bytes;
  bool keep_alive;
};

BOOST_AUTO_TEST_CASE(keep_alive_follows_version_and_connection) {
  const keep_alive_case cases[] = {
      {"1.1 default", "GET / HTTP/1.1\r\nHost: a\r\n\r\n", true},
      {"1.1 close", "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", false},
      {"1.1 close in a list", "GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, CLOSE\r\n\r\n", false},
      {"1.0 default", "GET / HTTP/1.0\r\n\r\n", false},
      {"1.0 keep-alive", "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true},
      {"1.0 keep-alive and close",
       "GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n", false},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.what) {
      auto r = run(c.bytes);
      BOOST_TEST_REQUIRE(r.heads.size() == 1u);
      BOOST_TEST(r.heads[0].keep_alive == c.keep_alive);
    }
  }
}

BOOST_AUTO_TEST_CASE(expect_100_continue_only_in_http_1_1) {
  auto r11 = run("PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n");
  BOOST_TEST_REQUIRE(r11.heads.size() == 1u);
  BOOST_TEST(r11.heads[0].expect_100_continue);
  // The head comes before any body byte: the proxy can answer 100 (or 417) at that point.
  BOOST_TEST(r11.events == std::vector<std::string>{"head PUT /"});
  auto r10 = run("PUT / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx");
  BOOST_TEST_REQUIRE(r10.heads.size() == 1u);
  BOOST_TEST(!r10.heads[0].expect_100_continue);  // RFC 9110 §10.1.1: ignored in 1.0
}

BOOST_AUTO_TEST_CASE(upgrade_waits_for_the_backend_then_tunnels_or_goes_on) {
  const std::string bytes =
      "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"
      "\x81\x05hello GET / HTTP/1.1\r\n";
  auto accepted = run_all_splits(bytes);
  BOOST_TEST(accepted.heads.at(0).upgrade);
  BOOST_TEST(accepted.events ==
             (std::vector<std::string>{"head GET /ws", "end", "upgrade",
                                       "tunnel:\x81\x05hello GET / HTTP/1.1\r\n"}));
  auto declined =
      run("GET /ws HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: h2c\r\n\r\n"
          "GET /2 HTTP/1.1\r\nHost: a\r\n\r\n",
          0, {}, false, false);
  BOOST_TEST(declined.events ==
             (std::vector<std::string>{"head GET /ws", "end", "upgrade", "head GET /2", "end"}));
  // Upgrade without the connection option, or in 1.0, is not an upgrade.
  BOOST_TEST(!run("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n").heads.at(0).upgrade);
  BOOST_TEST(!run("GET / HTTP/1.0\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n")
                  .heads.at(0)
                  .upgrade);
}

BOOST_AUTO_TEST_CASE(absolute_form_target_overrides_host) {
  auto r =
      run("GET HTTP://Backend.example:81/x/y?q HTTP/1.1\r\nHost: other\r\n\r\n"
          "GET https://b HTTP/1.1\r\nHost: b\r\n\r\n"
          "GET http://c?q=1 HTTP/1.1\r\nHost: c\r\n\r\n");
  BOOST_TEST_REQUIRE(r.heads.size() == 3u);
  BOOST_TEST((r.heads[0].target_form == http_target_form::absolute));
  BOOST_TEST(r.heads[0].host == "Backend.example:81");
  BOOST_TEST(r.heads[0].path == "/x/y");
  BOOST_TEST(r.heads[1].host == "b");
  BOOST_TEST(r.heads[1].path == "/");
  BOOST_TEST(r.heads[2].path == "/");
  BOOST_TEST(error_of("GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n") == "error:bad_target");
  BOOST_TEST(error_of("GET http://a b/ HTTP/1.1\r\nHost: a\r\n\r\n") == "error:bad_request_line");
  BOOST_TEST(error_of("GET http://[::1/ HTTP/1.1\r\nHost: a\r\n\r\n") == "error:bad_host");
}

BOOST_AUTO_TEST_CASE(limits_give_431_414_and_413) {
  http_limits small;
  small.max_head = 128;
  small.max_header_fields = 3;
  small.max_target = 32;
  small.max_body = 10;
  auto status = [&](const std::string& bytes) {
    auto r = run_all_splits(bytes, small);
    return status_for(r.error.reason);
  };
  BOOST_TEST(status("GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(200, 'x') + "\r\n\r\n") ==
             431);
  BOOST_TEST(status("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n") == 431);
  BOOST_TEST(status("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n") == 0);
  BOOST_TEST(status("GET /" + std::string(32, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n") == 414);
  BOOST_TEST(status("GET /" + std::string(31, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n") == 0);
  // A target that also overflows the head is still a 414, and found before its end.
  BOOST_TEST(status("GET /" + std::string(500, 'a')) == 414);
  BOOST_TEST(status("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n") == 413);
  BOOST_TEST(status("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789") == 0);
  BOOST_TEST(status("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "5\r\nhello\r\n6\r\n") == 413);
  BOOST_TEST(status("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n") == 0);
  // Trailers count against max_head and max_header_fields.
  BOOST_TEST(status("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n"
                    "A: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\n\r\n") == 431);
  // 0 = no body limit.
  http_limits unlimited;
  unlimited.max_body = 0;
  auto r = run("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999\r\n\r\n", 0, unlimited);
  BOOST_TEST(r.heads.size() == 1u);
  BOOST_TEST(r.error.reason == http_errc::none);
  // Without a body limit a chunk size is still bounded by 64 bits.
  auto overflow = run_all_splits(
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
      "FFFFFFFFFFFFFFFF\r\n",
      unlimited);
  BOOST_TEST(overflow.error.reason == http_errc::none);
  overflow = run_all_splits(
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
      "10000000000000000\r\n",
      unlimited);
  BOOST_TEST(overflow.error.reason == http_errc::bad_chunk_size);
}

BOOST_AUTO_TEST_CASE(defaults_are_16k_head_100_fields_8k_target_10m_body) {
  http_limits l;
  BOOST_TEST(l.max_head == 16u * 1024);
  BOOST_TEST(l.max_header_fields == 100u);
  BOOST_TEST(l.max_target == 8u * 1024);
  BOOST_TEST(l.max_body == 10u * 1024 * 1024);
  std::string fields;
  for (int i = 0; i < 101; ++i) fields += "X" + std::to_string(i) + ": v\r\n";
  BOOST_TEST(error_of("GET / HTTP/1.1\r\nHost: a\r\n" + fields + "\r\n") ==
             "error:too_many_headers");
}

BOOST_AUTO_TEST_CASE(an_error_inside_a_body_comes_after_the_valid_bytes) {
  auto r = run_all_splits(
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
      "2\r\nok\r\nzz\r\n");
  BOOST_TEST(r.events ==
             (std::vector<std::string>{"head POST /", "body:2\r\nok\r\n", "error:bad_chunk_size"}));
}

BOOST_AUTO_TEST_CASE(errors_are_sticky) {
  http_request_parser p;
  std::string_view in = "GET / HTTP/9.9\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n";
  BOOST_TEST((p.next(in).what == kind::error));
  BOOST_TEST((p.next(in).what == kind::error));
  BOOST_TEST((p.finish().what == kind::error));
  BOOST_TEST((p.error().reason == http_errc::version_not_supported));
}

BOOST_AUTO_TEST_CASE(close_is_clean_only_between_requests) {
  BOOST_TEST(run("", 0, {}, true).events == std::vector<std::string>{"closed"});
  BOOST_TEST(run("GET / HTTP/1.1\r\nHost: a\r\n\r\n", 0, {}, true).events ==
             (std::vector<std::string>{"head GET /", "end", "closed"}));
  BOOST_TEST(run("GET / HTTP/1.1\r\nHo", 0, {}, true).events ==
             std::vector<std::string>{"error:incomplete_message"});
  BOOST_TEST(run("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nab", 0, {}, true).events ==
             (std::vector<std::string>{"head POST /", "body:ab", "error:incomplete_message"}));
}

BOOST_AUTO_TEST_CASE(raw_head_is_the_bytes_received) {
  http_request_parser p;
  std::string_view in = "\r\nGET / HTTP/1.1\r\nHost:  a \r\n\r\nrest";
  BOOST_TEST((p.next(in).what == kind::head));
  BOOST_TEST(p.raw_head() == "GET / HTTP/1.1\r\nHost:  a \r\n\r\n");
  BOOST_TEST(*p.head().headers.find("host") == "a");
  BOOST_TEST(in == "rest");
}

BOOST_AUTO_TEST_SUITE_END()
