// replica_engine: the TCP stream to the peer. Of the two members, the one with the lower
// replication address dials and the other only accepts, so two streams never cross (the
// mesh's rule too). A stream exists only while the core wants one (connecting or connected).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "actors/replica/replica_engine_impl.hpp"
#include "actors/replica/replica_frame_codec.hpp"
#include "runtime/ipv4_text.hpp"

namespace hamesh::replica {
namespace {

bool wants_stream(connection_state c) {
  return c != connection_state::standalone && c != connection_state::refused_split_brain &&
         c != connection_state::refused_unrelated_data && c != connection_state::refused;
}

std::string endpoint_text(uint32_t address, uint16_t port) {
  return format_ipv4(address) + ":" + std::to_string(port);
}

}  // namespace

bool replica_engine::impl::dialer() const {
  auto& v = settings_.volume;
  return std::make_pair(v.listen_address, v.listen_port) <
         std::make_pair(v.peer_address, v.peer_port);
}

void replica_engine::impl::maybe_dial() {
  auto now = steady::now();
  if (!dialer() || peer_fd_ >= 0 || now < next_dial_) return;
  if (core_->state().connection != connection_state::connecting) return;
  auto& v = settings_.volume;
  next_dial_ = now + v.connect_retry;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(v.peer_address);
  to.sin_port = htons(v.peer_port);
  int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to);
  if (rc < 0 && errno != EINPROGRESS) {
    ::close(fd);
    return;
  }
  peer_fd_ = fd;
  peer_connecting_ = rc < 0;
  peer_address_ = endpoint_text(v.peer_address, v.peer_port);
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP;
  ev.data.fd = fd;
  ::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev);
  peer_want_out_ = true;
  if (!peer_connecting_) adopt_peer(fd, peer_address_);
}

void replica_engine::impl::on_listener() {
  for (;;) {
    sockaddr_in from{};
    socklen_t len = sizeof from;
    int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&from), &len,
                       SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    auto address = endpoint_text(ntohl(from.sin_addr.s_addr), ntohs(from.sin_port));
    if (dialer() || !wants_stream(core_->state().connection)) {
      // The other side dials only when it should; refused states wait for the operator.
      ::close(fd);
      continue;
    }
    if (peer_fd_ >= 0) {
      // The dialer came back: the stream we hold is dead (the peer restarted or its side
      // broke before ours noticed).
      lose_peer("the peer reconnected from " + address);
      if (!wants_stream(core_->state().connection)) {
        ::close(fd);
        continue;
      }
    }
    peer_fd_ = fd;
    peer_connecting_ = false;
    peer_address_ = address;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.fd = fd;
    ::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev);
    peer_want_out_ = false;
    adopt_peer(fd, address);
  }
}

void replica_engine::impl::adopt_peer(int fd, const std::string& address) {
  int one = 1;
  // Acks are small and latency is the product: no Nagle.
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  peer_in_.clear();
  peer_out_.clear();
  peer_out_off_ = 0;
  last_heard_ = steady::now();
  next_ping_ = last_heard_ + settings_.volume.ping_interval;
  ++counters_.connects;
  log(0, "stream to the peer at " + address + " established");
  carry_out(core_->peer_connected());
}

void replica_engine::impl::on_peer_event(uint32_t events) {
  if (peer_connecting_) {
    if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
    int error = 0;
    socklen_t len = sizeof error;
    ::getsockopt(peer_fd_, SOL_SOCKET, SO_ERROR, &error, &len);
    if (error != 0 || (events & (EPOLLERR | EPOLLHUP))) {
      close_peer_socket();  // refused: the next dial after connect_retry
      return;
    }
    peer_connecting_ = false;
    adopt_peer(peer_fd_, peer_address_);
    update_peer_interest();
    return;
  }
  if (events & EPOLLOUT) flush_peer();
  if (peer_fd_ >= 0 && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) read_peer();
}

void replica_engine::impl::read_peer() {
  char chunk[256 * 1024];
  bool closed = false;
  for (;;) {
    ssize_t n = ::recv(peer_fd_, chunk, sizeof chunk, 0);
    if (n > 0) {
      peer_in_.append(chunk, size_t(n));
      counters_.bytes_from_peer += uint64_t(n);
      if (size_t(n) < sizeof chunk) break;
      continue;
    }
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) closed = true;
    if (n < 0 && errno == EINTR) continue;
    break;
  }
  size_t at = 0;
  while (peer_fd_ >= 0) {
    auto d = decode_frame(std::string_view(peer_in_).substr(at));
    if (d.result == frame_decode::status::need_more) break;
    if (d.result == frame_decode::status::error) {
      ++counters_.protocol_errors;
      peer_in_.clear();
      lose_peer(std::string("malformed frame from the peer: ") + to_string(d.error));
      return;
    }
    at += d.consumed;
    ++counters_.frames_in;
    last_heard_ = steady::now();
    int fd_before = peer_fd_;
    carry_out(core_->peer_frame(std::move(d.frame)));
    if (peer_fd_ != fd_before) return;  // the core closed the stream: the rest is stale
  }
  peer_in_.erase(0, at);
  if (closed && peer_fd_ >= 0) lose_peer("the peer closed the stream");
}

void replica_engine::impl::flush_peer() {
  if (peer_fd_ < 0 || peer_connecting_) return;
  while (peer_out_off_ < peer_out_.size()) {
    ssize_t n = ::send(peer_fd_, peer_out_.data() + peer_out_off_, peer_out_.size() - peer_out_off_,
                       MSG_NOSIGNAL);
    if (n > 0) {
      counters_.bytes_to_peer += uint64_t(n);
      peer_out_off_ += size_t(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    lose_peer(std::string("send to the peer failed: ") + std::strerror(errno));
    return;
  }
  if (peer_out_off_ == peer_out_.size()) {
    peer_out_.clear();
    peer_out_off_ = 0;
  } else if (peer_out_off_ >= (1u << 20) && peer_out_off_ * 2 >= peer_out_.size()) {
    // Now and then, not at every send: the bytes left move once the sent part dominates.
    peer_out_.erase(0, peer_out_off_);
    peer_out_off_ = 0;
  }
  update_peer_interest();
}

void replica_engine::impl::update_peer_interest() {
  if (peer_fd_ < 0 || peer_connecting_) return;
  bool want = peer_out_off_ < peer_out_.size();
  if (want == peer_want_out_) return;
  peer_want_out_ = want;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | (want ? EPOLLOUT : 0u);
  ev.data.fd = peer_fd_;
  ::epoll_ctl(epfd_, EPOLL_CTL_MOD, peer_fd_, &ev);
}

void replica_engine::impl::close_peer_socket() {
  if (peer_fd_ < 0) return;
  ::epoll_ctl(epfd_, EPOLL_CTL_DEL, peer_fd_, nullptr);
  ::close(peer_fd_);
  peer_fd_ = -1;
  peer_connecting_ = false;
  peer_want_out_ = false;
  peer_in_.clear();
  peer_out_.clear();
  peer_out_off_ = 0;
}

void replica_engine::impl::lose_peer(const std::string& why) {
  if (peer_fd_ < 0) return;
  bool established = !peer_connecting_;
  close_peer_socket();
  if (!established) return;
  ++counters_.disconnects;
  log(1, "stream to the peer lost: " + why);
  carry_out(core_->peer_disconnected());
  next_dial_ = steady::now() + settings_.volume.connect_retry;
}

}  // namespace hamesh::replica
