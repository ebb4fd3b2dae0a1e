// l2_peers.h — one core's table of link headers to send timer-driven
// segments with.
//
// A SYN+ACK retransmission, a FIN retransmission or an idle RST is not a
// reply to a received frame: the worker builds it from the flow's key, and
// needs the link header the peer's frames came with — the peer's MAC, the
// MAC it sent to (ours) and its VLAN tags. Few distinct headers exist on a
// link (most traffic arrives through one router), so each is stored once
// here and a connection keeps a 16-bit index to it, recorded when its entry
// is created.
//
// Records are never removed: an index stays valid for the worker's life, so
// no entry can ever point at another peer's header. When the table is full
// Intern returns kNone and that connection's timer-driven segments are not
// sent (the worker counts DropReason::kNoL2Peer); replies to received frames
// never need this table. A sender that forges many source MACs can fill it,
// but only after kCapacity distinct headers, and on the link itself.
//
// Single writer, fixed size, no allocation, no clock, no DPDK.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <span>

namespace synx::engine {

class L2Peers {
 public:
  static constexpr uint16_t kNone = 0xffff;
  // Distinct link headers per core; the open-addressed index has twice as
  // many slots, so a probe always meets an empty one.
  static constexpr uint32_t kCapacity = 8192;
  // Two MACs and at most two 802.1Q/802.1ad tags (wire::kMaxVlanTags).
  static constexpr size_t kMaxHeader = 20;

  L2Peers() { index_.fill(kNone); }

  // The index of the header that answers a frame whose first `l3_offset`
  // bytes are its link header (MACs, tags, EtherType), adding it if new.
  // kNone when the table is full or l3_offset is not 14, 18 or 22.
  uint16_t Intern(const uint8_t* frame, uint16_t l3_offset) {
    const size_t len = size_t{l3_offset} - 2;  // without the EtherType
    if (l3_offset < 14 || len > kMaxHeader || (len - 12) % 4 != 0) return kNone;
    Record key;
    // As it will be sent: the frame's source MAC becomes the destination.
    std::memcpy(key.bytes, frame + 6, 6);
    std::memcpy(key.bytes + 6, frame, 6);
    std::memcpy(key.bytes + 12, frame + 12, len - 12);
    key.len = static_cast<uint8_t>(len);
    return InternRecord(key);
  }

  // The index of the untagged header from `src` to `dst` (the initiator's
  // header toward a resolved next hop), adding it if new; kNone when full.
  uint16_t InternHeader(const std::array<uint8_t, 6>& dst,
                        const std::array<uint8_t, 6>& src) {
    Record key;
    std::memcpy(key.bytes, dst.data(), 6);
    std::memcpy(key.bytes + 6, src.data(), 6);
    key.len = 12;
    return InternRecord(key);
  }

  // The link header to send with, EtherType excluded (what
  // wire::WriteTcpSegment takes). Precondition: index < size().
  std::span<const uint8_t> Header(uint16_t index) const {
    return {records_[index].bytes, records_[index].len};
  }

  uint32_t size() const { return size_; }

 private:
  static constexpr uint32_t kSlots = 2 * kCapacity;

  struct Record {
    uint8_t bytes[kMaxHeader] = {};
    uint8_t len = 0;
    bool operator==(const Record& o) const {
      return len == o.len && std::memcmp(bytes, o.bytes, len) == 0;
    }
  };

  uint16_t InternRecord(const Record& key) {
    if (last_ != kNone && records_[last_] == key) return last_;
    uint32_t slot = Hash(key) & (kSlots - 1);
    while (index_[slot] != kNone) {
      if (records_[index_[slot]] == key) return last_ = index_[slot];
      slot = (slot + 1) & (kSlots - 1);
    }
    if (size_ == kCapacity) return kNone;
    records_[size_] = key;
    index_[slot] = static_cast<uint16_t>(size_);
    return last_ = static_cast<uint16_t>(size_++);
  }

  // FNV-1a: the key is link-local and the probe always ends at an empty
  // slot, so a keyed hash buys nothing here.
  static uint32_t Hash(const Record& r) {
    uint32_t h = 2166136261u;
    for (uint8_t i = 0; i < r.len; ++i) h = (h ^ r.bytes[i]) * 16777619u;
    return h;
  }

  std::array<Record, kCapacity> records_;
  std::array<uint16_t, kSlots> index_;
  uint32_t size_ = 0;
  uint16_t last_ = kNone;
};

}  // namespace synx::engine
