#include "runtime/caf_types.hpp"

namespace hamesh {

std::string describe(const caf::error& err) {
  if (!err) return "none";
  if (err == caf::exit_reason::normal) return "normal";
  const auto& ctx = err.context();
  // make_error(code, "text") stores the text as the one string in the context.
  if (ctx.size() == 1 && ctx.match_element<std::string>(0)) return ctx.get_as<std::string>(0);
  if (err.category() == caf::atom("exit"))
    return caf::to_string(static_cast<caf::exit_reason>(err.code()));
  if (err.category() == caf::atom("system"))
    return caf::to_string(static_cast<caf::sec>(err.code()));
  return caf::to_string(err);
}

void add_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::hamesh>();
}

}  // namespace hamesh
