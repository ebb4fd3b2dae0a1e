// diagnose.h — turns an EAL or port failure into one line a person can act on.
//
// The line names what failed (the device as given on the command line), the
// DPDK line that says why (quoted from the captured DPDK log), and the likely
// fix for that kind of device. Reads the EAL arguments and DPDK's port list;
// changes nothing.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace synx::app {

// A device named on the EAL command line by --vdev or -a/--allow.
struct EalDevice {
  std::string option;  // "--vdev" or "-a"
  std::string args;    // "net_af_packet0,iface=eth1", "0000:01:00.0"
};

// Every device named by --vdev/-a/--allow (`--opt=X`, `--opt X` or `-aX`).
std::vector<EalDevice> EalDevices(std::span<const std::string> eal_args);

std::string ExplainEalFailure(const absl::Status& status, std::span<const std::string> eal_args,
                              std::string_view dpdk_log);

// Call after a successful InitEal (it asks DPDK which devices became ports).
// `port_name` is the port's ethdev name taken before Port::Open (empty if the
// port did not exist); `open_log` is what DPDK logged during Port::Open and
// `dpdk_log` all it logged since start.
std::string ExplainPortFailure(const absl::Status& status, uint16_t port_id,
                               std::string_view port_name,
                               std::span<const std::string> eal_args, std::string_view open_log,
                               std::string_view dpdk_log);

}  // namespace synx::app
