#include "actors/ipvs/kernel_ipvs.hpp"

#include <unistd.h>

namespace hamesh::ipvs {

kernel_ipvs::kernel_ipvs(const service_settings& service) : service_(service) {}

kernel_ipvs::~kernel_ipvs() = default;

std::string kernel_ipvs::unavailable_reason() {
  if (::access("/proc/net/ip_vs", F_OK) != 0)
    return "kernel IPVS is not available here: /proc/net/ip_vs does not exist (the ip_vs module "
           "is not loaded, or this kernel has none; `modprobe ip_vs` where it exists); use "
           "dataplane = \"userspace\" or \"nftables\"";
  return "";
}

std::string kernel_ipvs::start(const pool_view&) {
  if (auto why = unavailable_reason(); !why.empty()) return why;
  return "kernel IPVS over generic netlink: not written yet";
}

void kernel_ipvs::apply(const pool_view&) {}

service_counters kernel_ipvs::counters() const {
  return {};
}

void kernel_ipvs::stop_accepting() {}

}  // namespace hamesh::ipvs
