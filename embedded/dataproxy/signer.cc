#include "embedded/dataproxy/signer.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "common/digest.h"

namespace flytebox::dataproxy {

std::string UrlSigner::NewSecret() {
  unsigned char buf[32];
  RAND_bytes(buf, sizeof buf);
  return digest::Hex(std::string_view(reinterpret_cast<const char*>(buf), sizeof buf));
}

std::string UrlSigner::Sign(const std::string& method, const std::string& key,
                            int64_t expires_unix, const std::string& content_md5_b64) const {
  std::string payload = method + "\n" + key + "\n" + std::to_string(expires_unix) + "\n" +
                        content_md5_b64;
  return digest::Hex(digest::HmacSha256(secret_, payload));
}

Status UrlSigner::Check(const std::string& method, const std::string& key, int64_t expires_unix,
                        const std::string& content_md5_b64, const std::string& signature,
                        int64_t now_unix) const {
  std::string want = Sign(method, key, expires_unix, content_md5_b64);
  if (want.size() != signature.size() ||
      CRYPTO_memcmp(want.data(), signature.data(), want.size()) != 0) {
    return Status::PermissionDenied("the URL's signature does not match: ask for a new URL");
  }
  if (now_unix > expires_unix) {
    return Status::PermissionDenied("the URL expired: ask for a new URL");
  }
  return Status::Ok();
}

std::string Base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string Base32WithPadding(const std::string& bytes) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  uint64_t buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 5) {
      out += kAlphabet[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (5 - bits)) & 31];
  while (out.size() % 8 != 0) out += '=';
  return out;
}

}  // namespace flytebox::dataproxy
