#pragma once
// Inside mail_engine (not for other users): the connections and the engine thread's state.
// mail_engine.cpp runs the loop, accepts, moves bytes and times out; mail_session.cpp is the
// protocol: the client's pre-login steps, the backend login, the switch to splicing.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "actors/proxy/mail/imap_backend_login.hpp"
#include "actors/proxy/mail/imap_prelogin.hpp"
#include "actors/proxy/mail/mail_engine.hpp"
#include "actors/proxy/mail/pop3_backend_login.hpp"
#include "actors/proxy/mail/pop3_prelogin.hpp"
#include "runtime/net/tls_session.hpp"
#include "runtime/net/wake_event.hpp"

namespace hamesh::proxy::mail {

using steady = std::chrono::steady_clock;

struct mail_backend;

struct mail_endpoint {
  enum class kind { client, backend };
  explicit mail_endpoint(kind k) : what(k) {}
  kind what;
  int fd = -1;
  bool dead = false;
  bool queued = false;
  bool readable = false;  // edge-triggered: unread bytes may wait
  bool paused = false;    // not read: the other side's output is over the cap
  bool eof = false;
  std::string in;   // read, not yet handled
  std::string out;  // to write
  size_t out_off = 0;
  size_t pending_out() const { return out.size() - out_off; }
};

struct mail_client : mail_endpoint {
  mail_client() : mail_endpoint(kind::client) {}
  enum class phase {
    handshake,   // implicit TLS: before the greeting
    prelogin,    // the state machine reads commands
    delayed,     // a failed login's answer waits (held)
    logging_in,  // a backend login is under way
    proxying,    // logged in: bytes pass both ways
    closing,     // flushing a last answer
    lingering,   // write side shut, reading until EOF or a deadline
  };
  phase state = phase::prelogin;
  // The pre-login state machine (one of the two); freed once logged in, so that a proxied
  // idle connection keeps only its sockets and this struct.
  std::unique_ptr<imap_prelogin> imap;
  std::unique_ptr<pop3_prelogin> pop3;
  std::unique_ptr<net::tls_session> tls;
  bool start_tls_after_flush = false;
  bool close_after_flush = false;
  prelogin_step held;  // phase::delayed
  steady::time_point held_until, accepted_at, last_progress, linger_deadline;
  std::optional<login_request> login;  // phase::logging_in; holds the password
  size_t pair = 0;
  std::vector<bool> tried;  // per member of the pair, this login
  mail_backend* backend = nullptr;
  unsigned refused_seen = 0;  // the core's bad_commands() already counted
  std::string ip, local_ip;
  uint16_t port = 0, local_port = 0;
  uint64_t id = 0;
  std::list<mail_client>::iterator self;
};

struct mail_backend : mail_endpoint {
  mail_backend() : mail_endpoint(kind::backend) {}
  bool connecting = true;
  bool connect_event = false;
  size_t pair = 0, member = 0;
  std::unique_ptr<imap_backend_login> imap;  // the login driver; freed after login
  std::unique_ptr<pop3_backend_login> pop3;
  bool logged_in = false;
  mail_client* client = nullptr;
  steady::time_point deadline;  // connect, then the whole login
  std::list<mail_backend>::iterator self;
};

class mail_engine::impl {
 public:
  explicit impl(mail_engine_settings settings);
  ~impl();
  std::string start(int inherited_listener);

  // Any thread.
  mail_engine_settings settings_;
  mail_engine_counters counters_;
  std::atomic<uint16_t> port_{0};
  std::atomic<bool> draining_requested_{false};
  std::atomic<bool> close_prelogin_on_drain_{true};
  std::atomic<int> listen_socket_{-1};
  std::atomic<bool> stop_{false};
  std::mutex commands_mutex_;
  struct member_verdict {
    size_t pair, member;
    bool up;
  };
  std::vector<member_verdict> commands_;  // guarded by commands_mutex_
  net::wake_event wake_;
  void wake() { wake_.wake(); }

  // Engine thread from here on.
  struct member_state {
    bool probed_up = true;
    unsigned consecutive_failures = 0;
    steady::time_point down_until{};
  };
  mail_directory directory_;
  std::vector<std::vector<member_state>> members_;
  int epfd_ = -1;
  int listen_fd_ = -1;
  bool draining_ = false;
  std::optional<steady::time_point> starved_until_;
  std::thread thread_;
  std::list<mail_client> clients_;
  std::list<mail_backend> backends_;
  std::vector<std::list<mail_client>::iterator> dead_clients_;
  std::vector<std::list<mail_backend>::iterator> dead_backends_;
  std::vector<mail_endpoint*> ready_;
  steady::time_point now_;
  uint64_t next_id_ = 1;

  // mail_engine.cpp
  void run();
  void watch(int fd, mail_endpoint* tag);
  void mark_ready(mail_endpoint& e);
  void process_ready();
  void accept_all();
  void on_wake();
  void sweep();
  void bury();
  enum class read_result { some, drained, blocked, eof, failed };
  // Appends what the socket (through TLS for a client that has it) gives, up to `limit`
  // bytes held in e.in.
  read_result read_into(mail_endpoint& e, size_t limit);
  bool flush(mail_endpoint& e);  // false: the socket failed
  void set_phase(mail_client& c, mail_client::phase p);
  void close_client(mail_client& c);
  void close_backend(mail_backend& b);
  bool eligible(size_t pair, size_t member) const;
  void publish_up(size_t pair, size_t member);

  // mail_session.cpp
  void greet(mail_client& c);
  void pump_client(mail_client& c);
  void pump_backend(mail_backend& b);
  bool handshake(mail_client& c);
  void feed_prelogin(mail_client& c);
  // Carries out a step; false when the client must not be fed more for now.
  bool act(mail_client& c, prelogin_step step);
  void count_refusals(mail_client& c);
  void start_login(mail_client& c, login_request request);
  void try_next_member(mail_client& c);
  void connect_member(mail_client& c, size_t member);
  void on_backend_step(mail_backend& b, const backend_step& step);
  void member_failed(mail_backend& b, bool connect_failure);
  void finish_login(mail_client& c, prelogin_step step);
  void start_proxying(mail_client& c, mail_backend& b);
  void pump_proxy(mail_client& c);
  void login_expired(mail_client& c);
};

}  // namespace hamesh::proxy::mail
