#include "actors/proxy/mail/mail_proxy_config.hpp"

#include <set>

#include "actors/probe/probe_config.hpp"
#include "config/table_reader.hpp"
#include "config/tls_listener_keys.hpp"
#include "runtime/ipv4_text.hpp"

namespace hamesh::proxy::mail {
namespace {

using namespace std::chrono_literals;

std::chrono::milliseconds ms(duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d);
}

}  // namespace

std::string mail_listener_config::fingerprint() const {
  auto& e = engine;
  std::string out = "listen=" + format_ipv4(e.address) + ":" + std::to_string(e.port) +
                    ";proto=" + (e.protocol == mail_protocol::imap ? "imap" : "pop3") +
                    ";tls=" + std::to_string(int(e.tls_mode)) + ":" + config::tls_fingerprint(tls) +
                    ";plain=" + (e.prelogin.allow_plaintext_auth ? "1" : "0") +
                    ";greeting=" + e.prelogin.greeting + ";master=" + e.master_user + "/" +
                    std::to_string(std::hash<std::string>{}(e.master_password)) +
                    ";fwd=" + (e.forward_client_address ? "1" : "0") + ";pairs=";
  for (size_t i = 0; i < e.pairs.size(); ++i) {
    out += e.pairs[i].name + (i < pair_checks.size() && pair_checks[i] ? "/checked" : "") + "[";
    for (auto& m : e.pairs[i].members)
      out += format_ipv4(m.address) + ":" + std::to_string(m.port) + ",";
    out += "]";
  }
  out += ";dir=";
  for (auto& [user, pair] : e.directory.users) out += user + "=" + pair + ",";
  out += "|";
  for (auto& p : e.directory.hash_pairs) out += p + ",";
  out += e.directory.hash_by_domain ? "domain" : "user";
  auto& l = e.limits;
  out += ";limits=" + std::to_string(l.max_line) + "," + std::to_string(l.max_literal) + "," +
         std::to_string(l.max_failed_logins) + "," + std::to_string(l.max_bad_commands) + "," +
         std::to_string(l.first_failure_delay.count()) + "," +
         std::to_string(l.max_failure_delay.count()) +
         ";timeouts=" + std::to_string(e.login_timeout.count()) + "," +
         std::to_string(e.backend_connect_timeout.count()) + "," +
         std::to_string(e.backend_login_timeout.count());
  return out;
}

std::string mail_listener_config::probe_name(size_t pair, size_t member) const {
  auto& m = engine.pairs[pair].members[member];
  return "probe/mail/" + name + "/" + engine.pairs[pair].name + "/" + format_ipv4(m.address) + "_" +
         std::to_string(m.port);
}

probe::check_settings mail_listener_config::check_for(size_t pair, size_t member) const {
  auto c = *pair_checks[pair];
  auto& m = engine.pairs[pair].members[member];
  c.host = format_ipv4(m.address);
  if (c.port == 0) c.port = m.port;
  return c;
}

