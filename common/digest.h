#pragma once
// Digests over OpenSSL, returned as raw bytes or lower-case hex.

#include <string>
#include <string_view>

namespace flytebox::digest {

std::string Hex(std::string_view bytes);
std::string Sha256(std::string_view data);     // 32 raw bytes
std::string Sha256Hex(std::string_view data);  // 64 hex characters
std::string Md5(std::string_view data);        // 16 raw bytes
std::string HmacSha256(std::string_view key, std::string_view data);  // 32 raw bytes

}  // namespace flytebox::digest
