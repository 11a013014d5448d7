#pragma once
// Who of the configured peers is up, since when, and how far away (RTT), without CAF or a
// clock: the mesh actor reports connections, answers and losses with the time, and tick()
// says whom to connect to, whom to ping, and who has gone silent.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hamesh::mesh {

using time_point = std::chrono::steady_clock::time_point;
using duration = std::chrono::nanoseconds;

enum class peer_state { connecting, up, down };
std::string to_string(peer_state s);

struct peer_view {
  std::string address;  // "HOST:PORT" as configured
  std::string name;     // the node's name, once it answered
  peer_state state = peer_state::down;
  time_point since;  // of the last state change
  std::optional<duration> rtt;
  std::string last_error;
  uint32_t connects = 0;  // times it came up (answered on a new connection)
};

struct membership_settings {
  duration heartbeat = std::chrono::milliseconds(500);    // ping interval
  duration down_after = std::chrono::seconds(3);          // silence that means down
  duration backoff_min = std::chrono::milliseconds(100);  // first retry after a failure
  duration backoff_max = std::chrono::seconds(5);
};

// CAF 0.17 drops both connections when two nodes connect to each other at the same time,
// so exactly one side of each pair connects: the one with the lower listen address. The
// other side waits for the connecting side to introduce itself (hello).
struct peer_config {
  std::string address;
  bool initiate = true;
};

struct tick_actions {
  std::vector<std::string> connect;    // start a connection attempt
  std::vector<std::string> ping;       // send a ping
  std::vector<std::string> went_down;  // silent for down_after (for the log)
  std::vector<std::string> drop_link;  // ours to redial: drop the connection
};

class membership {
 public:
  membership(membership_settings s, const std::vector<peer_config>& peers, time_point now);

  tick_actions tick(time_point now);
  // A connection we made is there, or a peer that connects to us said hello. The peer is up
  // only once it answers a ping: CAF hands back a cached connection to a stalled peer.
  void connected(const std::string& address, time_point now);
  bool initiates(const std::string& address) const;
  void connect_failed(const std::string& address, const std::string& reason, time_point now);
  void answered(const std::string& address, const std::string& name, time_point sent,
                time_point now);
  void lost(const std::string& address, const std::string& reason, time_point now);

  const std::vector<peer_view>& peers() const { return views_; }
  // The wait before the next attempt after `failures` failures in a row (1, 2, ...).
  duration backoff(uint32_t failures) const;

 private:
  struct timing {
    time_point next_connect;
    time_point next_ping;
    time_point last_heard;
    uint32_t failures = 0;
    bool initiate = true;
    bool linked = false;  // a connection exists; pings go out on it
  };
  peer_view* find(const std::string& address, timing** t = nullptr);
  void set_state(peer_view& p, peer_state s, time_point now);

  membership_settings settings_;
  std::vector<peer_view> views_;
  std::vector<timing> timings_;
};

}  // namespace hamesh::mesh
