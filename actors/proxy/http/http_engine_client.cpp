// The client side of http_engine: reading, parsing and answering requests.
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "actors/proxy/http/http_affinity.hpp"
#include "actors/proxy/http/http_engine_impl.hpp"
#include "actors/proxy/http/http_forwarded_head.hpp"
#include "runtime/http_syntax.hpp"
#include "runtime/ipv4_text.hpp"

namespace hamesh::proxy::http {
namespace {

constexpr size_t read_chunk = 64 * 1024;
// Unparsed client bytes held (pipelined requests wait here): a head fits (max_head).
constexpr size_t max_client_input = 64 * 1024;
constexpr size_t max_replay = 64 * 1024;  // request bytes kept for a retry
constexpr auto linger_time = std::chrono::seconds(2);

// RFC 9110 §9.2.2.
bool idempotent(std::string_view m) {
  return m == "GET" || m == "HEAD" || m == "OPTIONS" || m == "PUT" || m == "DELETE" || m == "TRACE";
}

enum class received { data, eof, drained, blocked, failed };

// One read from the client, plain or through TLS. `blocked`: TLS must write first (the
// socket's next writable edge brings us back with `readable` still set).
received receive(http_client_conn& c, char* buffer, size_t capacity, size_t& got) {
  got = 0;
  if (c.tls) {
    using s = net::tls_session::status;
    switch (c.tls->read(buffer, capacity, got)) {
      case s::ok:
        return received::data;
      case s::want_read:
        return received::drained;
      case s::want_write:
        return received::blocked;
      case s::closed:
        return received::eof;
      case s::failed:
        return received::failed;
    }
  }
  for (;;) {
    ssize_t n = ::recv(c.fd, buffer, capacity, 0);
    if (n > 0) {
      got = size_t(n);
      return received::data;
    }
    if (n == 0) return received::eof;
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK ? received::drained : received::failed;
  }
}

}  // namespace

bool http_engine::impl::handshake(http_client_conn& c) {
  using s = net::tls_session::status;
  switch (c.tls->handshake()) {
    case s::ok:
      http_engine_counters::add(counters_.tls_handshakes);
      c.readable = true;  // a request may have come with the handshake's last flight
      c.last_progress = now_;
      return true;
    case s::want_read:
      c.readable = false;
      return false;
    case s::want_write:
      return false;
    default:
      http_engine_counters::add(counters_.tls_failures);
      close_client(c);
      return false;
  }
}

void http_engine::impl::pump_client(http_client_conn& c) {
  using phase = http_client_conn::phase;
  if (c.tls && !c.tls->established() && !handshake(c)) return;
  size_t before = c.pending_out();
  if (!flush(c, true)) return close_client(c);
  if (c.pending_out() != before) c.last_progress = now_;
  // The client drained below the cap: the backend filling it may be read again.
  if (c.backend && c.backend->paused && c.pending_out() <= settings_.output_buffer_cap) {
    c.backend->paused = false;
    mark_ready(*c.backend);
  }
  if (c.state == phase::closing) {
    if (c.pending_out() == 0) {
      // Shut the write side and drain what the client still sends, so our close does not
      // reset the connection before it has read the answer.
      if (c.tls) c.tls->close_notify();
      ::shutdown(c.fd, SHUT_WR);
      c.state = phase::lingering;
      c.linger_deadline = now_ + linger_time;
    } else {
      return;
    }
  }
  if (c.state == phase::lingering) {
    char sink[4096];
    while (c.readable) {
      ssize_t n = ::recv(c.fd, sink, sizeof sink, 0);
      if (n > 0) continue;
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        c.readable = false;
        return;
      }
      return close_client(c);  // EOF or error
    }
    return;
  }
  read_client(c);
  if (c.dead) return;
  if (c.state == phase::tunnel) return pump_tunnel(c);
  parse_requests(c);
  if (c.dead) return;
  if (c.pending_out() > 0 && !flush(c, true)) return close_client(c);
}

void http_engine::impl::read_client(http_client_conn& c) {
  char buf[read_chunk];
  while (c.readable && !c.eof && c.in.size() - c.in_off < max_client_input) {
    // Backpressure: the backend has not taken what this client sent yet.
    if (c.backend && c.backend->pending_out() > settings_.output_buffer_cap) {
      c.paused = true;
      return;
    }
    size_t n = 0;
    switch (receive(c, buf, sizeof buf, n)) {
      case received::data:
        if (c.in_off > 0 && c.in_off == c.in.size()) {
          c.in.clear();
          c.in_off = 0;
        }
        c.in.append(buf, n);
        http_engine_counters::add(counters_.bytes_in, uint64_t(n));
        if (c.state == http_client_conn::phase::waiting_head && !c.head_since) c.head_since = now_;
        break;
      case received::eof:
        c.eof = true;
        c.readable = false;
        break;
      case received::drained:
        c.readable = false;
        return;
      case received::blocked:
        return;
      case received::failed:
        return close_client(c);
    }
  }
}

