// The LVS schedulers' distributions, proved: rr's cycle, wrr's exact interleaved cycle and
// shares, lc's and wlc's overhead and tie rules, and for sh and mh that a client keeps its
// real, every real gets its weight's share and a failure moves few clients. Clients come from
// a fixed-seed mt19937 (its raw output is fixed by the standard, unlike the distributions'),
// so every figure is the same on every run.
#include "actors/ipvs/scheduler.hpp"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstdint>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "actors/ipvs/schedulers/mh_scheduler.hpp"
#include "actors/ipvs/schedulers/sh_scheduler.hpp"

using namespace hamesh::ipvs;

namespace {

// An index, or -1 for none: printable when a check fails.
long picked(const std::optional<size_t>& real) {
  return real ? static_cast<long>(*real) : -1;
}

const std::vector<real_load> no_load;

const scheduler_kind all_kinds[] = {scheduler_kind::rr,  scheduler_kind::wrr, scheduler_kind::lc,
                                    scheduler_kind::wlc, scheduler_kind::sh,  scheduler_kind::mh};

std::vector<real_entry> pool(const std::vector<uint32_t>& weights) {
  std::vector<real_entry> reals;
  for (uint32_t w : weights) reals.push_back(real_entry{w, true, 0});
  return reals;
}

// Ids 101, 102, ...: stable identities for mh.
std::vector<real_entry> pool_with_ids(const std::vector<uint32_t>& weights) {
  auto reals = pool(weights);
  for (size_t i = 0; i < reals.size(); ++i) reals[i].id = 101 + i;
  return reals;
}

std::unique_ptr<scheduler> scheduler_for(scheduler_kind kind, const std::vector<real_entry>& r) {
  auto s = make_scheduler(kind);
  s->update(r);
  return s;
}

// Picks as letters, real 0 = A; '-' for no pick.
std::string sequence(scheduler& s, size_t picks) {
  std::string out;
  for (size_t i = 0; i < picks; ++i) {
    auto real = s.pick({}, no_load);
    out += real ? static_cast<char>('A' + *real) : '-';
  }
  return out;
}

std::string repeat(const std::string& s, size_t times) {
  std::string out;
  for (size_t i = 0; i < times; ++i) out += s;
  return out;
}

std::vector<uint32_t> random_clients(size_t n, uint32_t seed = 20160316) {
  std::mt19937 rng(seed);
  std::vector<uint32_t> clients(n);
  for (auto& c : clients) c = static_cast<uint32_t>(rng());
  return clients;
}

// The real each client is sent to (address only; the port is not hashed).
std::vector<size_t> assign(scheduler& s, const std::vector<uint32_t>& clients) {
  std::vector<size_t> reals;
  reals.reserve(clients.size());
  for (uint32_t c : clients) {
    auto real = s.pick({c, 40000}, no_load);
    BOOST_REQUIRE(real.has_value());
    reals.push_back(*real);
  }
  return reals;
}

std::vector<double> shares(const std::vector<size_t>& assigned, size_t reals) {
  std::vector<double> share(reals, 0.0);
  for (size_t r : assigned) share[r] += 1.0 / static_cast<double>(assigned.size());
  return share;
}

// Every real's share is within `tolerance` (relative) of weight / sum of weights.
void check_weight_shares(const std::vector<double>& share, const std::vector<uint32_t>& weights,
                         double tolerance, const std::string& what) {
  double sum = 0;
  for (uint32_t w : weights) sum += w;
  std::ostringstream figures;
  for (size_t i = 0; i < weights.size(); ++i) {
    double expected = weights[i] / sum;
    figures << " " << static_cast<char>('A' + i) << "=" << share[i] * 100 << "% (want "
            << expected * 100 << "%)";
    BOOST_TEST(std::abs(share[i] - expected) <= tolerance * expected,
               what << ": real " << i << " has " << share[i] << ", want " << expected);
  }
  BOOST_TEST_MESSAGE(what << ":" << figures.str());
}

double changed_fraction(const std::vector<size_t>& before, const std::vector<size_t>& after) {
  size_t changed = 0;
  for (size_t i = 0; i < before.size(); ++i) changed += before[i] != after[i];
  return static_cast<double>(changed) / static_cast<double>(before.size());
}

size_t longest_run(const std::string& s) {
  size_t longest = 0;
  for (size_t i = 0, run = 0; i < s.size(); ++i) {
    run = i > 0 && s[i] == s[i - 1] ? run + 1 : 1;
    longest = std::max(longest, run);
  }
  return longest;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ipvs_scheduler_tests)

BOOST_AUTO_TEST_CASE(scheduler_names_are_ipvsadms_and_anything_else_is_rejected) {
  for (auto kind : all_kinds) {
    BOOST_TEST((parse_scheduler(to_string(kind)) == kind));
    BOOST_TEST((make_scheduler(kind)->kind() == kind));
  }
  BOOST_TEST(std::string(to_string(scheduler_kind::wlc)) == "wlc");
  for (const char* bad : {"", "RR", "wrr ", "dh", "maglev"}) {
    BOOST_TEST(!parse_scheduler(bad).has_value(), "accepted '" << bad << "'");
  }
}

BOOST_AUTO_TEST_CASE(no_eligible_real_gives_no_pick_for_every_scheduler) {
  std::vector<real_entry> drained_and_down = pool({0, 3, 0});
  drained_and_down[1].available = false;
  for (const auto& reals : {pool({}), pool({0, 0}), drained_and_down}) {
    std::vector<real_load> idle(reals.size());
    for (auto kind : all_kinds) {
      auto s = scheduler_for(kind, reals);
      for (uint32_t client : {0u, 1u, 0x0a000001u, 0xffffffffu}) {
        BOOST_TEST(!s->pick({client, 80}, idle).has_value(), to_string(kind));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(weight_0_and_unavailable_reals_are_never_picked_by_any_scheduler) {
  auto reals = pool({1, 0, 5, 2, 0});
  reals[2].available = false;
  std::mt19937 rng(7);
  for (auto kind : all_kinds) {
    auto s = scheduler_for(kind, reals);
    for (int i = 0; i < 10000; ++i) {
      // The ineligible reals are idle, so lc and wlc would like them best.
      auto draw = [&](uint32_t below) { return static_cast<uint32_t>(rng() % below); };
      std::vector<real_load> load{{1 + draw(50), draw(500)}, {}, {}, {1 + draw(50), 0}, {}};
      auto real = s->pick({static_cast<uint32_t>(rng()), 1234}, load);
      BOOST_REQUIRE(real.has_value());
      BOOST_TEST((*real == 0 || *real == 3), to_string(kind) << " picked " << *real);
    }
  }
}

// --- rr ---------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(rr_cycles_through_the_available_reals_in_list_order) {
  auto reals = pool({1, 1, 1, 1});
  reals[2].available = false;
  auto s = scheduler_for(scheduler_kind::rr, reals);
  BOOST_TEST(sequence(*s, 9) == "ABDABDABD");
}

BOOST_AUTO_TEST_CASE(rr_ignores_weights_other_than_0) {
  auto s = scheduler_for(scheduler_kind::rr, pool({5, 1, 0}));
  BOOST_TEST(sequence(*s, 6) == "ABABAB");
}

BOOST_AUTO_TEST_CASE(rr_goes_on_after_the_last_pick_when_the_pool_changes) {
  auto s = scheduler_for(scheduler_kind::rr, pool({1, 1, 1, 1}));
  BOOST_TEST(sequence(*s, 2) == "AB");
  s->update(pool({1, 1, 1, 1, 1}));  // E added
  BOOST_TEST(sequence(*s, 5) == "CDEAB");
  auto without_c = pool({1, 1, 1, 1, 1});
  without_c[2].available = false;
  s->update(without_c);  // the next would have been C
  BOOST_TEST(sequence(*s, 4) == "DEAB");
  s->update(without_c);  // no change: no extra turn for the head
  BOOST_TEST(sequence(*s, 4) == "DEAB");
}

// --- wrr --------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(wrr_cycle_for_weights_4_3_2_is_lvs_interleaved_sequence) {
  // cw=4: A, cw=3: A B, cw=2: A B C, cw=1: A B C.
  auto s = scheduler_for(scheduler_kind::wrr, pool({4, 3, 2}));
  BOOST_TEST(sequence(*s, 27) == repeat("AABABCABC", 3));
}

BOOST_AUTO_TEST_CASE(wrr_gives_every_real_exactly_weight_over_gcd_picks_per_cycle) {
  struct case_ {
    std::vector<uint32_t> weights;
    std::vector<size_t> per_cycle;
    std::optional<size_t> down = std::nullopt;  // an unavailable real
  };
  const case_ cases[] = {
      {{4, 3, 2}, {4, 3, 2}},    {{6, 4}, {3, 2}},  // gcd 2
      {{5, 0, 1}, {5, 0, 1}},    {{1, 1, 1}, {1, 1, 1}},
      {{100, 1}, {100, 1}},      {{30, 20, 10, 10}, {3, 2, 1, 1}},  // gcd 10
      {{7, 9, 3}, {7, 0, 3}, 1},
  };
  for (const auto& c : cases) {
    auto reals = pool(c.weights);
    if (c.down) reals[*c.down].available = false;
    auto s = scheduler_for(scheduler_kind::wrr, reals);
    size_t cycle = 0;
    for (size_t n : c.per_cycle) cycle += n;
    std::string first = sequence(*s, cycle);
    for (size_t i = 0; i < c.per_cycle.size(); ++i) {
      auto got = static_cast<size_t>(std::count(first.begin(), first.end(), 'A' + i));
      BOOST_TEST(got == c.per_cycle[i], "real " << i << " in " << first);
    }
    BOOST_TEST(sequence(*s, cycle) == first);  // the next cycle is the same
  }
}

BOOST_AUTO_TEST_CASE(wrr_interleaves_the_heavy_real_instead_of_a_burst) {
  auto s = scheduler_for(scheduler_kind::wrr, pool({4, 3, 2}));
  // Across cycle boundaries too: ...A B C | A A B... A is never picked 3 times in a row.
  BOOST_TEST(longest_run(sequence(*s, 90)) == 2u);
  auto heavy = scheduler_for(scheduler_kind::wrr, pool({10, 10, 1}));
  BOOST_TEST(longest_run(sequence(*heavy, 210)) == 1u);
}

BOOST_AUTO_TEST_CASE(wrr_weight_change_midway_restarts_at_the_head_and_keeps_the_step) {
  auto s = scheduler_for(scheduler_kind::wrr, pool({4, 3, 2}));
  BOOST_TEST(sequence(*s, 3) == "AAB");  // now in the cw=3 step
  s->update(pool({4, 3, 0}));            // C drained
  // The cw=3 step again from the head, then cw=2 and cw=1; then 4:3 cycles.
  BOOST_TEST(sequence(*s, 6) == "ABABAB");
  std::string cycles = sequence(*s, 14);
  BOOST_TEST(cycles == repeat("AABABAB", 2));
  BOOST_TEST(std::count(cycles.begin(), cycles.end(), 'A') == 8);
  BOOST_TEST(std::count(cycles.begin(), cycles.end(), 'B') == 6);

  s->update(pool({1, 1, 1}));  // the step is clamped to the new largest weight
  BOOST_TEST(picked(s->pick({}, no_load)) == 0);
  BOOST_TEST(sequence(*s, 8) == "BCABCABC");

  s->update(pool({4, 2}));  // gcd 2: the step (1) is rounded up to 2
  BOOST_TEST(sequence(*s, 2 + 6) == "AB" + repeat("AAB", 2));
}

BOOST_AUTO_TEST_CASE(wrr_update_with_the_same_pool_keeps_the_cycle) {
  auto s = scheduler_for(scheduler_kind::wrr, pool({4, 3, 2}));
  BOOST_TEST(sequence(*s, 4) == "AABA");
  s->update(pool({4, 3, 2}));
  BOOST_TEST(sequence(*s, 5) == "BCABC");
}

// --- lc and wlc -------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(lc_picks_the_least_overhead_an_active_connection_counting_256) {
  struct case_ {
    std::vector<real_load> load;
    size_t want;
  };
  const case_ cases[] = {
      {{{1, 0}, {0, 255}}, 1},        // 256 > 255
      {{{1, 0}, {0, 256}}, 0},        // tie: the first
      {{{2, 0}, {1, 300}}, 0},        // 512 < 556
      {{{0, 5}, {0, 3}, {0, 4}}, 1},  // inactive only
      {{{0, 0}, {0, 0}, {0, 0}}, 0},  // all idle: the first
      {{{9, 9}, {3, 1}, {3, 1}}, 1},  // tie between the later two: the earlier
  };
  for (const auto& c : cases) {
    auto s = scheduler_for(scheduler_kind::lc, pool(std::vector<uint32_t>(c.load.size(), 1)));
    BOOST_TEST(picked(s->pick({}, c.load)) == c.want);
  }
}

BOOST_AUTO_TEST_CASE(lc_ignores_weights_other_than_0) {
  auto s = scheduler_for(scheduler_kind::lc, pool({100, 1}));
  BOOST_TEST(picked(s->pick({}, {{1, 0}, {0, 0}})) == 1);
}

BOOST_AUTO_TEST_CASE(wlc_weight_3_with_3_active_ties_weight_1_with_1_active_and_the_first_wins) {
  auto s = scheduler_for(scheduler_kind::wlc, pool({3, 1}));
  BOOST_TEST(picked(s->pick({}, {{3, 0}, {1, 0}})) == 0);  // 768/3 = 256/1
  BOOST_TEST(picked(s->pick({}, {{2, 0}, {1, 0}})) == 0);  // 512/3 < 256
  BOOST_TEST(picked(s->pick({}, {{4, 0}, {1, 0}})) == 1);  // 1024/3 > 256
  BOOST_TEST(picked(s->pick({}, {{3, 1}, {1, 0}})) == 1);  // 769/3 > 256
  auto reversed = scheduler_for(scheduler_kind::wlc, pool({1, 3}));
  BOOST_TEST(picked(reversed->pick({}, {{1, 0}, {3, 0}})) == 0);
  // lc on the same load ignores the weights: the real with 1 active.
  auto lc = scheduler_for(scheduler_kind::lc, pool({3, 1}));
  BOOST_TEST(picked(lc->pick({}, {{3, 0}, {1, 0}})) == 1);
}

BOOST_AUTO_TEST_CASE(wlc_spreads_new_connections_in_proportion_to_weight) {
  auto s = scheduler_for(scheduler_kind::wlc, pool({1, 2, 3}));
  std::vector<real_load> load(3);
  for (int i = 0; i < 600; ++i) ++load[*s->pick({}, load)].active;
  BOOST_TEST(load[0].active == 100u);
  BOOST_TEST(load[1].active == 200u);
  BOOST_TEST(load[2].active == 300u);
}

BOOST_AUTO_TEST_CASE(wlc_compares_exactly_where_64_bit_products_would_overflow) {
  const uint32_t max = UINT32_MAX;
  auto s = scheduler_for(scheduler_kind::wlc, pool({max, max - 1}));
  // Both 256 per unit of weight exactly: a tie, the first wins.
  BOOST_TEST(picked(s->pick({}, {{max, 0}, {max - 1, 0}})) == 0);
  // One inactive connection less on the second: 256 - 1/(2^32 - 2) per unit, it wins.
  BOOST_TEST(picked(s->pick({}, {{max, 0}, {max - 2, 255}})) == 1);
  BOOST_TEST(picked(s->pick({}, {{max, 0}, {max - 1, 1}})) == 0);
  // Equal weights, 2^24 active each, 2 inactive more on the first: overhead * weight is just
  // past 2^64 for the first and just below for the second, so 64 bits would pick the first.
  auto equal = scheduler_for(scheduler_kind::wlc, pool({max, max}));
  BOOST_TEST(picked(equal->pick({}, {{1u << 24, 2}, {1u << 24, 0}})) == 1);
}

// --- sh ---------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(sh_sends_a_client_to_the_same_real_every_time_whatever_its_port) {
  auto s = scheduler_for(scheduler_kind::sh, pool({1, 2, 3}));
  auto clients = random_clients(1000);
  auto first = assign(*s, clients);
  s->update(pool({1, 2, 3}));
  for (size_t i = 0; i < clients.size(); ++i) {
    for (uint16_t port : {1, 1024, 65535}) {
      BOOST_TEST(picked(s->pick({clients[i], port}, no_load)) == first[i]);
    }
  }
}

BOOST_AUTO_TEST_CASE(sh_gives_every_real_its_weight_share_within_3_percent) {
  const std::vector<uint32_t> weights{1, 2, 3, 4};
  auto s = scheduler_for(scheduler_kind::sh, pool(weights));
  check_weight_shares(shares(assign(*s, random_clients(100000)), 4), weights, 0.03,
                      "sh 100k random clients, weights 1,2,3,4");
  // Clients of one subnet spread as well: the hash keeps the top bits of the product.
  std::vector<uint32_t> subnet;
  for (uint32_t host = 0; host < 65536; ++host) subnet.push_back(0x0a000000u + host);
  check_weight_shares(shares(assign(*s, subnet), 4), weights, 0.03,
                      "sh 10.0.0.0/16, weights 1,2,3,4");
}

BOOST_AUTO_TEST_CASE(sh_failed_real_moves_only_its_clients_spread_by_weight_and_back) {
  const std::vector<uint32_t> weights{1, 2, 3, 4};
  auto s = scheduler_for(scheduler_kind::sh, pool(weights));
  auto clients = random_clients(100000);
  auto before = assign(*s, clients);

  auto failed = pool(weights);
  failed[2].available = false;
  s->update(failed);
  auto after = assign(*s, clients);
  std::vector<size_t> moved_to;
  for (size_t i = 0; i < clients.size(); ++i) {
    if (before[i] != 2) {
      BOOST_REQUIRE(after[i] == before[i]);
    } else {
      moved_to.push_back(after[i]);
    }
  }
  BOOST_TEST_MESSAGE("sh: failing C moved " << moved_to.size() << " of 100000 clients, all C's");
  check_weight_shares(shares(moved_to, 4), {1, 2, 0, 4}, 0.05, "sh C's clients after C failed");
  check_weight_shares(shares(after, 4), {1, 2, 0, 4}, 0.03, "sh all clients after C failed");

  s->update(pool(weights));
  BOOST_TEST((assign(*s, clients) == before));
}

// --- mh ---------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(mh_sends_a_client_to_the_same_real_every_time_whatever_its_port) {
  auto s = scheduler_for(scheduler_kind::mh, pool_with_ids({1, 2, 3}));
  auto clients = random_clients(1000);
  auto first = assign(*s, clients);
  s->update(pool_with_ids({1, 2, 3}));
  for (size_t i = 0; i < clients.size(); ++i) {
    for (uint16_t port : {1, 1024, 65535}) {
      BOOST_TEST(picked(s->pick({clients[i], port}, no_load)) == first[i]);
    }
  }
}

