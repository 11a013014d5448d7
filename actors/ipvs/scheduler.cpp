#include "actors/ipvs/scheduler.hpp"

#include "actors/ipvs/schedulers/lc_scheduler.hpp"
#include "actors/ipvs/schedulers/mh_scheduler.hpp"
#include "actors/ipvs/schedulers/rr_scheduler.hpp"
#include "actors/ipvs/schedulers/sh_scheduler.hpp"
#include "actors/ipvs/schedulers/wlc_scheduler.hpp"
#include "actors/ipvs/schedulers/wrr_scheduler.hpp"

namespace hamesh::ipvs {

// The names ipvsadm uses (`-s rr`), so a config reads like the LVS one it replaces.
const char* to_string(scheduler_kind kind) {
  switch (kind) {
    case scheduler_kind::rr:
      return "rr";
    case scheduler_kind::wrr:
      return "wrr";
    case scheduler_kind::lc:
      return "lc";
    case scheduler_kind::wlc:
      return "wlc";
    case scheduler_kind::sh:
      return "sh";
    case scheduler_kind::mh:
      return "mh";
  }
  return "?";
}

// Exact names only: an unknown or mis-cased name is a config error, not a default scheduler.
std::optional<scheduler_kind> parse_scheduler(const std::string& name) {
  for (auto kind : {scheduler_kind::rr, scheduler_kind::wrr, scheduler_kind::lc,
                    scheduler_kind::wlc, scheduler_kind::sh, scheduler_kind::mh}) {
    if (name == to_string(kind)) return kind;
  }
  return std::nullopt;
}

std::unique_ptr<scheduler> make_scheduler(scheduler_kind kind) {
  switch (kind) {
    case scheduler_kind::rr:
      return std::make_unique<rr_scheduler>();
    case scheduler_kind::wrr:
      return std::make_unique<wrr_scheduler>();
    case scheduler_kind::lc:
      return std::make_unique<lc_scheduler>();
    case scheduler_kind::wlc:
      return std::make_unique<wlc_scheduler>();
    case scheduler_kind::sh:
      return std::make_unique<sh_scheduler>();
    case scheduler_kind::mh:
      return std::make_unique<mh_scheduler>();
  }
  return nullptr;
}

}  // namespace hamesh::ipvs
