// The backend side of http_engine: choosing a server, connecting or reusing a kept-alive
// connection, framing the response back to the client, and the failure rules.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "actors/proxy/http/http_affinity.hpp"
#include "actors/proxy/http/http_engine_impl.hpp"

namespace hamesh::proxy::http {
namespace {
constexpr size_t read_chunk = 64 * 1024;
}  // namespace

bool http_engine::impl::dispatch(http_client_conn& c, int status_when_none) {
  auto& pool = pools_[c.request.pool];
  for (;;) {
    auto s = pool.picker.pick(now_, c.request.failed_server, c.request.preferred);
    if (!s) {
      http_engine_counters::add(status_when_none == 503 ? counters_.unavailable
                                                        : counters_.bad_gateway);
      reply(c, status_when_none);
      return false;
    }
    auto& sc = counters_.server(c.request.pool, *s);
    c.request.server = *s;
    c.request.set_cookie = settings_.pools[c.request.pool].affinity == http_affinity::cookie &&
                           c.request.preferred != s;
    ++c.request.attempts;
    pool.picker.request_started(*s);
    c.request.counted = true;
    http_engine_counters::add(sc.requests);
    http_engine_counters::add(sc.active);
    http_backend_conn* b = nullptr;
    auto& idle = pool.idle[*s];
    while (!idle.empty() && !b) {
      auto* candidate = idle.back();
      idle.pop_back();
      candidate->idle = false;
      if (!candidate->dead) b = candidate;
    }
    if (!b) b = connect(c.request.pool, *s);
    if (!b) {  // refused on the spot (loopback does that)
      http_engine_counters::add(sc.failures);
      pool.picker.connect_failed(*s, now_);
      publish_up(c.request.pool, *s);
      release_server(c);
      if (c.request.attempts < 2 && c.request.idempotent && c.request.replayable) {
        c.request.failed_server = *s;
        status_when_none = 502;
        continue;
      }
      http_engine_counters::add(counters_.bad_gateway);
      reply(c, 502);
      return false;
    }
    b->client = &c;
    c.backend = b;
    b->out.append(c.request.replay);
    b->framer.expect_response(c.request.method, c.request.upgrade);
    if (!b->connecting) b->deadline = now_ + settings_.backend_response_timeout;
    mark_ready(*b);
    return true;
  }
}

http_backend_conn* http_engine::impl::connect(size_t pool, size_t server) {
  const auto& to_server = settings_.pools[pool].servers[server];
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return nullptr;
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(to_server.address);
  to.sin_port = htons(to_server.port);
  int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to);
  if (rc != 0 && errno != EINPROGRESS) {
    ::close(fd);
    return nullptr;
  }
  backends_.emplace_back(settings_.limits);
  auto& b = backends_.back();
  b.self = std::prev(backends_.end());
  b.fd = fd;
  b.pool = pool;
  b.server = server;
  b.deadline = now_ + settings_.backend_connect_timeout;
  // Writable (or an error) tells the connect's outcome, also when it already succeeded.
  watch(fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, &b);
  return &b;
}

void http_engine::impl::pump_backend(http_backend_conn& b) {
  if (b.connecting) {
    if (!b.connect_event) return;
    int error = 0;
    socklen_t len = sizeof error;
    ::getsockopt(b.fd, SOL_SOCKET, SO_ERROR, &error, &len);
    if (error != 0) return request_failed(b, failure::connect);
    on_connected(b);
  }
  size_t before = b.pending_out();
  if (!flush(b, false)) {
    // The backend is gone; what it answered (if anything) is still to be read.
    b.out.clear();
    b.out_off = 0;
    b.readable = true;
  }
  if (b.client && b.pending_out() != before)
    b.deadline =
        now_ + (b.tunnel ? settings_.tunnel_idle_timeout : settings_.backend_response_timeout);
  // Tunnel: the client ended its side and every byte of it reached the backend.
  if (b.tunnel && b.client && b.client->eof && !b.shut_write && b.pending_out() == 0) {
    ::shutdown(b.fd, SHUT_WR);
    b.shut_write = true;
  }
  // Drained below the cap: the client filling it may be read again.
  if (b.client && b.client->paused && b.pending_out() <= settings_.output_buffer_cap) {
    b.client->paused = false;
    mark_ready(*b.client);
  }
  char buf[read_chunk];
  while (b.readable && !b.dead) {
    if (b.client && b.client->pending_out() > settings_.output_buffer_cap) {
      b.paused = true;  // the client's EPOLLOUT resumes us
      return;
    }
    ssize_t n = ::recv(b.fd, buf, sizeof buf, 0);
    if (n > 0) {
      // Bytes on an idle connection answer nothing we asked: not reusable.
      if (!b.client) return close_backend(b);
      b.deadline =
          now_ + (b.tunnel ? settings_.tunnel_idle_timeout : settings_.backend_response_timeout);
      feed_response(b, std::string_view(buf, size_t(n)));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      b.readable = false;
    } else {
      b.readable = false;
      return on_backend_eof(b);
    }
  }
}

void http_engine::impl::on_connected(http_backend_conn& b) {
  b.connecting = false;
  pools_[b.pool].picker.connect_succeeded(b.server);
  publish_up(b.pool, b.server);
  b.deadline = now_ + settings_.backend_response_timeout;
}

