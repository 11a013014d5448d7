#pragma once
// What one NBD session has counted so far: requests by command and refusals by reason. Plain
// numbers (the session is single-threaded); the engine adds their growth to its atomics.
#include <array>
#include <cstddef>
#include <cstdint>

#include "actors/replica/nbd_errc.hpp"

namespace hamesh::replica {

enum class nbd_command_kind { read, write, disc, flush, trim, write_zeroes, other };
constexpr size_t nbd_command_kind_count = size_t(nbd_command_kind::other) + 1;

// "read", "write", "disc", "flush", "trim", "write_zeroes", "other".
const char* to_string(nbd_command_kind kind);

struct nbd_session_tally {
  std::array<uint64_t, nbd_command_kind_count> requests{};  // every request header parsed
  std::array<uint64_t, nbd_errc_count> errors{};            // index: nbd_errc
  uint64_t& requests_of(nbd_command_kind k) { return requests[size_t(k)]; }
  uint64_t& errors_of(nbd_errc e) { return errors[size_t(e)]; }
  uint64_t errors_of(nbd_errc e) const { return errors[size_t(e)]; }
};

}  // namespace hamesh::replica
