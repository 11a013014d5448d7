#pragma once
// Heartbeats on the wire (pure): a msgpack envelope [version, body, tag] where body is the
// msgpack map of the message and tag is HMAC-SHA256 (RFC 2104) of the body bytes with the
// pair's shared key. The envelope is the only thing read before the tag is verified, so
// unauthenticated bytes never reach the field parser. Decoding is total: any bytes give a
// message or a reason, never an exception.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "actors/heartbeat/heartbeat_errc.hpp"
#include "actors/heartbeat/heartbeat_message.hpp"

namespace hamesh::heartbeat {

struct decoded_heartbeat {
  std::optional<heartbeat_message> message;
  heartbeat_errc error = heartbeat_errc::none;
};

struct encoded_heartbeat {
  std::vector<uint8_t> bytes;  // one datagram; empty when `error` is set
  heartbeat_errc error = heartbeat_errc::none;
};

class heartbeat_codec {
 public:
  static constexpr uint64_t version = 1;
  // A heartbeat is about 150 bytes; anything past this is refused before parsing, and it stays
  // well under a 1280-byte IPv6 minimum MTU so a heartbeat is never fragmented.
  static constexpr size_t max_datagram = 1024;
  static constexpr size_t tag_size = 32;  // SHA-256 output
  // RFC 2104 §3: keys shorter than the hash output weaken HMAC; below half of it we refuse.
  static constexpr size_t min_key_size = 16;

  // `key` should pass check_key (the settings validate it); the codec works with any key.
  explicit heartbeat_codec(std::string key);
  heartbeat_codec(const heartbeat_codec&) = default;
  heartbeat_codec& operator=(const heartbeat_codec&) = default;
  heartbeat_codec(heartbeat_codec&&) = default;
  heartbeat_codec& operator=(heartbeat_codec&&) = default;
  ~heartbeat_codec();  // wipes the key (OPENSSL_cleanse), so a core dump holds less of it

  // none, or invalid_settings when the key is shorter than min_key_size.
  static heartbeat_errc check_key(const std::string& key);

  encoded_heartbeat encode(const heartbeat_message& m) const;
  decoded_heartbeat decode(const uint8_t* data, size_t size) const;
  decoded_heartbeat decode(const std::vector<uint8_t>& bytes) const {
    return decode(bytes.data(), bytes.size());
  }

 private:
  std::vector<uint8_t> tag_of(const char* body, size_t size) const;

  std::string key_;
};

}  // namespace hamesh::heartbeat