std::vector<mail_listener_config> parse_mail_listeners(config::table_reader& proxy) {
  std::vector<mail_listener_config> out;
  std::set<std::string> names;
  for (auto& t : proxy.array_of_tables("mail")) {
    mail_listener_config l;
    auto& e = l.engine;
    if (auto v = t.unique_name("name", names, "mail listener")) l.name = *v;
    if (auto v = t.choice("protocol", {"imap", "pop3"}, true))
      e.protocol = *v == "imap" ? mail_protocol::imap : mail_protocol::pop3;
    if (auto ep = t.ipv4_endpoint("listen", true)) {
      e.address = ep->first;
      e.port = ep->second;
    }
    config::read_tls_listener_keys(t, l.tls);
    if (auto v = t.choice("tls", {"none", "starttls", "implicit"})) {
      e.tls_mode = *v == "none"       ? mail_tls_mode::none
                   : *v == "starttls" ? mail_tls_mode::starttls
                                      : mail_tls_mode::implicit;
      if (e.tls_mode != mail_tls_mode::none && l.tls.certificates.empty())
        t.error("tls", "\"" + *v + "\" needs a [[proxy.mail.certificate]]");
    }
    if (e.tls_mode == mail_tls_mode::none && !l.tls.certificates.empty())
      t.error("tls", "certificates are configured: say tls = \"starttls\" or \"implicit\"");
    if (auto v = t.boolean("allow_plaintext_auth")) e.prelogin.allow_plaintext_auth = *v;
    if (auto v = t.string("greeting")) {
      if (v->empty() || v->find_first_of("\r\n") != std::string::npos)
        t.error("greeting", "expected one line of text");
      e.prelogin.greeting = *v;
    }
    if (auto v = t.boolean("forward_client_address")) e.forward_client_address = *v;
    auto master = t.string("master_user");
    auto master_password = t.string("master_password");
    if (master.has_value() != master_password.has_value())
      t.error(master ? "master_password" : "master_user",
              "master_user and master_password go together");
    if (master && master_password) {
      e.master_user = *master;
      e.master_password = *master_password;
    }
    if (auto v = t.duration_value("login_timeout", 1s, 1h)) e.login_timeout = ms(*v);
    if (auto v = t.duration_value("backend_connect_timeout", 1ms, 10min))
      e.backend_connect_timeout = ms(*v);
    if (auto v = t.duration_value("backend_login_timeout", 10ms, 10min))
      e.backend_login_timeout = ms(*v);
    if (auto v = t.integer("max_line_bytes", 512, 1 << 20)) e.limits.max_line = size_t(*v);
    if (auto v = t.integer("max_literal_bytes", 64, 1 << 20)) e.limits.max_literal = size_t(*v);
    if (auto v = t.integer("max_failed_logins", 1, 100)) e.limits.max_failed_logins = unsigned(*v);
    if (auto v = t.integer("max_bad_commands", 1, 1000)) e.limits.max_bad_commands = unsigned(*v);
    if (auto v = t.duration_value("failure_delay", 0s, 1min)) e.limits.first_failure_delay = *v;
    if (auto v = t.duration_value("max_failure_delay", 0s, 10min)) e.limits.max_failure_delay = *v;

    std::set<std::string> pairs;
    for (auto& p : t.array_of_tables("pair")) {
      mail_pair_settings pair;
      if (auto v = p.unique_name("name", pairs, "pair")) pair.name = *v;
      if (auto members = p.ipv4_endpoint_array("members", true))
        for (auto& [address, port] : *members) pair.members.push_back({address, port});
      std::optional<probe::check_settings> check;
      if (auto c = p.table("check")) {
        check = probe::parse_check(*c, "0.0.0.0", 0);  // aimed at each member by check_for()
        c->finish();
      }
      p.finish();
      e.pairs.push_back(std::move(pair));
      l.pair_checks.push_back(std::move(check));
    }
    if (e.pairs.empty()) t.error("pair", "expected at least one [[proxy.mail.pair]]");
    auto known_pair = [&](config::table_reader& r, const std::string& key, const std::string& n) {
      if (!pairs.count(n))
        r.error(key, "no [[proxy.mail.pair]] named \"" + n + "\" in this listener");
    };
    if (auto d = t.table("directory")) {
      if (auto users = d->table("users")) {
        for (auto& user : users->keys()) {
          auto pair = users->string(user, true);
          if (!pair) continue;
          bool whole_domain = !user.empty() && user[0] == '@';
          std::string why;
          // "@example.org": every user of the domain, checked as a name with a local part.
          auto name = parse_mail_user(whole_domain ? "x" + user : user, &why);
          if (!name) {
            users->error(user, "expected a user name or \"@domain\": " + why);
            continue;
          }
          known_pair(*users, user, *pair);
          // Stored as routing looks it up: the domain in lower case.
          e.directory.users[whole_domain ? "@" + name->domain : name->name()] = *pair;
        }
        users->finish();
      }
      if (auto hash = d->string_array("hash")) {
        for (auto& p : *hash) known_pair(*d, "hash", p);
        e.directory.hash_pairs = *hash;
      }
      if (auto v = d->choice("hash_by", {"user", "domain"}))
        e.directory.hash_by_domain = *v == "domain";
      d->finish();
    } else {
      for (auto& p : e.pairs) e.directory.hash_pairs.push_back(p.name);  // everyone, spread
    }
    t.finish();
    out.push_back(std::move(l));
  }
  return out;
}

}  // namespace hamesh::proxy::mail