void http_engine::impl::feed_response(http_backend_conn& b, std::string_view input) {
  using kind = http_response_event::kind;
  while (!b.dead && b.client) {
    auto& c = *b.client;
    auto ev = b.framer.next(input);
    switch (ev.what) {
      case kind::need_more:
        return;
      case kind::interim:  // 100 Continue and friends go through as received
        http_engine_counters::add(counters_.responses_of(100));
        c.request.response_bytes += ev.data.size();
        c.out.append(ev.data.data(), ev.data.size());
        mark_ready(c);
        break;
      case kind::head: {
        const auto& head = b.framer.head();
        http_engine_counters::add(counters_.responses_of(head.status));
        c.request.response_started = true;
        if (head.status == 101) {
          start_tunnel(b, ev.data);
          break;
        }
        // The client closes after this response when it asked to, when we drain, when the
        // response ends early (the rest of the request would be garbage on the connection)
        // or when the response itself says so (its own version/Connection, or read-to-close).
        c.request.close_after = c.request.close_after || !c.request.keep_alive || draining_ ||
                                c.eof || !c.request.done || !head.keep_alive;
        std::string extra;
        if (c.request.close_after && !head.headers.has_token("Connection", "close"))
          extra += "Connection: close\r\n";
        if (c.request.set_cookie && head.status >= 200) {
          auto& pool = settings_.pools[c.request.pool];
          extra += affinity_cookie_line(pool.cookie_name, pool.servers[c.request.server]);
        }
        auto before = c.out.size();
        if (extra.empty())
          c.out.append(ev.data.data(), ev.data.size());
        else
          c.out.append(head.with_fields(extra));
        c.request.response_bytes += c.out.size() - before;
        mark_ready(c);
        break;
      }
      case kind::body:
        c.request.response_bytes += ev.data.size();
        c.out.append(ev.data.data(), ev.data.size());
        mark_ready(c);
        break;
      case kind::message_end:
        // Bytes past the response's end answer nothing: such a connection is not reused.
        return on_response_end(b, input.empty());
      case kind::tunnel:
        c.request.response_bytes += ev.data.size();
        c.out.append(ev.data.data(), ev.data.size());
        mark_ready(c);
        break;
      case kind::closed:
        return request_failed(b, failure::malformed);
      case kind::error:
        return request_failed(b, b.framer.error().reason == http_errc::closed_before_response
                                     ? failure::closed_early
                                     : failure::malformed);
    }
  }
}

void http_engine::impl::on_response_end(http_backend_conn& b, bool reusable) {
  auto& c = *b.client;
  reusable = reusable && b.framer.head().keep_alive && c.request.done && !draining_;
  b.client = nullptr;
  c.backend = nullptr;
  log_access(c, b.framer.head().status, true);
  release_server(c);
  auto& idle = pools_[b.pool].idle[b.server];
  if (reusable && idle.size() < settings_.max_idle_per_server) {
    b.idle = true;
    b.paused = false;
    idle.push_back(&b);
    if (b.readable) mark_ready(b);  // bytes or a close already waiting: see them now
  } else {
    close_backend(b);
  }
  next_request(c);
}

void http_engine::impl::start_tunnel(http_backend_conn& b, std::string_view head) {
  auto& c = *b.client;
  http_engine_counters::add(counters_.tunnels);
  c.request.response_bytes += head.size();
  c.out.append(head.data(), head.size());
  log_access(c, 101, true);
  release_server(c);  // answered; the tunnel is no longer a request outstanding
  b.tunnel = true;
  b.deadline = now_ + settings_.tunnel_idle_timeout;
  c.state = http_client_conn::phase::tunnel;
  mark_ready(c);  // bytes the client sent after its request go through now
}

void http_engine::impl::on_backend_eof(http_backend_conn& b) {
  if (!b.client) return close_backend(b);
  if (b.tunnel) {  // the backend ended the tunnel: the client gets the rest, then the close
    auto& c = *b.client;
    close_backend(b);
    c.state = http_client_conn::phase::closing;
    return mark_ready(c);
  }
  auto ev = b.framer.finish();
  if (ev.what == http_response_event::kind::message_end) return on_response_end(b, false);
  if (ev.what == http_response_event::kind::error &&
      b.framer.error().reason != http_errc::closed_before_response)
    return request_failed(b, failure::malformed);
  request_failed(b, failure::closed_early);
}

void http_engine::impl::request_failed(http_backend_conn& b, failure f) {
  auto* c = b.client;
  size_t server = b.server;
  http_engine_counters::add(counters_.server(b.pool, server).failures);
  if (f == failure::connect) {
    pools_[b.pool].picker.connect_failed(server, now_);
    publish_up(b.pool, server);
  }
  close_backend(b);
  if (!c) return;
  release_server(*c);
  // Nothing reached the client and the whole request can be sent again: one more server.
  bool may_retry = f == failure::connect || f == failure::closed_early;
  if (may_retry && c->request.idempotent && c->request.replayable && !c->request.response_started &&
      c->request.attempts < 2) {
    c->request.failed_server = server;
    dispatch(*c, 502);
    return;
  }
  if (c->request.response_started) return close_client(*c);
  http_engine_counters::add(f == failure::timeout ? counters_.gateway_timeout
                                                  : counters_.bad_gateway);
  reply(*c, f == failure::timeout ? 504 : 502);
}

void http_engine::impl::release_server(http_client_conn& c) {
  if (!c.request.counted) return;
  c.request.counted = false;
  pools_[c.request.pool].picker.request_finished(c.request.server);
  http_engine_counters::sub(counters_.server(c.request.pool, c.request.server).active);
}

void http_engine::impl::close_backend(http_backend_conn& b) {
  if (b.dead) return;
  if (b.idle) {
    auto& idle = pools_[b.pool].idle[b.server];
    idle.erase(std::remove(idle.begin(), idle.end(), &b), idle.end());
    b.idle = false;
  }
  if (b.client) {
    b.client->backend = nullptr;
    b.client = nullptr;
  }
  ::close(b.fd);
  b.fd = -1;
  b.dead = true;
  dead_backends_.push_back(b.self);
}

}  // namespace hamesh::proxy::http
