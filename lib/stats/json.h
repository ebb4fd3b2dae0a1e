// json.h — a small streaming JSON writer for the control path.
//
// Enough for synx's summaries: objects, arrays, strings (escaped per
// RFC 8259 §7), unsigned and signed integers, doubles (shortest round-trip
// form, or fixed decimals; NaN and infinities become null, which JSON has no
// spelling for), booleans and null. Commas and, when `indent` > 0, newlines
// and indentation are placed by the writer. It trusts the caller to nest
// correctly (Key only inside an object); it allocates (control path only).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace synx::stats {

class JsonWriter {
 public:
  // `indent` spaces per level; 0 writes everything on one line.
  explicit JsonWriter(int indent = 0) : indent_(indent) {}

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view s);
  JsonWriter& Uint(uint64_t v);
  JsonWriter& Int(int64_t v);
  JsonWriter& Double(double v);               // shortest round-trip
  JsonWriter& Fixed(double v, int decimals);  // e.g. 12.345
  JsonWriter& Bool(bool v);
  JsonWriter& Null();

  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }

  // Appends `s` as a quoted JSON string: ", \ and control characters
  // escaped; other bytes (UTF-8 included) copied as they are.
  static void AppendQuoted(std::string* out, std::string_view s);

 private:
  void BeforeValue();
  void Newline();

  struct Level {
    bool is_object;
    bool empty;
  };
  std::string out_;
  std::vector<Level> stack_;
  bool after_key_ = false;
  int indent_;
};

}  // namespace synx::stats
