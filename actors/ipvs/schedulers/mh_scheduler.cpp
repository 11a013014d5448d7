#include "actors/ipvs/schedulers/mh_scheduler.hpp"

#include <queue>
#include <stdexcept>
#include <string>

namespace hamesh::ipvs {

namespace {

// SplitMix64's finalizer (Steele et al., "Fast splittable pseudorandom number generators"):
// every input bit affects every output bit, so nearby ids and indices get unrelated values.
uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Distinct seeds make the offset, skip and client hashes independent of each other.
constexpr uint64_t offset_seed = 0x6d68'6f66'6673'6574ull;
constexpr uint64_t skip_seed = 0x6d68'736b'6970'0000ull;
constexpr uint64_t client_seed = 0x6d68'636c'6965'6e74ull;
// Keeps an index from naming the same identity as the equal id.
constexpr uint64_t index_seed = 0x6d68'696e'6465'7800ull;

bool is_prime(uint32_t n) {
  if (n < 2) return false;
  for (uint64_t d = 2; d * d <= n; ++d) {
    if (n % d == 0) return false;
  }
  return true;
}

constexpr uint32_t empty_entry = UINT32_MAX;

}  // namespace

mh_scheduler::mh_scheduler(uint32_t table_size) : table_size_(table_size) {
  if (!is_prime(table_size)) {
    throw std::invalid_argument("mh table size " + std::to_string(table_size) + " is not a prime");
  }
}

size_t mh_scheduler::entry_of(uint32_t address) const {
  return mix64(address ^ client_seed) % table_size_;
}

void mh_scheduler::update(const std::vector<real_entry>& reals) {
  std::vector<member> members;
  for (size_t i = 0; i < reals.size(); ++i) {
    const auto& r = reals[i];
    if (!r.available || r.weight == 0) continue;
    uint64_t identity = r.id != 0 ? r.id : mix64(i ^ index_seed);
    members.push_back({static_cast<uint32_t>(i), r.weight, identity});
  }
  // The table depends on nothing else: the same members give the same table.
  if (members == members_) return;
  members_ = std::move(members);
  populate();
}

void mh_scheduler::populate() {
  table_.clear();
  if (members_.empty()) return;
  table_.assign(table_size_, empty_entry);
  const uint64_t m = table_size_;

  struct walker {
    uint64_t offset;
    uint64_t skip;
    uint64_t next = 0;   // position in this real's permutation
    uint64_t turns = 0;  // entries claimed so far
  };
  std::vector<walker> walkers;
  walkers.reserve(members_.size());
  for (const auto& mb : members_) {
    // Maglev §3.4: offset in [0, M), skip in [1, M): with M prime, every skip is coprime to
    // M and the permutation visits every entry.
    walkers.push_back(
        {mix64(mb.identity ^ offset_seed) % m, mix64(mb.identity ^ skip_seed) % (m - 1) + 1});
  }

  // Whose turn: the smallest (turns + 1) / weight, the earlier real on a tie. Compared by
  // cross-multiplication: turns <= M < 2^32 and weight < 2^32, so products fit in 64 bits.
  auto later = [&](size_t a, size_t b) {
    uint64_t lhs = (walkers[a].turns + 1) * members_[b].weight;
    uint64_t rhs = (walkers[b].turns + 1) * members_[a].weight;
    return lhs != rhs ? lhs > rhs : a > b;
  };
  std::priority_queue<size_t, std::vector<size_t>, decltype(later)> turn_order(later);
  for (size_t w = 0; w < walkers.size(); ++w) turn_order.push(w);

  for (uint64_t filled = 0; filled < m; ++filled) {
    size_t w = turn_order.top();
    turn_order.pop();
    auto& walk = walkers[w];
    // Ends: the permutation reaches every entry and one is still empty.
    uint64_t entry = (walk.offset + walk.next * walk.skip) % m;
    while (table_[entry] != empty_entry) {
      ++walk.next;
      entry = (walk.offset + walk.next * walk.skip) % m;
    }
    table_[entry] = members_[w].index;
    ++walk.next;
    ++walk.turns;
    turn_order.push(w);
  }
}

std::optional<size_t> mh_scheduler::pick(const client_key& client, const std::vector<real_load>&) {
  if (table_.empty()) return std::nullopt;
  return table_[entry_of(client.address)];
}

}  // namespace hamesh::ipvs
