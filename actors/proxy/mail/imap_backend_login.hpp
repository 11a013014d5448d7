#pragma once
// The proxy's login at an IMAP backend on a client's behalf (Dovecot proxy's job), pure: the
// backend's bytes in, commands and a verdict out.
//
//   greeting "* OK [CAPABILITY ...]"      (no CAPABILITY in it: "A0 CAPABILITY" first)
//   A1 ID ("x-originating-ip" ...)         when the backend offers ID and client_ip is set
//   A2 AUTHENTICATE PLAIN <base64>         AUTH=PLAIN with SASL-IR, or a master user
//   A2 LOGIN <user> <password>             otherwise (quoted, or literals: "{N+}" with
//                                          LITERAL+/LITERAL-, else "{N}" waiting for "+")
//   A2 OK [CAPABILITY ...]                 logged_in (no code, no untagged CAPABILITY: asks
//                                          "A3 CAPABILITY" for the client's sake)
// ID and the login go in one write (RFC 3501 §5.5 allows it; a failed ID changes nothing).
//
// Verdicts: logged_in with capabilities(); auth_failed on a tagged NO with reply() kept for
// the client (response code included); backend_error on anything that says the backend, not
// the credentials, is the problem: BYE, PREAUTH, a BAD to our command, NO [UNAVAILABLE]
// (RFC 5530: a subsystem is down; the pair's other member may serve), a malformed or
// unexpected line, a line over max_line, no usable mechanism, or the connection closing.
// The shell feeds the backend's bytes until the verdict; bytes after the final line stay in
// its input (after logged_in they belong to the client).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "actors/proxy/mail/backend_login_settings.hpp"
#include "actors/proxy/mail/backend_step.hpp"
#include "actors/proxy/mail/imap_response_line.hpp"
#include "actors/proxy/mail/mail_errc.hpp"
#include "actors/proxy/mail/mail_limits.hpp"
#include "actors/proxy/mail/mail_line_reader.hpp"

namespace hamesh::proxy::mail {

class imap_backend_login {
 public:
  explicit imap_backend_login(backend_login_settings settings, mail_limits limits = {});

  // Takes the backend's bytes off the front of `input`, up to the line that decides at most.
  backend_step on_backend_data(std::string_view& input);
  // The backend closed the connection (or the shell gave up on it).
  backend_step on_backend_closed();

  backend_step::verdict verdict() const { return verdict_; }
  // logged_in: the backend's post-login capability list ("IMAP4rev1 IDLE ...").
  const std::string& capabilities() const { return capabilities_; }
  // auth_failed (and a backend_error the backend explained): its resp-text, response code
  // included, for the client's tagged NO.
  const std::string& reply() const { return reply_; }
  // Why, for the log: authentication_failed or one of the backend_* reasons.
  const mail_error& error() const { return error_; }
  // Whether the client's address went to the backend in an ID command it accepted.
  bool client_address_forwarded() const { return id_accepted_; }

 private:
  enum class phase { greeting, capability, login, capability_after_login, done };

  void on_line(const std::string& line, backend_step& step);
  void on_greeting(const imap_response_line& r, backend_step& step);
  void on_login_response(const imap_response_line& r, backend_step& step);
  void send_login(backend_step& step);
  void finish_if_done(backend_step& step);
  void skip_literal_at_end(std::string_view data_line);
  void succeed(backend_step& step);
  void fail(backend_step::verdict v, mail_errc reason, std::string text, backend_step& step);
  std::string id_command() const;

  backend_login_settings settings_;
  mail_limits limits_;
  mail_line_reader lines_;
  phase phase_ = phase::greeting;
  backend_step::verdict verdict_ = backend_step::verdict::pending;
  std::string greeting_capabilities_;
  std::string capabilities_;
  bool have_capabilities_ = false;   // capabilities_ holds a post-login list
  std::vector<std::string> chunks_;  // the rest of the login command, one per continuation
  bool id_pending_ = false;          // ID sent, its tagged response not yet read
  bool id_accepted_ = false;
  bool logged_in_ = false;        // the login's tagged OK is read
  uint64_t literal_left_ = 0;     // bytes of an untagged response's literal to skip
  bool inside_untagged_ = false;  // the next line continues an untagged response
  std::string reply_;
  mail_error error_;
};

}  // namespace hamesh::proxy::mail
