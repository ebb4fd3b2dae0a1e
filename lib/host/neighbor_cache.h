// neighbor_cache.h — a tiny fixed-capacity IPv4/IPv6 → MAC table.
//
// The initiator resolves the MAC of its next hop (the target, or --gateway)
// before it sends SYNs: it marks the address as being resolved (Expect),
// sends an ARP request or neighbour solicitation (resolve.h), and the ARP
// reply / neighbour advertisement that comes back fills the entry (Decide
// says so with HostAction::learn; the engine calls Update). Only addresses
// already in the table are ever updated: the RFC 826 "merge" rule, and
// RFC 4861 §7.2.5's "no entry → discard" for advertisements. A flood of ARP
// or NA traffic therefore cannot fill the table.
//
// Single writer (the owning core), fixed capacity, no allocation, linear
// search: it holds a handful of next hops, looked up at start-up and on
// retries, not per packet.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "wire/addr.h"

namespace synx::host {

enum class NeighborUpdate : uint8_t {
  kNotPresent,  // the address is not in the table: nothing changed
  kLearned,     // the entry was waiting for its first MAC
  kConfirmed,   // same MAC as before
  kChanged,     // a different MAC replaced the old one
};

class NeighborCache {
 public:
  static constexpr int kCapacity = 64;

  // Marks `ip` as being resolved (an entry without a MAC). An existing entry
  // is left as it is. False when the table is full.
  bool Expect(const wire::IpAddr& ip);
  // Adds or overwrites a resolved entry (a static neighbour). False when the
  // table is full and `ip` is not in it.
  bool Insert(const wire::IpAddr& ip, const wire::MacAddr& mac);
  // Sets the MAC of an entry that is already present (waiting or resolved).
  NeighborUpdate Update(const wire::IpAddr& ip, const wire::MacAddr& mac);
  bool Erase(const wire::IpAddr& ip);
  void Clear();

  // True when `ip` has an entry, resolved or not.
  bool Contains(const wire::IpAddr& ip) const { return Find(ip) >= 0; }
  // The MAC of a resolved entry.
  std::optional<wire::MacAddr> Lookup(const wire::IpAddr& ip) const;

  int size() const { return size_; }

 private:
  struct Entry {
    wire::IpAddr ip;
    wire::MacAddr mac;
    bool used = false;
    bool resolved = false;
  };
  int Find(const wire::IpAddr& ip) const;
  int FreeSlot() const;

  std::array<Entry, kCapacity> entries_{};
  int size_ = 0;
};

}  // namespace synx::host
