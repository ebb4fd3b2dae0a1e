// json_checker.h — a strict RFC 8259 parser for tests only: it accepts
// exactly the JSON grammar (no trailing commas, no leading zeros, no bare
// control characters in strings, nothing after the value) and returns a
// value tree so a test can look keys up. Allocates freely.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace synx::stats::testing {

struct JsonValue {
  enum class Type {
    kNull,
    kBool,
    kNumber,
    kString,
    kArray,
    kObject
  } type = Type::kNull;
  bool boolean = false;
  std::string number;  // the literal text, so 64-bit integers stay exact
  std::string string;
  std::vector<JsonValue> array;
  std::vector<std::pair<std::string, JsonValue>> object;  // in document order

  const JsonValue* Find(std::string_view key) const {
    for (const auto& [k, v] : object) {
      if (k == key) return &v;
    }
    return nullptr;
  }
  uint64_t AsUint() const { return std::strtoull(number.c_str(), nullptr, 10); }
  double AsDouble() const { return std::strtod(number.c_str(), nullptr); }
};

class JsonChecker {
 public:
  // The parsed value, or nullopt with error() saying where it failed.
  static std::optional<JsonValue> Parse(std::string_view text,
                                        std::string* error) {
    JsonChecker c(text);
    JsonValue v;
    c.SkipWs();
    if (!c.Value(&v, 0)) {
      *error = c.error_ + " at offset " + std::to_string(c.pos_);
      return std::nullopt;
    }
    c.SkipWs();
    if (c.pos_ != text.size()) {
      *error = "trailing bytes at offset " + std::to_string(c.pos_);
      return std::nullopt;
    }
    return v;
  }

 private:
  explicit JsonChecker(std::string_view t) : t_(t) {}

  bool Fail(const char* why) {
    error_ = why;
    return false;
  }
  bool AtEnd() const { return pos_ >= t_.size(); }
  char Peek() const { return AtEnd() ? '\0' : t_[pos_]; }
  void SkipWs() {
    while (!AtEnd() && (Peek() == ' ' || Peek() == '\t' || Peek() == '\n' ||
                        Peek() == '\r')) {
      ++pos_;
    }
  }
  bool Literal(std::string_view word) {
    if (t_.substr(pos_, word.size()) != word) return Fail("bad literal");
    pos_ += word.size();
    return true;
  }

  bool Value(JsonValue* v, int depth) {
    if (depth > 64) return Fail("too deep");
    switch (Peek()) {
      case '{':
        return Object(v, depth);
      case '[':
        return Array(v, depth);
      case '"':
        v->type = JsonValue::Type::kString;
        return String(&v->string);
      case 't':
        v->type = JsonValue::Type::kBool;
        v->boolean = true;
        return Literal("true");
      case 'f':
        v->type = JsonValue::Type::kBool;
        return Literal("false");
      case 'n':
        v->type = JsonValue::Type::kNull;
        return Literal("null");
      default:
        v->type = JsonValue::Type::kNumber;
        return Number(&v->number);
    }
  }

  bool Object(JsonValue* v, int depth) {
    v->type = JsonValue::Type::kObject;
    ++pos_;
    SkipWs();
    if (Peek() == '}') {
      ++pos_;
      return true;
    }
    while (true) {
      SkipWs();
      if (Peek() != '"') return Fail("expected key");
      std::string key;
      if (!String(&key)) return false;
      SkipWs();
      if (Peek() != ':') return Fail("expected ':'");
      ++pos_;
      SkipWs();
      JsonValue member;
      if (!Value(&member, depth + 1)) return false;
      v->object.emplace_back(std::move(key), std::move(member));
      SkipWs();
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      if (Peek() == '}') {
        ++pos_;
        return true;
      }
      return Fail("expected ',' or '}'");
    }
  }

  bool Array(JsonValue* v, int depth) {
    v->type = JsonValue::Type::kArray;
    ++pos_;
    SkipWs();
    if (Peek() == ']') {
      ++pos_;
      return true;
    }
    while (true) {
      SkipWs();
      JsonValue item;
      if (!Value(&item, depth + 1)) return false;
      v->array.push_back(std::move(item));
      SkipWs();
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      if (Peek() == ']') {
        ++pos_;
        return true;
      }
      return Fail("expected ',' or ']'");
    }
  }

  static int Hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // Decodes into UTF-8 (\u escapes below U+0080 become one byte; the others
  // are kept as their escape text, enough for these tests).
  bool String(std::string* out) {
    ++pos_;  // opening quote
    while (true) {
      if (AtEnd()) return Fail("unterminated string");
      const char c = t_[pos_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20)
        return Fail("control character in string");
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (AtEnd()) return Fail("unterminated escape");
      const char e = t_[pos_++];
      switch (e) {
        case '"':
          out->push_back('"');
          break;
        case '\\':
          out->push_back('\\');
          break;
        case '/':
          out->push_back('/');
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'u': {
          if (pos_ + 4 > t_.size()) return Fail("short \\u escape");
          int cp = 0;
          for (int i = 0; i < 4; ++i) {
            const int h = Hex(t_[pos_ + i]);
            if (h < 0) return Fail("bad \\u escape");
            cp = cp * 16 + h;
          }
          if (cp < 0x80) {
            out->push_back(static_cast<char>(cp));
          } else {
            out->append(t_.substr(pos_ - 2, 6));
          }
          pos_ += 4;
          break;
        }
        default:
          return Fail("bad escape");
      }
    }
  }

  bool Number(std::string* out) {
    const size_t start = pos_;
    if (Peek() == '-') ++pos_;
    if (Peek() == '0') {
      ++pos_;
    } else if (Peek() >= '1' && Peek() <= '9') {
      while (Peek() >= '0' && Peek() <= '9') ++pos_;
    } else {
      return Fail("bad value");
    }
    if (Peek() == '.') {
      ++pos_;
      if (!(Peek() >= '0' && Peek() <= '9'))
        return Fail("digit expected after '.'");
      while (Peek() >= '0' && Peek() <= '9') ++pos_;
    }
    if (Peek() == 'e' || Peek() == 'E') {
      ++pos_;
      if (Peek() == '+' || Peek() == '-') ++pos_;
      if (!(Peek() >= '0' && Peek() <= '9'))
        return Fail("digit expected in exponent");
      while (Peek() >= '0' && Peek() <= '9') ++pos_;
    }
    *out = std::string(t_.substr(start, pos_ - start));
    return true;
  }

  std::string_view t_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace synx::stats::testing
