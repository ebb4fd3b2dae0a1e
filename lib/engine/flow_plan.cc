// flow_plan.cc — --target / --src / --src-ports parsing, RSS placement and
// the per-worker tuple walk.

#include "engine/flow_plan.h"

#include <rte_byteorder.h>
#include <rte_thash.h>

#include <algorithm>
#include <array>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "engine/listen_set.h"
#include "wire/bytes.h"

namespace synx::engine {
namespace {

using u128 = unsigned __int128;

// Abseil here has its own string_view (ABSL_OPTION_USE_STD_STRING_VIEW 0).
absl::string_view A(std::string_view s) { return {s.data(), s.size()}; }

absl::Status Bad(std::string_view flag, std::string_view item,
                 std::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("--", A(flag), " item \"", A(item), "\": ", A(why)));
}

// What a host may use as a source or aim a connection at: RFC 1122
// §3.2.1.3 and RFC 4291 §2.5 rule out these (handshake-rules.md §A,
// MUST-46/57/63: no SYN to or from broadcast/multicast).
bool IsUnicast(const wire::IpAddr& a) {
  return !a.IsMulticast() && !a.IsLimitedBroadcast() && !a.IsUnspecified() &&
         !a.IsLoopback() && !a.IsReservedClassE() && !a.IsV4MappedV6();
}

u128 ToNumber(const wire::IpAddr& a) {
  u128 v = 0;
  for (size_t i = 0; i < a.size(); ++i) v = (v << 8) | a.data()[i];
  return v;
}

wire::IpAddr FromNumber(wire::Family f, u128 v) {
  if (f == wire::Family::kV4) return wire::IpAddr::V4(static_cast<uint32_t>(v));
  uint8_t bytes[16];
  for (int i = 15; i >= 0; --i) {
    bytes[i] = static_cast<uint8_t>(v);
    v >>= 8;
  }
  return wire::IpAddr::V6Bytes(bytes);
}

std::optional<uint32_t> ParseDecimal(std::string_view s, uint32_t max) {
  if (s.empty() || s.size() > 10) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > max) return std::nullopt;
  return static_cast<uint32_t>(v);
}

// The symmetric key of io/port.h (0x6d, 0x5a repeated) at kRssKeyLength.
constexpr std::array<uint8_t, kRssKeyLength> kRssKey = [] {
  std::array<uint8_t, kRssKeyLength> k{};
  for (size_t i = 0; i < k.size(); ++i) k[i] = i % 2 == 0 ? 0x6d : 0x5a;
  return k;
}();

// rte_softrss's input: IPv4 {src, dst, sport<<16 | dport}, IPv6 {src[4],
// dst[4], sport<<16 | dport}, words in host order (rte_thash.h). The NIC
// hashes a received frame: src = the remote end, dst = us.
struct Tuple {
  uint32_t w[9] = {};
  uint32_t len = 0;
};

Tuple MakeTuple(wire::Family f, bool l4, const wire::IpAddr* local,
                uint16_t lport, const wire::IpAddr* remote, uint16_t rport) {
  Tuple t;
  const uint32_t addr_words = f == wire::Family::kV4 ? 1 : 4;
  auto load = [&](const wire::IpAddr* a, uint32_t at) {
    if (a == nullptr) return;
    for (uint32_t i = 0; i < addr_words; ++i) {
      t.w[at + i] = wire::Load32(a->data() + 4 * i);
    }
  };
  load(remote, 0);
  load(local, addr_words);
  t.len = 2 * addr_words;
  if (l4) {
    t.w[t.len] = (uint32_t{rport} << 16) | lport;
    ++t.len;
  }
  return t;
}

uint32_t SoftRss(Tuple t) {
  return rte_softrss(t.w, t.len, kRssKey.data());
}

}  // namespace

// ---- targets ---------------------------------------------------------------

