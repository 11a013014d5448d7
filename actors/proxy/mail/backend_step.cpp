#include "actors/proxy/mail/backend_step.hpp"

namespace hamesh::proxy::mail {

const char* to_string(backend_step::verdict v) {
  switch (v) {
    case backend_step::verdict::pending:
      return "pending";
    case backend_step::verdict::logged_in:
      return "logged_in";
    case backend_step::verdict::auth_failed:
      return "auth_failed";
    case backend_step::verdict::backend_error:
      return "backend_error";
  }
  return "?";
}

}  // namespace hamesh::proxy::mail
