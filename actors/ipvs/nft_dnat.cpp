#include "actors/ipvs/nft_dnat.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "actors/ipvs/nft_ruleset.hpp"
#include "runtime/ipv4_text.hpp"
#include "runtime/net/command_runner.hpp"

namespace hamesh::ipvs {

nft_dnat::nft_dnat(const service_settings& service)
    : service_(service), table_(nft_table_name(service.name)) {}

nft_dnat::~nft_dnat() {
  if (started_) run_nft(nft_delete(table_));
}

std::string nft_dnat::run_nft(const std::string& script) {
  char path[] = "/tmp/hamesh-nft-XXXXXX";
  int fd = ::mkstemp(path);
  if (fd < 0) return "cannot write the nft script to /tmp";
  [[maybe_unused]] auto n = ::write(fd, script.data(), script.size());
  ::close(fd);
  std::string output;
  auto out = net::run_command_blocking({"nft", "-f", path}, std::chrono::seconds(10), &output);
  ::unlink(path);
  if (!out.started) return out.error + " (install nftables)";
  if (out.timed_out) return "nft did not finish within 10s";
  if (out.exit_code != 0) {
    while (!output.empty() && output.back() == '\n') output.pop_back();
    return "nft refused the table (exit " + std::to_string(out.exit_code) + "): " + output;
  }
  return "";
}

std::string nft_dnat::start(const pool_view& pool) {
  pool_ = pool;
  auto err = run_nft(nft_ruleset(table_, service_, pool));
  started_ = err.empty();
  return err;
}

void nft_dnat::apply(const pool_view& pool) {
  auto err = run_nft(nft_ruleset(table_, service_, pool));
  std::lock_guard<std::mutex> lock(mutex_);
  if (err.empty()) pool_ = pool;
  last_error_ = err;
}

bool nft_dnat::reconfigure(const service_settings& service, const pool_view& pool) {
  service_ = service;  // same address, port and protocol: only the map changes
  apply(pool);
  return true;
}

std::string nft_dnat::last_error() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return last_error_;
}

void nft_dnat::stop_accepting() {
  // New connections stop at once; conntrack keeps forwarding the existing ones.
  run_nft(nft_delete(table_));
  started_ = false;
}

service_counters nft_dnat::counters() const {
  pool_view pool;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    pool = pool_;
  }
  service_counters out;
  out.members.resize(pool.members.size());
  // Each conntrack line: the original tuple (client -> service) then the reply tuple (real
  // server -> client); the reply's source names the member.
  std::ifstream in("/proc/net/nf_conntrack");
  std::string line;
  std::string proto = to_string(service_.protocol);
  std::string want_dst = "dst=" + format_ipv4(service_.address);
  std::string want_dport = "dport=" + std::to_string(service_.port);
  // Each member as conntrack writes it, once, not per line of the table.
  std::vector<std::pair<std::string, std::string>> members;
  for (auto& m : pool.members) members.emplace_back(format_ipv4(m.address), std::to_string(m.port));
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::vector<std::string> w;
    for (std::string x; words >> x;) w.push_back(x);
    if (w.size() < 6 || w[2] != proto) continue;
    std::vector<std::string> src, dst, sport, dport;
    std::string state;
    for (auto& x : w) {
      if (x.rfind("src=", 0) == 0) src.push_back(x.substr(4));
      if (x.rfind("dst=", 0) == 0) dst.push_back(x);
      if (x.rfind("sport=", 0) == 0) sport.push_back(x.substr(6));
      if (x.rfind("dport=", 0) == 0) dport.push_back(x);
      if (x == "ESTABLISHED") state = x;
    }
    if (src.size() < 2 || sport.size() < 2 || dst.empty() || dport.empty()) continue;
    if (dst[0] != want_dst || dport[0] != want_dport) continue;
    for (size_t i = 0; i < members.size(); ++i) {
      if (src[1] == members[i].first && sport[1] == members[i].second) {
        ++(state.empty() ? out.members[i].inactive : out.members[i].active);
        break;
      }
    }
  }
  return out;
}

}  // namespace hamesh::ipvs