absl::StatusOr<std::vector<Target>> ParseTargets(std::string_view text) {
  absl::StatusOr<std::vector<ListenSpec>> specs = ParseListenList(text, "target");
  if (!specs.ok()) return specs.status();
  std::vector<Target> out;
  for (const ListenSpec& s : *specs) {
    if (!IsUnicast(s.addr)) {
      return Bad("target", FormatListenSpec(s),
                 "not a unicast address (multicast, broadcast, unspecified, "
                 "loopback, class E or v4-mapped)");
    }
    for (uint32_t p = s.lo; p <= s.hi; ++p) {
      const Target t{s.addr, static_cast<uint16_t>(p)};
      if (std::find(out.begin(), out.end(), t) != out.end()) {
        return Bad("target", FormatListenSpec(s),
                   absl::StrCat(FormatTarget(t), " is listed twice"));
      }
      if (out.size() == kMaxTargets) {
        return Bad("target", FormatListenSpec(s),
                   absl::StrCat("more than ", kMaxTargets, " targets"));
      }
      out.push_back(t);
    }
  }
  return out;
}

std::string FormatTarget(const Target& t) {
  return FormatListenSpec(ListenSpec{t.addr, t.port, t.port});
}

// ---- source addresses ------------------------------------------------------

absl::Status AddrSet::Add(const AddrRange& r, std::string_view item) {
  const wire::Family f = r.first.family;
  const u128 lo = ToNumber(r.first);
  const u128 hi = lo + r.count - 1;
  const wire::IpAddr last = FromNumber(f, hi);
  if (!IsUnicast(r.first) || !IsUnicast(last)) {
    return Bad("src", item,
               "not unicast (multicast, broadcast, unspecified, loopback, "
               "class E or v4-mapped)");
  }
  if (f == wire::Family::kV4) {
    // A run between two unicast ends may still cross 127/8 or 224/3.
    if ((lo <= 0x7fffffffu && hi >= 0x7f000000u) || hi >= 0xe0000000u) {
      return Bad("src", item, "the range includes loopback, multicast or class E addresses");
    }
  }
  for (const Bounds& b : bounds_) {
    if (b.family == f && lo <= b.hi && b.lo <= hi) {
      return Bad("src", item, "overlaps an earlier item");
    }
  }
  ranges_.push_back(r);
  bounds_.push_back({f, lo, hi});
  (f == wire::Family::kV4 ? count_v4_ : count_v6_) += r.count;
  return absl::OkStatus();
}

absl::StatusOr<AddrSet> AddrSet::Parse(std::string_view text) {
  AddrSet set;
  if (text.empty()) return Bad("src", text, "empty");
  for (absl::string_view item_a : absl::StrSplit(A(text), ',')) {
    const std::string_view item(item_a.data(), item_a.size());
    if (item.empty()) return Bad("src", text, "empty item in the list");
    AddrRange r;
    if (const size_t slash = item.find('/'); slash != std::string_view::npos) {
      const std::optional<wire::IpAddr> base = wire::IpAddr::Parse(item.substr(0, slash));
      if (!base) return Bad("src", item, "expected PREFIX/LEN with an IP address");
      const bool v4 = base->is_v4();
      const std::optional<uint32_t> len = ParseDecimal(item.substr(slash + 1), v4 ? 32 : 128);
      if (!len) {
        return Bad("src", item, v4 ? "prefix length must be 0..32" : "prefix length must be 0..128");
      }
      const uint32_t bits = v4 ? 32 : 128;
      const uint32_t host_bits = bits - *len;
      if (!v4 && host_bits > 64) {
        return Bad("src", item, "an IPv6 block must be /64 or longer");
      }
      const u128 mask = host_bits >= 128 ? 0 : ~((u128{1} << host_bits) - 1);
      const u128 network = ToNumber(*base) & mask;
      u128 count = u128{1} << host_bits;
      u128 first = network;
      // Below /31 (IPv4) the network and broadcast addresses are no hosts'
      // (RFC 1122 §3.2.1.3, RFC 3021 for /31); below /127 (IPv6) the
      // subnet-router anycast address is no host's (RFC 4291 §2.6.1).
      if (v4 && host_bits >= 2) {
        first = network + 1;
        count -= 2;
      } else if (!v4 && host_bits >= 2) {
        first = network + 1;
        count -= 1;
      }
      r.first = FromNumber(base->family, first);
      r.count = static_cast<uint64_t>(
          std::min<u128>(count, std::numeric_limits<uint64_t>::max()));
    } else if (const size_t dash = item.find('-'); dash != std::string_view::npos) {
      const std::optional<wire::IpAddr> a = wire::IpAddr::Parse(item.substr(0, dash));
      const std::optional<wire::IpAddr> b = wire::IpAddr::Parse(item.substr(dash + 1));
      if (!a || !b) return Bad("src", item, "expected A-B with two IP addresses");
      if (a->family != b->family) return Bad("src", item, "A and B are of different families");
      const u128 lo = ToNumber(*a);
      const u128 hi = ToNumber(*b);
      if (hi < lo) return Bad("src", item, "the range runs backwards (A-B needs A <= B)");
      if (hi - lo >= std::numeric_limits<uint64_t>::max()) {
        return Bad("src", item, "more than 2^64 - 1 addresses");
      }
      r.first = *a;
      r.count = static_cast<uint64_t>(hi - lo) + 1;
    } else {
      const std::optional<wire::IpAddr> a = wire::IpAddr::Parse(item);
      if (!a) return Bad("src", item, "not an IP address, A-B range or PREFIX/LEN");
      r.first = *a;
      r.count = 1;
    }
    if (r.count == 0) return Bad("src", item, "holds no host address");
    if (absl::Status s = set.Add(r, item); !s.ok()) return s;
  }
  return set;
}

