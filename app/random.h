// random.h — secrets for the control path from the kernel's CSPRNG
// (getrandom(2)): flow-table hash seeds, flood ISN seeds.
#pragma once

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "flow/flow_key.h"

namespace synx::app {

// Fills `bytes` entirely, retrying short reads and EINTR.
absl::Status RandomBytes(void* bytes, size_t size);

// A secret per-table hash seed (flow_key.h).
absl::StatusOr<flow::HashSeed> RandomSeed();

absl::StatusOr<uint64_t> RandomU64();

}  // namespace synx::app
