// The HTTP response parser: every framing of RFC 9112 §6.3, fed whole and one byte at a
// time, and a reason for every response a check must not trust.
#include "actors/probe/http_response.hpp"

#include <boost/test/unit_test.hpp>
#include <ostream>

using namespace hamesh::probe;

namespace hamesh::probe {
// For Boost.Test's messages.
std::ostream& operator<<(std::ostream& os, http_response_parser::state s) {
  return os << to_string(s);
}
}  // namespace hamesh::probe
using state = http_response_parser::state;
using namespace std::string_literals;

namespace {

struct outcome {
  state s;
  int status;
  std::string body;
  std::string error;
};

// Feeds `bytes` in pieces of `piece` bytes (0: in one go), then the close when asked.
outcome parse(const std::string& bytes, size_t piece = 0, bool close = false,
              bool want_body = true) {
  http_response_parser p(want_body);
  if (piece == 0) {
    p.feed(bytes);
  } else {
    for (size_t i = 0; i < bytes.size(); i += piece)
      p.feed(std::string_view(bytes).substr(i, piece));
  }
  if (close) p.finish();
  return {p.current(), p.status_code(), p.body(), p.error()};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(http_response_tests)

struct good_case {
  const char* what;
  std::string bytes;
  bool close;  // the server closes after the bytes
  int status;
  std::string body;
};

BOOST_AUTO_TEST_CASE(complete_responses_give_status_and_body_however_the_bytes_are_split) {
  const good_case cases[] = {
      {"content-length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", false, 200, "hello"},
      {"zero length", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false, 200, ""},
      {"repeated identical length", "HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nhi", false, 200,
       "hi"},
      {"chunked",
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n "
       "world\r\n0\r\n\r\n",
       false, 200, "hello world"},
      {"chunk extensions and trailers",
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n3;name=\"v\"\r\nabc\r\nA ; x\r\n"
       "0123456789\r\n0\r\nExpires: never\r\nX-Sum: 1\r\n\r\n",
       false, 200, "abc0123456789"},
      {"transfer-encoding wins over content-length",
       "HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: "
       "chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n",
       false, 200, "x"},
      {"read until close", "HTTP/1.0 200 OK\r\nServer: old\r\n\r\nall of it", true, 200,
       "all of it"},
      {"bare LF line ends", "HTTP/1.1 503 Busy\nContent-Length: 1\n\nx", false, 503, "x"},
      {"no reason phrase", "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", false, 200, ""},
      {"interim 100 skipped",
       "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\nz", false,
       201, "z"},
      {"204 has no body", "HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n", false, 204, ""},
      {"304 has no body", "HTTP/1.1 304 Not Modified\r\n\r\n", false, 304, ""},
      {"folded header", "HTTP/1.1 200 OK\r\nX-Long: a\r\n  b\r\nContent-Length: 0\r\n\r\n", false,
       200, ""},
      {"chunked closed after last chunk",
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n", true, 200, ""},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.what) {
      for (size_t piece : {size_t(0), size_t(1), size_t(2), size_t(7)}) {
        auto o = parse(c.bytes, piece, c.close);
        BOOST_TEST(o.s == state::complete, "piece " << piece << ": " << o.error);
        BOOST_TEST(o.status == c.status);
        BOOST_TEST(o.body == c.body);
      }
    }
  }
}

struct bad_case {
  const char* what;
  std::string bytes;
  bool close;
  std::string error;
};

BOOST_AUTO_TEST_CASE(malformed_responses_are_errors_with_a_reason) {
  const bad_case cases[] = {
      {"not http", "SSH-2.0-OpenSSH_9.2\r\n", false,
       "bad status line (expected \"HTTP/1.x NNN reason\")"},
      {"http/2 preface", "HTTP/2 200\r\n\r\n", false,
       "bad status line (expected \"HTTP/1.x NNN reason\")"},
      {"two digit status", "HTTP/1.1 20 OK\r\n\r\n", false, "bad status code"},
      {"four digit status", "HTTP/1.1 2000 OK\r\n\r\n", false, "bad status code"},
      {"status out of range", "HTTP/1.1 600 Huh\r\n\r\n", false, "status code 600 out of range"},
      {"header without colon", "HTTP/1.1 200 OK\r\nBroken header\r\n\r\n", false,
       "header line without a colon"},
      {"space before colon", "HTTP/1.1 200 OK\r\nContent-Length : 1\r\n\r\n", false,
       "bad character in header name"},
      {"control in value", "HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n"s, false,
       "control character in header value"},
      {"bare CR", "HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n", false, "bare CR inside a line"},
      {"fold before any header", "HTTP/1.1 200 OK\r\n folded\r\n\r\n", false,
       "continuation line before any header"},
      {"conflicting lengths", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx",
       false, "conflicting Content-Length"},
      {"conflicting list", "HTTP/1.1 200 OK\r\nContent-Length: 1,2\r\n\r\nx", false,
       "conflicting Content-Length"},
      {"negative length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", false,
       "bad Content-Length"},
      {"overflowing length", "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
       false, "Content-Length too large"},
      {"length over the body limit", "HTTP/1.1 200 OK\r\nContent-Length: 1048577\r\n\r\n", false,
       "body of 1048577 bytes is larger than the 1048576 byte limit"},
      {"non-hex chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", false,
       "bad chunk size (not hex)"},
      {"overflowing chunk size",
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n11111111111111111\r\n", false,
       "chunk size too large"},
      {"chunk without its CRLF",
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxyz\r\n", false,
       "missing CRLF after chunk data"},
      {"closed before anything", "", true, "connection closed before any response"},
      {"closed in the head", "HTTP/1.1 200 OK\r\nServer: x", true,
       "connection closed inside the response head"},
      {"closed in the body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", true,
       "connection closed with 7 body bytes missing"},
      {"closed in chunks", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", true,
       "connection closed inside the chunked body"},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.what) {
      for (size_t piece : {size_t(0), size_t(1), size_t(3)}) {
        auto o = parse(c.bytes, piece, c.close);
        BOOST_TEST(o.s == state::error, "piece " << piece);
        BOOST_TEST(o.error == c.error);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(a_partial_response_needs_more) {
  for (std::string bytes : {"", "HTTP/1.1 200", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nab",
                            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n"}) {
    BOOST_TEST_CONTEXT(bytes) {
      BOOST_TEST((parse(bytes).s == state::need_more));
    }
  }
}

BOOST_AUTO_TEST_CASE(a_head_over_16_kib_is_refused) {
  std::string big = "HTTP/1.1 200 OK\r\nX-Big: " + std::string(17000, 'a') + "\r\n\r\n";
  for (size_t piece : {size_t(0), size_t(1000)}) {
    auto o = parse(big, piece);
    BOOST_TEST((o.s == state::error));
    BOOST_TEST(o.error == "response head larger than 16384 bytes");
  }
}

BOOST_AUTO_TEST_CASE(a_body_read_until_close_over_the_limit_is_refused) {
  http_response_parser p(true, {16 * 1024, 10, 16 * 1024});
  p.feed("HTTP/1.1 200 OK\r\n\r\n0123456789");
  BOOST_TEST((p.current() == state::need_more));
  p.feed("x");
  BOOST_TEST((p.current() == state::error));
  BOOST_TEST(p.error() == "body larger than the 10 byte limit");
}

BOOST_AUTO_TEST_CASE(without_want_body_the_response_completes_after_the_head) {
  auto o =
      parse("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 100\r\n\r\n", 0, false, false);
  BOOST_TEST((o.s == state::complete));
  BOOST_TEST(o.status == 503);
  BOOST_TEST(o.body.empty());
}

BOOST_AUTO_TEST_CASE(headers_and_reason_are_exposed) {
  http_response_parser p;
  p.feed(
      "HTTP/1.0 404 Not Found\r\nContent-Type: text/plain\r\nX-Multi: a\r\n\tb\r\n"
      "Content-Length: 0\r\n\r\n");
  BOOST_REQUIRE((p.current() == state::complete));
  BOOST_TEST(p.minor_version() == 0);
  BOOST_TEST(p.reason() == "Not Found");
  BOOST_REQUIRE(p.header("content-type"));
  BOOST_TEST(*p.header("CONTENT-TYPE") == "text/plain");
  BOOST_REQUIRE(p.header("x-multi"));
  BOOST_TEST(*p.header("x-multi") == "a b");
  BOOST_TEST(!p.header("missing"));
}

BOOST_AUTO_TEST_CASE(bytes_after_a_complete_response_are_ignored) {
  http_response_parser p;
  p.feed("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxGARBAGE");
  BOOST_TEST((p.current() == state::complete));
  BOOST_TEST(p.body() == "x");
  BOOST_TEST((p.feed("more garbage") == state::complete));
  BOOST_TEST((p.finish() == state::complete));
}

BOOST_AUTO_TEST_SUITE_END()