AddrSet AddrSet::Of(std::span<const wire::IpAddr> addrs) {
  AddrSet set;
  for (const wire::IpAddr& a : addrs) {
    // The caller's addresses (--local) are unicast and distinct already.
    set.Add(AddrRange{a, 1}, a.ToString()).IgnoreError();
  }
  return set;
}

wire::IpAddr AddrSet::At(wire::Family f, uint64_t i) const {
  for (const AddrRange& r : ranges_) {
    if (r.first.family != f) continue;
    if (i < r.count) return FromNumber(f, ToNumber(r.first) + i);
    i -= r.count;
  }
  return wire::IpAddr{};
}

bool AddrSet::Contains(const wire::IpAddr& a) const {
  const u128 v = ToNumber(a);
  for (const Bounds& b : bounds_) {
    if (b.family == a.family && b.lo <= v && v <= b.hi) return true;
  }
  return false;
}

std::string AddrSet::ToString() const {
  return absl::StrJoin(ranges_, ",", [](std::string* out, const AddrRange& r) {
    out->append(r.first.ToString());
    if (r.count > 1) {
      absl::StrAppend(out, "-",
                      FromNumber(r.first.family, ToNumber(r.first) + r.count - 1)
                          .ToString());
    }
  });
}

absl::StatusOr<PortRange> ParsePortRange(std::string_view text) {
  const size_t dash = text.find('-');
  const std::optional<uint32_t> lo = ParseDecimal(text.substr(0, dash), 65535);
  std::optional<uint32_t> hi = lo;
  if (dash != std::string_view::npos) hi = ParseDecimal(text.substr(dash + 1), 65535);
  if (!lo || !hi || *lo == 0 || *hi == 0) {
    return Bad("src-ports", text, "expected LO-HI or PORT, ports 1..65535");
  }
  if (*hi < *lo) return Bad("src-ports", text, "the range runs backwards (LO-HI needs LO <= HI)");
  return PortRange{static_cast<uint16_t>(*lo), static_cast<uint16_t>(*hi)};
}

// ---- RSS -------------------------------------------------------------------

RssPlacement::RssPlacement(std::vector<uint16_t> reta, bool l4_v4, bool l4_v6)
    : reta_(std::move(reta)),
      reta_mask_(reta_.empty() ? 0 : static_cast<uint32_t>(reta_.size() - 1)),
      l4_v4_(l4_v4),
      l4_v6_(l4_v6) {}

uint32_t RssPlacement::Hash(const wire::IpAddr& local, uint16_t lport,
                            const wire::IpAddr& remote, uint16_t rport) const {
  return SoftRss(MakeTuple(local.family, l4(local.family), &local, lport,
                           &remote, rport));
}

uint32_t RssPlacement::LocalAddrTerm(const wire::IpAddr& local) const {
  return SoftRss(MakeTuple(local.family, false, &local, 0, nullptr, 0));
}

