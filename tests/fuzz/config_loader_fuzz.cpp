// Any byte string as a node config: the loader answers with a config or errors, never
// crashes, and every error it reports renders with a key path or a position.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "config/loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto r = hamesh::config::load_node_config_text(text, "fuzz.toml", "/fuzz");
  if (r.config.has_value() != r.errors.empty()) std::abort();
  for (auto& e : r.errors)
    if (e.render().empty() || e.message.empty()) std::abort();
  return 0;
}
