#include "actors/proxy/http/http_errc.hpp"

namespace hamesh::proxy::http {

const char* to_string(http_errc reason) {
  switch (reason) {
    case http_errc::none:
      return "none";
    case http_errc::bare_cr:
      return "bare_cr";
    case http_errc::bare_lf:
      return "bare_lf";
    case http_errc::nul_byte:
      return "nul_byte";
    case http_errc::control_character:
      return "control_character";
    case http_errc::too_many_empty_lines:
      return "too_many_empty_lines";
    case http_errc::bad_request_line:
      return "bad_request_line";
    case http_errc::bad_method:
      return "bad_method";
    case http_errc::bad_target:
      return "bad_target";
    case http_errc::bad_version:
      return "bad_version";
    case http_errc::version_not_supported:
      return "version_not_supported";
    case http_errc::method_not_supported:
      return "method_not_supported";
    case http_errc::bad_status_line:
      return "bad_status_line";
    case http_errc::bad_header_line:
      return "bad_header_line";
    case http_errc::bad_header_name:
      return "bad_header_name";
    case http_errc::space_before_colon:
      return "space_before_colon";
    case http_errc::obs_fold:
      return "obs_fold";
    case http_errc::header_section_too_large:
      return "header_section_too_large";
    case http_errc::too_many_headers:
      return "too_many_headers";
    case http_errc::target_too_long:
      return "target_too_long";
    case http_errc::missing_host:
      return "missing_host";
    case http_errc::multiple_host:
      return "multiple_host";
    case http_errc::bad_host:
      return "bad_host";
    case http_errc::content_length_and_transfer_encoding:
      return "content_length_and_transfer_encoding";
    case http_errc::conflicting_content_length:
      return "conflicting_content_length";
    case http_errc::bad_content_length:
      return "bad_content_length";
    case http_errc::bad_transfer_encoding:
      return "bad_transfer_encoding";
    case http_errc::unsupported_transfer_coding:
      return "unsupported_transfer_coding";
    case http_errc::body_too_large:
      return "body_too_large";
    case http_errc::bad_chunk_size:
      return "bad_chunk_size";
    case http_errc::bad_chunk_extension:
      return "bad_chunk_extension";
    case http_errc::missing_chunk_crlf:
      return "missing_chunk_crlf";
    case http_errc::bad_trailer:
      return "bad_trailer";
    case http_errc::trailer_section_too_large:
      return "trailer_section_too_large";
    case http_errc::incomplete_message:
      return "incomplete_message";
    case http_errc::closed_before_response:
      return "closed_before_response";
    case http_errc::unexpected_response:
      return "unexpected_response";
    case http_errc::unexpected_switching_protocols:
      return "unexpected_switching_protocols";
  }
  return "?";
}

int status_for(http_errc reason) {
  switch (reason) {
    case http_errc::none:
      return 0;
    case http_errc::header_section_too_large:
    case http_errc::too_many_headers:
    case http_errc::trailer_section_too_large:
      return 431;
    case http_errc::target_too_long:
      return 414;
    case http_errc::body_too_large:
      return 413;
    case http_errc::method_not_supported:
    case http_errc::unsupported_transfer_coding:
      return 501;
    case http_errc::version_not_supported:
      return 505;
    case http_errc::bad_status_line:
    case http_errc::closed_before_response:
    case http_errc::unexpected_response:
    case http_errc::unexpected_switching_protocols:
      return 502;
    default:
      return 400;
  }
}

}  // namespace hamesh::proxy::http
