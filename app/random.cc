#include "random.h"

#include <sys/random.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace synx::app {

absl::Status RandomBytes(void* bytes, size_t size) {
  auto* p = static_cast<uint8_t*>(bytes);
  size_t got = 0;
  while (got < size) {
    const ssize_t n = getrandom(p + got, size - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::InternalError(absl::StrCat("getrandom: ", std::strerror(errno)));
    }
    got += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

absl::StatusOr<flow::HashSeed> RandomSeed() {
  flow::HashSeed seed;
  if (absl::Status s = RandomBytes(seed.k.data(), sizeof(seed.k)); !s.ok()) return s;
  return seed;
}

absl::StatusOr<uint64_t> RandomU64() {
  uint64_t v = 0;
  if (absl::Status s = RandomBytes(&v, sizeof(v)); !s.ok()) return s;
  return v;
}

}  // namespace synx::app
