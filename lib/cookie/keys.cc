// keys.cc — master key sources, key derivation and rotation (control path).

#include "cookie/keys.h"

#include <sodium/core.h>
#include <sodium/crypto_kdf.h>
#include <sodium/randombytes.h>

#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"

namespace synx::cookie {
namespace {

static_assert(crypto_kdf_KEYBYTES == sizeof(MasterKey::bytes));
static_assert(crypto_kdf_CONTEXTBYTES == kCookieKdfContext.size());
static_assert(sizeof(SipKey) >= crypto_kdf_BYTES_MIN &&
              sizeof(SipKey) <= crypto_kdf_BYTES_MAX);

absl::Status InitSodium() {
  // Idempotent and thread-safe; selects the fastest BLAKE2b/random backends.
  if (sodium_init() < 0) {
    return absl::InternalError("libsodium failed to initialise (sodium_init)");
  }
  return absl::OkStatus();
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string Printable(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x21 && u < 0x7f) return std::string(1, c);
  return absl::StrCat("byte 0x", absl::Hex(u, absl::kZeroPad2));
}

}  // namespace

absl::StatusOr<MasterKey> RandomMasterKey() {
  if (absl::Status s = InitSodium(); !s.ok()) return s;
  MasterKey key;
  randombytes_buf(key.bytes.data(), key.bytes.size());
  return key;
}

absl::StatusOr<MasterKey> ParseKeyFile(std::string_view contents) {
  MasterKey key;
  size_t key_line = 0;
  size_t line_no = 0;
  size_t pos = 0;
  while (pos <= contents.size()) {
    size_t end = contents.find('\n', pos);
    if (end == std::string_view::npos) end = contents.size();
    const std::string_view line = contents.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;

    size_t first = 0;
    while (first < line.size() && IsBlank(line[first])) ++first;
    size_t last = line.size();
    while (last > first && IsBlank(line[last - 1])) --last;
    const std::string_view text = line.substr(first, last - first);
    if (text.empty() || text[0] == '#') continue;

    if (key_line != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", line_no, ": a second key (the key is on line ",
                       key_line, "; only one is allowed)"));
    }
    for (size_t i = 0; i < text.size() && i < 64; ++i) {
      if (HexValue(text[i]) < 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "line ", line_no, ", column ", first + i + 1, ": ",
            Printable(text[i]), " is not a hex digit"));
      }
    }
    if (text.size() != 64) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", line_no, ": expected 64 hex digits, found ",
                       text.size(), " characters"));
    }
    for (size_t i = 0; i < 32; ++i) {
      key.bytes[i] = static_cast<uint8_t>(HexValue(text[2 * i]) << 4 |
                                          HexValue(text[2 * i + 1]));
    }
    key_line = line_no;
  }
  if (key_line == 0) {
    return absl::InvalidArgumentError(
        "no key found (expected one line of 64 hex digits)");
  }
  if (key == MasterKey{}) {
    return absl::InvalidArgumentError(absl::StrCat(
        "line ", key_line, ": the key is all zeros (generate one with: "
        "head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \\n')"));
  }
  return key;
}

SipKey DeriveKey(const MasterKey& master, uint64_t subkey_id,
                 std::string_view context) {
  char ctx[crypto_kdf_CONTEXTBYTES] = {};
  std::memcpy(ctx, context.data(),
              context.size() < sizeof(ctx) ? context.size() : sizeof(ctx));
  SipKey key;
  // Cannot fail: the lengths are checked by the static_asserts above.
  crypto_kdf_derive_from_key(key.data(), key.size(), subkey_id, ctx,
                             master.bytes.data());
  return key;
}

absl::Status ValidateRotateSeconds(uint64_t seconds) {
  if (seconds < kMinRotateSeconds || seconds > kMaxRotateSeconds) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cookie key rotation interval must be ", kMinRotateSeconds, "..",
        kMaxRotateSeconds, " seconds, got ", seconds));
  }
  return absl::OkStatus();
}

CookieKeys::CookieKeys(const MasterKey& master, uint32_t rotate_seconds)
    : master_(master), rotate_seconds_(rotate_seconds) {}

absl::StatusOr<std::unique_ptr<CookieKeys>> CookieKeys::Create(
    const MasterKey& master, uint32_t rotate_seconds, uint64_t now_unix_s) {
  if (absl::Status s = ValidateRotateSeconds(rotate_seconds); !s.ok()) {
    return s;
  }
  if (absl::Status s = InitSodium(); !s.ok()) return s;
  std::unique_ptr<CookieKeys> keys(new CookieKeys(master, rotate_seconds));
  const uint64_t epoch = keys->EpochAt(now_unix_s);
  if (epoch > 0) keys->WriteSlot(epoch - 1);
  keys->WriteSlot(epoch);
  keys->current_epoch_.store(epoch, std::memory_order_release);
  return keys;
}

void CookieKeys::WriteSlot(uint64_t epoch) {
  const SipKey key = DeriveCookieKey(master_, epoch);
  uint64_t w0, w1;
  std::memcpy(&w0, key.data(), 8);
  std::memcpy(&w1, key.data() + 8, 8);
  Slot& s = slots_[epoch & 1];
  s.epoch.store(kNoEpoch, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  s.words[0].store(w0, std::memory_order_relaxed);
  s.words[1].store(w1, std::memory_order_relaxed);
  s.epoch.store(epoch, std::memory_order_release);
}

bool CookieKeys::Advance(uint64_t now_unix_s) {
  const uint64_t epoch = EpochAt(now_unix_s);
  const uint64_t current = current_epoch_.load(std::memory_order_relaxed);
  if (epoch <= current) return false;
  // The previous epoch first: after a jump it replaces a key that is already
  // expired, and the current_epoch_ store below publishes both.
  if (epoch > current + 1) WriteSlot(epoch - 1);
  WriteSlot(epoch);
  current_epoch_.store(epoch, std::memory_order_release);
  return true;
}

}  // namespace synx::cookie
