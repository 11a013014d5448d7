#include "actors/proxy/mail/mail_directory.hpp"

#include <cstdint>

namespace hamesh::proxy::mail {
namespace {

// FNV-1a 64, then a final avalanche (splitmix64's) so that keys differing in their last
// bytes still rank pairs independently.
uint64_t score(const std::string& key, const std::string& pair) {
  uint64_t h = 0xcbf29ce484222325ull;
  auto mix = [&h](const std::string& s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 0x100000001b3ull;
    }
  };
  mix(key);
  h ^= 0xff;  // a separator no name contains: ("ab","c") and ("a","bc") differ
  h *= 0x100000001b3ull;
  mix(pair);
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return h;
}

}  // namespace

mail_directory::mail_directory(mail_directory_settings settings, std::vector<std::string> pairs)
    : settings_(std::move(settings)), pairs_(std::move(pairs)) {}

std::optional<size_t> mail_directory::index_of(const std::string& pair) const {
  for (size_t i = 0; i < pairs_.size(); ++i)
    if (pairs_[i] == pair) return i;
  return std::nullopt;
}

std::optional<size_t> mail_directory::pair_for(const mail_user& user) const {
  auto it = settings_.users.find(user.name());
  if (it == settings_.users.end() && !user.domain.empty())
    it = settings_.users.find("@" + user.domain);
  if (it != settings_.users.end()) return index_of(it->second);
  std::string key = settings_.hash_by_domain ? user.domain : user.name();
  std::optional<size_t> best;
  uint64_t best_score = 0;
  for (const auto& pair : settings_.hash_pairs) {
    auto index = index_of(pair);
    if (!index) continue;
    uint64_t s = score(key, pair);
    if (!best || s > best_score) {
      best = index;
      best_score = s;
    }
  }
  return best;
}

}  // namespace hamesh::proxy::mail
