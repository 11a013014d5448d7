#pragma once
// A non-blocking listening (TCP) or bound (UDP) IPv4 socket, as every data plane opens one:
// SO_REUSEADDR, and IP_FREEBIND so that it binds an address VRRP has not brought yet.
#include <cstdint>
#include <string>

namespace hamesh::net {

// `type`: SOCK_STREAM (listens, backlog 4096) or SOCK_DGRAM. The descriptor, or -1 with
// `error` naming the call and the address.
int open_listen_socket(int type, uint32_t address, uint16_t port, std::string& error);

}  // namespace hamesh::net