void http_engine::impl::parse_requests(http_client_conn& c) {
  using phase = http_client_conn::phase;
  using kind = http_request_event::kind;
  for (;;) {
    if (c.dead || (c.state != phase::waiting_head && c.state != phase::in_request)) return;
    if (c.backend && c.backend->pending_out() > settings_.output_buffer_cap) {
      c.paused = true;
      return;
    }
    std::string_view input(c.in);
    input.remove_prefix(c.in_off);
    auto ev = c.parser.next(input);
    size_t consumed = c.in.size() - c.in_off - input.size();
    switch (ev.what) {
      case kind::need_more:
        c.in_off += consumed;
        if (c.eof) on_client_eof(c);
        return;
      case kind::head:
        c.in_off += consumed;
        on_request_head(c);
        break;
      case kind::body:
        on_request_body(c, ev.data);  // ev.data points into c.in: use it before moving on
        c.in_off += consumed;
        break;
      case kind::message_end:
        c.in_off += consumed;
        c.request.done = true;
        if (c.state == phase::in_request) c.state = phase::request_sent;
        break;
      case kind::upgrade_pending:
        // Tunnels are future work: the Upgrade field was not forwarded, the backend
        // answered the plain request, parsing goes on.
        c.parser.decline_upgrade();
        break;
      case kind::tunnel:
      case kind::closed:
        return close_client(c);
      case kind::error:
        return on_request_error(c);
    }
    if (c.in_off == c.in.size()) {
      c.in.clear();
      c.in_off = 0;
    }
  }
}

void http_engine::impl::on_request_head(http_client_conn& c) {
  const auto& head = c.parser.head();
  http_engine_counters::add(counters_.requests);
  c.head_since.reset();
  c.first_request = false;
  c.request = http_request_state{};
  c.request.method = head.method;
  c.request.target = head.target;
  c.request.minor_version = head.minor_version;
  c.request.started = now_;
  c.request.keep_alive = head.keep_alive;
  c.request.idempotent = idempotent(head.method);
  c.request.head_request = head.method == "HEAD";
  c.request.upgrade = head.upgrade;
  if (settings_.redirect_https_port) return redirect_to_https(c);
  auto route = router_->route(head.method, head.host, head.path, head.headers);
  if (!route) {
    http_engine_counters::add(counters_.not_found);
    return reply(c, 404);
  }
  c.request.pool = pool_index_of(route->pool);
  auto& pool_settings = settings_.pools[c.request.pool];
  if (pool_settings.affinity == http_affinity::cookie)
    c.request.preferred =
        server_from_cookie(head.headers, pool_settings.cookie_name, pool_settings.servers);
  else if (pool_settings.affinity == http_affinity::source)
    if (auto address = parse_ipv4(c.ip))
      c.request.preferred = server_from_source(*address, pool_settings.servers.size());
  c.request.replay =
      forwarded_request_head(head, c.ip, settings_.forwarded_headers, c.tls != nullptr);
  c.state = http_client_conn::phase::in_request;
  dispatch(c, 503);
}

void http_engine::impl::redirect_to_https(http_client_conn& c) {
  const auto& head = c.parser.head();
  // HTTP/1.0 without Host: nowhere to send the client.
  if (head.host.empty()) return reply(c, 400);
  std::string location = "https://" + std::string(host_without_port(head.host));
  if (*settings_.redirect_https_port != 443)
    location += ":" + std::to_string(*settings_.redirect_https_port);
  // An absolute-form target carries the scheme and authority: only its path and query go.
  std::string_view target = head.target;
  if (head.target_form == http_target_form::absolute) {
    auto slash = target.find('/', target.find("//") + 2);
    target = slash == std::string_view::npos ? "/" : target.substr(slash);
  } else if (head.target_form == http_target_form::asterisk) {
    target = "/";
  }
  location += target;
  bool keep_method = !(head.method == "GET" || head.method == "HEAD");
  http_engine_counters::add(counters_.redirects);
  http_engine_counters::add(counters_.responses_of(keep_method ? 308 : 301));
  auto answer = proxy_redirect(location, keep_method, c.request.head_request);
  c.request.response_bytes += answer.size();
  c.out.append(answer);
  log_access(c, keep_method ? 308 : 301, false);
  // A body, if any, is not read: the connection closes after the answer (lingering).
  c.state = http_client_conn::phase::closing;
  c.last_progress = now_;
  mark_ready(c);
}

