#include "actors/heartbeat/heartbeat_settings.hpp"

#include <set>

#include "actors/heartbeat/heartbeat_message.hpp"

namespace hamesh::heartbeat {

std::vector<settings_problem> validate(const heartbeat_settings& s) {
  std::vector<settings_problem> problems;
  auto add = [&](std::string key, std::string why) {
    problems.push_back({std::move(key), std::move(why)});
  };
  auto text = [](duration d) { return format_duration(d); };
  if (s.keepalive <= duration::zero()) add("keepalive", "must be greater than 0");
  if (s.warntime <= s.keepalive)
    add("warntime",
        "must be longer than keepalive (" + text(s.keepalive) + "), found " + text(s.warntime));
  if (s.deadtime <= s.warntime)
    add("deadtime",
        "must be longer than warntime (" + text(s.warntime) + "), found " + text(s.deadtime));
  if (s.keepalive > duration::zero() && s.deadtime < 2 * s.keepalive)
    add("deadtime", "must be at least twice keepalive (" + text(2 * s.keepalive) +
                        "), so one lost heartbeat is not a death; found " + text(s.deadtime));
  if (s.deadtime > s.warntime && s.deadtime - s.warntime < s.keepalive)
    add("warntime", "must leave at least one keepalive (" + text(s.keepalive) +
                        ") before deadtime, so a dying peer is not reported as a link failure;"
                        " found " +
                        text(s.warntime) + " with deadtime " + text(s.deadtime));
  if (s.initdead < s.deadtime)
    add("initdead", "must be at least deadtime (" + text(s.deadtime) + "), found " +
                        text(s.initdead) + "; heartbeat advises twice deadtime");
  if (s.links.empty()) add("links", "at least one link is needed");
  std::set<std::string> seen;
  for (size_t i = 0; i < s.links.size(); ++i) {
    std::string key = "links[" + std::to_string(i) + "]";
    if (!valid_name(s.links[i]))
      add(key, "a link name is 1 to 64 printable characters without spaces");
    else if (!seen.insert(s.links[i]).second)
      add(key, "link \"" + s.links[i] + "\" is listed twice");
  }
  if (s.replay_window == 0) add("replay_window", "must be at least 1");
  return problems;
}

}  // namespace hamesh::heartbeat
