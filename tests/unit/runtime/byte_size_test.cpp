#include "runtime/byte_size.hpp"

#include <boost/test/unit_test.hpp>

using namespace hamesh;

BOOST_AUTO_TEST_SUITE(byte_size_tests)

BOOST_AUTO_TEST_CASE(parses_bytes_and_binary_units) {
  struct {
    const char* text;
    uint64_t value;
  } cases[] = {
      {"0", 0},
      {"4096", 4096},
      {"512B", 512},
      {"4KiB", 4096},
      {"64MiB", uint64_t(64) << 20},
      {"1GiB", uint64_t(1) << 30},
      {"2TiB", uint64_t(2) << 40},
  };
  for (auto& c : cases) {
    BOOST_TEST_CONTEXT(c.text) {
      auto v = parse_byte_size(c.text);
      BOOST_REQUIRE(v.has_value());
      BOOST_TEST(*v == c.value);
    }
  }
}

BOOST_AUTO_TEST_CASE(refuses_decimal_units_and_overflow) {
  for (const char* text :
       {"", "KiB", "1GB", "1 MiB", "1.5GiB", "-1", "99999999999999999999", "20000000TiB", "1mib"}) {
    BOOST_TEST_CONTEXT(text) {
      std::string why;
      BOOST_TEST(!parse_byte_size(text, &why).has_value());
      BOOST_TEST(!why.empty());
    }
  }
}

BOOST_AUTO_TEST_CASE(formats_with_the_largest_exact_unit) {
  BOOST_TEST(format_byte_size(65536) == "64KiB");
  BOOST_TEST(format_byte_size(uint64_t(3) << 30) == "3GiB");
  BOOST_TEST(format_byte_size(1000) == "1000B");
  BOOST_TEST(format_byte_size(0) == "0B");
}

BOOST_AUTO_TEST_SUITE_END()
