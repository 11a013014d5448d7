#pragma once
// The numbers of the NBD protocol (NetworkBlockDevice/nbd doc/proto.md, "Values"), and the
// big-endian field codecs every message uses ("0xdeadbeef ... always sent in big-endian network
// byte order"). Only what this server speaks or must recognise to refuse it.
#include <cstdint>
#include <string>
#include <string_view>

namespace hamesh::replica::nbd {

// Handshake (proto.md "Newstyle negotiation").
constexpr uint64_t init_magic = 0x4e42444d41474943;    // "NBDMAGIC"
constexpr uint64_t option_magic = 0x49484156454f5054;  // "IHAVEOPT", also each option's magic
constexpr uint64_t option_reply_magic = 0x0003e889045565a9;
constexpr uint16_t flag_fixed_newstyle = 1u << 0;
constexpr uint16_t flag_no_zeroes = 1u << 1;
constexpr uint32_t client_flag_fixed_newstyle = 1u << 0;
constexpr uint32_t client_flag_no_zeroes = 1u << 1;
constexpr size_t export_name_zeroes = 124;  // after NBD_OPT_EXPORT_NAME's reply, unless NO_ZEROES

// Options (proto.md "Option types").
constexpr uint32_t opt_export_name = 1;
constexpr uint32_t opt_abort = 2;
constexpr uint32_t opt_list = 3;
constexpr uint32_t opt_starttls = 5;
constexpr uint32_t opt_info = 6;
constexpr uint32_t opt_go = 7;
constexpr uint32_t opt_structured_reply = 8;

// Option replies (proto.md "Option reply types"); errors have bit 31 set.
constexpr uint32_t rep_ack = 1;
constexpr uint32_t rep_server = 2;
constexpr uint32_t rep_info = 3;
constexpr uint32_t rep_flag_error = 1u << 31;
constexpr uint32_t rep_err_unsup = rep_flag_error | 1;
constexpr uint32_t rep_err_invalid = rep_flag_error | 3;
constexpr uint32_t rep_err_unknown = rep_flag_error | 6;
constexpr uint32_t rep_err_shutdown = rep_flag_error | 7;
constexpr uint32_t rep_err_too_big = rep_flag_error | 9;

// NBD_REP_INFO payload types (proto.md "NBD_OPT_INFO and NBD_OPT_GO").
constexpr uint16_t info_export = 0;
constexpr uint16_t info_name = 1;
constexpr uint16_t info_description = 2;
constexpr uint16_t info_block_size = 3;

// Transmission flags (proto.md "Transmission flags").
constexpr uint16_t tflag_has_flags = 1u << 0;
constexpr uint16_t tflag_read_only = 1u << 1;
constexpr uint16_t tflag_send_flush = 1u << 2;
constexpr uint16_t tflag_send_fua = 1u << 3;
constexpr uint16_t tflag_send_trim = 1u << 5;
constexpr uint16_t tflag_send_write_zeroes = 1u << 6;
constexpr uint16_t tflag_can_multi_conn = 1u << 8;

// Transmission (proto.md "Request message", "Simple reply message").
constexpr uint32_t request_magic = 0x25609513;
constexpr uint32_t simple_reply_magic = 0x67446698;
constexpr size_t request_header_size = 28;
constexpr size_t simple_reply_header_size = 16;

// Command flags (proto.md "Command flags").
constexpr uint16_t cmd_flag_fua = 1u << 0;
constexpr uint16_t cmd_flag_no_hole = 1u << 1;

// Error values (proto.md "Error values").
constexpr uint32_t err_perm = 1;
constexpr uint32_t err_io = 5;
constexpr uint32_t err_inval = 22;
constexpr uint32_t err_nospc = 28;
constexpr uint32_t err_overflow = 75;
constexpr uint32_t err_shutdown = 108;

// proto.md "Conventions": a string MUST be no longer than 4096 bytes (export names included).
constexpr size_t max_string = 4096;

inline void put_u16(std::string& out, uint16_t v) {
  out += char(v >> 8);
  out += char(v);
}
inline void put_u32(std::string& out, uint32_t v) {
  put_u16(out, uint16_t(v >> 16));
  put_u16(out, uint16_t(v));
}
inline void put_u64(std::string& out, uint64_t v) {
  put_u32(out, uint32_t(v >> 32));
  put_u32(out, uint32_t(v));
}
// `at` + width must lie within `in`.
inline uint16_t get_u16(std::string_view in, size_t at) {
  return uint16_t(uint16_t(uint8_t(in[at])) << 8 | uint8_t(in[at + 1]));
}
inline uint32_t get_u32(std::string_view in, size_t at) {
  return uint32_t(get_u16(in, at)) << 16 | get_u16(in, at + 2);
}
inline uint64_t get_u64(std::string_view in, size_t at) {
  return uint64_t(get_u32(in, at)) << 32 | get_u32(in, at + 4);
}

}  // namespace hamesh::replica::nbd
