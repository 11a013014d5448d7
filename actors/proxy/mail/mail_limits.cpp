#include "actors/proxy/mail/mail_limits.hpp"

namespace hamesh::proxy::mail {

duration mail_limits::failure_delay(unsigned failures) const {
  if (failures == 0 || first_failure_delay <= duration::zero()) return duration::zero();
  duration delay = first_failure_delay;
  // Multiplied step by step and capped at each step, so no count overflows the duration.
  for (unsigned n = 1; n < failures && delay < max_failure_delay; ++n) {
    if (failure_delay_factor <= 1) break;
    if (delay > max_failure_delay / failure_delay_factor) {
      delay = max_failure_delay;
      break;
    }
    delay *= failure_delay_factor;
  }
  return delay < max_failure_delay ? delay : max_failure_delay;
}

}  // namespace hamesh::proxy::mail
