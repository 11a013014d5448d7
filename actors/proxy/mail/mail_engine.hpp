#pragma once
// The data plane of one [[proxy.mail]] listener: IMAP or POP3 clients up to their login
// (the pure state machines of this folder decide every answer), the login at the storage
// pair's member on the client's behalf, then bytes spliced both ways. An epoll thread of its
// own, like the HTTP engine, so that an idle connection costs a few hundred bytes of state
// rather than an actor (issue #7's 10,000 idle connections). CAF-free; the owning actor
// starts it, feeds it probe verdicts and reads its counters.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "actors/proxy/mail/mail_engine_counters.hpp"
#include "actors/proxy/mail/mail_engine_settings.hpp"

namespace hamesh::proxy::mail {

class mail_engine {
 public:
  explicit mail_engine(mail_engine_settings settings);
  ~mail_engine();  // stops the thread, closes every socket
  mail_engine(const mail_engine&) = delete;
  mail_engine& operator=(const mail_engine&) = delete;

  // Binds (IP_FREEBIND) and runs the thread: "" or why it cannot. With `inherited_listener`
  // (a predecessor's listen_socket(), same address) it accepts on a duplicate of it: a reload
  // loses no connection waiting in the backlog.
  std::string start(int inherited_listener = -1);
  int listen_socket() const;  // -1 once stop_accepting() ran
  uint16_t port() const;
  // From the probes; any thread. False for an unknown pair or member.
  bool set_member_up(size_t pair, size_t member, bool up);
  // The listener closes; proxied sessions go on until they end. A stop (`close_prelogin`)
  // also closes clients that have not logged in; a reload lets them finish their login here.
  void stop_accepting(bool close_prelogin = true);
  uint64_t open_connections() const;
  const mail_engine_counters& counters() const;

  class impl;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace hamesh::proxy::mail
