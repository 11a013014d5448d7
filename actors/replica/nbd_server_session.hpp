#pragma once
// The server side of one NBD connection (NetworkBlockDevice/nbd doc/proto.md) as a pure state
// machine: bytes from the client in, bytes for the client and block requests out. No socket,
// thread or clock: the engine moves the bytes and runs the requests on a block_device.
//
// Spoken: the fixed newstyle handshake (NO_ZEROES honoured); NBD_OPT_EXPORT_NAME, NBD_OPT_GO
// and NBD_OPT_INFO (NBD_INFO_EXPORT, _NAME, _DESCRIPTION, _BLOCK_SIZE), NBD_OPT_LIST and
// NBD_OPT_ABORT, every other option refused with NBD_REP_ERR_UNSUP (structured replies too:
// simple replies are all qemu, nbdcopy and nbdfuse need); then READ, WRITE, DISC, FLUSH, TRIM
// and WRITE_ZEROES with FUA and NO_HOLE, answered with simple replies, in any order.
//
// Total and incremental: on_client_data() takes any bytes, cut anywhere, and stops after each
// complete message (a request to run, or an answer written), so the same transcript gives the
// same events however it arrives. It stops taking bytes only when closed or when
// max_inflight requests await their completion.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "actors/replica/block_completion.hpp"
#include "actors/replica/block_request.hpp"
#include "actors/replica/nbd_errc.hpp"
#include "actors/replica/nbd_export_info.hpp"
#include "actors/replica/nbd_session_limits.hpp"
#include "actors/replica/nbd_session_tally.hpp"

namespace hamesh::replica {

class nbd_server_session {
 public:
  enum class phase {
    client_flags,   // the greeting is out; the client's 32-bit flags are awaited
    options,        // option haggling
    transmission,   // requests
    disconnecting,  // NBD_CMD_DISC seen: answering what is in flight, then closed
    closed,         // nothing more is read or written; the engine closes the socket
  };

  // Writes the server's greeting (NBDMAGIC, IHAVEOPT, handshake flags) to `out`.
  nbd_server_session(nbd_export_info info, nbd_session_limits limits, std::string& out);

  // Takes bytes from the front of `in` and appends what to send to `out`. Returns a request
  // to submit (its id is this session's; echo it to on_completion) or nothing. Call again
  // while it takes bytes, writes bytes or returns a request.
  std::optional<block_request> on_client_data(std::string_view& in, std::string& out);

  // Request `id` finished; a read's bytes in `data`. Appends the reply to `out` (nothing once
  // closed). Unknown ids are ignored.
  void on_completion(uint64_t id, block_status status, std::string_view data, std::string& out);

  // The client's end closed (EOF, reset): nothing more will be sent or read.
  void on_client_closed();

  // Writes are refused (NBD_EPERM) while set. A client told at the handshake that the export
  // is read-only keeps being refused after it is cleared (proto.md: the server MUST error
  // writes once it set NBD_FLAG_READ_ONLY); clients that connect later see the new state.
  void set_read_only(bool read_only);
  // The export is stopping: options get NBD_REP_ERR_SHUTDOWN, requests NBD_ESHUTDOWN
  // (proto.md "Terminating the transmission phase"), so that clients disconnect softly.
  void begin_shutdown();

  phase state() const { return phase_; }
  bool closed() const { return phase_ == phase::closed; }
  // Why it closed: none for a soft disconnect (NBD_OPT_ABORT, NBD_CMD_DISC, EOF).
  nbd_errc close_reason() const { return close_reason_; }
  // Blocked: it takes no bytes until a completion arrives (or never, once closed).
  bool blocked() const;
  size_t inflight() const { return pending_.size(); }
  const nbd_session_tally& tally() const { return tally_; }
  // The transmission flags sent at the end of the handshake (0 before).
  uint16_t transmission_flags() const { return advertised_flags_; }

 private:
  enum class step { header, data, skip };
  struct pending_request {
    uint64_t handle;
    block_op op;
    uint32_t length;
  };

  bool read_only_now() const;
  uint16_t flags_now() const;
  size_t take(std::string_view& in, size_t want);
  void close(nbd_errc reason);
  void count(nbd_errc reason) { ++tally_.errors_of(reason); }

  // Handshake (nbd_server_session.cpp).
  void on_client_flags();
  void on_option_header(std::string& out);
  void on_option(std::string& out);
  void on_option_skipped(std::string& out);
  void option_reply(std::string& out, uint32_t type, std::string_view data = {});
  void option_error(std::string& out, uint32_t type, nbd_errc reason, std::string_view text);
  void on_info_or_go(std::string& out);
  void on_export_name(std::string& out);
  void enter_transmission();

  // Transmission (nbd_transmission.cpp).
  std::optional<block_request> on_request_header(std::string& out);
  std::optional<block_request> on_write_payload();
  void on_payload_skipped(std::string& out);
  void simple_reply(std::string& out, uint64_t handle, uint32_t error, std::string_view data = {});
  void refuse(std::string& out, uint64_t handle, nbd_errc reason, uint32_t error);
  void admit(block_request& r, uint64_t handle);  // gives it an id, remembers its reply

  nbd_export_info info_;
  nbd_session_limits limits_;
  phase phase_ = phase::client_flags;
  step step_ = step::header;
  nbd_errc close_reason_ = nbd_errc::none;
  bool no_zeroes_ = false;
  bool read_only_ = false;
  bool shutting_down_ = false;
  bool told_read_only_ = false;
  uint16_t advertised_flags_ = 0;
  uint32_t options_seen_ = 0;

  std::string header_;  // the message header being assembled
  // The option being read: its code, its data (step::data) or what skipping it answers.
  uint32_t option_ = 0;
  uint32_t option_length_ = 0;
  std::string option_data_;
  uint64_t skip_left_ = 0;
  // A request whose payload is being read (step::data) or skipped (step::skip).
  uint64_t handle_ = 0;
  block_request write_;
  nbd_errc skip_reason_ = nbd_errc::none;
  uint32_t skip_error_ = 0;

  uint64_t next_id_ = 1;
  std::unordered_map<uint64_t, pending_request> pending_;
  nbd_session_tally tally_;
};

}  // namespace hamesh::replica
