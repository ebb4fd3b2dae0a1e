// listen_set.cc — --listen parsing and the per-address port bitmaps.

#include "engine/listen_set.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace synx::engine {
namespace {

// Decimal 1..65535, digits only (no sign, no spaces, no leading "0x").
std::optional<uint16_t> ParsePort(std::string_view s) {
  if (s.empty() || s.size() > 5) return std::nullopt;
  uint32_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint32_t>(c - '0');
  }
  if (v == 0 || v > 65535) return std::nullopt;
  return static_cast<uint16_t>(v);
}

// Abseil here has its own string_view (ABSL_OPTION_USE_STD_STRING_VIEW 0).
absl::string_view A(std::string_view s) { return {s.data(), s.size()}; }

absl::Status Bad(std::string_view flag, std::string_view spec,
                 std::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("--", A(flag), " item \"", A(spec), "\": ", A(why)));
}

}  // namespace

absl::StatusOr<ListenSpec> ParseListenSpec(std::string_view s,
                                           std::string_view flag) {
  std::string_view addr_text;
  std::string_view ports;
  if (!s.empty() && s.front() == '[') {
    const size_t close = s.find(']');
    if (close == std::string_view::npos) return Bad(flag, s, "missing ']'");
    addr_text = s.substr(1, close - 1);
    if (close + 1 >= s.size() || s[close + 1] != ':') {
      return Bad(flag, s, "expected ':PORT' after ']'");
    }
    ports = s.substr(close + 2);
  } else {
    const size_t colon = s.rfind(':');
    if (colon == std::string_view::npos) return Bad(flag, s, "expected IP:PORT");
    addr_text = s.substr(0, colon);
    if (addr_text.find(':') != std::string_view::npos) {
      return Bad(flag, s, "an IPv6 address goes in brackets: [addr]:port");
    }
    ports = s.substr(colon + 1);
  }
  const std::optional<wire::IpAddr> addr = wire::IpAddr::Parse(addr_text);
  if (!addr) return Bad(flag, s, absl::StrCat("\"", A(addr_text), "\" is not an IP address"));
  if (s.front() == '[' && addr->is_v4()) {
    return Bad(flag, s, "brackets are for IPv6 addresses only");
  }

  ListenSpec spec;
  spec.addr = *addr;
  const size_t dash = ports.find('-');
  const std::string_view lo_text = ports.substr(0, dash);
  const std::optional<uint16_t> lo = ParsePort(lo_text);
  if (!lo) return Bad(flag, s, absl::StrCat("port \"", A(lo_text), "\" is not in 1..65535"));
  spec.lo = spec.hi = *lo;
  if (dash != std::string_view::npos) {
    const std::string_view hi_text = ports.substr(dash + 1);
    const std::optional<uint16_t> hi = ParsePort(hi_text);
    if (!hi) return Bad(flag, s, absl::StrCat("port \"", A(hi_text), "\" is not in 1..65535"));
    if (*hi < *lo) return Bad(flag, s, "port range runs backwards (LO-HI needs LO <= HI)");
    spec.hi = *hi;
  }
  return spec;
}

absl::StatusOr<std::vector<ListenSpec>> ParseListenList(std::string_view s,
                                                        std::string_view flag) {
  std::vector<ListenSpec> out;
  for (absl::string_view item : absl::StrSplit(A(s), ',')) {
    if (item.empty()) return Bad(flag, s, "empty item in the list");
    absl::StatusOr<ListenSpec> spec =
        ParseListenSpec(std::string_view(item.data(), item.size()), flag);
    if (!spec.ok()) return spec.status();
    out.push_back(*spec);
  }
  return out;
}

std::string FormatListenSpec(const ListenSpec& spec) {
  std::string out = spec.addr.is_v4()
                        ? spec.addr.ToString()
                        : absl::StrCat("[", spec.addr.ToString(), "]");
  absl::StrAppend(&out, ":", spec.lo);
  if (spec.hi != spec.lo) absl::StrAppend(&out, "-", spec.hi);
  return out;
}

ListenSet::ListenSet(const host::HostConfig& host) {
  for (const wire::IpAddr& a : host.v4()) v4_[v4_count_++] = Word32(a.b.data() + 12);
  for (const wire::IpAddr& a : host.v6()) {
    v6_[v6_count_++] = {Word64(a.b.data()), Word64(a.b.data() + 8)};
  }
  bitmaps_ = std::make_unique<std::array<uint64_t, 1024>[]>(
      static_cast<size_t>(local_count() > 0 ? local_count() : 1));
}

absl::Status ListenSet::Add(const ListenSpec& spec) {
  const int index = LocalIndex(spec.addr);
  if (index < 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--listen ", FormatListenSpec(spec), ": ", spec.addr.ToString(),
        " is not one of the --local addresses"));
  }
  uint64_t* bits = bitmaps_[index].data();
  for (uint32_t p = spec.lo; p <= spec.hi; ++p) {
    const uint64_t bit = uint64_t{1} << (p & 63);
    if ((bits[p >> 6] & bit) == 0) ++listening_count_;
    bits[p >> 6] |= bit;
  }
  return absl::OkStatus();
}

}  // namespace synx::engine