BOOST_AUTO_TEST_CASE(mh_gives_every_real_its_weight_share_of_entries_and_clients) {
  const std::vector<uint32_t> weights{1, 2, 3, 4};
  mh_scheduler s;
  s.update(pool_with_ids(weights));
  BOOST_TEST(s.table().size() == 65537u);
  // The turns are interleaved by weight and each claims one entry: within one of M * w / 10.
  std::vector<size_t> entries(4);
  for (uint32_t real : s.table()) ++entries[real];
  for (size_t i = 0; i < 4; ++i) {
    double want = 65537.0 * weights[i] / 10;
    BOOST_TEST(std::abs(static_cast<double>(entries[i]) - want) <= 1.0, "real " << i);
  }
  check_weight_shares(shares(assign(s, random_clients(100000)), 4), weights, 0.03,
                      "mh 100k random clients, weights 1,2,3,4");
}

BOOST_AUTO_TEST_CASE(mh_failing_1_of_10_reals_moves_little_more_than_its_clients) {
  const std::vector<uint32_t> weights(10, 1);
  mh_scheduler s;
  s.update(pool_with_ids(weights));
  auto table_before = s.table();
  auto clients = random_clients(100000);
  auto before = assign(s, clients);

  auto failed = pool_with_ids(weights);
  failed[3].available = false;
  s.update(failed);
  std::vector<size_t> tb(table_before.begin(), table_before.end());
  std::vector<size_t> ta(s.table().begin(), s.table().end());
  double entries_moved = changed_fraction(tb, ta);
  double clients_moved = changed_fraction(before, assign(s, clients));
  BOOST_TEST_MESSAGE("mh: failing 1 of 10 moved " << entries_moved * 100 << "% of entries, "
                                                  << clients_moved * 100 << "% of clients");
  BOOST_TEST(entries_moved >= 0.09);  // at least the failed real's own entries
  BOOST_TEST(entries_moved <= 0.15);
  BOOST_TEST(clients_moved <= 0.15);

  s.update(pool_with_ids(weights));  // back: the very same table
  BOOST_TEST((s.table() == table_before));
}

