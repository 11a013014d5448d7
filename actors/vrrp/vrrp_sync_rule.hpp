#pragma once
// The rule of a VRRP sync group (pure): mastership is allowed only while every member is
// master or ready to be one.
#include <string>
#include <vector>

namespace hamesh::vrrp {

struct member_report {
  std::string state;  // INIT, BACKUP, MASTER, FAULT; empty until it reported
  bool ready = false;
};

bool group_allows_master(const std::vector<member_report>& members);

}  // namespace hamesh::vrrp
