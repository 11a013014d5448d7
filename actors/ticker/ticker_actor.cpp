#include "actors/ticker/ticker_actor.hpp"

#include <caf/all.hpp>

#include <nlohmann/json.hpp>

#include "runtime/caf_types.hpp"
#include "runtime/logging.hpp"
#include "runtime/metrics/metric_json.hpp"

namespace hamesh::ticker {
namespace {

struct ticker_state {
  std::string path;
  ticker_config cfg;
  uint64_t ticks = 0;
  caf::error pending_exit;
  std::shared_ptr<spdlog::logger> log;
};

caf::behavior ticker_actor(caf::stateful_actor<ticker_state>* self, std::string path,
                           ticker_config cfg) {
  self->state.path = std::move(path);
  self->state.cfg = std::move(cfg);
  self->state.log = logging::get(self->state.path);
  self->delayed_send(self, self->state.cfg.interval, ticker_tick_atom_v);
  if (self->state.cfg.stop_delay > duration::zero()) {
    // Asked to stop, it takes stop_delay to do so, like an actor draining connections.
    self->set_exit_handler([=](caf::exit_msg& em) {
      if (em.reason == caf::exit_reason::kill) return self->quit(em.reason);  // not negotiable
      self->state.log->info("stopping in {}", format_duration(self->state.cfg.stop_delay));
      self->delayed_send(self, self->state.cfg.stop_delay, stop_timeout_atom_v, uint64_t{0});
      self->state.pending_exit = em.reason;
    });
  }
  return {
      [=](stop_timeout_atom, uint64_t) { self->quit(self->state.pending_exit); },
      [=](ticker_tick_atom) {
        auto& st = self->state;
        ++st.ticks;
        st.log->debug("tick {}", st.ticks);
        if (st.cfg.fail_after != 0 && st.ticks >= st.cfg.fail_after) {
          self->quit(
              caf::make_error(caf::sec::runtime_error,
                              "fail_after reached (" + std::to_string(st.ticks) + " ticks)"));
          return;
        }
        self->delayed_send(self, st.cfg.interval, ticker_tick_atom_v);
      },
      [=](state_atom, const std::string&) {
        auto& st = self->state;
        actor_state s;
        s.fields_json =
            nlohmann::json{{"ticks", st.ticks},
                           {"interval", format_duration(st.cfg.interval)},
                           {"fail_after", st.cfg.fail_after},
                           {"metrics",
                            {metrics::metric("ticker_ticks_total", "counter",
                                             "Ticks since the ticker last started.", st.ticks)}}}
                .dump();
        return s;
      },
  };
}

}  // namespace

caf::actor spawn_ticker(caf::local_actor* parent, const std::string& path,
                        const ticker_config& cfg) {
  return parent->spawn(ticker_actor, path, cfg);
}

}  // namespace hamesh::ticker
