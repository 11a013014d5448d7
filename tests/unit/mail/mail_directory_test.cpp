// mail_directory: the static table wins, then the rendezvous hash spreads everyone else
// evenly and moves only the users of a pair that comes or goes.
#include <boost/test/unit_test.hpp>

#include <map>
#include <string>

#include "actors/proxy/mail/mail_directory.hpp"

using namespace hamesh::proxy::mail;

namespace {

mail_user user(const std::string& text) {
  return *parse_mail_user(text);
}

std::string pair_of(const mail_directory& d, const std::vector<std::string>& pairs,
                    const std::string& name) {
  auto i = d.pair_for(user(name));
  return i ? pairs.at(*i) : "-";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(mail_directory_suite)

BOOST_AUTO_TEST_CASE(the_table_names_users_and_whole_domains_before_the_hash) {
  std::vector<std::string> pairs{"p1", "p2", "p3"};
  mail_directory_settings s;
  s.users = {{"alice@example.org", "p3"}, {"@example.net", "p2"}};
  s.hash_pairs = {"p1"};
  mail_directory d(s, pairs);
  BOOST_TEST(pair_of(d, pairs, "alice@EXAMPLE.org") == "p3");  // the domain's case is no matter
  BOOST_TEST(pair_of(d, pairs, "zoe@example.net") == "p2");
  BOOST_TEST(pair_of(d, pairs, "bob@example.org") == "p1");
  BOOST_TEST(pair_of(d, pairs, "local-only") == "p1");
}

BOOST_AUTO_TEST_CASE(no_table_entry_and_no_hash_means_no_pair) {
  mail_directory d({}, {"p1"});
  BOOST_TEST(!d.pair_for(user("bob@example.org")).has_value());
}

BOOST_AUTO_TEST_CASE(the_hash_spreads_users_evenly_and_is_stable) {
  std::vector<std::string> pairs{"p1", "p2", "p3", "p4"};
  mail_directory_settings s;
  s.hash_pairs = pairs;
  mail_directory d(s, pairs);
  std::map<std::string, int> count;
  for (int i = 0; i < 40000; ++i) ++count[pair_of(d, pairs, "u" + std::to_string(i) + "@ex.org")];
  for (auto& p : pairs) {
    BOOST_TEST(count[p] > 9400);  // 10000 each, within 6 %
    BOOST_TEST(count[p] < 10600);
  }
  BOOST_TEST(pair_of(d, pairs, "u7@ex.org") == pair_of(d, pairs, "u7@ex.org"));
}

BOOST_AUTO_TEST_CASE(removing_a_pair_moves_only_its_users) {
  std::vector<std::string> four{"p1", "p2", "p3", "p4"}, three{"p1", "p2", "p3"};
  mail_directory_settings s4, s3;
  s4.hash_pairs = four;
  s3.hash_pairs = three;
  mail_directory d4(s4, four), d3(s3, three);
  int moved = 0, held_by_p4 = 0;
  for (int i = 0; i < 20000; ++i) {
    auto name = "u" + std::to_string(i) + "@ex.org";
    auto before = pair_of(d4, four, name), after = pair_of(d3, three, name);
    if (before == "p4")
      ++held_by_p4;
    else if (before != after)
      ++moved;
  }
  BOOST_TEST(moved == 0);
  BOOST_TEST(held_by_p4 > 4000);
}

BOOST_AUTO_TEST_CASE(hashing_by_domain_keeps_a_domain_on_one_pair) {
  std::vector<std::string> pairs{"p1", "p2", "p3"};
  mail_directory_settings s;
  s.hash_pairs = pairs;
  s.hash_by_domain = true;
  mail_directory d(s, pairs);
  auto first = pair_of(d, pairs, "a@corp.example");
  for (int i = 0; i < 100; ++i)
    BOOST_TEST(pair_of(d, pairs, "user" + std::to_string(i) + "@Corp.Example") == first);
}

BOOST_AUTO_TEST_SUITE_END()
