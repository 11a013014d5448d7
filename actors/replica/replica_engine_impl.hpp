#pragma once
// replica_engine's inside (replica_engine.cpp: life cycle, loop, commands, status;
// replica_engine_peer.cpp: the TCP stream to the peer; replica_engine_io.cpp: client requests,
// the core's actions, the local disk).
#include <atomic>
#include <chrono>
#include <deque>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "actors/replica/file_block_device.hpp"
#include "actors/replica/nbd_export_engine.hpp"
#include "actors/replica/replica_core.hpp"
#include "actors/replica/replica_engine.hpp"
#include "actors/replica/replica_metadata_store.hpp"
#include "runtime/net/wake_event.hpp"

namespace hamesh::replica {

class replica_engine::impl {
 public:
  using steady = std::chrono::steady_clock;

  impl(replica_engine_settings settings, block_device& outer);
  ~impl();
  std::string start();
  void stop();

  // ----- any thread -----
  replica_engine_settings settings_;
  block_device& outer_;  // what the export submits to: the replica_engine itself
  net::wake_event wake_;
  std::atomic<bool> stop_{false};
  std::atomic<uint16_t> replication_port_{0};
  struct submission {
    block_request request;
    block_completion_sink* sink = nullptr;
  };
  struct command_message {
    replica_command what;
    std::promise<replica_command_result> reply;
  };
  std::mutex inbox_mutex_;
  std::vector<submission> submissions_;
  std::vector<std::shared_ptr<command_message>> commands_;
  mutable std::mutex status_mutex_;
  replica_status status_;
  // Embedded in this engine's loop (nbd_export_engine::attach): its requests reach
  // on_submission() directly and its replies leave on this thread, without a wake-up.
  std::unique_ptr<nbd_export_engine> export_;
  std::atomic<std::thread::id> loop_thread_{};
  void wake();

  // ----- the engine's thread -----
  void run();
  void on_wake();
  void on_tick();
  replica_command_result run_command(replica_command c);
  void publish_status();
  void log(int level, const std::string& line);

  // Client requests (replica_engine_io.cpp). A block_request may become several core writes
  // (a write over max_chunk, write-zeroes): the request completes when all its parts did.
  struct client_request {
    block_completion_sink* sink = nullptr;
    uint64_t id = 0;  // the submitter's
    size_t parts_left = 0;
    block_status status = block_status::ok;
  };
  struct client_part {
    uint64_t request = 0;
    std::string data;  // a write's bytes, until the core acknowledges it
  };
  void on_submission(submission s);
  void complete_part(uint64_t part, replica_errc result);
  void fail_everything(block_status why);
  // Carries out actions in order; local disk I/O is queued and runs in drain(), after the
  // frames of the same batch are on the socket.
  void carry_out(replica_actions actions);
  void carry_out(replica_action& a);
  void drain();
  void do_disk(replica_action& a);
  void on_state_changed(const state_changed& c);

  // The peer (replica_engine_peer.cpp).
  bool dialer() const;
  void maybe_dial();
  void on_listener();
  void on_peer_event(uint32_t events);
  void adopt_peer(int fd, const std::string& address);
  void read_peer();
  void flush_peer();
  void lose_peer(const std::string& why);
  void close_peer_socket();
  void update_peer_interest();

  std::unique_ptr<file_block_device> disk_;
  std::unique_ptr<replica_metadata_store> store_;
  std::optional<replica_core> core_;
  bool fresh_ = false;
  int epfd_ = -1;
  int export_fd_ = -1;  // the export's epoll descriptor, in epfd_
  int timer_fd_ = -1;
  int listen_fd_ = -1;
  int peer_fd_ = -1;
  bool peer_connecting_ = false;  // a non-blocking connect() in progress
  std::string peer_address_;
  std::string peer_in_;
  std::string peer_out_;
  size_t peer_out_off_ = 0;  // sent so far: erasing each send's bytes from the front would
                             // move the whole backlog (megabytes under a bulk copy) every time
  bool peer_want_out_ = false;
  steady::time_point last_heard_{};
  steady::time_point next_ping_{};
  steady::time_point next_dial_{};
  uint64_t next_nonce_ = 1;
  std::map<uint64_t, client_request> requests_;
  std::map<uint64_t, client_part> parts_;
  uint64_t next_request_ = 1;
  uint64_t next_part_ = 1;
  std::deque<replica_action> disk_queue_;
  bool draining_ = false;
  replica_status counters_;  // the thread's own copy; publish_status() copies it out
  std::thread thread_;
};

}  // namespace hamesh::replica
