// keys.h — the master secret, the keys derived from it, and their rotation.
//
// One MasterKey (32 bytes, from getrandom() or a key file) yields every secret
// of lib/cookie through libsodium's crypto_kdf (BLAKE2b), each under its own
// 8-byte context:
//   cookie key of epoch e = KDF(master, subkey_id = e, ctx "synxcook"), 16 B
//   epoch e               = floor(unix_seconds / rotate_seconds)
// Keys are therefore a pure function of (master, wall clock): appliances
// behind ECMP that share a key file and NTP-synced clocks derive the same
// keys at the same time and accept each other's cookies with no coordination.
//
// CookieKeys holds two slots, slot = epoch & 1: the current epoch's key and
// the previous one's. A cookie names its slot in F bit 0 and is accepted
// while that slot holds the current or the previous epoch, i.e. for one to
// two key lifetimes after it was made.
//
// Threads: one control thread calls Advance(); any number of workers read
// concurrently (MakeCookie / CheckCookie in syn_cookie.h). Nothing here reads a
// clock, a file or allocates on the read path: the app passes the time and
// the key file's contents in.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cookie/siphash.h"

namespace synx::cookie {

struct MasterKey {
  std::array<uint8_t, 32> bytes{};
  bool operator==(const MasterKey&) const = default;
};

// 32 bytes from libsodium's randombytes_buf (getrandom() on Linux).
absl::StatusOr<MasterKey> RandomMasterKey();

// Parses a key file's contents: exactly one line of 64 hex digits (either
// case), optionally surrounded by spaces/tabs; blank lines and lines whose
// first non-blank character is '#' are ignored; CRLF is accepted. Errors are
// InvalidArgument and name the line ("line 3: ..."), without the file name:
// the caller prefixes the path it read.
absl::StatusOr<MasterKey> ParseKeyFile(std::string_view contents);

// Secrets derived from the master (crypto_kdf_derive_from_key, 16 bytes).
// `context` must be exactly 8 characters.
SipKey DeriveKey(const MasterKey& master, uint64_t subkey_id,
                 std::string_view context);
inline constexpr std::string_view kCookieKdfContext = "synxcook";
// The cookie key of `epoch`.
inline SipKey DeriveCookieKey(const MasterKey& master, uint64_t epoch) {
  return DeriveKey(master, epoch, kCookieKdfContext);
}

// design.md §5 asks for 16–30 s; the accepted range is wider for tests and
// for operators who want longer replay windows, but bounded: a cookie lives
// up to two intervals.
inline constexpr uint32_t kMinRotateSeconds = 1;
inline constexpr uint32_t kMaxRotateSeconds = 3600;
inline constexpr uint32_t kDefaultRotateSeconds = 30;
absl::Status ValidateRotateSeconds(uint64_t seconds);

class CookieKeys {
 public:
  // Epoch value of a slot that holds no key, or one being rewritten.
  static constexpr uint64_t kNoEpoch = ~uint64_t{0};

  // Derives the keys of the epoch containing `now_unix_s` and of the one
  // before it (so that cookies a peer appliance made just before our start are
  // accepted too). Fails on a bad interval or if libsodium cannot start.
  static absl::StatusOr<std::unique_ptr<CookieKeys>> Create(
      const MasterKey& master, uint32_t rotate_seconds, uint64_t now_unix_s);

  CookieKeys(const CookieKeys&) = delete;
  CookieKeys& operator=(const CookieKeys&) = delete;

  // Control thread only. Moves to the epoch of `now_unix_s` if it is later
  // than the current one and returns true; an earlier or equal time (a clock
  // stepped back, a check within the same epoch) changes nothing. After a jump
  // of more than one epoch both slots are rewritten (current and previous
  // epoch), so a stalled control thread never leaves an old key valid.
  bool Advance(uint64_t now_unix_s);

  uint64_t EpochAt(uint64_t unix_s) const {
    // A plain division: this is the control path and rotate_seconds_ need not
    // be a power of two.
    return unix_s / rotate_seconds_;
  }
  uint32_t rotate_seconds() const { return rotate_seconds_; }
  uint64_t current_epoch() const {
    return current_epoch_.load(std::memory_order_acquire);
  }

