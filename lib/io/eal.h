// eal.h — DPDK's Environment Abstraction Layer, brought up and torn down.
//
// InitEal runs rte_eal_init once per process on a copy of `args` (args[0] is
// the program name) and reports failure as a Status that names the call and
// carries rte_strerror(rte_errno). It never exits the process and never
// prints; DPDK itself may log (see dpdk_log.h).
#pragma once

#include <span>
#include <string>

#include "absl/status/status.h"

namespace synx::io {

absl::Status InitEal(std::span<const std::string> args);

// Releases what EAL holds (hugepage files, the runtime directory). Call once
// after every port is closed and every mempool freed.
absl::Status CleanupEal();

}  // namespace synx::io
