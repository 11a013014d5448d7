#pragma once
// Why the NBD export refused or dropped something a client sent, or failed a request it
// accepted. One enum for the domain (STYLE.md 14); each value names the rule of the NBD
// protocol (NetworkBlockDevice/nbd doc/proto.md) it comes from and the answer the client got.
// The session counts every occurrence; the engine publishes the counts.
#include <cstddef>

namespace hamesh::replica {

enum class nbd_errc {
  none,
  // Handshake and option haggling (proto.md "Newstyle negotiation", "Option types").
  bad_client_flags,  // client flags with an unknown bit, or NO_ZEROES not offered: hard close
  bad_option_magic,  // an option header without IHAVEOPT: hard close (stream out of sync)
  option_too_large,  // option data over nbd_session_limits::max_option_data: REP_ERR_TOO_BIG
  too_many_options,  // more than max_options options in one haggle: hard close (denial of service)
  unsupported_option,  // an option this server does not implement: REP_ERR_UNSUP
  invalid_option,      // an option whose data contradicts its own lengths: REP_ERR_INVALID
  unknown_export,      // no export of that name: REP_ERR_UNKNOWN (NBD_OPT_EXPORT_NAME: hard close)
  // Transmission (proto.md "Request message", "Request types", "Error values").
  bad_request_magic,  // a request header without NBD_REQUEST_MAGIC: hard close
  unknown_command,    // a command type this server does not offer: NBD_EINVAL
  bad_command_flags,  // a flag unknown, or not documented for that command: NBD_EINVAL
  payload_too_large,  // a READ or WRITE longer than the advertised maximum payload: NBD_EOVERFLOW
  out_of_range,       // offset + length past the export's end: NBD_EINVAL (NBD_ENOSPC for writes)
  read_only,          // a write, trim or write-zeroes on a read-only export: NBD_EPERM
  data_after_disconnect,  // bytes after NBD_CMD_DISC or NBD_OPT_ABORT: ignored
  truncated_message,      // the client closed in the middle of a message
  // The server's side.
  shutting_down,  // answered REP_ERR_SHUTDOWN / NBD_ESHUTDOWN: the export is stopping
  device_failed,  // the block device failed an accepted request (EIO, ENOSPC, EPERM, ...)
};

constexpr size_t nbd_errc_count = size_t(nbd_errc::device_failed) + 1;

// "bad_request_magic", ...: for logs and counters.
const char* to_string(nbd_errc reason);

}  // namespace hamesh::replica
