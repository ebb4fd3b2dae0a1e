// flow_plan.h — which 4-tuples the initiator opens, and which of them each
// worker may use.
//
// A FlowPlan is the operator's choice: targets (--target=IP:PORT[,...], v4
// and v6), source addresses (--src: a list, A-B ranges or CIDR blocks) and a
// source port range (--src-ports=LO-HI). Parsing and validation happen here,
// on the control path, with errors that name the offending item.
//
// RssPlacement answers "on which RX queue will the answer to this SYN
// arrive?": the Toeplitz hash (rte_softrss) with the symmetric key the port
// is programmed with (io/port.h), looked up in the port's redirection table.
// The hash is linear (XOR) in its input bits, so the hash of a tuple is the
// XOR of one term per field; the cursor keeps the terms of the fields that
// change rarely and spends two XORs and a table read per candidate.
//
// TupleCursor walks the plan for one worker: target fastest, then source
// address, then source port, wrapping around, and yields only tuples whose
// SYN+ACK returns to that worker's own queue, so the reply always meets its
// SYN-SENT entry. Whether a tuple is still in use (in the table, TIME-WAIT
// included) is the worker's question: it skips those.
//
// No allocation after construction, no clock, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "flow/flow_key.h"
#include "wire/addr.h"

namespace synx::engine {

// --mode: what the initiator does with the plan's tuples.
enum class InitiatorMode : uint8_t {
  kConnect,  // full handshakes, then --close
  kFlood,    // SYNs only, from spoofed sources, no state
};

struct Target {
  wire::IpAddr addr;
  uint16_t port = 0;
  bool operator==(const Target&) const = default;
};

// At most this many targets (each costs a link header and a term).
inline constexpr size_t kMaxTargets = 1024;

// "198.18.0.2:80,[2001:2::2]:80,198.18.0.3:8000-8003" (a port range expands
// to one target per port). Addresses must be unicast.
absl::StatusOr<std::vector<Target>> ParseTargets(std::string_view text);
// "198.18.0.2:80" / "[2001:2::2]:80".
std::string FormatTarget(const Target& t);

// A contiguous run of addresses of one family.
struct AddrRange {
  wire::IpAddr first;
  uint64_t count = 1;  // >= 1; IPv6 runs stay within the low 64 bits' span
};

// Source addresses: ranges of either family, in the order given.
class AddrSet {
 public:
  // "IP[,IP...]" where each item is an address, "A-B" (inclusive, one
  // family) or "PREFIX/LEN" (IPv4: every address but the network and
  // broadcast ones below /31; IPv6: /64 to /128). Every address must be
  // unicast; overlapping items are an error.
  static absl::StatusOr<AddrSet> Parse(std::string_view text);
  static AddrSet Of(std::span<const wire::IpAddr> addrs);

  uint64_t count(wire::Family f) const {
    return f == wire::Family::kV4 ? count_v4_ : count_v6_;
  }
  bool empty() const { return count_v4_ == 0 && count_v6_ == 0; }
  // The i-th address of family `f` (i < count(f)), in the order given.
  wire::IpAddr At(wire::Family f, uint64_t i) const;
  // Per received frame: a few compares per range.
  bool Contains(const wire::IpAddr& a) const;
  const std::vector<AddrRange>& ranges() const { return ranges_; }
  std::string ToString() const;

 private:
  struct Bounds {  // [lo, hi] as 128-bit big-endian numbers, family-tagged
    wire::Family family;
    unsigned __int128 lo;
    unsigned __int128 hi;
  };
  absl::Status Add(const AddrRange& r, std::string_view item);

  std::vector<AddrRange> ranges_;
  std::vector<Bounds> bounds_;
  uint64_t count_v4_ = 0;
  uint64_t count_v6_ = 0;
};

struct PortRange {
  uint16_t lo = 1024;
  uint16_t hi = 65535;
  uint32_t count() const { return uint32_t{hi} - lo + 1; }
};
// "LO-HI" or "PORT", 1..65535.
absl::StatusOr<PortRange> ParsePortRange(std::string_view text);

struct FlowPlan {
  std::vector<Target> targets;
  AddrSet sources;
  PortRange ports;
};

// The symmetric RSS key (io/port.h) at the length rte_softrss reads: the
// 40-byte default, enough for an IPv6 address pair and the ports.
inline constexpr size_t kRssKeyLength = 40;

class RssPlacement {
 public:
  // Everything on queue 0 (one queue, or a port without RSS).
  RssPlacement() = default;
  // `reta`: the port's redirection table (size a power of two), entry =
  // queue. `l4_v4` / `l4_v6`: the port hashes TCP ports too for that
  // family (RTE_ETH_RSS_NONFRAG_IPV4_TCP / _IPV6_TCP), not addresses only.
  RssPlacement(std::vector<uint16_t> reta, bool l4_v4, bool l4_v6);

  bool single() const { return reta_.empty(); }
  bool l4(wire::Family f) const {
    return f == wire::Family::kV4 ? l4_v4_ : l4_v6_;
  }

  // What the NIC computes for a frame from `remote`:`rport` to
  // `local`:`lport` — rte_softrss over the whole tuple, for tests and the
  // control path.
  uint32_t Hash(const wire::IpAddr& local, uint16_t lport,
                const wire::IpAddr& remote, uint16_t rport) const;
  uint16_t QueueOfHash(uint32_t hash) const {
    return reta_.empty() ? 0 : reta_[hash & reta_mask_];
  }

  // The per-field terms whose XOR is Hash (linearity of Toeplitz).
  uint32_t LocalAddrTerm(const wire::IpAddr& local) const;
  uint32_t LocalPortTerm(wire::Family f, uint16_t lport) const;
  uint32_t RemoteTerm(const Target& t) const;

 private:
  std::vector<uint16_t> reta_;
  uint32_t reta_mask_ = 0;
  bool l4_v4_ = true;
  bool l4_v6_ = true;
};

class TupleCursor {
 public:
  // `plan` and `rss` must outlive the cursor. Every target's family must
  // have sources (FlowPlan validation in the app makes sure).
  TupleCursor(const FlowPlan& plan, const RssPlacement& rss, uint16_t queue);

  struct Candidate {
    flow::FlowKey key;  // local = source, remote = target
    uint32_t target = 0;
  };
  // The next tuple this queue owns, looking at no more than `budget`
  // candidates; nullopt when none was found within the budget (the cursor
  // keeps its place).
  std::optional<Candidate> Next(uint32_t budget);

  // Tuples in one full cycle of the walk (owned or not).
  uint64_t cycle_length() const { return cycle_; }

 private:
  void LoadSource(wire::Family f);
  void LoadPort();

  const FlowPlan& plan_;
  const RssPlacement& rss_;
  const uint16_t queue_;
  std::vector<uint32_t> target_terms_;
  uint64_t nsrc_ = 0;  // source slots per port: the larger family's count
  uint64_t cycle_ = 0;

  uint32_t ti_ = 0;     // target index
  uint64_t si_ = 0;     // source slot
  uint64_t si_v4_ = 0;  // source index per family (wraps at its count)
  uint64_t si_v6_ = 0;
  uint32_t pi_ = 0;     // port offset
  wire::IpAddr src_v4_, src_v6_;
  uint32_t src_term_v4_ = 0, src_term_v6_ = 0;
  uint32_t port_term_v4_ = 0, port_term_v6_ = 0;
};

}  // namespace synx::engine
