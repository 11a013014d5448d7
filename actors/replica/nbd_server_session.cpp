// The session's driver loop and the handshake (proto.md "Newstyle negotiation", "Fixed newstyle
// negotiation", "Option types"); the transmission phase is nbd_server_session_transmission.cpp.
#include "actors/replica/nbd_server_session.hpp"

#include <algorithm>

#include "actors/replica/nbd_protocol.hpp"

namespace hamesh::replica {

const char* to_string(nbd_command_kind kind) {
  switch (kind) {
    case nbd_command_kind::read:
      return "read";
    case nbd_command_kind::write:
      return "write";
    case nbd_command_kind::disc:
      return "disc";
    case nbd_command_kind::flush:
      return "flush";
    case nbd_command_kind::trim:
      return "trim";
    case nbd_command_kind::write_zeroes:
      return "write_zeroes";
    case nbd_command_kind::other:
      return "other";
  }
  return "other";
}

nbd_server_session::nbd_server_session(nbd_export_info info, nbd_session_limits limits,
                                       std::string& out)
    : info_(std::move(info)), limits_(limits) {
  // proto.md "Newstyle negotiation": NBDMAGIC, IHAVEOPT, then the 16-bit handshake flags.
  nbd::put_u64(out, nbd::init_magic);
  nbd::put_u64(out, nbd::option_magic);
  nbd::put_u16(out, nbd::flag_fixed_newstyle | nbd::flag_no_zeroes);
}

bool nbd_server_session::blocked() const {
  if (phase_ == phase::closed) return true;
  // Only before a new request header: a request under way is always finished.
  return phase_ == phase::transmission && step_ == step::header && header_.empty() &&
         pending_.size() >= limits_.max_inflight;
}

size_t nbd_server_session::take(std::string_view& in, size_t want) {
  size_t n = std::min(want, in.size());
  in.remove_prefix(n);
  return n;
}

void nbd_server_session::close(nbd_errc reason) {
  if (reason != nbd_errc::none) count(reason);
  if (phase_ != phase::closed) close_reason_ = reason;
  phase_ = phase::closed;
}

std::optional<block_request> nbd_server_session::on_client_data(std::string_view& in,
                                                                std::string& out) {
  while (!in.empty() && !blocked()) {
    if (phase_ == phase::disconnecting) {
      // proto.md: a client MUST NOT send anything after NBD_CMD_DISC. Dropped, counted once.
      if (tally_.errors_of(nbd_errc::data_after_disconnect) == 0)
        count(nbd_errc::data_after_disconnect);
      in.remove_prefix(in.size());
      return std::nullopt;
    }
    if (step_ == step::skip) {
      // Data of a refused option or write: read and dropped, so that the stream stays in step.
      skip_left_ -= take(in, size_t(std::min<uint64_t>(skip_left_, in.size())));
      if (skip_left_ > 0) return std::nullopt;
      step_ = step::header;
      if (phase_ == phase::options)
        on_option_skipped(out);
      else
        on_payload_skipped(out);
      return std::nullopt;
    }
    if (step_ == step::data) {
      bool option = phase_ == phase::options;
      std::string& buffer = option ? option_data_ : write_.data;
      size_t want = (option ? option_length_ : write_.length) - buffer.size();
      size_t n = std::min(want, in.size());
      buffer.append(in.data(), n);
      in.remove_prefix(n);
      if (n < want) return std::nullopt;
      step_ = step::header;
      if (!option) return on_write_payload();
      on_option(out);
      return std::nullopt;
    }
    size_t want = phase_ == phase::client_flags ? 4
                  : phase_ == phase::options    ? 16
                                                : nbd::request_header_size;
    size_t n = std::min(want - header_.size(), in.size());
    header_.append(in.data(), n);
    in.remove_prefix(n);
    if (header_.size() < want) return std::nullopt;
    std::optional<block_request> request;
    if (phase_ == phase::client_flags)
      on_client_flags();
    else if (phase_ == phase::options)
      on_option_header(out);
    else
      request = on_request_header(out);
    header_.clear();
    return request;
  }
  return std::nullopt;
}

void nbd_server_session::on_client_closed() {
  if (phase_ == phase::closed) return;
  bool mid_message = !header_.empty() || step_ != step::header;
  close(mid_message && phase_ != phase::disconnecting ? nbd_errc::truncated_message
                                                      : nbd_errc::none);
}

void nbd_server_session::set_read_only(bool read_only) {
  read_only_ = read_only;
}

void nbd_server_session::begin_shutdown() {
  shutting_down_ = true;
}

bool nbd_server_session::read_only_now() const {
  return read_only_ || told_read_only_ || info_.device.read_only;
}

uint16_t nbd_server_session::flags_now() const {
  uint16_t f = nbd::tflag_has_flags | nbd::tflag_send_flush | nbd::tflag_send_fua;
  if (read_only_now()) {
    f |= nbd::tflag_read_only;
  } else {
    if (info_.device.supports_trim) f |= nbd::tflag_send_trim;
    if (info_.device.supports_write_zeroes) f |= nbd::tflag_send_write_zeroes;
  }
  // proto.md: CAN_MULTI_CONN only if FLUSH and FUA effects are visible across connections.
  if (info_.device.flush_covers_all_writers) f |= nbd::tflag_can_multi_conn;
  return f;
}

void nbd_server_session::on_client_flags() {
  uint32_t flags = nbd::get_u32(header_, 0);
  // proto.md "Client flags": the server MUST drop the connection on an unknown flag. A client
  // without C_FIXED_NEWSTYLE is still answered as fixed newstyle (proto.md: servers MAY).
  if (flags & ~(nbd::client_flag_fixed_newstyle | nbd::client_flag_no_zeroes)) {
    close(nbd_errc::bad_client_flags);
    return;
  }
  no_zeroes_ = flags & nbd::client_flag_no_zeroes;
  phase_ = phase::options;
}

void nbd_server_session::on_option_header(std::string& out) {
  if (nbd::get_u64(header_, 0) != nbd::option_magic) {
    close(nbd_errc::bad_option_magic);
    return;
  }
  option_ = nbd::get_u32(header_, 8);
  option_length_ = nbd::get_u32(header_, 12);
  // proto.md "Termination of the session during option haggling": a server MAY hard
  // disconnect a client whose behaviour constitutes a denial of service.
  if (++options_seen_ > limits_.max_options) {
    close(nbd_errc::too_many_options);
    return;
  }
  option_data_.clear();
  if (option_length_ > limits_.max_option_data) {
    // NBD_OPT_EXPORT_NAME has no error reply: the session must end (proto.md).
    if (option_ == nbd::opt_export_name) {
      close(nbd_errc::option_too_large);
      return;
    }
    step_ = step::skip;
    skip_left_ = option_length_;
    return;
  }
  if (option_length_ == 0) {
    on_option(out);
    return;
  }
  step_ = step::data;
  option_data_.reserve(option_length_);
}

void nbd_server_session::option_reply(std::string& out, uint32_t type, std::string_view data) {
  // proto.md "Fixed newstyle negotiation": magic, the option, the reply type, length, data.
  nbd::put_u64(out, nbd::option_reply_magic);
  nbd::put_u32(out, option_);
  nbd::put_u32(out, type);
  nbd::put_u32(out, uint32_t(data.size()));
  out.append(data.data(), data.size());
}

void nbd_server_session::option_error(std::string& out, uint32_t type, nbd_errc reason,
                                      std::string_view text) {
  count(reason);
  // proto.md: an error reply MAY carry a message for the user.
  option_reply(out, type, text);
}

void nbd_server_session::on_option_skipped(std::string& out) {
  option_error(out, nbd::rep_err_too_big, nbd_errc::option_too_large, "option data too large");
}

void nbd_server_session::on_option(std::string& out) {
  if (shutting_down_ && option_ != nbd::opt_abort) {
    // proto.md: a server being shut down SHOULD error options with NBD_REP_ERR_SHUTDOWN.
    if (option_ == nbd::opt_export_name)
      close(nbd_errc::shutting_down);
    else
      option_error(out, nbd::rep_err_shutdown, nbd_errc::shutting_down, "shutting down");
    return;
  }
  switch (option_) {
    case nbd::opt_export_name:
      on_export_name(out);
      break;
    case nbd::opt_abort:
      // proto.md "NBD_OPT_ABORT": the server MUST reply with NBD_REP_ACK; the client closes.
      option_reply(out, nbd::rep_ack);
      close(nbd_errc::none);
      break;
    case nbd::opt_list: {
      // proto.md "NBD_OPT_LIST": nonzero data is the spec's own example of ERR_INVALID.
      if (!option_data_.empty()) {
        option_error(out, nbd::rep_err_invalid, nbd_errc::invalid_option,
                     "NBD_OPT_LIST takes no data");
        break;
      }
      std::string entry;
      nbd::put_u32(entry, uint32_t(info_.name.size()));
      entry += info_.name;
      entry += info_.description;  // the implementation-specific details, for humans
      option_reply(out, nbd::rep_server, entry);
      option_reply(out, nbd::rep_ack);
      break;
    }
    case nbd::opt_info:
    case nbd::opt_go:
      on_info_or_go(out);
      break;
    default:
      // STARTTLS (NOTLS mode: proto.md allows ERR_UNSUP), STRUCTURED_REPLY (clients fall back
      // to simple replies), meta contexts, extended headers, and anything unknown.
      option_error(out, nbd::rep_err_unsup, nbd_errc::unsupported_option, "option not supported");
      break;
  }
  option_data_.clear();
}

void nbd_server_session::on_export_name(std::string& out) {
  // proto.md "NBD_OPT_EXPORT_NAME": an unknown export MUST end the session (no error reply).
  if (!option_data_.empty() && option_data_ != info_.name) {
    close(nbd_errc::unknown_export);
    return;
  }
  enter_transmission();
  nbd::put_u64(out, info_.device.size);
  nbd::put_u16(out, advertised_flags_);
  if (!no_zeroes_) out.append(nbd::export_name_zeroes, '\0');
}

void nbd_server_session::on_info_or_go(std::string& out) {
  // proto.md "NBD_OPT_INFO and NBD_OPT_GO": u32 name length, name, u16 count, count x u16.
  std::string_view d = option_data_;
  auto invalid = [&](std::string_view why) {
    option_error(out, nbd::rep_err_invalid, nbd_errc::invalid_option, why);
  };
  if (d.size() < 6) return invalid("option data shorter than its fields");
  uint32_t name_length = nbd::get_u32(d, 0);
  if (name_length > d.size() - 6) return invalid("export name longer than the option");
  uint16_t requests = nbd::get_u16(d, 4 + name_length);
  if (d.size() != 6 + size_t(name_length) + 2 * size_t(requests))
    return invalid("information request count does not match the option length");
  std::string_view name = d.substr(4, name_length);
  if (!name.empty() && name != info_.name)
    return option_error(out, nbd::rep_err_unknown, nbd_errc::unknown_export, "no such export");
  bool want_name = false, want_description = false;
  for (uint16_t i = 0; i < requests; ++i) {
    uint16_t type = nbd::get_u16(d, 6 + name_length + 2 * size_t(i));
    want_name |= type == nbd::info_name;
    want_description |= type == nbd::info_description;
  }
  uint16_t flags = flags_now();
  std::string info;
  nbd::put_u16(info, nbd::info_export);  // MUST be sent (proto.md)
  nbd::put_u64(info, info_.device.size);
  nbd::put_u16(info, flags);
  option_reply(out, nbd::rep_info, info);
  if (want_name) {
    info.clear();
    nbd::put_u16(info, nbd::info_name);
    info += info_.name;
    option_reply(out, nbd::rep_info, info);
  }
  if (want_description && !info_.description.empty()) {
    info.clear();
    nbd::put_u16(info, nbd::info_description);
    info += info_.description;
    option_reply(out, nbd::rep_info, info);
  }
  // Minimum 1 (any alignment is served, so no client needs ERR_BLOCK_SIZE_REQD), preferred
  // 4 KiB (a page: no read-modify-write below it), maximum payload our limit. Sent even when
  // not asked, as qemu's server does: clients ignore what they did not request.
  info.clear();
  nbd::put_u16(info, nbd::info_block_size);
  nbd::put_u32(info, 1);
  nbd::put_u32(info, 4096);
  nbd::put_u32(info, limits_.max_payload);
  option_reply(out, nbd::rep_info, info);
  option_reply(out, nbd::rep_ack);
  if (option_ == nbd::opt_go) enter_transmission();
}

void nbd_server_session::enter_transmission() {
  advertised_flags_ = flags_now();
  told_read_only_ = advertised_flags_ & nbd::tflag_read_only;
  phase_ = phase::transmission;
}

}  // namespace hamesh::replica
