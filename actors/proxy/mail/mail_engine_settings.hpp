#pragma once
// What one [[proxy.mail]] listener's engine runs on. Plain data; the config section is parsed
// into it by mail_proxy_config.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "actors/proxy/mail/mail_directory.hpp"
#include "actors/proxy/mail/mail_limits.hpp"
#include "actors/proxy/mail/mail_prelogin_settings.hpp"
#include "runtime/net/tls_server_context.hpp"

namespace hamesh::proxy::mail {

enum class mail_protocol { imap, pop3 };
enum class mail_tls_mode {
  none,      // plain only
  starttls,  // plain, STARTTLS / STLS offered
  implicit,  // TLS from the first byte (993, 995)
};

struct mail_member_address {
  uint32_t address = 0;  // IPv4, host order
  uint16_t port = 0;
};

// A storage pair: the members that hold the same mailboxes. The first healthy member in
// order is the one logins go to (the storage side's primary, once it tells us).
struct mail_pair_settings {
  std::string name;
  std::vector<mail_member_address> members;
};

struct mail_engine_settings {
  uint32_t address = 0;  // IPv4, host order (0: any)
  uint16_t port = 0;     // 0: the kernel picks
  mail_protocol protocol = mail_protocol::imap;
  mail_tls_mode tls_mode = mail_tls_mode::none;
  std::shared_ptr<const net::tls_server_context> tls;  // set unless tls_mode is none
  mail_prelogin_settings prelogin;                     // tls_available/tls_active follow tls_mode
  mail_limits limits;
  std::vector<mail_pair_settings> pairs;
  mail_directory_settings directory;
  // Log in at the backend as this master user for every client (SASL PLAIN, authzid = the
  // user); empty: with the client's own credentials.
  std::string master_user, master_password;
  // The client's address to the backend (IMAP ID x-originating-ip, POP3 XCLIENT).
  bool forward_client_address = true;
  // A client not logged in this long after connecting is closed (Dovecot: 3 min of login
  // inactivity; ours counts from the connect, so a slow trickle cannot hold a slot).
  std::chrono::milliseconds login_timeout{60000};
  std::chrono::milliseconds backend_connect_timeout{3000};
  // The backend's greeting and login answers, all of them, within this.
  std::chrono::milliseconds backend_login_timeout{10000};
  // Passive failure detection, as for HTTP: consecutive connect failures take a member out
  // for down_cooldown.
  unsigned failures_to_mark_down = 3;
  std::chrono::milliseconds down_cooldown{5000};
  // Bytes waiting for one side beyond which the other side is no longer read.
  size_t output_buffer_cap = 256 * 1024;
};

}  // namespace hamesh::proxy::mail
