#pragma once
// A non-blocking listening (TCP) or bound (UDP) IPv4 socket, as every data plane opens one:
// SO_REUSEADDR, and IP_FREEBIND so that it binds an address VRRP has not brought yet.
#include <cstdint>
#include <string>

namespace hamesh::net {

// `type`: SOCK_STREAM (listens, backlog 4096) or SOCK_DGRAM. The descriptor, or -1 with
// `error` naming the call and the address.
int open_listen_socket(int type, uint32_t address, uint16_t port, std::string& error);

// A TCP listener for an engine: a duplicate of `inherited` when it is >= 0 (a reload hands the
// predecessor's socket over: no window in which connections are refused), else a new one on
// address:port. The descriptor and the port it is bound to (port 0 asks the kernel for one),
// or -1 with `error`.
int listen_or_inherit(int inherited, uint32_t address, uint16_t port, uint16_t& bound_port,
                      std::string& error);

// accept4() failed for want of descriptors or memory. The connection stays in the backlog and
// a level-triggered listener would wake its loop at once, forever: the caller stops watching
// the listener for a moment.
bool out_of_descriptors(int error_number);

}  // namespace hamesh::net
