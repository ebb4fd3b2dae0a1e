#include "host/neighbor_cache.h"

namespace synx::host {

int NeighborCache::Find(const wire::IpAddr& ip) const {
  for (int i = 0; i < kCapacity; ++i) {
    if (entries_[i].used && entries_[i].ip == ip) return i;
  }
  return -1;
}

int NeighborCache::FreeSlot() const {
  for (int i = 0; i < kCapacity; ++i) {
    if (!entries_[i].used) return i;
  }
  return -1;
}

bool NeighborCache::Expect(const wire::IpAddr& ip) {
  if (Find(ip) >= 0) return true;
  const int i = FreeSlot();
  if (i < 0) return false;
  entries_[i] = Entry{ip, wire::MacAddr{}, true, false};
  ++size_;
  return true;
}

bool NeighborCache::Insert(const wire::IpAddr& ip, const wire::MacAddr& mac) {
  int i = Find(ip);
  if (i < 0) {
    i = FreeSlot();
    if (i < 0) return false;
    ++size_;
  }
  entries_[i] = Entry{ip, mac, true, true};
  return true;
}

NeighborUpdate NeighborCache::Update(const wire::IpAddr& ip,
                                     const wire::MacAddr& mac) {
  const int i = Find(ip);
  if (i < 0) return NeighborUpdate::kNotPresent;
  Entry& e = entries_[i];
  NeighborUpdate result = NeighborUpdate::kLearned;
  if (e.resolved) {
    result =
        e.mac == mac ? NeighborUpdate::kConfirmed : NeighborUpdate::kChanged;
  }
  e.mac = mac;
  e.resolved = true;
  return result;
}

bool NeighborCache::Erase(const wire::IpAddr& ip) {
  const int i = Find(ip);
  if (i < 0) return false;
  entries_[i] = Entry{};
  --size_;
  return true;
}

void NeighborCache::Clear() {
  entries_.fill(Entry{});
  size_ = 0;
}

std::optional<wire::MacAddr> NeighborCache::Lookup(
    const wire::IpAddr& ip) const {
  const int i = Find(ip);
  if (i < 0 || !entries_[i].resolved) return std::nullopt;
  return entries_[i].mac;
}

}  // namespace synx::host
