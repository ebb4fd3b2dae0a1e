// config.h — synx's run configuration, validated before anything else runs.
//
// FlagValues holds the flags as typed; ValidateConfig turns them into a
// Config or says, in one line naming the flag, what is wrong. Nothing here
// touches DPDK: a bad flag must never cost a hugepage.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace synx::app {

enum class Role { kResponder, kInitiator };

std::string_view RoleName(Role role);

// The flag values as parsed, before any range check.
struct FlagValues {
  std::string role = "responder";
  int64_t port = 0;
  int64_t duration = 0;
  int64_t stats_interval = 0;
  std::string json;
  int64_t mbufs = 8191;
  int64_t burst = 32;
  bool verbose = false;
};

struct Config {
  Role role = Role::kResponder;
  uint16_t port_id = 0;
  uint64_t duration_s = 0;        // 0: until SIGINT/SIGTERM
  uint64_t stats_interval_s = 0;  // 0: no live line
  std::string json_path;          // empty: no JSON; "-": stdout
  uint32_t mbufs = 0;
  uint16_t burst = 0;
  bool verbose = false;           // DPDK's start-up log on stderr
};

// Long runs are fine; beyond ~3 years a value is a typo, and the TSC
// arithmetic of the loop stays far from overflow.
inline constexpr int64_t kMaxSeconds = 100'000'000;

absl::StatusOr<Config> ValidateConfig(const FlagValues& flags);

}  // namespace synx::app
