#include "actors/ipvs/kernel_ipvs.hpp"

#include <linux/netlink.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "actors/ipvs/ipvs_netlink.hpp"

namespace hamesh::ipvs {

namespace nl = netlink;

kernel_ipvs::kernel_ipvs(const service_settings& service) : service_(service) {}

kernel_ipvs::~kernel_ipvs() {
  if (started_) transact(nl::service_request(family_, seq_++, service_, false), nullptr, nullptr);
  if (sock_ >= 0) ::close(sock_);
}

std::string kernel_ipvs::unavailable_reason() {
  if (::access("/proc/net/ip_vs", F_OK) != 0)
    return "kernel IPVS is not available here: /proc/net/ip_vs does not exist (the ip_vs module "
           "is not loaded, or this kernel has none; `modprobe ip_vs` where it exists); use "
           "dataplane = \"userspace\" or \"nftables\"";
  return "";
}

std::string kernel_ipvs::transact(const std::vector<uint8_t>& request,
                                  std::vector<uint32_t>* dests_seen,
                                  service_counters* counts) const {
  if (::send(sock_, request.data(), request.size(), 0) < 0)
    return std::string("netlink send: ") + std::strerror(errno);
  std::vector<uint8_t> buf(1 << 16);
  for (;;) {
    auto n = ::recv(sock_, buf.data(), buf.size(), 0);
    if (n < 0) return std::string("netlink recv: ") + std::strerror(errno);
    for (auto& r : nl::parse_replies(buf.data(), size_t(n))) {
      switch (r.what) {
        case nl::reply::kind::ack:
        case nl::reply::kind::done:
          return "";
        case nl::reply::kind::error:
          return std::string("kernel IPVS: ") + std::strerror(-r.error);
        case nl::reply::kind::dest:
          if (dests_seen) dests_seen->push_back(r.address);
          if (counts)
            for (size_t i = 0; i < pool_.members.size(); ++i)
              if (pool_.members[i].address == r.address && pool_.members[i].port == r.port) {
                counts->members[i].active = r.active;
                counts->members[i].inactive = r.inactive;
              }
          break;
        case nl::reply::kind::other:
          break;
      }
    }
  }
}

std::string kernel_ipvs::start(const pool_view& pool) {
  if (auto why = unavailable_reason(); !why.empty()) return why;
  std::lock_guard<std::mutex> lock(mutex_);
  sock_ = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
  if (sock_ < 0) return std::string("netlink socket: ") + std::strerror(errno);
  timeval tv{2, 0};  // the kernel answers at once; a silent one must not hang the actor
  ::setsockopt(sock_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  if (::bind(sock_, reinterpret_cast<sockaddr*>(&local), sizeof local) < 0)
    return std::string("netlink bind: ") + std::strerror(errno);
  auto request = nl::family_request(seq_++);
  if (::send(sock_, request.data(), request.size(), 0) < 0)
    return std::string("netlink send: ") + std::strerror(errno);
  std::vector<uint8_t> buf(1 << 16);
  auto n = ::recv(sock_, buf.data(), buf.size(), 0);
  std::string why;
  auto family = n > 0 ? nl::parse_family(buf.data(), size_t(n), &why) : std::nullopt;
  if (!family) return "no generic netlink family IPVS" + (why.empty() ? "" : ": " + why);
  family_ = *family;
  // A crashed predecessor may have left the service: start from a clean one.
  transact(nl::service_request(family_, seq_++, service_, false), nullptr, nullptr);
  if (auto err = transact(nl::service_request(family_, seq_++, service_, true), nullptr, nullptr);
      !err.empty())
    return err;
  started_ = true;
  pool_ = {};
  pool_.members.resize(pool.members.size());
  for (auto& m : pool_.members) m.entry.available = false;
  return apply_locked(pool);
}

std::string kernel_ipvs::apply_locked(const pool_view& pool) {
  std::string first_error;
  for (size_t i = 0; i < pool.members.size() && i < pool_.members.size(); ++i) {
    auto& now = pool.members[i];
    auto& was = pool_.members[i];
    std::optional<nl::dest_command> command;
    if (now.entry.available && !was.entry.available)
      command = nl::dest_command::add;
    else if (!now.entry.available && was.entry.available)
      command = nl::dest_command::remove;
    else if (now.entry.available && now.entry.weight != was.entry.weight)
      command = nl::dest_command::change;
    if (!command) continue;
    auto& member = *command == nl::dest_command::remove ? was : now;
    auto err =
        transact(nl::dest_request(family_, seq_++, service_, member, *command), nullptr, nullptr);
    if (err.empty())
      was = now;
    else if (first_error.empty())
      first_error = err;
  }
  return first_error;
}

void kernel_ipvs::apply(const pool_view& pool) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!started_) return;
  last_error_ = apply_locked(pool);
}

std::string kernel_ipvs::last_error() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return last_error_;
}

service_counters kernel_ipvs::counters() const {
  std::lock_guard<std::mutex> lock(mutex_);
  service_counters out;
  out.members.resize(pool_.members.size());
  if (started_) transact(nl::dest_dump_request(family_, seq_++, service_), nullptr, &out);
  return out;
}

void kernel_ipvs::stop_accepting() {
  // Removing the service also drops the kernel's connection entries for it: unlike the
  // user-space forwarder, kernel IPVS cannot let them finish without the service.
  std::lock_guard<std::mutex> lock(mutex_);
  if (started_) transact(nl::service_request(family_, seq_++, service_, false), nullptr, nullptr);
  started_ = false;
}

}  // namespace hamesh::ipvs
