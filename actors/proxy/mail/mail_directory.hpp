#pragma once
// Which storage pair holds a user's mailbox (pure): a static table first (exact
// "local@domain" or "local", or a whole "@domain"), then a consistent hash over the pairs for
// everyone else. Rendezvous hashing (highest score of hash(key, pair) wins): adding or
// removing a pair moves only the users that pair gains or held, and the table needs no ring.
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actors/proxy/mail/mail_user.hpp"

namespace hamesh::proxy::mail {

struct mail_directory_settings {
  // "alice@example.org" -> pair, "@example.net" -> pair (every user of that domain).
  std::map<std::string, std::string> users;
  // The pairs the hash spreads unlisted users over (empty: unlisted users have no pair).
  std::vector<std::string> hash_pairs;
  // Hash the whole address (users of one domain spread) or the domain only (a domain
  // stays on one pair).
  bool hash_by_domain = false;
};

class mail_directory {
 public:
  // `pairs`: every pair's name, in the order the engine indexes them. Names in the settings
  // that are not among them are ignored (the config reader refuses them first).
  mail_directory(mail_directory_settings settings, std::vector<std::string> pairs);

  // The pair index for a user, or nullopt when neither the table nor the hash names one.
  std::optional<size_t> pair_for(const mail_user& user) const;

 private:
  std::optional<size_t> index_of(const std::string& pair) const;
  mail_directory_settings settings_;
  std::vector<std::string> pairs_;
};

}  // namespace hamesh::proxy::mail
