#pragma once
// A block_device on a regular file (or a block device node) of fixed size: what the NBD export
// serves before replication sits behind it, and the local half of a replicated volume.
//
// Synchronous: submit() runs the system call on the caller's thread and completes before it
// returns, so an engine thread that submits waits for the disk (an fdatasync included). That
// is the floor a replicated write is measured against (DESIGN.md: local fsync), and every
// client of one engine shares that thread's queue.
//
// Writes go through the page cache; flush is fdatasync, FUA a RWF_DSYNC write (fdatasync where
// the kernel lacks it). With `direct`, durable (FUA) writes aligned to the file system's
// direct I/O alignment bypass the page cache (O_DIRECT from an aligned buffer), as DRBD
// submits to its backing device: a durable 4 KiB write is then one device write and a cache
// flush, not a page-cache copy, its writeback and the flush (tools/bench/replica: 65-75 us
// against 105-120 us here). Everything else stays in the page cache: ordinary writes until
// the next flush (writeback batches a resync's thousands of them), reads (a resync source
// reads regions just written, verify reads in sequence with readahead), unaligned requests
// (NBD allows any). The kernel keeps the two paths coherent: a direct write first writes back
// and then drops the cached pages of its range.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "actors/replica/block_device.hpp"

namespace hamesh::replica {

class file_block_device final : public block_device {
 public:
  struct settings {
    std::string path;
    // Bytes exported; 0 means the file's current size. A smaller file is extended (sparse).
    uint64_t size = 0;
    bool create = true;  // create the file when missing
    bool read_only = false;
    bool direct = false;  // O_DIRECT for aligned FUA writes; refused where the file system lacks it
  };

  // The device, or null with `error` naming the call and the path.
  static std::unique_ptr<file_block_device> open(const settings& s, std::string& error);
  ~file_block_device() override;
  file_block_device(const file_block_device&) = delete;
  file_block_device& operator=(const file_block_device&) = delete;

  block_device_info info() const override;
  // Durable aligned writes go through O_DIRECT: settings::direct, and the kernel has not
  // refused it since (a refused direct write falls back to the page cache for good).
  bool direct_active() const { return direct_fd_ >= 0; }
  void submit(block_request request, block_completion_sink& sink) override;

  // A write of `data` at `offset` (durable on return with fua), as submit() would do it but
  // without the copy a block_request needs: the replica engine's local half of a client write,
  // whose bytes stay with the engine until the peer has them too.
  block_status write_at(std::string_view data, uint64_t offset, bool fua);

 private:
  file_block_device(int fd, uint64_t size, bool read_only);
  block_status run(block_request& r, std::string& data);
  block_status sync();
  block_status write_zeroes(const block_request& r);
  bool direct_fits(uint64_t offset, size_t length) const;
  char* aligned_buffer(size_t size);
  block_status direct_write(std::string_view data, uint64_t offset);
  // [at, at + size) durable on return: RWF_DSYNC, else a write and fdatasync.
  block_status durable_write(int fd, const char* data, size_t size, uint64_t at);

  int fd_;
  int direct_fd_ = -1;       // the same file opened O_DIRECT (settings::direct)
  size_t direct_align_ = 0;  // offsets, lengths and buffers of direct requests
  std::unique_ptr<char, void (*)(void*)> buffer_{nullptr, nullptr};
  size_t buffer_size_ = 0;
  uint64_t size_;
  bool read_only_;
  bool have_dsync_write_ = true;  // pwritev2(RWF_DSYNC) worked or was not tried yet
  bool have_punch_hole_ = true;
  bool have_zero_range_ = true;
};

}  // namespace hamesh::replica
