// Runs one http_engine (the HTTP proxy's data plane) from the command line, for the HTTP
// benchmark: only the data plane is measured, with no node threads sharing its core.
//   http_engine_runner LISTEN_PORT BACKEND_PORT...   (all on 127.0.0.1, one round-robin pool)
// With HAMESH_TLS_CERT (and HAMESH_TLS_KEY) set, clients speak TLS.
#include <unistd.h>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>

#include "actors/proxy/http/http_engine.hpp"

int main(int argc, char** argv) {
  using namespace hamesh::proxy::http;
  std::signal(SIGPIPE, SIG_IGN);
  if (argc < 3) {
    std::cerr << "usage: http_engine_runner LISTEN_PORT BACKEND_PORT...\n";
    return 2;
  }
  http_engine_settings s;
  s.address = 0x7f000001;
  s.port = static_cast<uint16_t>(std::stoi(argv[1]));
  http_pool_settings pool;
  pool.name = "web";
  for (int i = 2; i < argc; ++i)
    pool.servers.push_back({0x7f000001, static_cast<uint16_t>(std::stoi(argv[i]))});
  s.pools.push_back(pool);
  s.default_pool = "web";
  if (const char* idle = std::getenv("HAMESH_MAX_IDLE")) s.max_idle_per_server = std::stoul(idle);
  if (const char* cert = std::getenv("HAMESH_TLS_CERT")) {
    hamesh::net::tls_server_settings tls;
    const char* key = std::getenv("HAMESH_TLS_KEY");
    tls.certificates.push_back({cert, key ? key : ""});
    std::string error;
    s.tls = hamesh::net::tls_server_context::load(tls, error);
    if (!s.tls) {
      std::cerr << "http_engine_runner: " << error << "\n";
      return 1;
    }
  }
  http_engine engine(s);
  if (auto err = engine.start(); !err.empty()) {
    std::cerr << "http_engine_runner: " << err << "\n";
    return 1;
  }
  std::cout << "listening on " << engine.port() << std::endl;
  pause();
}