uint32_t RssPlacement::LocalPortTerm(wire::Family f, uint16_t lport) const {
  if (!l4(f)) return 0;
  Tuple t = MakeTuple(f, true, nullptr, lport, nullptr, 0);
  return SoftRss(t);
}

uint32_t RssPlacement::RemoteTerm(const Target& target) const {
  const wire::Family f = target.addr.family;
  return SoftRss(MakeTuple(f, l4(f), nullptr, 0, &target.addr, target.port));
}

// ---- the walk --------------------------------------------------------------

TupleCursor::TupleCursor(const FlowPlan& plan, const RssPlacement& rss,
                         uint16_t queue)
    : plan_(plan), rss_(rss), queue_(queue) {
  bool has_v4 = false;
  bool has_v6 = false;
  for (const Target& t : plan.targets) {
    target_terms_.push_back(rss.RemoteTerm(t));
    (t.addr.is_v4() ? has_v4 : has_v6) = true;
  }
  if (has_v4) nsrc_ = std::max(nsrc_, plan.sources.count(wire::Family::kV4));
  if (has_v6) nsrc_ = std::max(nsrc_, plan.sources.count(wire::Family::kV6));
  const u128 cycle = u128{plan.targets.size()} * nsrc_ * plan.ports.count();
  cycle_ = static_cast<uint64_t>(
      std::min<u128>(cycle, std::numeric_limits<uint64_t>::max()));
  LoadSource(wire::Family::kV4);
  LoadSource(wire::Family::kV6);
  LoadPort();
}

void TupleCursor::LoadSource(wire::Family f) {
  if (plan_.sources.count(f) == 0) return;
  if (f == wire::Family::kV4) {
    src_v4_ = plan_.sources.At(f, si_v4_);
    src_term_v4_ = rss_.single() ? 0 : rss_.LocalAddrTerm(src_v4_);
  } else {
    src_v6_ = plan_.sources.At(f, si_v6_);
    src_term_v6_ = rss_.single() ? 0 : rss_.LocalAddrTerm(src_v6_);
  }
}

void TupleCursor::LoadPort() {
  const uint16_t port = static_cast<uint16_t>(plan_.ports.lo + pi_);
  if (rss_.single()) return;
  port_term_v4_ = rss_.LocalPortTerm(wire::Family::kV4, port);
  port_term_v6_ = rss_.LocalPortTerm(wire::Family::kV6, port);
}

std::optional<TupleCursor::Candidate> TupleCursor::Next(uint32_t budget) {
  if (plan_.targets.empty() || nsrc_ == 0) return std::nullopt;
  const uint64_t n_v4 = plan_.sources.count(wire::Family::kV4);
  const uint64_t n_v6 = plan_.sources.count(wire::Family::kV6);
  for (uint32_t n = 0; n < budget; ++n) {
    const uint32_t ti = ti_;
    const Target& t = plan_.targets[ti];
    const bool v4 = t.addr.is_v4();
    const uint16_t port = static_cast<uint16_t>(plan_.ports.lo + pi_);
    const bool mine =
        rss_.single() ||
        rss_.QueueOfHash(target_terms_[ti] ^
                         (v4 ? src_term_v4_ ^ port_term_v4_
                             : src_term_v6_ ^ port_term_v6_)) == queue_;
    Candidate c;
    if (mine) {
      c.key = flow::FlowKey::Make(v4 ? src_v4_ : src_v6_, port, t.addr, t.port);
      c.target = ti;
    }
    // Advance: target fastest, then the source slot, then the port.
    if (++ti_ == plan_.targets.size()) {
      ti_ = 0;
      if (++si_ == nsrc_) {
        si_ = si_v4_ = si_v6_ = 0;
        if (++pi_ == plan_.ports.count()) pi_ = 0;
        LoadPort();
      } else {
        if (n_v4 > 0 && ++si_v4_ == n_v4) si_v4_ = 0;
        if (n_v6 > 0 && ++si_v6_ == n_v6) si_v6_ = 0;
      }
      if (n_v4 > 1 || si_ == 0) LoadSource(wire::Family::kV4);
      if (n_v6 > 1 || si_ == 0) LoadSource(wire::Family::kV6);
    }
    if (mine) return c;
  }
  return std::nullopt;
}

}  // namespace synx::engine
