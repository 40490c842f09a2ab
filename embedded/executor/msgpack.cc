#include "embedded/executor/msgpack.h"

#include <cstring>

namespace flytebox::executor {
namespace {

namespace fc = ::flyteidl::core;

class Reader {
 public:
  explicit Reader(const std::string& b) : b_(b) {}

  bool Has(size_t pos, size_t n) const { return pos + n <= b_.size(); }
  uint64_t Be(size_t pos, size_t n) const {
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(b_[pos + i]);
    return v;
  }
  unsigned char At(size_t pos) const { return static_cast<unsigned char>(b_[pos]); }

  // The end of the value starting at `pos`.
  Result<size_t> Skip(size_t pos, int depth = 0) const {
    if (depth > 64 || !Has(pos, 1)) return Bad();
    unsigned char t = At(pos);
    auto fixed = [&](size_t n) -> Result<size_t> {
      if (!Has(pos, 1 + n)) return Bad();
      return pos + 1 + n;
    };
    auto sized = [&](size_t len_bytes, size_t extra) -> Result<size_t> {
      if (!Has(pos + 1, len_bytes)) return Bad();
      size_t n = Be(pos + 1, len_bytes);
      size_t end = pos + 1 + len_bytes + extra + n;
      if (end > b_.size()) return Bad();
      return end;
    };
    if (t <= 0x7f || t >= 0xe0 || t == 0xc0 || t == 0xc2 || t == 0xc3) return pos + 1;
    if ((t & 0xe0) == 0xa0) {  // fixstr
      if (!Has(pos + 1, t & 0x1f)) return Bad();
      return pos + 1 + (t & 0x1f);
    }
    if ((t & 0xf0) == 0x80) return SkipItems(pos + 1, 2 * (t & 0x0f), depth);
    if ((t & 0xf0) == 0x90) return SkipItems(pos + 1, t & 0x0f, depth);
    switch (t) {
      case 0xc4: return sized(1, 0);
      case 0xc5: return sized(2, 0);
      case 0xc6: return sized(4, 0);
      case 0xc7: return sized(1, 1);
      case 0xc8: return sized(2, 1);
      case 0xc9: return sized(4, 1);
      case 0xca: return fixed(4);
      case 0xcb: return fixed(8);
      case 0xcc: case 0xd0: return fixed(1);
      case 0xcd: case 0xd1: return fixed(2);
      case 0xce: case 0xd2: return fixed(4);
      case 0xcf: case 0xd3: return fixed(8);
      case 0xd4: return fixed(2);
      case 0xd5: return fixed(3);
      case 0xd6: return fixed(5);
      case 0xd7: return fixed(9);
      case 0xd8: return fixed(17);
      case 0xd9: return sized(1, 0);
      case 0xda: return sized(2, 0);
      case 0xdb: return sized(4, 0);
      case 0xdc: return Has(pos + 1, 2) ? SkipItems(pos + 3, Be(pos + 1, 2), depth) : Bad();
      case 0xdd: return Has(pos + 1, 4) ? SkipItems(pos + 5, Be(pos + 1, 4), depth) : Bad();
      case 0xde: return Has(pos + 1, 2) ? SkipItems(pos + 3, 2 * Be(pos + 1, 2), depth) : Bad();
      case 0xdf: return Has(pos + 1, 4) ? SkipItems(pos + 5, 2 * Be(pos + 1, 4), depth) : Bad();
      default: return Bad();
    }
  }

  // A container's element count and where its first element starts; false if not one.
  bool Container(size_t pos, bool* is_map, uint64_t* count, size_t* first) const {
    if (!Has(pos, 1)) return false;
    unsigned char t = At(pos);
    if ((t & 0xf0) == 0x80 || (t & 0xf0) == 0x90) {
      *is_map = (t & 0xf0) == 0x80;
      *count = t & 0x0f;
      *first = pos + 1;
      return true;
    }
    size_t len = (t == 0xdc || t == 0xde) ? 2 : (t == 0xdd || t == 0xdf) ? 4 : 0;
    if (len == 0 || !Has(pos + 1, len)) return false;
    *is_map = t == 0xde || t == 0xdf;
    *count = Be(pos + 1, len);
    *first = pos + 1 + len;
    return true;
  }

