#include "runtime/supervision/policy.hpp"

namespace hamesh::supervision {

std::string_view to_string(restart_type x) {
  switch (x) {
    case restart_type::permanent:
      return "permanent";
    case restart_type::transient:
      return "transient";
    case restart_type::temporary:
      return "temporary";
  }
  return "?";
}

std::string_view to_string(strategy x) {
  switch (x) {
    case strategy::one_for_one:
      return "one_for_one";
    case strategy::one_for_all:
      return "one_for_all";
    case strategy::rest_for_one:
      return "rest_for_one";
  }
  return "?";
}

std::optional<restart_type> parse_restart_type(std::string_view text) {
  for (auto x : {restart_type::permanent, restart_type::transient, restart_type::temporary})
    if (to_string(x) == text) return x;
  return std::nullopt;
}

std::optional<strategy> parse_strategy(std::string_view text) {
  for (auto x : {strategy::one_for_one, strategy::one_for_all, strategy::rest_for_one})
    if (to_string(x) == text) return x;
  return std::nullopt;
}

}  // namespace hamesh::supervision
