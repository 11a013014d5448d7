#include "actors/vrrp/vrrp_sync_group.hpp"

#include <caf/all.hpp>

#include <map>
#include <nlohmann/json.hpp>

#include "runtime/caf_types.hpp"
#include "runtime/logging.hpp"

namespace hamesh::vrrp {

namespace {

struct sync_state {
  std::string path;
  std::vector<std::string> names;  // every configured member
  std::map<std::string, member_report> reports;
  std::map<std::string, caf::actor> members;  // those that joined
  bool allowed = false;
  std::shared_ptr<spdlog::logger> log;
};

using self_ptr = caf::stateful_actor<sync_state>*;

void decide(self_ptr self) {
  auto& st = self->state;
  std::vector<member_report> all;
  for (auto& n : st.names) all.push_back(st.reports[n]);  // absent members have not reported
  bool allowed = group_allows_master(all);
  if (allowed == st.allowed) return;
  st.allowed = allowed;
  st.log->info("mastership {} for the group", allowed ? "allowed" : "withdrawn");
  for (auto& [name, member] : st.members) self->send(member, sync_allow_atom_v, allowed);
}

caf::behavior sync_group(self_ptr self, std::string path, std::vector<std::string> names) {
  self->state.path = std::move(path);
  self->state.names = std::move(names);
  self->state.log = logging::get(self->state.path);
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    for (auto it = st.members.begin(); it != st.members.end(); ++it)
      if (it->second.address() == dm.source) {
        st.reports[it->first] = {};
        st.members.erase(it);
        decide(self);
        return;
      }
  });
  return {
      [=](sync_join_atom, const std::string& name, const caf::actor& member) {
        auto& st = self->state;
        st.members[name] = member;
        self->monitor(member);
        self->send(member, sync_allow_atom_v, st.allowed);
      },
      [=](sync_report_atom, const std::string& name, const std::string& state, bool ready) {
        self->state.reports[name] = {state, ready};
        decide(self);
      },
      [=](state_atom, const std::string&) {
        auto& st = self->state;
        nlohmann::json members = nlohmann::json::object();
        for (auto& n : st.names) {
          auto& r = st.reports[n];
          members[n] = {{"state", r.state.empty() ? nlohmann::json() : nlohmann::json(r.state)},
                        {"ready", r.ready}};
        }
        actor_state s;
        s.fields_json = nlohmann::json{{"master_allowed", st.allowed}, {"members", members}}.dump();
        return s;
      },
  };
}

}  // namespace

caf::actor spawn_sync_group(caf::local_actor* parent, const std::string& path,
                            std::vector<std::string> members) {
  return parent->spawn(sync_group, path, std::move(members));
}

}  // namespace hamesh::vrrp
