#include "actors/probe/icmp_echo.hpp"

#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <random>

#include "actors/probe/deadline_socket.hpp"
#include "runtime/duration.hpp"
#include "runtime/internet_checksum.hpp"

namespace hamesh::probe {
namespace {

constexpr uint8_t echo_reply_type = 0;
constexpr uint8_t echo_request_type = 8;

uint16_t ones_complement_sum(std::string_view bytes) {
  return internet_checksum(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

uint16_t read16(std::string_view b, size_t at) {
  return static_cast<uint16_t>(uint8_t(b[at]) << 8 | uint8_t(b[at + 1]));
}

// 16 bytes no other attempt sends: concurrent checks of one host (and other pingers on
// this machine, which a raw socket also hears) cannot take each other's replies.
std::string unique_payload() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  std::string payload = "hamesh..";
  uint64_t token = random();
  for (int i = 0; i < 8; ++i) payload += static_cast<char>(token >> (8 * i));
  return payload;
}

uint16_t next_sequence() {
  static std::atomic<uint16_t> sequence{0};
  return ++sequence;
}

struct echo_socket {
  deadline_socket socket;
  bool raw = false;
  std::string error;
};

echo_socket open_echo_socket() {
  echo_socket out;
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
  if (fd >= 0) {
    out.socket = deadline_socket(fd);
    return out;
  }
  std::string dgram_error = errno_text(errno);
  fd = ::socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
  if (fd >= 0) {
    out.socket = deadline_socket(fd);
    out.raw = true;
    return out;
  }
  out.error = "no ICMP socket: ping socket: " + dgram_error + " (see net.ipv4.ping_group_range)" +
              ", raw socket: " + errno_text(errno) + " (needs CAP_NET_RAW)";
  return out;
}

}  // namespace

std::string encode_echo_request(uint16_t id, uint16_t sequence, std::string_view payload) {
  std::string m(8, '\0');
  m[0] = static_cast<char>(echo_request_type);
  m[4] = static_cast<char>(id >> 8);
  m[5] = static_cast<char>(id);
  m[6] = static_cast<char>(sequence >> 8);
  m[7] = static_cast<char>(sequence);
  m.append(payload.data(), payload.size());
  uint16_t sum = ones_complement_sum(m);
  m[2] = static_cast<char>(sum >> 8);
  m[3] = static_cast<char>(sum);
  return m;
}

bool is_echo_reply(std::string_view message, std::optional<uint16_t> id, uint16_t sequence,
                   std::string_view payload) {
  if (message.size() != 8 + payload.size()) return false;
  if (uint8_t(message[0]) != echo_reply_type || message[1] != 0) return false;
  if (ones_complement_sum(message) != 0) return false;  // RFC 792: sum over the message
  if (id && read16(message, 4) != *id) return false;
  return read16(message, 6) == sequence && message.substr(8) == payload;
}

icmp_echo_result icmp_echo(in_addr address, std::chrono::steady_clock::time_point deadline) {
  auto budget =
      std::chrono::round<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  icmp_echo_result out;
  auto opened = open_echo_socket();
  if (!opened.socket.is_open()) {
    out.detail = opened.error;
    return out;
  }
  std::string payload = unique_payload();
  uint16_t sequence = next_sequence();
  // On a raw socket the id is ours to choose: a random one keeps other pingers' replies out.
  uint16_t id = static_cast<uint16_t>(uint8_t(payload[8]) << 8 | uint8_t(payload[9]));
  std::string request = encode_echo_request(opened.raw ? id : 0, sequence, payload);

  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr = address;
  char text[INET_ADDRSTRLEN] = "?";
  ::inet_ntop(AF_INET, &address, text, sizeof text);
  int fd = opened.socket.fd();
  if (::sendto(fd, request.data(), request.size(), 0, reinterpret_cast<const sockaddr*>(&to),
               sizeof to) < 0) {
    out.detail = "send echo request to " + std::string(text) + ": " + errno_text(errno);
    return out;
  }
  char buffer[1500];
  while (true) {
    sockaddr_in from{};
    socklen_t from_size = sizeof from;
    ssize_t n =
        ::recvfrom(fd, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(&from), &from_size);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        out.detail = "receive echo reply: " + errno_text(errno);
        return out;
      }
      auto waited = opened.socket.wait(POLLIN, deadline);
      if (waited.status == io_status::timeout) {
        out.detail = "timeout after " + format_duration(budget) + " waiting for the echo reply";
        return out;
      }
      if (!waited.ok()) {
        out.detail = waited.error;
        return out;
      }
      continue;
    }
    std::string_view message(buffer, static_cast<size_t>(n));
    if (opened.raw) {
      // A raw socket hands over the IP header too, and every ICMP message the host gets.
      if (message.empty()) continue;
      size_t header = size_t(uint8_t(message[0]) & 0x0f) * 4;
      if (header < 20 || header > message.size()) continue;
      message.remove_prefix(header);
      if (from.sin_addr.s_addr != address.s_addr) continue;
    }
    if (is_echo_reply(message, opened.raw ? std::optional<uint16_t>(id) : std::nullopt, sequence,
                      payload)) {
      out.ok = true;
      out.detail = "echo reply from " + std::string(text);
      return out;
    }
  }
}

}  // namespace hamesh::probe
