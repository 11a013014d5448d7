#pragma once
// One line of a server's responses (RFC 3501 §7, §9 "response"), as the backend login reads
// them: a continuation request, a status response (tagged OK/NO/BAD, untagged
// OK/NO/BAD/BYE/PREAUTH) with its response code, or untagged data ("* CAPABILITY ...").
// A line of untagged data may end in a literal; reading past it is the caller's job.
#include <optional>
#include <string>
#include <string_view>

namespace hamesh::proxy::mail {

struct imap_response_line {
  enum class kind {
    continuation,  // "+ ..." (RFC 3501 §7.5)
    status,        // tag or "*", then OK, NO, BAD, BYE or PREAUTH
    data,          // "*" then anything else
  };
  kind what = kind::data;
  std::string tag;        // status: the tag, or "*"
  std::string condition;  // status: OK, NO, BAD, BYE or PREAUTH, upper case
  // status: resp-text as sent ("[AUTHENTICATIONFAILED] Authentication failed."), the
  // response code included; continuation: what follows "+ ".
  std::string text;
  std::string code;  // status: inside the response code's brackets; empty without one
  std::string data;  // data: after "* " ("CAPABILITY IMAP4rev1 ...")

  bool untagged() const { return tag == "*"; }
  // The response code's atom, upper case ("CAPABILITY", "AUTHENTICATIONFAILED"), and what
  // follows it ("IMAP4rev1 SASL-IR ...").
  std::string code_name() const;
  std::string code_argument() const;
  // Untagged data's first word, upper case ("CAPABILITY", "ID", "3"), and what follows it.
  std::string data_name() const;
  std::string data_argument() const;
};

// nullopt for a line that is not a response: no valid tag, a tagged BYE/PREAUTH or unknown
// condition, a response code without its "]".
std::optional<imap_response_line> parse_imap_response_line(std::string_view line);

// Whether a space-separated capability list holds `name` (case-insensitive: RFC 3501 §9 atoms
// compare so).
bool imap_has_capability(std::string_view capabilities, std::string_view name);

}  // namespace hamesh::proxy::mail
