// The session's transmission phase (proto.md "Transmission", "Request types", "Error values"):
// request headers checked in a fixed order, payloads read or skipped, simple replies.
#include <algorithm>

#include "actors/replica/nbd_protocol.hpp"
#include "actors/replica/nbd_server_session.hpp"

namespace hamesh::replica {
namespace {

constexpr uint16_t cmd_read = 0, cmd_write = 1, cmd_disc = 2, cmd_flush = 3, cmd_trim = 4,
                   cmd_write_zeroes = 6;

nbd_command_kind kind_of(uint16_t type) {
  switch (type) {
    case cmd_read:
      return nbd_command_kind::read;
    case cmd_write:
      return nbd_command_kind::write;
    case cmd_disc:
      return nbd_command_kind::disc;
    case cmd_flush:
      return nbd_command_kind::flush;
    case cmd_trim:
      return nbd_command_kind::trim;
    case cmd_write_zeroes:
      return nbd_command_kind::write_zeroes;
  }
  return nbd_command_kind::other;
}

uint32_t wire_error(block_status s) {
  switch (s) {
    case block_status::ok:
      return 0;
    case block_status::io_error:
      return nbd::err_io;
    case block_status::no_space:
      return nbd::err_nospc;
    case block_status::read_only:
      return nbd::err_perm;
    case block_status::invalid:
      return nbd::err_inval;
    case block_status::shutting_down:
      return nbd::err_shutdown;
  }
  return nbd::err_io;
}

}  // namespace

void nbd_server_session::simple_reply(std::string& out, uint64_t handle, uint32_t error,
                                      std::string_view data) {
  // proto.md "Simple reply message": magic, error, the request's handle, then a successful
  // read's data (and never data after an error).
  nbd::put_u32(out, nbd::simple_reply_magic);
  nbd::put_u32(out, error);
  nbd::put_u64(out, handle);
  out.append(data.data(), data.size());
}

void nbd_server_session::refuse(std::string& out, uint64_t handle, nbd_errc reason,
                                uint32_t error) {
  count(reason);
  simple_reply(out, handle, error);
}

void nbd_server_session::admit(block_request& r, uint64_t handle) {
  r.id = next_id_++;
  pending_.emplace(r.id, pending_request{handle, r.op, r.length});
}

std::optional<block_request> nbd_server_session::on_request_header(std::string& out) {
  if (nbd::get_u32(header_, 0) != nbd::request_magic) {
    // The stream cannot be resynchronised: proto.md allows a hard disconnect on a violation.
    close(nbd_errc::bad_request_magic);
    return std::nullopt;
  }
  uint16_t flags = nbd::get_u16(header_, 4);
  uint16_t type = nbd::get_u16(header_, 6);
  uint64_t handle = nbd::get_u64(header_, 8);
  uint64_t offset = nbd::get_u64(header_, 16);
  uint32_t length = nbd::get_u32(header_, 24);
  ++tally_.requests_of(kind_of(type));

  if (type == cmd_disc) {
    // proto.md "NBD_CMD_DISC": no reply; the server MUST handle all outstanding requests,
    // then close. Its offset and length are not checked: nothing depends on them.
    phase_ = phase::disconnecting;
    if (pending_.empty()) close(nbd_errc::none);
    return std::nullopt;
  }

  const block_device_info& dev = info_.device;
  block_op op = block_op::read;
  bool known = true;
  switch (type) {
    case cmd_read:
      op = block_op::read;
      break;
    case cmd_write:
      op = block_op::write;
      break;
    case cmd_flush:
      op = block_op::flush;
      break;
    case cmd_trim:
      op = block_op::trim;
      known = dev.supports_trim;  // not advertised: as unknown as any other command
      break;
    case cmd_write_zeroes:
      op = block_op::write_zeroes;
      known = dev.supports_write_zeroes;
      break;
    default:
      known = false;
  }
  bool payload_op = op == block_op::read || op == block_op::write;
  bool writes = op == block_op::write || op == block_op::trim || op == block_op::write_zeroes;
  // FUA is valid on every command (proto.md: the server MUST accept it, even by ignoring
  // it); NO_HOLE only on WRITE_ZEROES; DF, REQ_ONE and FAST_ZERO need features not offered.
  uint16_t allowed = nbd::cmd_flag_fua | (op == block_op::write_zeroes ? nbd::cmd_flag_no_hole : 0);

  nbd_errc reason = nbd_errc::none;
  uint32_t error = 0;
  if (shutting_down_) {
    reason = nbd_errc::shutting_down, error = nbd::err_shutdown;
  } else if (!known) {
    reason = nbd_errc::unknown_command, error = nbd::err_inval;  // proto.md "Error values"
  } else if (flags & ~allowed) {
    reason = nbd_errc::bad_command_flags, error = nbd::err_inval;
  } else if (payload_op && length > limits_.max_payload) {
    // proto.md "Block size constraints": EOVERFLOW for a payload over the advertised maximum.
    reason = nbd_errc::payload_too_large, error = nbd::err_overflow;
  } else if (writes && read_only_now()) {
    reason = nbd_errc::read_only, error = nbd::err_perm;  // proto.md: SHOULD return EPERM
  } else if (op != block_op::flush && (offset > dev.size || length > dev.size - offset)) {
    // proto.md: ENOSPC for a write past the end, EINVAL for other out-of-range requests.
    // A flush's offset and length are reserved; Linux's client fills in the request's
    // position, so they are not checked.
    reason = nbd_errc::out_of_range;
    error = writes && op != block_op::trim ? nbd::err_nospc : nbd::err_inval;
  }

  if (reason != nbd_errc::none) {
    if (type == cmd_write && length > 0) {
      // Only NBD_CMD_WRITE carries a payload (no extended headers): skip it, then answer.
      step_ = step::skip;
      skip_left_ = length;
      handle_ = handle;
      skip_reason_ = reason;
      skip_error_ = error;
      return std::nullopt;
    }
    refuse(out, handle, reason, error);
    return std::nullopt;
  }
  if (length == 0 && op != block_op::flush) {
    // Nothing to read, write or discard: answered here, the device never sees it.
    simple_reply(out, handle, 0);
    return std::nullopt;
  }
  if (op == block_op::write) {
    step_ = step::data;
    handle_ = handle;
    write_ = block_request{};
    write_.op = op;
    write_.offset = offset;
    write_.length = length;
    write_.fua = flags & nbd::cmd_flag_fua;
    write_.data.reserve(length);
    return std::nullopt;
  }
  block_request r;
  r.op = op;
  r.offset = op == block_op::flush ? 0 : offset;
  r.length = op == block_op::flush ? 0 : length;
  r.fua = flags & nbd::cmd_flag_fua;
  r.may_punch_hole = !(flags & nbd::cmd_flag_no_hole);
  admit(r, handle);
  return r;
}

std::optional<block_request> nbd_server_session::on_write_payload() {
  block_request r = std::move(write_);
  write_ = block_request{};
  admit(r, handle_);
  return r;
}

void nbd_server_session::on_payload_skipped(std::string& out) {
  refuse(out, handle_, skip_reason_, skip_error_);
}

void nbd_server_session::on_completion(uint64_t id, block_status status, std::string_view data,
                                       std::string& out) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return;
  pending_request p = it->second;
  pending_.erase(it);
  if (phase_ == phase::closed) return;
  uint32_t error = wire_error(status);
  // A read that came back short would desynchronise the client: failed instead.
  if (status == block_status::ok && p.op == block_op::read && data.size() != p.length)
    error = nbd::err_io;
  if (error != 0) count(nbd_errc::device_failed);
  simple_reply(out, p.handle, error, error == 0 && p.op == block_op::read ? data : "");
  if (phase_ == phase::disconnecting && pending_.empty()) close(nbd_errc::none);
}

}  // namespace hamesh::replica