BOOST_AUTO_TEST_CASE(mh_removing_a_real_from_the_list_keeps_the_others_by_id) {
  const std::vector<uint32_t> weights(10, 1);
  mh_scheduler s;
  auto reals = pool_with_ids(weights);
  s.update(reals);
  auto clients = random_clients(100000);
  std::vector<size_t> before;
  for (size_t real : assign(s, clients)) before.push_back(reals[real].id);

  reals.erase(reals.begin() + 3);  // the indices of the later reals shift
  s.update(reals);
  std::vector<size_t> after;
  for (size_t real : assign(s, clients)) after.push_back(reals[real].id);
  double moved = changed_fraction(before, after);
  BOOST_TEST_MESSAGE("mh: removing 1 of 10 from the list moved " << moved * 100 << "% of clients");
  BOOST_TEST(moved <= 0.15);

  reals.push_back(real_entry{1, true, 999});  // and adding one takes about 1/10
  s.update(reals);
  std::vector<size_t> added;
  for (size_t real : assign(s, clients)) added.push_back(reals[real].id);
  double moved_by_add = changed_fraction(after, added);
  BOOST_TEST_MESSAGE("mh: adding a 10th real moved " << moved_by_add * 100 << "% of clients");
  BOOST_TEST(moved_by_add <= 0.15);
}

