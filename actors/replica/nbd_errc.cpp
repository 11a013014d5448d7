#include "actors/replica/nbd_errc.hpp"

namespace hamesh::replica {

const char* to_string(nbd_errc reason) {
  switch (reason) {
    case nbd_errc::none:
      return "none";
    case nbd_errc::bad_client_flags:
      return "bad_client_flags";
    case nbd_errc::bad_option_magic:
      return "bad_option_magic";
    case nbd_errc::option_too_large:
      return "option_too_large";
    case nbd_errc::too_many_options:
      return "too_many_options";
    case nbd_errc::unsupported_option:
      return "unsupported_option";
    case nbd_errc::invalid_option:
      return "invalid_option";
    case nbd_errc::unknown_export:
      return "unknown_export";
    case nbd_errc::bad_request_magic:
      return "bad_request_magic";
    case nbd_errc::unknown_command:
      return "unknown_command";
    case nbd_errc::bad_command_flags:
      return "bad_command_flags";
    case nbd_errc::payload_too_large:
      return "payload_too_large";
    case nbd_errc::out_of_range:
      return "out_of_range";
    case nbd_errc::read_only:
      return "read_only";
    case nbd_errc::data_after_disconnect:
      return "data_after_disconnect";
    case nbd_errc::truncated_message:
      return "truncated_message";
    case nbd_errc::shutting_down:
      return "shutting_down";
    case nbd_errc::device_failed:
      return "device_failed";
  }
  return "unknown";
}

}  // namespace hamesh::replica