  // A string's text, if the value at `pos` is one.
  bool Str(size_t pos, std::string* out) const {
    if (!Has(pos, 1)) return false;
    unsigned char t = At(pos);
    size_t len_bytes = (t & 0xe0) == 0xa0 ? 0 : t == 0xd9 ? 1 : t == 0xda ? 2 : t == 0xdb ? 4 : 9;
    if (len_bytes == 9 || !Has(pos + 1, len_bytes)) return false;
    size_t n = len_bytes == 0 ? (t & 0x1f) : Be(pos + 1, len_bytes);
    size_t start = pos + 1 + len_bytes;
    if (!Has(start, n)) return false;
    *out = b_.substr(start, n);
    return true;
  }

  Result<fc::Literal> ToLiteral(size_t pos, size_t end) const {
    fc::Literal lit;
    auto* s = lit.mutable_scalar();
    unsigned char t = At(pos);
    std::string text;
    if (t <= 0x7f) s->mutable_primitive()->set_integer(t);
    else if (t >= 0xe0) s->mutable_primitive()->set_integer(static_cast<int8_t>(t));
    else if (t == 0xc0) s->mutable_none_type();
    else if (t == 0xc2 || t == 0xc3) s->mutable_primitive()->set_boolean(t == 0xc3);
    else if (t >= 0xcc && t <= 0xcf) s->mutable_primitive()->set_integer(static_cast<int64_t>(Be(pos + 1, 1u << (t - 0xcc))));
    else if (t >= 0xd0 && t <= 0xd3) {
      size_t n = 1u << (t - 0xd0);
      uint64_t raw = Be(pos + 1, n);
      int64_t v = n == 8 ? static_cast<int64_t>(raw)
                         : static_cast<int64_t>(raw ^ (1ull << (8 * n - 1))) - static_cast<int64_t>(1ull << (8 * n - 1));
      s->mutable_primitive()->set_integer(v);
    } else if (t == 0xca) {
      uint32_t bits = static_cast<uint32_t>(Be(pos + 1, 4));
      float f;
      std::memcpy(&f, &bits, 4);
      s->mutable_primitive()->set_float_value(f);
    } else if (t == 0xcb) {
      uint64_t bits = Be(pos + 1, 8);
      double d;
      std::memcpy(&d, &bits, 8);
      s->mutable_primitive()->set_float_value(d);
    } else if (Str(pos, &text)) {
      s->mutable_primitive()->set_string_value(text);
    } else {
      bool is_map;
      uint64_t count;
      size_t first;
      if (!Container(pos, &is_map, &count, &first)) {
        return Status::FailedPrecondition("this attribute's value has a type paths cannot return");
      }
      s->mutable_binary()->set_value(b_.substr(pos, end - pos));
      s->mutable_binary()->set_tag("msgpack");
    }
    return lit;
  }

 private:
  Result<size_t> SkipItems(size_t pos, uint64_t n, int depth) const {
    for (uint64_t i = 0; i < n; ++i) {
      FB_ASSIGN_OR_RETURN(pos, Skip(pos, depth + 1));
    }
    return pos;
  }
  static Status Bad() { return Status::FailedPrecondition("the value is not valid msgpack"); }

  const std::string& b_;
};

}  // namespace

Result<fc::Literal> MsgpackStep(const std::string& bytes, const fc::PromiseAttribute& attr) {
  Reader r(bytes);
  bool is_map;
  uint64_t count;
  size_t pos;
  if (!r.Container(0, &is_map, &count, &pos)) {
    return Status::FailedPrecondition("cannot take an attribute of a msgpack value that is not a map or list");
  }
  for (uint64_t i = 0; i < count; ++i) {
    if (is_map) {
      std::string key;
      bool is_str = r.Str(pos, &key);
      FB_ASSIGN_OR_RETURN(size_t value, r.Skip(pos));
      FB_ASSIGN_OR_RETURN(size_t end, r.Skip(value));
      if (attr.has_string_value() && is_str && key == attr.string_value()) return r.ToLiteral(value, end);
      pos = end;
    } else {
      FB_ASSIGN_OR_RETURN(size_t end, r.Skip(pos));
      if (attr.has_int_value() && static_cast<uint64_t>(attr.int_value()) == i) return r.ToLiteral(pos, end);
      pos = end;
    }
  }
  if (attr.has_string_value()) return Status::FailedPrecondition("no attribute '" + attr.string_value() + "'");
  return Status::FailedPrecondition("index " + std::to_string(attr.int_value()) + " is out of range (" +
                                    std::to_string(count) + " elements)");
}

}  // namespace flytebox::executor