void http_engine::impl::pump_tunnel(http_client_conn& c) {
  auto* b = c.backend;
  if (!b) {  // the backend side is over: the client gets what is left, then the close
    c.state = http_client_conn::phase::closing;
    return mark_ready(c);
  }
  if (c.in_off < c.in.size()) {
    b->out.append(c.in, c.in_off, std::string::npos);
    c.in.clear();
    c.in_off = 0;
    b->deadline = now_ + settings_.tunnel_idle_timeout;
    mark_ready(*b);
  }
  // The client ended its side: the backend's side ends once it has every byte.
  if (c.eof && !b->shut_write) mark_ready(*b);
}

void http_engine::impl::on_request_body(http_client_conn& c, std::string_view data) {
  if (!c.backend) return;
  c.backend->out.append(data.data(), data.size());
  mark_ready(*c.backend);
  if (!c.request.replayable) return;
  if (c.request.replay.size() + data.size() > max_replay) {
    c.request.replayable = false;
    std::string().swap(c.request.replay);
  } else {
    c.request.replay.append(data.data(), data.size());
  }
}

void http_engine::impl::on_request_error(http_client_conn& c) {
  http_engine_counters::add(counters_.parse_errors);
  if (c.backend) close_backend(*c.backend);  // the request on it is cut short
  release_server(c);
  if (c.request.response_started) return close_client(c);
  int status = status_for(c.parser.error().reason);
  reply(c, status == 0 ? 400 : status);
}

void http_engine::impl::on_client_eof(http_client_conn& c) {
  using phase = http_client_conn::phase;
  if (c.state == phase::waiting_head) return close_client(c);  // between requests or mid-head
  if (c.state == phase::in_request) {
    // Closed inside a body: the backend's request can never complete.
    if (c.backend) close_backend(*c.backend);
    return close_client(c);
  }
}

void http_engine::impl::reply(http_client_conn& c, int status) {
  http_engine_counters::add(counters_.responses_of(status));
  if (c.backend) close_backend(*c.backend);
  release_server(c);
  auto answer = proxy_reply(status, c.request.head_request);
  c.request.response_bytes += answer.size();
  c.out.append(answer);
  log_access(c, status, false);
  c.state = http_client_conn::phase::closing;
  c.last_progress = now_;
  mark_ready(c);
}

void http_engine::impl::log_access(http_client_conn& c, int status, bool by_server) {
  if (!settings_.access_log) return;
  auto& r = c.request;
  http_access_record a;
  a.client = c.ip;
  a.method = r.method.empty() ? "-" : r.method;
  a.target = r.target;
  a.minor_version = r.minor_version;
  a.status = status;
  a.bytes = r.response_bytes;
  auto started = r.started == steady::time_point{} ? now_ : r.started;
  a.duration_us = std::chrono::duration_cast<std::chrono::microseconds>(now_ - started).count();
  a.at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  a.pool = r.method.empty() || r.pool >= settings_.pools.size() || (!by_server && status == 404)
               ? "-"
               : settings_.pools[r.pool].name;
  if (by_server) {
    auto& s = settings_.pools[r.pool].servers[r.server];
    a.server = format_ipv4(s.address) + ":" + std::to_string(s.port);
  } else {
    a.server = "-";
  }
  settings_.access_log(a);
}

void http_engine::impl::next_request(http_client_conn& c) {
  using phase = http_client_conn::phase;
  if (c.request.close_after || !c.request.done || c.eof) {
    c.state = phase::closing;
  } else {
    c.state = phase::waiting_head;
    c.idle_since = now_;
    if (c.in_off < c.in.size()) c.head_since = now_;  // pipelined bytes already here
  }
  c.last_progress = now_;
  mark_ready(c);
}

void http_engine::impl::close_client(http_client_conn& c) {
  if (c.dead) return;
  if (c.backend) close_backend(*c.backend);
  release_server(c);
  ::close(c.fd);
  c.fd = -1;
  c.dead = true;
  http_engine_counters::sub(counters_.open);
  dead_clients_.push_back(c.self);
}

}  // namespace hamesh::proxy::http
