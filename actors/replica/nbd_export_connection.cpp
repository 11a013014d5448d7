// One connection's bytes through its nbd_server_session: read while the session takes them,
// submit what it asks for, send what it writes, close when it is done.
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "actors/replica/nbd_export_engine_impl.hpp"

namespace hamesh::replica {

void nbd_export_engine::impl::pump(nbd_connection& c) {
  if (c.fd < 0) return;
  if (!flush(c)) return close_socket(c);
  if (!stopping_) {
    if (c.pending_in() > 0) {
      std::string_view left(c.in.data() + c.in_off, c.pending_in());
      feed(c, left);
      c.in_off = c.in.size() - left.size();
      if (c.in_off == c.in.size()) {
        c.in.clear();
        c.in_off = 0;
      }
    }
    // Read only what the session can take now: a blocked session (max_inflight) or a client
    // that does not read its replies leaves the rest in the socket, and TCP pushes back.
    while (c.readable && !c.eof && c.pending_in() == 0 && !c.session->blocked() &&
           c.pending_out() <= settings_.max_output_backlog) {
      ssize_t n = ::recv(c.fd, scratch_.data(), scratch_.size(), 0);
      if (n > 0) {
        std::string_view bytes(scratch_.data(), size_t(n));
        feed(c, bytes);
        if (!bytes.empty()) {
          c.in.assign(bytes.data(), bytes.size());
          c.in_off = 0;
        }
        if (!flush(c)) return close_socket(c);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        c.readable = false;
        break;
      }
      c.eof = true;  // EOF or reset: nothing more will come
    }
    if (c.eof) c.session->on_client_closed();
  }
  if (!flush(c)) return close_socket(c);
  report(c);
  if (c.session->closed() && (c.pending_out() == 0 || c.eof)) close_socket(c);
}

void nbd_export_engine::impl::feed(nbd_connection& c, std::string_view& bytes) {
  // The session stops after each message; go on while it takes bytes or answers.
  for (;;) {
    size_t before_in = bytes.size(), before_out = c.out.size();
    std::optional<block_request> request = c.session->on_client_data(bytes, c.out);
    if (request)
      submit(c, std::move(*request));
    else if (bytes.size() == before_in && c.out.size() == before_out)
      break;
    if (c.pending_out() > settings_.max_output_backlog) break;
  }
}

bool nbd_export_engine::impl::flush(nbd_connection& c) {
  while (c.pending_out() > 0) {
    ssize_t n = ::send(c.fd, c.out.data() + c.out_off, c.pending_out(), MSG_NOSIGNAL);
    if (n > 0) {
      c.out_off += size_t(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    return false;
  }
  if (c.out_off == c.out.size()) {
    // A 32 MiB read reply leaves its capacity behind; an idle connection should not keep it.
    if (c.out.capacity() > (4u << 20))
      std::string().swap(c.out);
    else
      c.out.clear();
    c.out_off = 0;
  } else if (c.out_off > (1u << 20) && c.out_off * 2 > c.out.size()) {
    c.out.erase(0, c.out_off);
    c.out_off = 0;
  }
  return true;
}

void nbd_export_engine::impl::report(nbd_connection& c) {
  const nbd_session_tally& now = c.session->tally();
  for (size_t i = 0; i < now.requests.size(); ++i) {
    if (now.requests[i] == c.reported.requests[i]) continue;
    nbd_export_counters::add(counters_.requests[i], now.requests[i] - c.reported.requests[i]);
    c.reported.requests[i] = now.requests[i];
  }
  for (size_t i = 0; i < now.errors.size(); ++i) {
    if (now.errors[i] == c.reported.errors[i]) continue;
    nbd_export_counters::add(counters_.errors[i], now.errors[i] - c.reported.errors[i]);
    c.reported.errors[i] = now.errors[i];
  }
  if (!c.handshake_counted && c.session->transmission_flags() != 0) {
    c.handshake_counted = true;
    nbd_export_counters::add(counters_.handshakes);
  }
}

void nbd_export_engine::impl::close_socket(nbd_connection& c) {
  if (c.fd < 0) return;
  ::epoll_ctl(epfd_, EPOLL_CTL_DEL, c.fd, nullptr);
  ::close(c.fd);
  c.fd = -1;
  c.session->on_client_closed();
  std::string().swap(c.in);
  std::string().swap(c.out);
  c.in_off = c.out_off = 0;
  nbd_export_counters::sub(counters_.connections_open);
  report(c);
}

}  // namespace hamesh::replica
