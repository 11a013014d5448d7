#pragma once
// The data plane of one replicated volume on one member: a thread of its own that drives the
// pure replica_core, owns the TCP stream to the peer (the mesh is not used for data: see the
// README for the measurement), the local backing file and, while primary, the NBD export.
// It is the block_device behind that export: NBD requests become client writes of the core,
// acknowledged when the protocol says so.
//
// Local disk I/O runs on this thread (pwrite/fdatasync). Frames for the peer are queued on the
// socket before the local write of the same request starts, so the two members' disks work
// in parallel (protocol C costs about one fsync plus a round trip, not two fsyncs).
// CAF-free; the replica actor starts it, sends it operator commands and reads its status.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "actors/replica/block_device.hpp"
#include "actors/replica/replica_status.hpp"
#include "actors/replica/replica_volume_config.hpp"

namespace hamesh::replica {

struct replica_engine_settings {
  replica_volume_config volume;
  std::string node_name;
  // One line per event (state changes, resyncs, verify results, peer errors), from the
  // engine's thread; the actor hands a logger's sink.
  std::function<void(int level, const std::string& line)> log;  // level: 0 info 1 warn 2 error
};

enum class replica_command { promote, force_promote, demote, connect, disconnect, verify };

struct replica_command_result {
  bool ok = false;
  std::string text;  // what happened, or why it was refused
};

class replica_engine final : public block_device {
 public:
  explicit replica_engine(replica_engine_settings settings);
  ~replica_engine() override;  // stop()
  replica_engine(const replica_engine&) = delete;
  replica_engine& operator=(const replica_engine&) = delete;

  // Opens (or creates) the backing file and the metadata, binds the replication listener and
  // starts the thread, which then connects to the peer: "" or why it cannot.
  std::string start();
  // Says goodbye to the peer, fails what is still in flight, closes the export and joins.
  void stop();

  // Any thread; runs on the engine's thread and waits for its answer.
  replica_command_result command(replica_command c);
  replica_status status() const;

  // block_device (the NBD export's thread).
  block_device_info info() const override;
  void submit(block_request request, block_completion_sink& sink) override;

  class impl;

 private:
  std::unique_ptr<impl> impl_;
};

const char* to_string(replica_command c);

}  // namespace hamesh::replica
