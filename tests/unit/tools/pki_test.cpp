// hameshctl pki: a CA, certificates that chain to it and not to another CA, keys that only
// their owner can read, and nothing overwritten.
#include "tools/hameshctl/pki.hpp"

#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>

namespace fs = std::filesystem;
using namespace hamesh;

namespace {
struct temp_dir {
  fs::path path = fs::temp_directory_path() /
                  ("hamesh-pki-" + std::to_string(::getpid()) + "-" + std::to_string(std::rand()));
  ~temp_dir() { fs::remove_all(path); }
};
unsigned mode_of(const fs::path& p) {
  struct stat st {};
  ::stat(p.c_str(), &st);
  return st.st_mode & 0777;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(pki_tests)

BOOST_AUTO_TEST_CASE(issued_certificates_chain_to_their_ca_only) {
  temp_dir a, b;
  BOOST_TEST(pki::init(a.path.string()).ok);
  BOOST_TEST(pki::init(b.path.string()).ok);
  auto n = pki::issue(a.path.string(), "node-a", pki::role::node);
  BOOST_TEST(n.ok, n.message);
  BOOST_TEST(pki::issue(a.path.string(), "admin", pki::role::client).ok);
  BOOST_TEST(pki::verify(a.path.string(), "node-a").ok);
  BOOST_TEST(pki::verify(a.path.string(), "admin").ok);
  // Another cluster's CA does not vouch for it.
  fs::copy_file(a.path / "node-a.pem", b.path / "node-a.pem");
  auto other = pki::verify(b.path.string(), "node-a");
  BOOST_TEST(!other.ok);
  BOOST_TEST(other.message.find("unable to get local issuer certificate") != std::string::npos,
             other.message);
}

BOOST_AUTO_TEST_CASE(keys_are_written_owner_only) {
  temp_dir d;
  BOOST_REQUIRE(pki::init(d.path.string()).ok);
  BOOST_REQUIRE(pki::issue(d.path.string(), "n1", pki::role::node).ok);
  BOOST_TEST(mode_of(d.path / "ca.key") == 0600u);
  BOOST_TEST(mode_of(d.path / "n1.key") == 0600u);
  BOOST_TEST(mode_of(d.path / "n1.pem") == 0644u);
}

BOOST_AUTO_TEST_CASE(nothing_is_overwritten_and_bad_names_are_refused) {
  temp_dir d;
  BOOST_REQUIRE(pki::init(d.path.string()).ok);
  auto again = pki::init(d.path.string());
  BOOST_TEST(!again.ok);
  BOOST_TEST(again.message.find("already holds a CA") != std::string::npos);
  BOOST_REQUIRE(pki::issue(d.path.string(), "n1", pki::role::node).ok);
  BOOST_TEST(!pki::issue(d.path.string(), "n1", pki::role::node).ok);
  BOOST_TEST(!pki::issue(d.path.string(), "../evil", pki::role::node).ok);
  BOOST_TEST(!pki::issue(d.path.string(), "ca", pki::role::client).ok);
  temp_dir empty;
  auto no_ca = pki::issue(empty.path.string(), "n1", pki::role::node);
  BOOST_TEST(!no_ca.ok);
  BOOST_TEST(no_ca.message.find("no CA in") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
