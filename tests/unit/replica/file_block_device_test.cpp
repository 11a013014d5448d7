// file_block_device: every operation on a real file in a temporary folder, the range checks,
// the read-only mode, and sizes taken from the file or given.
#include "actors/replica/file_block_device.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

using namespace hamesh::replica;

namespace {

struct capture final : block_completion_sink {
  std::vector<block_completion> got;
  void on_block_completion(block_completion done) override { got.push_back(std::move(done)); }
};

struct temp_dir {
  std::string path;
  temp_dir() {
    char pattern[] = "/tmp/hamesh-file-device-XXXXXX";
    path = ::mkdtemp(pattern);
  }
  ~temp_dir() { (void)!std::system(("rm -rf '" + path + "'").c_str()); }
};

block_completion run(file_block_device& d, block_op op, uint64_t offset, uint32_t length,
                     std::string data = {}, bool fua = false, bool may_punch = true) {
  capture sink;
  block_request r;
  r.id = 42;
  r.op = op;
  r.offset = offset;
  r.length = length;
  r.data = std::move(data);
  r.fua = fua;
  r.may_punch_hole = may_punch;
  d.submit(std::move(r), sink);
  // Synchronous: completed before submit() returned, exactly once.
  BOOST_REQUIRE(sink.got.size() == 1u);
  BOOST_TEST(sink.got[0].id == 42u);
  return std::move(sink.got[0]);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(file_block_device_suite)

BOOST_AUTO_TEST_CASE(every_operation_on_a_created_file) {
  temp_dir dir;
  std::string error;
  auto d = file_block_device::open({dir.path + "/disk", 1u << 20, true, false}, error);
  BOOST_REQUIRE_MESSAGE(d, error);
  BOOST_TEST(d->info().size == (1u << 20));
  BOOST_TEST(d->info().flush_covers_all_writers);
  struct stat st {};
  BOOST_TEST(::stat((dir.path + "/disk").c_str(), &st) == 0);
  BOOST_TEST(st.st_size == (1 << 20));

  std::string block(8192, 'q');
  BOOST_TEST(int(run(*d, block_op::write, 4096, 8192, block).status) == int(block_status::ok));
  BOOST_TEST(run(*d, block_op::read, 4096, 8192).data == block);
  BOOST_TEST(int(run(*d, block_op::write, 0, 3, "abc", true).status) == int(block_status::ok));
  BOOST_TEST(run(*d, block_op::read, 0, 3).data == "abc");
  BOOST_TEST(int(run(*d, block_op::flush, 0, 0).status) == int(block_status::ok));
  // Trim: a hole on ext4/tmpfs, and reads as zeroes there.
  BOOST_TEST(int(run(*d, block_op::trim, 4096, 4096, {}, true).status) == int(block_status::ok));
  BOOST_TEST(run(*d, block_op::read, 8192, 4096).data == block.substr(0, 4096));
  // Write zeroes, with and without NO_HOLE.
  BOOST_TEST(int(run(*d, block_op::write_zeroes, 8192, 100, {}, false, false).status) ==
             int(block_status::ok));
  BOOST_TEST(run(*d, block_op::read, 8192, 100).data == std::string(100, '\0'));
  BOOST_TEST(run(*d, block_op::read, 8292, 10).data == std::string(10, 'q'));
  BOOST_TEST(int(run(*d, block_op::write_zeroes, 0, 3, {}, true, true).status) ==
             int(block_status::ok));
  BOOST_TEST(run(*d, block_op::read, 0, 3).data == std::string(3, '\0'));
  // The last byte, and one past it.
  BOOST_TEST(int(run(*d, block_op::write, (1u << 20) - 1, 1, "z").status) == int(block_status::ok));
  auto past = run(*d, block_op::read, (1u << 20) - 1, 2);
  BOOST_TEST(int(past.status) == int(block_status::invalid));
  BOOST_TEST(past.data.empty());
  BOOST_TEST(int(run(*d, block_op::write, 0, 4, "abc").status) == int(block_status::invalid));
}

BOOST_AUTO_TEST_CASE(read_only_device_refuses_writes_and_size_comes_from_the_file) {
  temp_dir dir;
  std::string path = dir.path + "/disk";
  std::ofstream(path) << std::string(12288, 'r');
  std::string error;
  auto d = file_block_device::open({path, 0, false, true}, error);
  BOOST_REQUIRE_MESSAGE(d, error);
  BOOST_TEST(d->info().size == 12288u);
  BOOST_TEST(d->info().read_only);
  BOOST_TEST(run(*d, block_op::read, 12287, 1).data == "r");
  BOOST_TEST(int(run(*d, block_op::write, 0, 1, "x").status) == int(block_status::read_only));
  BOOST_TEST(int(run(*d, block_op::trim, 0, 1).status) == int(block_status::read_only));
  BOOST_TEST(int(run(*d, block_op::flush, 0, 0).status) == int(block_status::ok));
}

// direct = true: aligned FUA writes bypass the page cache, everything else uses it, and each
// sees what the other wrote (a direct write writes back and drops the cached pages of its
// range first).
BOOST_AUTO_TEST_CASE(direct_writes_and_the_page_cache_see_each_others_bytes) {
  temp_dir dir;
  std::string error;
  file_block_device::settings s{dir.path + "/disk", 1u << 20, true, false};
  s.direct = true;
  auto d = file_block_device::open(s, error);
  if (!d) {
    BOOST_TEST_MESSAGE("skipped: " << error << " (no O_DIRECT on this file system)");
    return;
  }
  std::string block(8192, '\0');
  for (size_t i = 0; i < block.size(); ++i) block[i] = char('a' + i % 23);
  // Aligned and durable: the direct path; read back through the page cache.
  BOOST_TEST(int(run(*d, block_op::write, 4096, 8192, block, true).status) ==
             int(block_status::ok));
  BOOST_TEST(run(*d, block_op::read, 4096, 8192).data == block);
  BOOST_TEST(run(*d, block_op::read, 4100, 10).data == block.substr(4, 10));
  // A cached, not yet written back write (unaligned), then a direct one over its block: the
  // direct bytes win, on reads and in the file.
  BOOST_TEST(int(run(*d, block_op::write, 4097, 3, "XYZ").status) == int(block_status::ok));
  BOOST_TEST(run(*d, block_op::read, 4096, 8).data ==
             block.substr(0, 1) + "XYZ" + block.substr(4, 4));
  std::string fresh(4096, 'Q');
  BOOST_TEST(int(run(*d, block_op::write, 4096, 4096, fresh, true).status) ==
             int(block_status::ok));
  BOOST_TEST(run(*d, block_op::read, 4096, 4096).data == fresh);
  // An ordinary aligned write stays cached until the flush.
  BOOST_TEST(int(run(*d, block_op::write, 12288, 4096, std::string(4096, 'R')).status) ==
             int(block_status::ok));
  BOOST_TEST(int(run(*d, block_op::flush, 0, 0).status) == int(block_status::ok));
  std::ifstream f(s.path, std::ios::binary);
  std::string content((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  BOOST_TEST(content.substr(4096, 4096) == fresh);
  BOOST_TEST(content.substr(8192, 4096) == block.substr(4096));
  BOOST_TEST(content.substr(12288, 4096) == std::string(4096, 'R'));
}

BOOST_AUTO_TEST_CASE(open_errors_name_the_call_and_the_path) {
  temp_dir dir;
  std::string error;
  BOOST_TEST(!file_block_device::open({dir.path + "/missing", 4096, false, false}, error));
  BOOST_TEST(error.find("open " + dir.path + "/missing") == 0u, error);
  BOOST_TEST(!file_block_device::open({dir.path + "/empty", 0, true, false}, error));
  BOOST_TEST(error.find("empty export") == 0u, error);
  std::ofstream(dir.path + "/small") << "tiny";
  BOOST_TEST(!file_block_device::open({dir.path + "/small", 4096, false, true}, error));
  BOOST_TEST(error.find("file smaller") == 0u, error);
}

BOOST_AUTO_TEST_SUITE_END()
