#pragma once
// Rise and fall: a check's verdict changes only after `rise` successes or `fall` failures in
// a row (haproxy's rise/fall, keepalived's retry), so one lost packet does not move traffic.
// Until the first result the verdict is unknown; the first result decides at once, so a
// fresh node neither waits rise x interval to use a good server nor sends fall x interval of
// connections to a dead one.
#include <optional>

namespace hamesh::probe {

enum class health { unknown, up, down };

const char* to_string(health h);

class health_counter {
 public:
  health_counter(int rise, int fall);

  // Records one attempt; returns the new verdict when it changed.
  std::optional<health> record(bool ok);

  health verdict() const { return verdict_; }
  // Results in a row that agree with the last one, and how many more are needed to flip.
  int streak() const { return streak_; }
  int needed_to_change() const;

 private:
  int rise_, fall_;
  health verdict_ = health::unknown;
  bool last_ok_ = false;
  int streak_ = 0;
};

}  // namespace hamesh::probe
