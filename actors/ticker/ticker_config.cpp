#include "actors/ticker/ticker_config.hpp"

#include <set>

#include "config/table_reader.hpp"

namespace hamesh::ticker {

std::string ticker_config::fingerprint() const {
  return "interval=" + format_duration(interval) + ";fail_after=" + std::to_string(fail_after) +
         ";restart=" + std::string(supervision::to_string(restart)) +
         ";stop_delay=" + format_duration(stop_delay);
}

std::vector<ticker_config> parse_tickers(config::table_reader& demo) {
  std::vector<ticker_config> out;
  std::set<std::string> names;
  for (auto& t : demo.array_of_tables("ticker")) {
    ticker_config c;
    if (auto name = t.unique_name("name", names, "ticker")) c.name = *name;
    if (auto v = t.duration_value("interval", std::chrono::milliseconds(1), std::chrono::hours(1)))
      c.interval = *v;
    if (auto v = t.integer("fail_after", 0, 1'000'000'000))
      c.fail_after = static_cast<uint64_t>(*v);
    if (auto v = t.duration_value("stop_delay", duration::zero(), std::chrono::hours(1)))
      c.stop_delay = *v;
    if (auto v = t.choice("restart", {"permanent", "transient", "temporary"}))
      c.restart = *supervision::parse_restart_type(*v);
    t.finish();
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace hamesh::ticker
