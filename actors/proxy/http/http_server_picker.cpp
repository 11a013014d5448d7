#include "actors/proxy/http/http_server_picker.hpp"

namespace hamesh::proxy::http {

http_server_picker::http_server_picker(size_t servers, http_balance balance,
                                       unsigned failures_to_mark_down,
                                       std::chrono::steady_clock::duration cooldown)
    : servers_(servers),
      balance_(balance),
      failures_to_mark_down_(failures_to_mark_down == 0 ? 1 : failures_to_mark_down),
      cooldown_(cooldown) {}

bool http_server_picker::eligible(size_t server, time_point now) const {
  const auto& s = servers_[server];
  return s.probed_up && now >= s.down_until;
}

std::optional<size_t> http_server_picker::pick(time_point now, std::optional<size_t> exclude,
                                               std::optional<size_t> prefer) {
  size_t n = servers_.size();
  if (prefer && *prefer < n && prefer != exclude && eligible(*prefer, now)) return prefer;
  std::optional<size_t> best;
  for (size_t k = 0; k < n; ++k) {
    size_t i = (cursor_ + k) % n;
    if ((exclude && *exclude == i) || !eligible(i, now)) continue;
    if (balance_ == http_balance::round_robin) {
      best = i;
      break;
    }
    if (!best || servers_[i].outstanding < servers_[*best].outstanding) best = i;
  }
  if (best) cursor_ = (*best + 1) % n;
  return best;
}

void http_server_picker::request_finished(size_t server) {
  if (servers_[server].outstanding > 0) --servers_[server].outstanding;
}

void http_server_picker::connect_failed(size_t server, time_point now) {
  auto& s = servers_[server];
  if (s.consecutive_failures < failures_to_mark_down_) ++s.consecutive_failures;
  // The count stays at the threshold after a rest: one more failure sends it back.
  if (s.consecutive_failures >= failures_to_mark_down_) s.down_until = now + cooldown_;
}

}  // namespace hamesh::proxy::http
