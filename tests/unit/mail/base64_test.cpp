// runtime/base64: RFC 4648 §10's test vectors both ways, and the strict decoder's refusals
// (§3.3 no characters outside the alphabet, §3.5 canonical padding bits).
#include "runtime/base64.hpp"

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

using namespace std::string_literals;

BOOST_AUTO_TEST_SUITE(base64_suite)

BOOST_AUTO_TEST_CASE(rfc_4648_test_vectors_round_trip) {
  std::vector<std::pair<std::string, std::string>> vectors = {{"", ""},
                                                              {"f", "Zg=="},
                                                              {"fo", "Zm8="},
                                                              {"foo", "Zm9v"},
                                                              {"foob", "Zm9vYg=="},
                                                              {"fooba", "Zm9vYmE="},
                                                              {"foobar", "Zm9vYmFy"},
                                                              {"\0user\0pass"s, "AHVzZXIAcGFzcw=="},
                                                              {"\xff\xfe\xfd", "//79"}};
  for (const auto& [bytes, text] : vectors) {
    BOOST_TEST(hamesh::base64_encode(bytes) == text);
    auto decoded = hamesh::base64_decode(text);
    BOOST_TEST_REQUIRE(decoded.has_value(), text);
    BOOST_TEST(*decoded == bytes);
  }
}

BOOST_AUTO_TEST_CASE(anything_but_the_canonical_encoding_is_refused) {
  for (std::string text :
       {"Zg", "Zg=", "Zm9", "Zg==Zg==", "Z===", "====", "Zm9v\r\n", "Zm 9v",
        "Zm9v=", "Zh==", "Zm9=", "Zm-v", "Zm_v", "=Zm9", "Zg=a", "AHVzZXIAcGFzcw"}) {
    BOOST_TEST(!hamesh::base64_decode(text).has_value(), text);
  }
}

BOOST_AUTO_TEST_SUITE_END()