  // Worker side. The key in `slot` (0 or 1) and the epoch it belongs to, or
  // false if the slot is empty or was being rewritten while it was read.
  bool ReadSlot(unsigned slot, SipKey* key, uint64_t* epoch) const;

  // The key a cookie naming `slot` must be checked with: only if the slot
  // holds a live epoch (IsLive).
  bool ValidationKey(unsigned slot, SipKey* key) const;

  // A slot's key may validate while it holds the current or the previous
  // epoch. Also current + 1: a worker that read current_epoch_ just before
  // the control thread published the next epoch into that slot, which
  // another core may already have signed with. Advance keeps the two slots
  // at {current, current - 1}, so this rejects only what a reader racing
  // several rotations could see (and an empty slot).
  static constexpr bool IsLive(uint64_t slot_epoch, uint64_t current) {
    return slot_epoch != kNoEpoch && current != kNoEpoch &&
           (slot_epoch == current || slot_epoch + 1 == current ||
            slot_epoch == current + 1);
  }

  // The current epoch's key and its slot, for making a cookie. False only if
  // rotation raced this reader several times in a row.
  bool SigningKey(SipKey* key, unsigned* slot) const;

 private:
  CookieKeys(const MasterKey& master, uint32_t rotate_seconds);
  void WriteSlot(uint64_t epoch);

  // Each slot is a seqlock whose sequence word is the epoch itself. The
  // writer marks the slot kNoEpoch, stores the key words, then stores the new
  // epoch with release; a reader loads the epoch (acquire), the words, an
  // acquire fence, and the epoch again, and uses the words only if both
  // epoch loads agree and are not kNoEpoch. Epochs only grow, so "equal" means
  // "no write in between". The words are atomics (relaxed) so that a
  // concurrent read is a defined race, not UB.
  //
  // Why a torn read could not validate a forged cookie anyway: a slot is
  // rewritten only when its epoch is two behind the new one, i.e. after every
  // cookie made under it has expired. A torn key is a mix of an expired key
  // and a fresh, unpublished one, known to nobody: an ACK checked against it
  // passes with the same 2^-24 odds as any blind guess, and the only cookies
  // it can fail are ones that are expiring at that instant anyway.
  struct alignas(64) Slot {
    std::atomic<uint64_t> epoch{kNoEpoch};
    std::atomic<uint64_t> words[2] = {0, 0};
  };

  const MasterKey master_;
  const uint32_t rotate_seconds_;
  alignas(64) std::atomic<uint64_t> current_epoch_{kNoEpoch};
  Slot slots_[2];
};

inline bool CookieKeys::ReadSlot(unsigned slot, SipKey* key,
                                 uint64_t* epoch) const {
  const Slot& s = slots_[slot & 1];
  const uint64_t e1 = s.epoch.load(std::memory_order_acquire);
  const uint64_t w0 = s.words[0].load(std::memory_order_relaxed);
  const uint64_t w1 = s.words[1].load(std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_acquire);
  const uint64_t e2 = s.epoch.load(std::memory_order_relaxed);
  if (e1 != e2 || e1 == kNoEpoch) return false;
  std::memcpy(key->data(), &w0, 8);
  std::memcpy(key->data() + 8, &w1, 8);
  *epoch = e1;
  return true;
}

inline bool CookieKeys::ValidationKey(unsigned slot, SipKey* key) const {
  const uint64_t current = current_epoch_.load(std::memory_order_acquire);
  uint64_t epoch;
  return ReadSlot(slot, key, &epoch) && IsLive(epoch, current);
}

inline bool CookieKeys::SigningKey(SipKey* key, unsigned* slot) const {
  // Retrying is bounded: each failure means the control thread rewrote this
  // slot just now, which happens at most once per rotation interval.
  for (int attempt = 0; attempt < 4; ++attempt) {
    const uint64_t current = current_epoch_.load(std::memory_order_acquire);
    uint64_t epoch;
    const unsigned s = static_cast<unsigned>(current & 1);
    if (ReadSlot(s, key, &epoch) && epoch == current) {
      *slot = s;
      return true;
    }
  }
  return false;
}

}  // namespace synx::cookie
