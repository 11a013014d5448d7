// SMTP_CHECK, and the IMAP and POP3 checks keepalived lacks (Dovecot proxies need them): the
// greeting, and when configured the login, each reply read with the mail_reply readers.
#include "actors/probe/check_attempt.hpp"
#include "actors/probe/mail_reply.hpp"

namespace hamesh::probe {
namespace {

// Reads until `reader` has a complete reply (or a protocol error) or the I/O gives up.
template <typename Reader>
io_result read_reply(deadline_socket& socket, Reader& reader,
                     std::chrono::steady_clock::time_point deadline) {
  char buffer[4096];
  while (reader.state() == reply_state::need_more) {
    auto got = socket.read_some(buffer, sizeof buffer, deadline);
    if (!got.ok()) return got;
    reader.feed(std::string_view(buffer, got.bytes));
  }
  return {};
}

// A polite goodbye once the verdict is known: sent, and its answer awaited a little, so the
// server logs a clean session instead of a dropped connection. Its outcome changes nothing.
template <typename Reader>
void say_goodbye(const check_attempt& attempt, deadline_socket& socket, Reader& reader,
                 std::string_view command) {
  auto until = attempt.goodbye_deadline();
  if (socket.write_all(command, until).ok()) read_reply(socket, reader, until);
}

// RFC 3501 §4.3: a quoted string, with " and \ escaped.
std::string imap_quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

check_result run_smtp_check(const check_attempt& attempt) {
  if (!fits_in_one_line(attempt.check.helo_name) || attempt.check.helo_name.empty())
    return failed_check("helo name is empty or contains a line break");
  deadline_socket socket;
  auto r = socket.connect(attempt.target, attempt.deadline);
  if (!r.ok()) return failed_check(attempt.describe(r, "the connection"));

  smtp_reply_reader reader;
  r = read_reply(socket, reader, attempt.deadline);
  if (!r.ok()) return failed_check(attempt.describe(r, "the banner"));
  if (reader.state() == reply_state::error) return failed_check("bad banner: " + reader.error());
  std::string banner = reader.reply().summary();
  if (reader.reply().code != 220) return failed_check("banner " + banner);

  r = socket.write_all("EHLO " + attempt.check.helo_name + "\r\n", attempt.deadline);
  if (r.ok()) {
    reader.next();
    r = read_reply(socket, reader, attempt.deadline);
  }
  if (!r.ok()) return failed_check(attempt.describe(r, "the EHLO reply"));
  if (reader.state() == reply_state::error)
    return failed_check("bad EHLO reply: " + reader.error());
  if (reader.reply().code != 250) return failed_check("EHLO answered " + reader.reply().summary());

  reader.next();
  say_goodbye(attempt, socket, reader, "QUIT\r\n");
  return passed_check("banner " + banner);
}

check_result run_imap_check(const check_attempt& attempt) {
  const auto& check = attempt.check;
  if (!fits_in_one_line(check.user) || !fits_in_one_line(check.password))
    return failed_check("user or password contains a line break");
  deadline_socket socket;
  auto r = socket.connect(attempt.target, attempt.deadline);
  if (!r.ok()) return failed_check(attempt.describe(r, "the connection"));

  imap_response_reader reader;
  r = read_reply(socket, reader, attempt.deadline);
  if (!r.ok()) return failed_check(attempt.describe(r, "the greeting"));
  if (reader.state() == reply_state::error) return failed_check("bad greeting: " + reader.error());
  std::string greeting = reader.response().summary();
  const std::string& condition = reader.response().condition;
  if (condition == "BYE") return failed_check("greeting " + greeting);

  // RFC 3501 §6.2.3: LOGIN belongs to the not-authenticated state; after PREAUTH the server
  // already let us in and the credentials are not asked for.
  if (check.user.empty() || condition == "PREAUTH") {
    reader.expect_tagged("a1");
    say_goodbye(attempt, socket, reader, "a1 LOGOUT\r\n");
    return passed_check("greeting " + greeting);
  }
  r = socket.write_all(
      "a1 LOGIN " + imap_quoted(check.user) + " " + imap_quoted(check.password) + "\r\n",
      attempt.deadline);
  if (r.ok()) {
    reader.expect_tagged("a1");
    r = read_reply(socket, reader, attempt.deadline);
  }
  if (!r.ok()) return failed_check(attempt.describe(r, "the LOGIN reply"));
  if (reader.state() == reply_state::error)
    return failed_check("bad LOGIN reply: " + reader.error());
  if (reader.response().condition != "OK")
    return failed_check("LOGIN refused: " + reader.response().summary());

  reader.expect_tagged("a2");
  say_goodbye(attempt, socket, reader, "a2 LOGOUT\r\n");
  return passed_check("greeting " + greeting + "; logged in as " + check.user);
}

check_result run_pop3_check(const check_attempt& attempt) {
  const auto& check = attempt.check;
  if (!fits_in_one_line(check.user) || !fits_in_one_line(check.password))
    return failed_check("user or password contains a line break");
  deadline_socket socket;
  auto r = socket.connect(attempt.target, attempt.deadline);
  if (!r.ok()) return failed_check(attempt.describe(r, "the connection"));

  pop3_reply_reader reader;
  r = read_reply(socket, reader, attempt.deadline);
  if (!r.ok()) return failed_check(attempt.describe(r, "the greeting"));
  if (reader.state() == reply_state::error) return failed_check("bad greeting: " + reader.error());
  std::string greeting = reader.reply().summary();
  if (!reader.reply().ok) return failed_check("greeting " + greeting);

  if (!check.user.empty()) {
    // RFC 1939 §7: USER then PASS, each answered +OK or -ERR.
    const std::pair<const char*, std::string> steps[] = {{"USER", check.user},
                                                         {"PASS", check.password}};
    for (const auto& [verb, value] : steps) {
      r = socket.write_all(std::string(verb) + " " + value + "\r\n", attempt.deadline);
      if (r.ok()) {
        reader.next();
        r = read_reply(socket, reader, attempt.deadline);
      }
      if (!r.ok()) return failed_check(attempt.describe(r, std::string("the ") + verb + " reply"));
      if (reader.state() == reply_state::error)
        return failed_check(std::string("bad ") + verb + " reply: " + reader.error());
      if (!reader.reply().ok)
        return failed_check(std::string(verb) + " refused: " + reader.reply().summary());
    }
  }
  reader.next();
  say_goodbye(attempt, socket, reader, "QUIT\r\n");
  return passed_check("greeting " + greeting +
                      (check.user.empty() ? "" : "; logged in as " + check.user));
}

}  // namespace hamesh::probe
