// ray_client/json.hpp: detail::Json, the small JSON reader the dashboard's replies are
// read with (ray_client/jobs.hpp, ray_client/state.hpp); not meant for direct use.
// Apache-2.0.
//
// The C ABI hands the dashboard's job details, state lists and summaries over as JSON
// text. The binding has no third-party dependency, so this reads that text itself:
// objects, arrays, strings (every escape, \uXXXX with surrogate pairs, into UTF-8),
// numbers (kept as their text, so nothing is lost until a field is read as a number),
// true, false and null, and writes a value back as compact JSON (dump()), which is how
// records keep "everything the dashboard sent" as text.
//
// Malformed text throws ray_client::Error (RAY_CLIENT_ERROR_PROTOCOL, "protocol"): the
// library produced it, so a bad document is a protocol failure, not the caller's error.
// Nesting deeper than kMaxDepth is refused rather than allowed to exhaust the stack.
//
// Ownership and thread-safety: a Json is a plain copyable value owning its data; const
// access from many threads is safe.
#ifndef RAY_CLIENT_JSON_HPP
#define RAY_CLIENT_JSON_HPP

#include <ray_client.h>
#include <ray_client/error.hpp>

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <locale>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace ray_client {
namespace detail {

/// A parsed JSON value. Objects keep their members in document order; find() gives the
/// last member of a key, as Python's json and serde_json keep the last of duplicates.
class Json {
 public:
  enum class Type { Null, Bool, Number, String, Array, Object };

  /// Deepest nesting of arrays and objects accepted.
  static constexpr int kMaxDepth = 512;

  Json() = default;

  /// Parses one JSON document (surrounding whitespace allowed, nothing else).
  static Json parse(std::string_view text) {
    Parser p{text};
    p.skip_ws();
    Json v = p.value(0);
    p.skip_ws();
    if (p.pos != text.size()) p.fail("text after the JSON value");
    return v;
  }

  Type type() const noexcept { return type_; }
  bool is_null() const noexcept { return type_ == Type::Null; }
  bool is_bool() const noexcept { return type_ == Type::Bool; }
  bool is_number() const noexcept { return type_ == Type::Number; }
  bool is_string() const noexcept { return type_ == Type::String; }
  bool is_array() const noexcept { return type_ == Type::Array; }
  bool is_object() const noexcept { return type_ == Type::Object; }

  bool as_bool() const {
    expect(Type::Bool, "a boolean");
    return bool_;
  }
  /// A string's decoded text.
  const std::string &as_string() const {
    expect(Type::String, "a string");
    return text_;
  }
  /// A number as a 64-bit integer: integers exactly; a fraction or exponent is read as a
  /// double and truncated (saturating at the int64 limits, as Rust's `as` does).
  int64_t as_int() const {
    expect(Type::Number, "a number");
    int64_t n = 0;
    const char *end = text_.data() + text_.size();
    auto r = std::from_chars(text_.data(), end, n);
    if (r.ec == std::errc() && r.ptr == end) return n;
    double d = as_double();
    if (!(d == d)) return 0;  // NaN cannot come from JSON, but stay defined
    if (d >= 9223372036854775807.0) return std::numeric_limits<int64_t>::max();
    if (d <= -9223372036854775808.0) return std::numeric_limits<int64_t>::min();
    return static_cast<int64_t>(d);
  }
  /// A number as a double (read in the classic locale, whatever the program's is).
  double as_double() const {
    expect(Type::Number, "a number");
    std::istringstream in(text_);
    in.imbue(std::locale::classic());
    double d = 0;
    in >> d;
    return d;
  }
  /// A number's text as it appeared in the document.
  const std::string &number_text() const {
    expect(Type::Number, "a number");
    return text_;
  }

  /// An array's items, or an object's values (in the order of keys()).
  const std::vector<Json> &items() const {
    if (type_ != Type::Array && type_ != Type::Object) fail_type("an array or object");
    return items_;
  }
  /// An object's keys, in document order.
  const std::vector<std::string> &keys() const {
    expect(Type::Object, "an object");
    return keys_;
  }
  size_t size() const noexcept { return items_.size(); }

  /// The object member `key` (the last one of that key), or nullptr when this is not an
  /// object or has no such member.
  const Json *find(std::string_view key) const noexcept {
    if (type_ != Type::Object) return nullptr;
    for (size_t i = keys_.size(); i-- > 0;)
      if (keys_[i] == key) return &items_[i];
    return nullptr;
  }

  // Lenient field readers for the typed records: a missing member, or one of another
  // type (null where the dashboard had nothing), gives the default, as the Rust
  // records read a field as None then.
  std::string string_or(std::string_view key, std::string dflt = std::string()) const {
    const Json *v = find(key);
    return v && v->is_string() ? v->text_ : std::move(dflt);
  }
  int64_t int_or(std::string_view key, int64_t dflt = 0) const {
    const Json *v = find(key);
    return v && v->is_number() ? v->as_int() : dflt;
  }
  std::optional<int64_t> opt_int(std::string_view key) const {
    const Json *v = find(key);
    if (v && v->is_number()) return v->as_int();
    return std::nullopt;
  }
  double double_or(std::string_view key, double dflt = 0) const {
    const Json *v = find(key);
    return v && v->is_number() ? v->as_double() : dflt;
  }
  bool bool_or(std::string_view key, bool dflt = false) const {
    const Json *v = find(key);
    return v && v->is_bool() ? v->bool_ : dflt;
  }
  /// An object member of numbers (resources: {"CPU": 1.0}); non-numbers are left out.
  std::map<std::string, double> number_map(std::string_view key) const {
    std::map<std::string, double> out;
    const Json *v = find(key);
    if (v && v->is_object())
      for (size_t i = 0; i < v->keys_.size(); i++)
        if (v->items_[i].is_number()) out[v->keys_[i]] = v->items_[i].as_double();
    return out;
  }
  /// An object member of strings (metadata); other values as their JSON text, as the
  /// Rust JobDetails reads them.
  std::map<std::string, std::string> string_map(std::string_view key) const {
    std::map<std::string, std::string> out;
    const Json *v = find(key);
    if (v && v->is_object())
      for (size_t i = 0; i < v->keys_.size(); i++) {
        const Json &item = v->items_[i];
        out[v->keys_[i]] = item.is_string() ? item.text_ : item.dump();
      }
    return out;
  }
  /// The member `key` as JSON text ("null" when missing).
  std::string dump_member(std::string_view key) const {
    const Json *v = find(key);
    return v ? v->dump() : std::string("null");
  }

  /// The value as compact JSON text.
  std::string dump() const {
    std::string out;
    write(out);
    return out;
  }

 private:
  [[noreturn]] static void fail_type(const char *what) {
    throw Error(RAY_CLIENT_ERROR_PROTOCOL, "protocol", std::string("JSON from the library: expected ") + what);
  }
  void expect(Type t, const char *what) const {
    if (type_ != t) fail_type(what);
  }

  static void write_string(std::string &out, const std::string &s) {
    static const char hex[] = "0123456789abcdef";
    out += '"';
    for (char ch : s) {
      auto c = static_cast<unsigned char>(ch);
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
          if (c < 0x20) {
            out += "\\u00";
            out += hex[c >> 4];
            out += hex[c & 15];
          } else {
            out += ch;  // UTF-8 passes through as it came
          }
      }
    }
    out += '"';
  }

  void write(std::string &out) const {
    switch (type_) {
      case Type::Null: out += "null"; break;
      case Type::Bool: out += bool_ ? "true" : "false"; break;
      case Type::Number: out += text_; break;
      case Type::String: write_string(out, text_); break;
      case Type::Array:
        out += '[';
        for (size_t i = 0; i < items_.size(); i++) {
          if (i) out += ',';
          items_[i].write(out);
        }
        out += ']';
        break;
      case Type::Object:
        out += '{';
        for (size_t i = 0; i < items_.size(); i++) {
          if (i) out += ',';
          write_string(out, keys_[i]);
          out += ':';
          items_[i].write(out);
        }
        out += '}';
        break;
    }
  }

  // A recursive-descent parser over the text; `pos` is the next byte to read.
  struct Parser {
    std::string_view s;
    size_t pos = 0;

    [[noreturn]] void fail(const std::string &what) const {
      throw Error(RAY_CLIENT_ERROR_PROTOCOL, "protocol",
                  "bad JSON from the library at offset " + std::to_string(pos) + ": " + what);
    }
    bool at_end() const { return pos >= s.size(); }
    char peek() const { return at_end() ? '\0' : s[pos]; }
    void skip_ws() {
      while (!at_end() && (s[pos] == ' ' || s[pos] == '\t' || s[pos] == '\n' || s[pos] == '\r')) pos++;
    }
    void expect_char(char c) {
      if (peek() != c || at_end()) fail(std::string("expected '") + c + "'");
      pos++;
    }
    void literal(std::string_view word) {
      if (s.substr(pos, word.size()) != word) fail("unexpected character");
      pos += word.size();
    }

    Json value(int depth) {
      if (at_end()) fail("unexpected end of text");
      Json v;
      switch (peek()) {
        case '{': v = object(depth + 1); break;
        case '[': v = array(depth + 1); break;
        case '"':
          v.type_ = Type::String;
          v.text_ = string();
          break;
        case 't':
          literal("true");
          v.type_ = Type::Bool;
          v.bool_ = true;
          break;
        case 'f':
          literal("false");
          v.type_ = Type::Bool;
          break;
        case 'n': literal("null"); break;
        default:
          v.type_ = Type::Number;
          v.text_ = number();
      }
      return v;
    }

    Json object(int depth) {
      if (depth > kMaxDepth) fail("nested too deeply");
      Json v;
      v.type_ = Type::Object;
      pos++;  // '{'
      skip_ws();
      if (peek() == '}' && !at_end()) {
        pos++;
        return v;
      }
      for (;;) {
        skip_ws();
        if (peek() != '"' || at_end()) fail("expected a string key");
        v.keys_.push_back(string());
        skip_ws();
        expect_char(':');
        skip_ws();
        v.items_.push_back(value(depth));
        skip_ws();
        if (peek() == ',' && !at_end()) {
          pos++;
          continue;
        }
        expect_char('}');
        return v;
      }
    }

    Json array(int depth) {
      if (depth > kMaxDepth) fail("nested too deeply");
      Json v;
      v.type_ = Type::Array;
      pos++;  // '['
      skip_ws();
      if (peek() == ']' && !at_end()) {
        pos++;
        return v;
      }
      for (;;) {
        skip_ws();
        v.items_.push_back(value(depth));
        skip_ws();
        if (peek() == ',' && !at_end()) {
          pos++;
          continue;
        }
        expect_char(']');
        return v;
      }
    }

    static bool is_digit(char c) { return c >= '0' && c <= '9'; }

    // JSON's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    std::string number() {
      size_t start = pos;
      if (peek() == '-') pos++;
      if (peek() == '0' && !at_end()) {
        pos++;
      } else if (is_digit(peek()) && !at_end()) {
        while (!at_end() && is_digit(s[pos])) pos++;
      } else {
        fail("unexpected character");
      }
      if (peek() == '.' && !at_end()) {
        pos++;
        if (at_end() || !is_digit(s[pos])) fail("expected a digit after '.'");
        while (!at_end() && is_digit(s[pos])) pos++;
      }
      if (!at_end() && (s[pos] == 'e' || s[pos] == 'E')) {
        pos++;
        if (!at_end() && (s[pos] == '+' || s[pos] == '-')) pos++;
        if (at_end() || !is_digit(s[pos])) fail("expected a digit in the exponent");
        while (!at_end() && is_digit(s[pos])) pos++;
      }
      return std::string(s.substr(start, pos - start));
    }

    unsigned hex4() {
      if (s.size() - pos < 4) fail("a \\u escape needs four hex digits");
      unsigned u = 0;
      for (int i = 0; i < 4; i++) {
        char c = s[pos++];
        u <<= 4;
        if (c >= '0' && c <= '9') u |= static_cast<unsigned>(c - '0');
        else if (c >= 'a' && c <= 'f') u |= static_cast<unsigned>(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') u |= static_cast<unsigned>(c - 'A' + 10);
        else fail("a \\u escape needs four hex digits");
      }
      return u;
    }

    static void put_utf8(std::string &out, unsigned cp) {
      if (cp < 0x80) {
        out += static_cast<char>(cp);
      } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
      } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
      } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
      }
    }

    // A string at '"'; its decoded text. A lone surrogate (which no valid UTF-8 text
    // encodes) becomes U+FFFD rather than failing the whole document.
    std::string string() {
      pos++;  // '"'
      std::string out;
      for (;;) {
        if (at_end()) fail("unterminated string");
        char c = s[pos++];
        if (c == '"') return out;
        if (static_cast<unsigned char>(c) < 0x20) fail("a control character in a string");
        if (c != '\\') {
          out += c;
          continue;
        }
        if (at_end()) fail("unterminated string");
        char e = s[pos++];
        switch (e) {
          case '"': out += '"'; break;
          case '\\': out += '\\'; break;
          case '/': out += '/'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case 'n': out += '\n'; break;
          case 'r': out += '\r'; break;
          case 't': out += '\t'; break;
          case 'u': {
            unsigned cp = hex4();
            if (cp >= 0xD800 && cp <= 0xDBFF) {
              // A high surrogate: a low one must follow to make one code point.
              if (s.substr(pos, 2) == "\\u") {
                size_t save = pos;
                pos += 2;
                unsigned lo = hex4();
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                  cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                } else {
                  pos = save;  // not a pair: read that escape on its own next
                  cp = 0xFFFD;
                }
              } else {
                cp = 0xFFFD;
              }
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
              cp = 0xFFFD;
            }
            put_utf8(out, cp);
            break;
          }
          default: fail(std::string("unknown escape '\\") + e + "'");
        }
      }
    }
  };

  Type type_ = Type::Null;
  bool bool_ = false;
  std::string text_;               // a string's text, or a number's
  std::vector<std::string> keys_;  // an object's keys
  std::vector<Json> items_;        // an array's items, or an object's values
};

}  // namespace detail
}  // namespace ray_client

#endif  // RAY_CLIENT_JSON_HPP
