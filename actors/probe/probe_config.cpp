#include "actors/probe/probe_config.hpp"

#include <set>

#include "config/endpoint.hpp"
#include "config/table_reader.hpp"

namespace hamesh::probe {
namespace {

using namespace std::chrono_literals;

const std::vector<std::string> kinds = {"icmp", "tcp",  "http", "https",
                                        "smtp", "imap", "pop3", "script"};

check_kind kind_named(const std::string& name) {
  for (size_t i = 0; i < kinds.size(); ++i)
    if (kinds[i] == name) return static_cast<check_kind>(i);
  return check_kind::tcp;
}

// "200", "200-299" or "2xx".
bool parse_status_range(const std::string& text, std::pair<int, int>& out) {
  auto digits = [](const std::string& s) {
    return s.size() == 3 && s.find_first_not_of("0123456789") == std::string::npos;
  };
  if (text.size() == 3 && text[0] >= '1' && text[0] <= '5' && text.substr(1) == "xx") {
    int base = (text[0] - '0') * 100;
    out = {base, base + 99};
    return true;
  }
  auto dash = text.find('-');
  std::string lo = text.substr(0, dash);
  std::string hi = dash == std::string::npos ? lo : text.substr(dash + 1);
  if (!digits(lo) || !digits(hi)) return false;
  out = {std::stoi(lo), std::stoi(hi)};
  return out.first >= 100 && out.second <= 599 && out.first <= out.second;
}

}  // namespace

check_settings parse_check(config::table_reader& t, const std::string& target_host,
                           uint16_t target_port) {
  check_settings c;
  if (auto v = t.choice("kind", kinds, true)) c.kind = kind_named(*v);
  bool networked = c.kind != check_kind::script;
  c.host = target_host;
  c.port = target_port;
  if (target_host.empty() && networked) {
    if (auto v = t.string("target", true)) {
      auto ep = config::split_endpoint(*v, false);
      if (ep) {
        c.host = ep->first;
        c.port = ep->second;
      } else if (c.kind == check_kind::icmp || well_known_port(c.kind) != 0) {
        c.host = *v;  // a bare host: the protocol's port (or none, for ICMP)
        c.port = well_known_port(c.kind);
      } else {
        t.error("target", "expected \"HOST:PORT\", found string \"" + *v + "\"");
      }
      if (c.host.empty()) t.error("target", "expected a host, found an empty string");
    }
  }
  if (auto v = t.integer("port", 1, 65535)) c.port = static_cast<uint16_t>(*v);
  if (auto v = t.duration_value("interval", 10ms, 1h)) c.interval = *v;
  if (auto v = t.duration_value("timeout", 1ms, 1h)) c.timeout = *v;
  if (c.timeout > c.interval)
    t.error("timeout", "expected at most the interval (" + format_duration(c.interval) +
                           "): attempts must not overlap, found " + format_duration(c.timeout));
  if (auto v = t.integer("rise", 1, 100)) c.rise = static_cast<int>(*v);
  if (auto v = t.integer("fall", 1, 100)) c.fall = static_cast<int>(*v);

  bool http = c.kind == check_kind::http || c.kind == check_kind::https;
  // Values are read first (so the key is known), then refused for the wrong kind.
  auto only_for = [&](const std::string& key, bool allowed, const char* kinds_text) {
    if (!allowed)
      t.error(key, std::string("applies only to ") + kinds_text + " checks, not to kind \"" +
                       to_string(c.kind) + "\"");
    return allowed;
  };
  if (auto v = t.string("path"); v && only_for("path", http, "http and https")) {
    if (v->empty() || v->front() != '/' || v->find_first_of(" \r\n") != std::string::npos)
      t.error("path",
              "expected a request path starting with \"/\" and without spaces, found "
              "string \"" +
                  *v + "\"");
    c.path = *v;
  }
  if (auto v = t.string("host"); v && only_for("host", http, "http and https")) c.host_header = *v;
  if (auto v = t.string_array("status"); v && only_for("status", http, "http and https")) {
    c.status.clear();
    for (auto& s : *v) {
      std::pair<int, int> range;
      if (parse_status_range(s, range))
        c.status.push_back(range);
      else
        t.error("status",
                "expected status codes like \"200\", \"200-299\" or \"2xx\", found "
                "string \"" +
                    s + "\"");
    }
    if (v->empty()) t.error("status", "expected at least one status code, found an empty array");
  }
  if (auto v = t.string("digest"); v && only_for("digest", http, "http and https")) {
    if (v->size() != 32 || v->find_first_not_of("0123456789abcdef") != std::string::npos)
      t.error("digest",
              "expected the MD5 of the body as 32 lowercase hex digits (genhash's "
              "output), found string \"" +
                  *v + "\"");
    c.digest = *v;
  }
  bool https = c.kind == check_kind::https;
  if (auto v = t.boolean("tls_verify"); v && only_for("tls_verify", https, "https"))
    c.tls_verify = *v;
  if (auto v = t.path("ca_file"); v && only_for("ca_file", https, "https")) c.ca_file = *v;
  if (auto v = t.string("sni"); v && only_for("sni", https, "https")) c.sni = *v;
  if (auto v = t.string("helo"); v && only_for("helo", c.kind == check_kind::smtp, "smtp"))
    c.helo_name = *v;
  bool mail = c.kind == check_kind::imap || c.kind == check_kind::pop3;
  if (auto v = t.string("user"); v && only_for("user", mail, "imap and pop3")) c.user = *v;
  if (auto v = t.string("password"); v && only_for("password", mail, "imap and pop3"))
    c.password = *v;
  if (!c.password.empty() && c.user.empty())
    t.error("password", "a password without a user: set user as well");
  for (auto* s : {&c.user, &c.password, &c.helo_name, &c.host_header, &c.sni})
    if (s->find_first_of("\r\n") != std::string::npos)
      t.error("", "check values must not contain line breaks (they go into protocol commands)");
  if (auto v = t.string_array("command", c.kind == check_kind::script);
      v && only_for("command", c.kind == check_kind::script, "script")) {
    {
      if (v->empty()) t.error("command", "expected [program, args...], found an empty array");
      c.command = *v;
      if (!c.command.empty() && !c.command[0].empty() &&
          c.command[0].find('/') != std::string::npos && c.command[0].front() != '/')
        c.command[0] = (t.context().base_dir / c.command[0]).lexically_normal().string();
    }
  }
  if (target_host.empty() && networked && c.kind != check_kind::icmp && c.port == 0 &&
      !c.host.empty())
    t.error("port", std::string("expected a port for a ") + to_string(c.kind) + " check");
  return c;
}

std::vector<standalone_probe> parse_standalone_probes(config::table_reader& probe) {
  std::vector<standalone_probe> out;
  std::set<std::string> names;
  for (auto& t : probe.array_of_tables("check")) {
    standalone_probe p;
    if (auto v = t.unique_name("name", names, "probe")) p.name = *v;
    p.check = parse_check(t, "", 0);
    t.finish();
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace hamesh::probe
