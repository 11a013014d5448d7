#include "runtime/logging.hpp"

#include <spdlog/details/log_msg.h>
#include <spdlog/formatter.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/dist_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <ctime>
#include <mutex>
#include <nlohmann/json.hpp>

namespace hamesh::logging {
namespace {

// One JSON object per line:
// {"ts":"2026-11-25T06:35:46.123Z","level":"info","component":...,"msg":...}
class json_formatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    auto since_epoch = msg.time.time_since_epoch();
    auto secs = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
    auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - secs);
    std::time_t t = secs.count();
    std::tm tm{};
    gmtime_r(&t, &tm);
    char ts[40];
    size_t n = std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(ts + n, sizeof ts - n, ".%03dZ", static_cast<int>(millis.count()));
    nlohmann::json j;
    j["ts"] = ts;
    auto level = spdlog::level::to_string_view(msg.level);
    j["level"] = std::string(level.data(), level.size());
    j["component"] = std::string(msg.logger_name.data(), msg.logger_name.size());
    j["msg"] = std::string(msg.payload.data(), msg.payload.size());
    auto line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    line += '\n';
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<json_formatter>();
  }
};

std::shared_ptr<spdlog::sinks::dist_sink_mt> make_default_sink() {
  auto out = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  out->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ %n: %v");
  return std::make_shared<spdlog::sinks::dist_sink_mt>(std::vector<spdlog::sink_ptr>{out});
}

struct registry {
  std::mutex mutex;
  settings current;
  // Every logger writes here; configure() swaps what is behind it under the sink's own lock,
  // so a reload never races a thread that is logging.
  std::shared_ptr<spdlog::sinks::dist_sink_mt> sink = make_default_sink();
  std::vector<std::shared_ptr<spdlog::logger>> loggers;
};

registry& reg() {
  static registry r;
  return r;
}

spdlog::level::level_enum level_for(const settings& s, const std::string& component) {
  std::string best = s.level;
  size_t best_len = 0;
  for (auto& [prefix, level] : s.components) {
    bool matches = component == prefix || (component.size() > prefix.size() &&
                                           component.compare(0, prefix.size(), prefix) == 0 &&
                                           component[prefix.size()] == '/');
    if (matches && prefix.size() >= best_len) {
      best = level;
      best_len = prefix.size();
    }
  }
  return spdlog::level::from_str(best);
}

std::unique_ptr<spdlog::formatter> make_formatter(const settings& s) {
  if (s.format == "json") return std::make_unique<json_formatter>();
  return std::make_unique<spdlog::pattern_formatter>("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ %n: %v");
}

}  // namespace

bool configure(const settings& s, std::string* why) {
  auto& r = reg();
  spdlog::sink_ptr sink;
  try {
    if (s.file)
      sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(s.file->string());
    else
      sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  } catch (const spdlog::spdlog_ex& e) {
    if (why) *why = e.what();
    return false;
  }
  sink->set_formatter(make_formatter(s));
  std::lock_guard<std::mutex> guard(r.mutex);
  r.current = s;
  r.sink->set_sinks({sink});
  for (auto& l : r.loggers) l->set_level(level_for(s, l->name()));
  return true;
}

std::shared_ptr<spdlog::logger> get(const std::string& component) {
  auto& r = reg();
  std::lock_guard<std::mutex> guard(r.mutex);
  for (auto& l : r.loggers)
    if (l->name() == component) return l;
  auto l = std::make_shared<spdlog::logger>(component, r.sink);
  l->set_level(level_for(r.current, component));
  l->flush_on(spdlog::level::info);
  r.loggers.push_back(l);
  return l;
}

}  // namespace hamesh::logging
