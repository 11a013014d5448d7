#include "actors/replica/replica_volume_config.hpp"

#include <set>

#include "config/table_reader.hpp"
#include "runtime/byte_size.hpp"
#include "runtime/ipv4_text.hpp"

namespace hamesh::replica {

std::string replica_volume_config::fingerprint() const {
  return "file=" + file.string() + ";meta=" + metadata_file.string() +
         ";size=" + std::to_string(size) + ";bs=" + std::to_string(block_size) +
         ";region=" + std::to_string(region_size) + ";proto=" + to_string(protocol) +
         ";sb=" + to_string(after_split_brain) + ";listen=" + format_ipv4(listen_address) + ":" +
         std::to_string(listen_port) + ";peer=" + format_ipv4(peer_address) + ":" +
         std::to_string(peer_port) + ";ping=" + std::to_string(ping_interval.count()) +
         ";timeout=" + std::to_string(peer_timeout.count()) +
         ";retry=" + std::to_string(connect_retry.count()) +
         ";export=" + format_ipv4(export_address) + ":" + std::to_string(export_port) + "/" +
         export_name + ";initial=" + (initial_primary ? "1" : "0") +
         ";direct=" + (direct ? "1" : "0");
}

std::vector<replica_volume_config> parse_volumes(config::table_reader& storage) {
  using namespace std::chrono_literals;
  std::vector<replica_volume_config> out;
  std::set<std::string> names;
  for (auto& t : storage.array_of_tables("volume")) {
    replica_volume_config v;
    if (auto n = t.unique_name("name", names, "volume")) v.name = *n;
    if (auto f = t.path("file", true)) v.file = *f;
    if (auto f = t.path("metadata_file")) v.metadata_file = *f;
    if (v.metadata_file.empty() && !v.file.empty()) v.metadata_file = v.file.string() + ".meta";
    if (auto b = t.byte_size("block_size", 512, 65536)) {
      if (*b & (*b - 1)) t.error("block_size", "expected a power of two");
      v.block_size = uint32_t(*b);
    }
    if (auto s = t.byte_size("size", 1 << 20, uint64_t(1) << 44, true)) {
      if (*s % v.block_size) t.error("size", "expected a multiple of block_size");
      v.size = *s;
    }
    if (auto r = t.byte_size("region_size", 4096, 64 << 20)) {
      if (*r & (*r - 1))
        t.error("region_size", "expected a power of two");
      else if (*r < v.block_size)
        t.error("region_size", "expected at least block_size");
      v.region_size = uint32_t(*r);
    }
    if (auto p = t.choice("protocol", {"A", "B", "C"}))
      v.protocol = *p == "A"   ? replication_protocol::a
                   : *p == "B" ? replication_protocol::b
                               : replication_protocol::c;
    if (auto p = t.string("after_split_brain")) {
      if (auto policy = split_brain_policy::parse(*p))
        v.after_split_brain = *policy;
      else
        t.error("after_split_brain",
                "expected \"disconnect\", \"discard-younger-primary\", "
                "\"discard-least-changes\" or \"discard-node NAME\", found \"" +
                    *p + "\"");
    }
    if (auto e = t.ipv4_endpoint("listen", true)) {
      v.listen_address = e->first;
      v.listen_port = e->second;
    }
    if (auto e = t.ipv4_endpoint("peer", true)) {
      v.peer_address = e->first;
      v.peer_port = e->second;
    }
    if (v.listen_port && v.listen_address == v.peer_address && v.listen_port == v.peer_port)
      t.error("peer", "expected the other member's address, found this member's own listen");
    if (auto d = t.duration_value("ping_interval", 1ms, 10s)) v.ping_interval = *d;
    if (auto d = t.duration_value("peer_timeout", 10ms, 60s)) v.peer_timeout = *d;
    if (v.peer_timeout <= v.ping_interval)
      t.error("peer_timeout",
              "expected more than ping_interval (" + format_duration(v.ping_interval) + ")");
    if (auto d = t.duration_value("connect_retry", 10ms, 60s)) v.connect_retry = *d;
    if (auto e = t.ipv4_endpoint("export", true, true)) {
      v.export_address = e->first;
      v.export_port = e->second;
    }
    if (auto n = t.string("export_name")) v.export_name = *n;
    if (v.export_name.empty()) v.export_name = v.name;
    if (auto b = t.boolean("initial_primary")) v.initial_primary = *b;
    if (auto b = t.boolean("direct")) v.direct = *b;
    t.finish();
    out.push_back(std::move(v));
  }
  if (out.empty()) storage.error("volume", "expected at least one [[storage.volume]]");
  return out;
}

}  // namespace hamesh::replica
