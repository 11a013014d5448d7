#include "actors/ipvs/schedulers/sh_scheduler.hpp"

#include <algorithm>

namespace hamesh::ipvs {

namespace {

// Shares the buckets out in proportion to the weights of `members` (largest remainder: every
// real gets floor(256 * w / sum) buckets, the rest go one each to the largest remainders,
// the earlier real first on a tie). Each real's buckets are contiguous: the hash spreads the
// clients, so the layout does not change the shares.
sh_scheduler::bucket_table fill(const std::vector<real_entry>& reals,
                                const std::vector<size_t>& members) {
  sh_scheduler::bucket_table table{};
  if (members.empty()) return table;
  constexpr uint64_t n = sh_scheduler::bucket_count;
  uint64_t sum = 0;
  for (size_t i : members) sum += reals[i].weight;
  std::vector<uint64_t> count(members.size());
  std::vector<uint64_t> remainder(members.size());
  uint64_t given = 0;
  for (size_t m = 0; m < members.size(); ++m) {
    uint64_t share = n * reals[members[m]].weight;  // < 2^40
    count[m] = share / sum;
    remainder[m] = share % sum;
    given += count[m];
  }
  std::vector<size_t> order(members.size());
  for (size_t m = 0; m < order.size(); ++m) order[m] = m;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return remainder[a] > remainder[b]; });
  for (size_t k = 0; given < n; ++k, ++given) ++count[order[k]];
  size_t bucket = 0;
  for (size_t m = 0; m < members.size(); ++m) {
    for (uint64_t c = 0; c < count[m]; ++c) table[bucket++] = static_cast<uint32_t>(members[m]);
  }
  return table;
}

}  // namespace

// Knuth's multiplicative hash (2654435761 = 2^32 / golden ratio, as in LVS), keeping the top
// 8 bits as the kernel's hash_32 does: the low bits of the product depend only on the low
// bits of the address, so every client with the same last octet would share a bucket.
size_t sh_scheduler::bucket_of(uint32_t address) {
  return static_cast<uint32_t>(address * 2654435761u) >> 24;
}

// MurmurHash3's 32-bit finalizer: a different function from bucket_of, so the clients of one
// bucket spread over the whole fallback table instead of landing together.
size_t sh_scheduler::fallback_bucket_of(uint32_t address) {
  uint32_t h = address;
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h >> 24;
}

void sh_scheduler::update(const std::vector<real_entry>& reals) {
  std::vector<size_t> weighted;
  std::vector<size_t> available;
  available_.assign(reals.size(), false);
  for (size_t i = 0; i < reals.size(); ++i) {
    if (reals[i].weight == 0) continue;
    weighted.push_back(i);
    if (reals[i].available) {
      available.push_back(i);
      available_[i] = true;
    }
  }
  any_available_ = !available.empty();
  buckets_ = fill(reals, weighted);
  fallback_ = fill(reals, available);
}

std::optional<size_t> sh_scheduler::pick(const client_key& client, const std::vector<real_load>&) {
  if (!any_available_) return std::nullopt;
  uint32_t real = buckets_[bucket_of(client.address)];
  if (available_[real]) return real;
  return fallback_[fallback_bucket_of(client.address)];
}

}  // namespace hamesh::ipvs
