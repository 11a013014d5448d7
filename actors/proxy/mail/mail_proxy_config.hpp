#pragma once
// [[proxy.mail]]: one POP3 or IMAP listener (Dovecot's proxy), with its [[proxy.mail.pair]]
// storage pairs and the [proxy.mail.directory] that maps users to them.
#include <optional>
#include <string>
#include <vector>

#include "actors/probe/check_settings.hpp"
#include "actors/proxy/mail/mail_engine_settings.hpp"

namespace hamesh::config {
class table_reader;
}

namespace hamesh::proxy::mail {

struct mail_listener_config {
  std::string name;
  mail_engine_settings engine;  // engine.tls is loaded from `tls` by the actor
  net::tls_server_settings tls;
  // Per pair (same order), the [proxy.mail.pair.check] each member gets.
  std::vector<std::optional<probe::check_settings>> pair_checks;

  std::string fingerprint() const;
  // "probe/mail/<listener>/<pair>/<ip>_<port>", relative to the proxy subtree.
  std::string probe_name(size_t pair, size_t member) const;
  probe::check_settings check_for(size_t pair, size_t member) const;
};

// Reads the [[proxy.mail]] array of the [proxy] table.
std::vector<mail_listener_config> parse_mail_listeners(config::table_reader& proxy);

}  // namespace hamesh::proxy::mail
