// Any bytes as a sequence of SMTP replies, IMAP responses or POP3 status lines: each reader
// answers need more, a reply or an error with a reason, never crashes, and reads the same
// replies however the bytes were cut into reads.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "actors/probe/mail_reply.hpp"

using namespace hamesh::probe;

namespace {

void check_state(reply_state s, const std::string& error) {
  if ((s == reply_state::error) == error.empty()) std::abort();
}

// Feeds all of `bytes` (first piece `first` long, then `piece` at a time), then reads reply
// after reply until the reader needs more or fails; returns what it saw, one line each.
template <typename Reader, typename Next, typename Describe>
std::vector<std::string> read_all(Reader reader, std::string_view bytes, size_t first, size_t piece,
                                  Next next, Describe describe) {
  size_t at = 0, size = first;
  while (at < bytes.size()) {
    size_t n = size < bytes.size() - at ? size : bytes.size() - at;
    check_state(reader.feed(bytes.substr(at, n)), reader.error());
    at += n;
    size = piece;
  }
  std::vector<std::string> seen;
  // Every complete reply consumes at least one line, so this ends within size + 1 rounds.
  for (size_t round = 0; round <= bytes.size() + 1; ++round) {
    check_state(reader.state(), reader.error());
    if (reader.state() == reply_state::need_more) {
      seen.push_back("need more");
      return seen;
    }
    if (reader.state() == reply_state::error) {
      seen.push_back("error " + reader.error());
      return seen;
    }
    seen.push_back(describe(reader));
    next(reader, round);
  }
  std::abort();  // a reader that completes without consuming input
}

std::vector<std::string> run(uint8_t kind, size_t max_line, std::string_view bytes, size_t first,
                             size_t piece) {
  switch (kind % 3) {
    case 0:
      return read_all(
          smtp_reply_reader(max_line), bytes, first, piece,
          [](smtp_reply_reader& r, size_t) { r.next(); },
          [](const smtp_reply_reader& r) {
            if (r.reply().code < 100 || r.reply().code > 599 || r.reply().lines.empty() ||
                r.reply().lines.size() > smtp_reply_reader::max_lines)
              std::abort();
            return r.reply().summary();
          });
    case 1:
      return read_all(
          imap_response_reader(max_line), bytes, first, piece,
          [](imap_response_reader& r, size_t round) {
            r.expect_tagged("a" + std::to_string(round));
          },
          [](const imap_response_reader& r) {
            const auto& c = r.response().condition;
            if (c != "OK" && c != "NO" && c != "BAD" && c != "BYE" && c != "PREAUTH") std::abort();
            return r.response().summary();
          });
    default:
      return read_all(
          pop3_reply_reader(max_line), bytes, first, piece,
          [](pop3_reply_reader& r, size_t) { r.next(); },
          [](const pop3_reply_reader& r) { return r.reply().summary(); });
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  // First byte: the protocol and a small or normal line limit; second: where to cut.
  uint8_t kind = data[0] & 0x0f;
  size_t max_line = (data[0] & 0x10) ? 16 : 8192;
  size_t cut = data[1];
  std::string_view bytes(reinterpret_cast<const char*>(data + 2), size - 2);
  auto whole = run(kind, max_line, bytes, bytes.size() + 1, 1);
  auto two_pieces = run(kind, max_line, bytes, cut, bytes.size() + 1);
  auto bytewise = run(kind, max_line, bytes, 1, 1);
  if (whole != two_pieces || whole != bytewise) std::abort();
  return 0;
}