BOOST_AUTO_TEST_CASE(mh_without_ids_the_index_is_the_identity) {
  const std::vector<uint32_t> weights(10, 1);
  mh_scheduler s;
  s.update(pool(weights));
  auto clients = random_clients(100000);
  auto before = assign(s, clients);
  auto failed = pool(weights);
  failed[7].available = false;
  s.update(failed);
  double moved = changed_fraction(before, assign(s, clients));
  BOOST_TEST_MESSAGE("mh without ids: failing 1 of 10 moved " << moved * 100 << "% of clients");
  BOOST_TEST(moved <= 0.15);
}

BOOST_AUTO_TEST_CASE(mh_draining_a_weighted_real_moves_about_its_share) {
  const std::vector<uint32_t> weights{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  mh_scheduler s;
  s.update(pool_with_ids(weights));
  auto clients = random_clients(100000);
  auto before = assign(s, clients);
  auto drained = pool_with_ids(weights);
  drained[4].weight = 0;  // 5 of 55: 9.1%
  s.update(drained);
  double moved = changed_fraction(before, assign(s, clients));
  BOOST_TEST_MESSAGE("mh weights 1..10: draining the 5 moved " << moved * 100 << "% of clients");
  BOOST_TEST(moved <= 5.0 / 55 + 0.05);
}

BOOST_AUTO_TEST_CASE(mh_table_size_must_be_a_prime) {
  BOOST_CHECK_THROW(mh_scheduler(65536), std::invalid_argument);
  BOOST_CHECK_THROW(mh_scheduler(1), std::invalid_argument);
  mh_scheduler small(251);
  small.update(pool_with_ids({1, 1, 1}));
  BOOST_TEST(small.table().size() == 251u);
  std::vector<size_t> entries(3);
  for (uint32_t real : small.table()) ++entries[real];
  BOOST_TEST((entries == std::vector<size_t>{84, 84, 83}));
}

BOOST_AUTO_TEST_SUITE_END()
