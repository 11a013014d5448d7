#pragma once
// What a backend login driver (imap_backend_login, pop3_backend_login) asks its shell to do
// after each input: write these bytes to the backend, and whether the login has ended.
#include <string>

namespace hamesh::proxy::mail {

struct backend_step {
  enum class verdict {
    pending,        // not yet: feed more of the backend's bytes
    logged_in,      // done: answer the client, then splice both ways
    auth_failed,    // the backend rejected the credentials: pass its reply() to the client
    backend_error,  // the backend is unusable (see error()): try the pair's other member
  };

  std::string to_backend;  // bytes for the backend, in order (may be empty)
  verdict outcome = verdict::pending;
};

// "pending", "logged_in", "auth_failed", "backend_error".
const char* to_string(backend_step::verdict v);

}  // namespace hamesh::proxy::mail
