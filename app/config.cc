#include "config.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "io/port.h"

namespace synx::app {

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kResponder:
      return "responder";
    case Role::kInitiator:
      return "initiator";
  }
  return "unknown";
}

namespace {

absl::Status Bad(std::string_view flag, const std::string& value, std::string_view why) {
  return absl::InvalidArgumentError(absl::StrFormat("--%s=%s: %s", flag, value, why));
}

}  // namespace

absl::StatusOr<Config> ValidateConfig(const FlagValues& flags) {
  Config config;

  if (flags.role == "responder") {
    config.role = Role::kResponder;
  } else if (flags.role == "initiator") {
    config.role = Role::kInitiator;
  } else {
    return Bad("role", flags.role, "expected responder or initiator");
  }

  if (flags.port < 0 || flags.port > UINT16_MAX) {
    return Bad("port", absl::StrCat(flags.port), "a DPDK port id is 0..65535");
  }
  config.port_id = static_cast<uint16_t>(flags.port);

  if (flags.duration < 0 || flags.duration > kMaxSeconds) {
    return Bad("duration", absl::StrCat(flags.duration),
               absl::StrFormat("expected 0 (until SIGINT/SIGTERM) or 1..%d seconds", kMaxSeconds));
  }
  config.duration_s = static_cast<uint64_t>(flags.duration);

  if (flags.stats_interval < 0 || flags.stats_interval > kMaxSeconds) {
    return Bad("stats-interval", absl::StrCat(flags.stats_interval),
               absl::StrFormat("expected 0 (off) or 1..%d seconds", kMaxSeconds));
  }
  config.stats_interval_s = static_cast<uint64_t>(flags.stats_interval);

  config.json_path = flags.json;

  if (flags.mbufs < io::kMinMbufsPerQueuePair || flags.mbufs > io::kMaxMbufs) {
    return Bad("mbufs", absl::StrCat(flags.mbufs),
               absl::StrFormat("expected %u..%u (a full RX and TX ring, a burst and a cache "
                               "per queue pair)",
                               io::kMinMbufsPerQueuePair, io::kMaxMbufs));
  }
  config.mbufs = static_cast<uint32_t>(flags.mbufs);

  if (flags.burst < 1 || flags.burst > io::kMaxBurst) {
    return Bad("burst", absl::StrCat(flags.burst), absl::StrFormat("expected 1..%u", io::kMaxBurst));
  }
  config.burst = static_cast<uint16_t>(flags.burst);

  config.verbose = flags.verbose;
  return config;
}

}  // namespace synx::app
