#pragma once
// Where a member keeps its metadata (generation ids, promotion stamp) and its dirty bitmap:
// two files beside the backing file. Metadata changes rarely and must never be torn: it is
// written to a temporary file, synced and renamed over the old one. The bitmap changes with
// writes made while the peer is away: it is rewritten in place and synced, and a torn bitmap
// fails its checksum on the next load, which the core answers with a full resync (safe, just
// slower). CAF-free, blocking: the replica engine's thread calls it.
#include <cstdint>
#include <string>
#include <string_view>

#include "actors/replica/dirty_bitmap.hpp"
#include "actors/replica/replica_metadata.hpp"

namespace hamesh::replica {

class replica_metadata_store {
 public:
  // `metadata_path`; the bitmap lives at metadata_path + ".bitmap".
  explicit replica_metadata_store(std::string metadata_path);
  ~replica_metadata_store();
  replica_metadata_store(const replica_metadata_store&) = delete;
  replica_metadata_store& operator=(const replica_metadata_store&) = delete;

  struct loaded {
    replica_metadata metadata;  // default for a new member (no metadata file yet)
    bitmap_load bitmap;
    bool fresh = false;  // no metadata file: a member that never ran
    std::string error;   // metadata that exists but fails its checks: the member cannot start
  };
  loaded load(uint64_t volume_size, uint64_t region_size);

  // "" or why it failed (the caller fails the member: it cannot promise crash safety).
  std::string save_metadata(const replica_metadata& m);
  std::string save_bitmap(std::string_view encoded);

  uint64_t bitmap_writes() const { return bitmap_writes_; }

 private:
  std::string metadata_path_;
  std::string bitmap_path_;
  int bitmap_fd_ = -1;
  uint64_t bitmap_writes_ = 0;
};

}  // namespace hamesh::replica
