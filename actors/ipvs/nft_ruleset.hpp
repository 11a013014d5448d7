#pragma once
// The nftables table that forwards a virtual service in the kernel: DNAT to a real server
// chosen by `numgen inc` over a map (rr; wrr with the wrr scheduler's interleaved sequence
// as the map) or by `jhash ip saddr` over 256 weighted buckets (sh). Replacing the whole
// table in one `nft -f` transaction swaps pools atomically. Pure: text in, text out.
#include <string>

#include "actors/ipvs/ipvs_config.hpp"
#include "actors/ipvs/service_table.hpp"

namespace hamesh::ipvs {

// "hamesh_" and the service name, with characters nft does not take in names replaced.
std::string nft_table_name(const std::string& service);

// The `nft -f` script that replaces the service's table with one forwarding to `pool`.
// With no member that can take connections, the table has no DNAT rule: packets reach the
// local stack, which refuses them.
std::string nft_ruleset(const std::string& table, const service_settings& service,
                        const pool_view& pool);

// The script that removes the table (the service stopped).
std::string nft_delete(const std::string& table);

}  // namespace hamesh::ipvs
