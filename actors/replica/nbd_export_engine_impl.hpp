#pragma once
// Inside nbd_export_engine (not for other users): the connections and the engine thread's
// state. nbd_export_engine.cpp runs the loop, accepts, routes completions and stops;
// nbd_export_connection.cpp moves one connection's bytes through its session.
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <sys/epoll.h>

#include "actors/replica/nbd_export_engine.hpp"
#include "actors/replica/nbd_server_session.hpp"
#include "runtime/net/wake_event.hpp"

namespace hamesh::replica {

struct nbd_connection {
  uint64_t id = 0;
  int fd = -1;  // -1 once closed; the struct lives on until its device requests complete
  std::unique_ptr<nbd_server_session> session;
  std::string in;  // received, not yet taken by the session (blocked or backlogged)
  size_t in_off = 0;
  std::string out;  // to send
  size_t out_off = 0;
  bool readable = true;  // edge-triggered: unread bytes may wait in the socket
  bool eof = false;
  bool queued = false;
  bool handshake_counted = false;
  size_t device_inflight = 0;  // its requests the device has not completed
  nbd_session_tally reported;  // the session's tally already added to the counters
  size_t pending_in() const { return in.size() - in_off; }
  size_t pending_out() const { return out.size() - out_off; }
};

class nbd_export_engine::impl final : public block_completion_sink {
 public:
  impl(nbd_export_settings settings, block_device& device);
  ~impl();
  std::string start();
  void stop();
  std::string attach();
  void poll();
  bool deliver();
  void detach();
  void set_read_only(bool read_only);

  // block_completion_sink: any thread.
  void on_block_completion(block_completion done) override;

  // Any thread.
  nbd_export_settings settings_;
  block_device& device_;
  nbd_export_counters counters_;
  std::atomic<uint16_t> port_{0};
  std::atomic<bool> read_only_{false};
  std::atomic<bool> stop_{false};
  net::wake_event wake_;
  void wake() { wake_.wake(); }
  std::mutex completions_mutex_;
  std::vector<block_completion> completions_;  // guarded by completions_mutex_
  std::atomic<std::thread::id> engine_thread_{};
  // set_read_only() waits until the engine thread has applied its generation.
  std::mutex read_only_mutex_;
  std::condition_variable read_only_applied_;
  uint64_t read_only_wanted_ = 0;              // guarded by read_only_mutex_
  uint64_t read_only_applied_generation_ = 0;  // guarded by read_only_mutex_
  bool running_ = false;                       // guarded by read_only_mutex_

  // Engine thread from here on.
  struct route {
    uint64_t connection;
    uint64_t session_id;  // the id the session gave the request
    block_op op;
    uint32_t length;
  };
  std::thread thread_;
  int epfd_ = -1;
  int listen_fd_ = -1;
  bool stopping_ = false;
  bool listener_paused_ = false;
  bool applied_read_only_ = false;  // what the open sessions were told last
  std::unordered_map<uint64_t, std::unique_ptr<nbd_connection>> connections_;
  std::unordered_map<uint64_t, route> routes_;  // device request id -> its connection
  std::vector<nbd_connection*> ready_;
  std::vector<block_completion> draining_;
  std::string scratch_;  // one recv()
  uint64_t next_connection_ = 1;
  uint64_t next_request_ = 1;

  bool embedded_ = false;  // attach(): driven by the caller's loop, no thread_

  // nbd_export_engine.cpp
  std::string open();  // the listener, epfd_ and the wake-up: start() and attach()
  void run();
  void dispatch(const epoll_event* events, int n);
  void apply_read_only();
  void settle();
  void accept_all();
  void on_wake();
  bool drain_completions();
  void submit(nbd_connection& c, block_request request);
  void mark_ready(nbd_connection& c);
  void bury();
  void shut_down();

  // nbd_export_connection.cpp
  void pump(nbd_connection& c);
  void feed(nbd_connection& c, std::string_view& bytes);
  bool flush(nbd_connection& c);  // false: the socket failed
  void report(nbd_connection& c);
  void close_socket(nbd_connection& c);
};

}  // namespace hamesh::replica
