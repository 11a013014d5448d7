#include "actors/ipvs/forwarder_shared.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/ipv4_text.hpp"

namespace hamesh::ipvs {

forwarder_counters::forwarder_counters(size_t members)
    : size_(members), members_(std::make_unique<member[]>(members + 1)) {}

void forwarder_counters::carry_over(const forwarder_counters& old,
                                    const std::vector<size_t>& remap) {
  auto move = [](const std::atomic<uint64_t>& from, std::atomic<uint64_t>& to) {
    to.fetch_add(from.load(std::memory_order_relaxed), std::memory_order_relaxed);
  };
  for (size_t i = 0; i <= old.size_; ++i) {
    size_t to = i < remap.size() && remap[i] != size_t(-1) ? remap[i] : size_;
    auto &a = old.members_[i], &b = members_[to];
    move(a.active, b.active);
    move(a.inactive, b.inactive);
    move(a.connections, b.connections);
    move(a.bytes_in, b.bytes_in);
    move(a.bytes_out, b.bytes_out);
    move(a.connect_errors, b.connect_errors);
  }
  move(old.accepted, accepted);
  move(old.no_server, no_server);
  move(old.over_limit, over_limit);
  move(old.open, open);
}

std::vector<size_t> remap_members(const pool_view& from, const pool_view& to) {
  std::vector<size_t> out(from.members.size(), size_t(-1));
  for (size_t i = 0; i < from.members.size(); ++i)
    for (size_t j = 0; j < to.members.size(); ++j)
      if (from.members[i].address == to.members[j].address &&
          from.members[i].port == to.members[j].port) {
        out[i] = j;
        break;
      }
  return out;
}

service_counters forwarder_counters::snapshot() const {
  service_counters out;
  auto get = [](const std::atomic<uint64_t>& c) { return c.load(std::memory_order_relaxed); };
  for (size_t i = 0; i < size_; ++i) {
    auto& m = members_[i];
    out.members.push_back({get(m.active), get(m.inactive), get(m.connections), get(m.bytes_in),
                           get(m.bytes_out), get(m.connect_errors)});
  }
  out.accepted = get(accepted);
  out.no_server = get(no_server);
  out.over_limit = get(over_limit);
  return out;
}

pool_mailbox::pool_mailbox() = default;

pool_mailbox::~pool_mailbox() = default;

void pool_mailbox::post(const pool_view& pool, const std::optional<forwarder_settings>& settings) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto keep = pending_ && !settings ? pending_->settings : std::nullopt;
    pending_ = pool_change{pool, settings ? settings : keep};
  }
  wake();
}

void pool_mailbox::wake() {
  wake_.wake();
}

std::optional<pool_change> pool_mailbox::take() {
  wake_.clear();
  std::lock_guard<std::mutex> lock(mutex_);
  auto out = std::move(pending_);
  pending_.reset();
  return out;
}

}  // namespace hamesh::ipvs
