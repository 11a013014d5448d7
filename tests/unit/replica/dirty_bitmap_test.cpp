// The dirty bitmap: marking byte ranges, clearing, iteration, merging, and a stored form that
// refuses anything it cannot trust.
#include <boost/test/unit_test.hpp>

#include "tests/unit/replica/replica_printing.hpp"

#include "actors/replica/dirty_bitmap.hpp"

using namespace hamesh::replica;

namespace {
constexpr uint64_t KiB = 1024;
constexpr uint64_t MiB = 1024 * KiB;
}  // namespace

BOOST_AUTO_TEST_SUITE(dirty_bitmap_regions)

BOOST_AUTO_TEST_CASE(marking_a_byte_range_sets_every_region_it_touches) {
  dirty_bitmap b(10 * MiB + 100, 64 * KiB);
  BOOST_TEST(b.regions() == 161u);  // 160 whole regions and a short last one
  BOOST_TEST(b.region_length(160) == 100u);
  BOOST_TEST(b.mark(64 * KiB - 1, 2) == 2u);      // straddles regions 0 and 1
  BOOST_TEST(b.mark(64 * KiB, 10) == 0u);         // already dirty
  BOOST_TEST(b.mark(10 * MiB + 50, 1000) == 1u);  // clipped at the end of the volume
  BOOST_TEST(b.mark(20 * MiB, 10) == 0u);         // past the end: nothing
  BOOST_TEST(b.count() == 3u);
  BOOST_TEST(b.test(0));
  BOOST_TEST(b.test(1));
  BOOST_TEST(b.test(160));
  BOOST_TEST(!b.test(2));
}

BOOST_AUTO_TEST_CASE(dirty_regions_iterate_in_order_and_clear) {
  dirty_bitmap b(64 * MiB, 64 * KiB);
  for (uint64_t r : {700u, 3u, 64u, 63u, 1023u}) b.mark_region(r);
  std::vector<uint64_t> seen;
  for (auto r = b.next_dirty(0); r; r = b.next_dirty(*r + 1)) seen.push_back(*r);
  BOOST_TEST(seen == (std::vector<uint64_t>{3, 63, 64, 700, 1023}),
             boost::test_tools::per_element());
  BOOST_TEST(b.clear_region(64));
  BOOST_TEST(!b.clear_region(64));
  BOOST_TEST(*b.next_dirty(64) == 700u);
  BOOST_TEST(b.count() == 4u);
  b.clear_all();
  BOOST_TEST(b.empty());
  BOOST_TEST(!b.next_dirty(0));
}

BOOST_AUTO_TEST_CASE(merging_keeps_regions_dirty_on_either_side) {
  dirty_bitmap a(8 * MiB, 64 * KiB), b(8 * MiB, 64 * KiB);
  a.mark_region(1);
  a.mark_region(5);
  b.mark_region(5);
  b.mark_region(100);
  BOOST_TEST(a.merge(b) == replica_errc::none);
  BOOST_TEST(a.count() == 3u);
  BOOST_TEST(a.test(100));
  dirty_bitmap other(8 * MiB, 128 * KiB);
  BOOST_TEST(a.merge(other) == replica_errc::geometry_mismatch);
}

BOOST_AUTO_TEST_CASE(wire_bits_round_trip_in_slices) {
  dirty_bitmap a(8 * MiB, 4 * KiB);  // 2048 regions
  for (uint64_t r = 0; r < a.regions(); r += 37) a.mark_region(r);
  dirty_bitmap b(8 * MiB, 4 * KiB);
  for (uint64_t first = 0; first < a.regions(); first += 800) {
    uint64_t n = std::min<uint64_t>(800, a.regions() - first);
    BOOST_TEST(b.merge_bits(first, n, a.bits(first, n)) == replica_errc::none);
  }
  BOOST_TEST((a == b));
  BOOST_TEST(b.merge_bits(3, 8, std::string(1, '\0')) == replica_errc::bad_field_value);
  BOOST_TEST(b.merge_bits(2048, 8, std::string(1, '\0')) == replica_errc::bad_field_value);
}

BOOST_AUTO_TEST_CASE(the_stored_bitmap_round_trips) {
  dirty_bitmap a(100 * MiB + 4096, 64 * KiB);
  a.mark(0, 1);
  a.mark(50 * MiB, 3 * MiB);
  a.mark(100 * MiB, 4096);
  bitmap_load back = decode_dirty_bitmap(a.encode(), a.volume_size(), a.region_size());
  BOOST_REQUIRE(back.bitmap);
  BOOST_TEST(back.untrusted_because.empty());
  BOOST_TEST((*back.bitmap == a));
  BOOST_TEST(back.bitmap->count() == a.count());
}

BOOST_AUTO_TEST_CASE(a_stored_bitmap_that_does_not_check_out_is_untrusted_with_a_reason) {
  dirty_bitmap a(16 * MiB, 64 * KiB);
  a.mark(MiB, 10);
  std::string good = a.encode();
  struct bad_case {
    const char* name;
    std::string bytes;
    uint64_t volume;
    uint64_t region;
    const char* reason_contains;
  };
  std::string flipped_bit = good;
  flipped_bit.back() = char(flipped_bit.back() ^ 1);
  std::string flipped_magic = good;
  flipped_magic[0] = 'X';
  std::string longer = good + '\0';
  const bad_case cases[] = {
      {"empty", "", 16 * MiB, 64 * KiB, "shorter"},
      {"truncated", good.substr(0, good.size() - 1), 16 * MiB, 64 * KiB, "length"},
      {"longer", longer, 16 * MiB, 64 * KiB, "length"},
      {"a flipped bit", flipped_bit, 16 * MiB, 64 * KiB, "checksum"},
      {"bad magic", flipped_magic, 16 * MiB, 64 * KiB, "magic"},
      {"another volume size", good, 32 * MiB, 64 * KiB, "geometry"},
      {"another region size", good, 16 * MiB, 128 * KiB, "geometry"},
      {"an invalid region size", good, 16 * MiB, 3000, "region size"},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.name) {
      bitmap_load l = decode_dirty_bitmap(c.bytes, c.volume, c.region);
      BOOST_TEST(!l.bitmap);
      BOOST_TEST(l.untrusted_because.find(c.reason_contains) != std::string::npos,
                 l.untrusted_because);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
