// The protocol side of mail_engine: a client's pre-login steps (the state machines decide,
// this carries out), the login at a member of the user's storage pair, and the switch to
// splicing bytes both ways.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "actors/proxy/mail/mail_engine_impl.hpp"

namespace hamesh::proxy::mail {
namespace {

constexpr size_t max_held_input = 64 * 1024;  // client bytes held before login, per connection
constexpr auto linger_time = std::chrono::seconds(2);

// Both state machines have the same surface; whichever this client has.
template <typename F>
auto with_core(mail_client& c, F&& f) {
  return c.imap ? f(*c.imap) : f(*c.pop3);
}

template <typename F>
auto with_driver(mail_backend& b, F&& f) {
  return b.imap ? f(*b.imap) : f(*b.pop3);
}

bool limit_reason(mail_errc e) {
  return e == mail_errc::line_too_long || e == mail_errc::literal_too_large ||
         e == mail_errc::too_many_literals || e == mail_errc::too_many_bad_commands ||
         e == mail_errc::too_many_failed_logins;
}

}  // namespace

void mail_engine::impl::greet(mail_client& c) {
  act(c, with_core(c, [](auto& core) { return core.greeting(); }));
}

bool mail_engine::impl::handshake(mail_client& c) {
  using s = net::tls_session::status;
  switch (c.tls->handshake()) {
    case s::ok:
      mail_engine_counters::add(counters_.tls_handshakes);
      c.readable = true;  // a command may have come with the handshake's last flight
      c.last_progress = now_;
      if (c.state == mail_client::phase::handshake) {  // implicit TLS
        set_phase(c, mail_client::phase::prelogin);
        greet(c);
      } else {  // after STARTTLS / STLS
        act(c, with_core(c, [](auto& core) { return core.tls_started(); }));
      }
      return true;
    case s::want_read:
      c.readable = false;
      return false;
    case s::want_write:
      return false;
    default:
      mail_engine_counters::add(counters_.tls_failures);
      close_client(c);
      return false;
  }
}

void mail_engine::impl::pump_client(mail_client& c) {
  using phase = mail_client::phase;
  if (c.tls && !c.tls->established() && !handshake(c)) return;
  size_t before = c.pending_out();
  if (!flush(c)) return close_client(c);
  if (c.pending_out() != before) c.last_progress = now_;
  if (c.backend && c.backend->paused && c.pending_out() <= settings_.output_buffer_cap) {
    c.backend->paused = false;
    mark_ready(*c.backend);
  }
  if (c.start_tls_after_flush && c.pending_out() == 0) {
    c.start_tls_after_flush = false;
    // Plaintext sent after STARTTLS is never run as a command (RFC 2595 §3.1).
    std::string().swap(c.in);
    c.tls = std::make_unique<net::tls_session>(settings_.tls, c.fd);
    if (!handshake(c)) return;
    if (!flush(c)) return close_client(c);
  }
  if (c.state == phase::closing) {
    if (c.pending_out() > 0) return;
    // Shut our side, then read until the client closes, so that closing with unread bytes
    // does not reset the connection before the client has read our last answer.
    if (c.tls) c.tls->close_notify();
    ::shutdown(c.fd, SHUT_WR);
    c.state = phase::lingering;
    c.linger_deadline = now_ + linger_time;
  }
  if (c.state == phase::lingering) {
    char sink[4096];
    for (;;) {
      ssize_t n = ::recv(c.fd, sink, sizeof sink, 0);
      if (n > 0 || (n < 0 && errno == EINTR)) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      return close_client(c);
    }
  }
  if (c.state == phase::proxying) return pump_proxy(c);
  if (c.state == phase::handshake) return;
  auto r = read_into(c, max_held_input);
  if (r == read_result::failed) return close_client(c);
  if (c.eof) return close_client(c);  // gone before logging in: nothing to finish
  if (c.state == phase::prelogin) feed_prelogin(c);
  if (!c.dead && c.pending_out() > 0 && !flush(c)) close_client(c);
}

void mail_engine::impl::feed_prelogin(mail_client& c) {
  while (!c.dead && c.state == mail_client::phase::prelogin && !c.in.empty() &&
         with_core(c, [](auto& core) { return core.wants_client_data(); })) {
    std::string_view in(c.in);
    auto step = with_core(c, [&in](auto& core) { return core.on_client_data(in); });
    size_t consumed = c.in.size() - in.size();
    c.in.erase(0, consumed);
    bool go_on = act(c, std::move(step));
    if (!go_on || consumed == 0) break;
  }
  if (c.in.empty()) std::string().swap(c.in);
}

void mail_engine::impl::count_refusals(mail_client& c) {
  if (!c.imap && !c.pop3) return;
  unsigned refused = with_core(c, [](auto& core) { return core.bad_commands(); });
  if (refused > c.refused_seen)
    mail_engine_counters::add(counters_.refused_commands, refused - c.refused_seen);
  c.refused_seen = refused;
}

bool mail_engine::impl::act(mail_client& c, prelogin_step step) {
  count_refusals(c);
  if (!step.to_client.empty()) {
    c.out.append(step.to_client);
    step.to_client.clear();
    mark_ready(c);
  }
  if (step.delay > duration::zero()) {  // the rest waits: sweep() carries it out
    c.held_until = now_ + std::chrono::duration_cast<steady::duration>(step.delay);
    step.delay = duration::zero();
    c.held = std::move(step);
    set_phase(c, mail_client::phase::delayed);
    return false;
  }
  if (!step.to_client_after_delay.empty()) {
    c.out.append(step.to_client_after_delay);
    mark_ready(c);
  }
  if (step.close) {
    if (limit_reason(with_core(c, [](auto& core) { return core.close_reason(); })))
      mail_engine_counters::add(counters_.closed_by_limits);
    set_phase(c, mail_client::phase::closing);
    c.last_progress = now_;
    mark_ready(c);
    return false;
  }
  if (step.start_tls) {
    c.start_tls_after_flush = true;
    mark_ready(c);
    return false;
  }
  if (step.login) {
    start_login(c, std::move(*step.login));
    return false;
  }
  return true;
}

void mail_engine::impl::start_login(mail_client& c, login_request request) {
  set_phase(c, mail_client::phase::logging_in);
  auto pair = directory_.pair_for(request.user);
  c.login = std::move(request);
  if (!pair) {
    // No pair holds this user: a failed login, worded like any other (no hint that the
    // name is unknown).
    mail_engine_counters::add(counters_.logins_failed);
    return finish_login(c, with_core(c, [](auto& core) { return core.login_failed(""); }));
  }
  c.pair = *pair;
  c.tried.assign(settings_.pairs[c.pair].members.size(), false);
  try_next_member(c);
}

void mail_engine::impl::try_next_member(mail_client& c) {
  for (size_t m = 0; m < c.tried.size(); ++m)
    if (!c.tried[m] && eligible(c.pair, m)) return connect_member(c, m);
  mail_engine_counters::add(counters_.logins_unavailable);
  finish_login(c, with_core(c, [](auto& core) { return core.login_unavailable(); }));
}

void mail_engine::impl::connect_member(mail_client& c, size_t member) {
  c.tried[member] = true;
  const auto& to = settings_.pairs[c.pair].members[member];
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(to.address);
  a.sin_port = htons(to.port);
  if (fd < 0 ||
      (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 && errno != EINPROGRESS)) {
    if (fd >= 0) ::close(fd);
    auto& state = members_[c.pair][member];
    mail_engine_counters::add(counters_.member(c.pair, member).failures);
    if (++state.consecutive_failures >= settings_.failures_to_mark_down) {
      state.down_until = now_ + settings_.down_cooldown;
      state.consecutive_failures = 0;
    }
    publish_up(c.pair, member);
    return try_next_member(c);
  }
  backends_.emplace_back();
  auto& b = backends_.back();
  b.self = std::prev(backends_.end());
  b.fd = fd;
  b.pair = c.pair;
  b.member = member;
  b.client = &c;
  c.backend = &b;
  b.deadline = now_ + settings_.backend_connect_timeout;
  const auto& r = *c.login;
  backend_login_settings s;
  if (!settings_.master_user.empty()) {
    s.user = r.user.name();
    s.master_user = settings_.master_user;
    s.password = settings_.master_password;
  } else if (!r.authzid.empty() && r.authzid != r.authcid) {
    // The client itself logs in as someone else (PLAIN with an authzid): passed on as is.
    s.user = r.authzid;
    s.master_user = r.authcid;
    s.password = r.password;
  } else {
    s.user = r.authcid;
    s.password = r.password;
  }
  if (settings_.forward_client_address) {
    s.client_ip = c.ip;
    s.client_port = c.port;
    s.local_ip = c.local_ip;
    s.local_port = c.local_port;
    char id[32];
    std::snprintf(id, sizeof id, "hamesh-%llx", static_cast<unsigned long long>(c.id));
    s.session_id = id;
  }
  if (settings_.protocol == mail_protocol::imap)
    b.imap = std::make_unique<imap_backend_login>(std::move(s), settings_.limits);
  else
    b.pop3 = std::make_unique<pop3_backend_login>(std::move(s), settings_.limits);
  watch(fd, &b);
}

void mail_engine::impl::pump_backend(mail_backend& b) {
  if (b.connecting) {
    if (!b.connect_event) return;
    int error = 0;
    socklen_t len = sizeof error;
    ::getsockopt(b.fd, SOL_SOCKET, SO_ERROR, &error, &len);
    if (error != 0) return member_failed(b, true);
    b.connecting = false;
    members_[b.pair][b.member].consecutive_failures = 0;
    b.deadline = now_ + settings_.backend_login_timeout;
  }
  if (!flush(b)) {
    if (!b.logged_in) return member_failed(b, false);
    b.eof = true;  // the backend went away: the client gets the rest, then the close
  }
  auto* c = b.client;
  if (!c) return close_backend(b);
  if (c->paused && b.pending_out() <= settings_.output_buffer_cap) {
    c->paused = false;
    mark_ready(*c);
  }
  if (b.logged_in) {
    if (c->eof && b.pending_out() == 0) {  // the client's last bytes are delivered
      close_backend(b);
      return close_client(*c);
    }
    if (!b.eof) {
      if (c->pending_out() > settings_.output_buffer_cap) {
        b.paused = true;  // the client's writable edge resumes us
        return;
      }
      if (read_into(b, 64 * 1024) == read_result::failed) b.eof = true;
      if (!b.in.empty()) {
        c->out.append(b.in);
        std::string().swap(b.in);
        mark_ready(*c);
      }
      if (b.readable && !b.eof) mark_ready(b);  // stopped at the limit: more to read
    }
    if (b.eof) {
      close_backend(b);
      set_phase(*c, mail_client::phase::closing);
      c->last_progress = now_;
      mark_ready(*c);
    }
    return;
  }
  if (read_into(b, 64 * 1024) == read_result::failed) b.eof = true;
  for (;;) {
    std::string_view in(b.in);
    auto step = with_driver(b, [&in](auto& d) { return d.on_backend_data(in); });
    size_t consumed = b.in.size() - in.size();
    b.in.erase(0, consumed);
    bool decided = step.outcome != backend_step::verdict::pending;
    on_backend_step(b, step);
    if (decided || b.dead || b.logged_in || consumed == 0) break;
  }
  if (!b.dead && !b.logged_in && b.eof &&
      with_driver(b, [](auto& d) { return d.verdict(); }) == backend_step::verdict::pending)
    on_backend_step(b, with_driver(b, [](auto& d) { return d.on_backend_closed(); }));
}

void mail_engine::impl::on_backend_step(mail_backend& b, const backend_step& step) {
  if (!step.to_backend.empty()) {
    b.out.append(step.to_backend);
    mark_ready(b);
  }
  switch (step.outcome) {
    case backend_step::verdict::pending:
      return;
    case backend_step::verdict::logged_in:
      return start_proxying(*b.client, b);
    case backend_step::verdict::auth_failed: {
      auto& c = *b.client;
      std::string reply = with_driver(b, [](auto& d) { return d.reply(); });
      close_backend(b);
      mail_engine_counters::add(counters_.logins_failed);
      return finish_login(c,
                          with_core(c, [&reply](auto& core) { return core.login_failed(reply); }));
    }
    case backend_step::verdict::backend_error:
      return member_failed(b, false);
  }
}

void mail_engine::impl::member_failed(mail_backend& b, bool connect_failure) {
  mail_engine_counters::add(counters_.member(b.pair, b.member).failures);
  if (connect_failure) {
    auto& state = members_[b.pair][b.member];
    if (++state.consecutive_failures >= settings_.failures_to_mark_down) {
      state.down_until = now_ + settings_.down_cooldown;
      state.consecutive_failures = 0;
    }
    publish_up(b.pair, b.member);
  }
  auto* c = b.client;
  close_backend(b);
  if (c && !c->dead && c->state == mail_client::phase::logging_in) try_next_member(*c);
}

void mail_engine::impl::finish_login(mail_client& c, prelogin_step step) {
  c.login.reset();  // the password goes
  set_phase(c, mail_client::phase::prelogin);
  if (act(c, std::move(step))) feed_prelogin(c);
  mark_ready(c);
}

void mail_engine::impl::start_proxying(mail_client& c, mail_backend& b) {
  auto step = c.imap ? c.imap->login_succeeded(b.imap->capabilities())
                     : c.pop3->login_succeeded(b.pop3->reply());
  mail_engine_counters::add(counters_.logins_ok);
  mail_engine_counters::add(counters_.member(b.pair, b.member).logins);
  mail_engine_counters::add(counters_.member(b.pair, b.member).sessions);
  b.logged_in = true;
  count_refusals(c);
  c.login.reset();
  // What remains of the login: nothing. A proxied idle session holds its sockets only.
  c.imap.reset();
  c.pop3.reset();
  b.imap.reset();
  b.pop3.reset();
  c.out.append(step.to_client);
  // Bytes after the backend's last login line are the client's; what the client sent after
  // its login command is the backend's.
  c.out.append(b.in);
  std::string().swap(b.in);
  b.out.append(c.in);
  std::string().swap(c.in);
  set_phase(c, mail_client::phase::proxying);
  mark_ready(c);
  mark_ready(b);
}

void mail_engine::impl::pump_proxy(mail_client& c) {
  auto* b = c.backend;
  if (!b) {
    set_phase(c, mail_client::phase::closing);
    return mark_ready(c);
  }
  if (!c.eof) {
    if (b->pending_out() > settings_.output_buffer_cap) {
      c.paused = true;  // the backend's writable edge resumes us
      return;
    }
    if (read_into(c, 64 * 1024) == read_result::failed) return close_client(c);
    if (!c.in.empty()) {
      b->out.append(c.in);
      std::string().swap(c.in);
      mark_ready(*b);
    }
    if (c.readable && !c.eof) mark_ready(c);
  }
  if (c.eof) mark_ready(*b);  // the backend side closes both once it has every byte
}

void mail_engine::impl::login_expired(mail_client& c) {
  mail_engine_counters::add(counters_.login_timeouts);
  if (c.state == mail_client::phase::handshake) return close_client(c);
  if (c.backend) close_backend(*c.backend);
  c.login.reset();
  c.out.append(settings_.protocol == mail_protocol::imap ? "* BYE Disconnected for inactivity.\r\n"
                                                         : "-ERR Disconnected for inactivity.\r\n");
  set_phase(c, mail_client::phase::closing);
  c.last_progress = now_;
  mark_ready(c);
}

}  // namespace hamesh::proxy::mail
