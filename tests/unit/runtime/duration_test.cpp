#include "runtime/duration.hpp"

#include <boost/test/unit_test.hpp>

using namespace hamesh;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(duration_tests)

BOOST_AUTO_TEST_CASE(parses_every_unit_and_compounds) {
  struct {
    const char* text;
    duration value;
  } cases[] = {
      {"0s", 0s},       {"250ns", 250ns}, {"7us", 7us},
      {"100ms", 100ms}, {"3s", 3s},       {"2m", 2min},
      {"1h", 1h},       {"1m30s", 90s},   {"1h2m3s4ms", 1h + 2min + 3s + 4ms},
  };
  for (auto& c : cases) {
    BOOST_TEST_CONTEXT(c.text) {
      auto d = parse_duration(c.text);
      BOOST_REQUIRE(d.has_value());
      BOOST_TEST(d->count() == c.value.count());
    }
  }
}

BOOST_AUTO_TEST_CASE(refuses_what_it_would_have_to_guess) {
  struct {
    const char* text;
    const char* reason;
  } cases[] = {
      {"", "empty duration"},
      {"100", "missing unit after 100"},
      {"ms", "expected a digit"},
      {"1.5s", "missing unit after 1"},
      {"10 s", "missing unit after 10"},
      {"5sec", "unknown unit \"sec\""},
      {"-1s", "expected a digit"},
      {"99999999999999999999s", "duration too large"},
      {"9999999999h", "duration too large"},
  };
  for (auto& c : cases) {
    BOOST_TEST_CONTEXT(c.text) {
      std::string why;
      BOOST_TEST(!parse_duration(c.text, &why).has_value());
      BOOST_TEST(why.find(c.reason) != std::string::npos, "reason was: " << why);
    }
  }
}

BOOST_AUTO_TEST_CASE(formats_with_the_largest_exact_unit) {
  BOOST_TEST(format_duration(0s) == "0s");
  BOOST_TEST(format_duration(1500ms) == "1500ms");
  BOOST_TEST(format_duration(2s) == "2s");
  BOOST_TEST(format_duration(90s) == "90s");
  BOOST_TEST(format_duration(2min) == "2m");
  BOOST_TEST(format_duration(7ns) == "7ns");
  for (duration d : {duration(1ns), duration(999us), duration(100ms), duration(61s), duration(3h)})
    BOOST_TEST(parse_duration(format_duration(d))->count() == d.count());
}

BOOST_AUTO_TEST_SUITE_END()
