// config.h — synx's run configuration, validated before anything else runs.
//
// FlagValues holds the flags as typed; ValidateConfig turns them into a
// Config or says, in one line naming the flag, what is wrong. Nothing here
// touches DPDK: a bad flag must never cost a hugepage.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "cookie/keys.h"
#include "cookie/policy.h"
#include "engine/flow_plan.h"
#include "engine/listen_set.h"
#include "tcp/config.h"
#include "tcp/initiator.h"
#include "wire/addr.h"

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
  std::string pcap;
  int64_t pcap_max = 100000;
  bool check_config = false;   // validate everything, move no packet
  bool list_counters = false;  // print the counter list and exit
  // Responder.
  std::string local;
  std::string listen;
  std::string cookies = "auto";
  int64_t cookie_rotate = 30;
  std::string cookie_key_file;
  std::string on_established = "keep";
  std::string closed_port = "rst";
  int64_t max_conns = 65536;
  int64_t mss = 1460;
  int64_t ttl = 64;
  int64_t window = 64240;
  int64_t wscale = 7;
  int64_t idle_timeout = 60;
  int64_t synack_retries = 5;
  int64_t synack_rto_ms = 1000;
  int64_t rst_rate = 1000;
  // Initiator.
  std::string target;
  std::string src;
  std::string src_ports = "1024-65535";
  int64_t rate = 1000;
  int64_t connections = 0;
  int64_t concurrency = 0;
  std::string mode = "connect";
  std::string gateway;
  std::string close = "rst";
  int64_t syn_retries = 3;
  int64_t syn_rto_ms = 1000;
  std::string syn_options = "mss,ws,sack,ts";
  int64_t resolve_timeout = 3;
  int64_t time_wait = 60;
  // The flags given on the command line, as spelled in --help ("src-ports"):
  // a flag of the other role is an error, not silently ignored.
  std::vector<std::string> given;
  // Where the value in effect of a flag came from, by the same name:
  // "FILE:LINE" for a flag file; flags typed on the command line are absent.
  std::vector<std::pair<std::string, std::string>> origins;
};

// What the responder needs beyond the port: its addresses, its listeners
// and the rules' parameters, all checked here.
struct ResponderSettings {
  std::vector<wire::IpAddr> local;  // --local, in order, no duplicates
  std::vector<engine::ListenSpec> listen;
  uint32_t cookie_rotate_s = 30;
  std::string cookie_key_file;                  // empty: a random key
  std::optional<cookie::MasterKey> master_key;  // the file's key, read here
  // Every rule parameter; tcp.cookies is sized for one table of max_conns.
  tcp::ResponderConfig tcp;
  uint32_t max_conns = 0;  // per worker
};

// What the initiator needs beyond the port: its own addresses, the flows,
// the pace and the rules' parameters, all checked here.
struct InitiatorSettings {
  std::vector<wire::IpAddr> local;  // --local: ARP/ND, and --src by default
  engine::InitiatorMode mode = engine::InitiatorMode::kConnect;
  engine::FlowPlan plan;
  // --gateway, at most one per family: the next hop of every target of that
  // family (otherwise each target is its own next hop).
  std::optional<wire::IpAddr> gateway_v4;
  std::optional<wire::IpAddr> gateway_v6;
  uint64_t rate = 0;          // new connections (flood: SYNs) per s; 0: no limit
  uint64_t connections = 0;   // 0: until --duration or SIGINT
  uint64_t concurrency = 0;   // open connections at most; 0: the tables' size
  uint32_t max_conns = 0;     // per worker
  uint32_t resolve_timeout_s = 3;
  tcp::InitiatorConfig tcp;
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
  std::string pcap_path;          // --pcap: empty, no capture (capture.h)
  uint64_t pcap_max = 0;          // frames
  bool check_only = false;        // --check-config: stop before the port starts
  ResponderSettings responder;
  InitiatorSettings initiator;
};

// --max-conns: 2^26 entries are ~5 GB of table per core; beyond is a typo.
inline constexpr int64_t kMaxConnsLimit = int64_t{1} << 26;

// Long runs are fine; beyond ~3 years a value is a typo, and the TSC
// arithmetic of the loop stays far from overflow.
inline constexpr int64_t kMaxSeconds = 100'000'000;

absl::StatusOr<Config> ValidateConfig(const FlagValues& flags);

}  // namespace synx::app
