#include "actors/probe/health_counter.hpp"

namespace hamesh::probe {

const char* to_string(health h) {
  switch (h) {
    case health::unknown:
      return "unknown";
    case health::up:
      return "up";
    case health::down:
      return "down";
  }
  return "?";
}

health_counter::health_counter(int rise, int fall) : rise_(rise), fall_(fall) {}

std::optional<health> health_counter::record(bool ok) {
  streak_ = (streak_ > 0 && last_ok_ == ok) ? streak_ + 1 : 1;
  last_ok_ = ok;
  health next = verdict_;
  if (verdict_ == health::unknown)
    next = ok ? health::up : health::down;
  else if (ok && verdict_ == health::down && streak_ >= rise_)
    next = health::up;
  else if (!ok && verdict_ == health::up && streak_ >= fall_)
    next = health::down;
  if (next == verdict_) return std::nullopt;
  verdict_ = next;
  return next;
}

int health_counter::needed_to_change() const {
  if (verdict_ == health::unknown) return 1;
  bool toward_change = (verdict_ == health::up) != last_ok_;
  int target = verdict_ == health::up ? fall_ : rise_;
  return toward_change ? target - streak_ : target;
}

}  // namespace hamesh::probe
