#include "config.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <span>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "engine/worker.h"
#include "host/host_config.h"
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

// Debian's Abseil has its own string_view type.
std::string_view Sv(absl::string_view s) { return {s.data(), s.size()}; }

// An integer flag within [lo, hi].
absl::Status Range(std::string_view flag, int64_t v, int64_t lo, int64_t hi,
                   std::string_view what = "") {
  if (v >= lo && v <= hi) return absl::OkStatus();
  return Bad(flag, absl::StrCat(v),
             what.empty() ? absl::StrFormat("expected %d..%d", lo, hi)
                          : absl::StrFormat("expected %d..%d %s", lo, hi, what));
}

absl::StatusOr<std::vector<wire::IpAddr>> ParseLocal(const std::string& text) {
  std::vector<wire::IpAddr> out;
  if (text.empty()) return out;
  host::HostConfig probe;
  for (absl::string_view item : absl::StrSplit(text, ',')) {
    if (item.empty()) return Bad("local", text, "empty item in the list");
    const std::optional<wire::IpAddr> a = wire::IpAddr::Parse(Sv(item));
    if (!a) {
      return Bad("local", text, absl::StrFormat("\"%s\" is not an IP address", item));
    }
    switch (probe.AddAddress(*a)) {
      case host::AddResult::kOk:
        break;
      case host::AddResult::kDuplicate:
        return Bad("local", text, absl::StrFormat("%s is listed twice", item));
      case host::AddResult::kFull:
        return Bad("local", text,
                   absl::StrFormat("at most %d addresses per family", host::kMaxAddrs));
      case host::AddResult::kNotUnicast:
        return Bad("local", text,
                   absl::StrFormat("%s is not a unicast address (multicast, broadcast, "
                                   "unspecified, loopback, class E or v4-mapped)",
                                   item));
    }
    out.push_back(*a);
  }
  return out;
}

absl::StatusOr<cookie::MasterKey> ReadKeyFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Bad("cookie-key-file", path,
               absl::StrCat("cannot open: ", std::strerror(errno)));
  }
  // A key file is one line of 64 hex digits plus comments; anything the size
  // of a megabyte is the wrong file.
  constexpr std::streamsize kMaxBytes = 64 * 1024;
  std::string contents(static_cast<size_t>(kMaxBytes) + 1, '\0');
  in.read(contents.data(), kMaxBytes + 1);
  contents.resize(static_cast<size_t>(in.gcount()));
  if (in.bad()) return Bad("cookie-key-file", path, "read failed");
  if (static_cast<std::streamsize>(contents.size()) > kMaxBytes) {
    return Bad("cookie-key-file", path, "larger than 64 KB: not a key file");
  }
  absl::StatusOr<cookie::MasterKey> key = cookie::ParseKeyFile(contents);
  if (!key.ok()) return Bad("cookie-key-file", path, Sv(key.status().message()));
  return key;
}

// The flags both roles share about connections: MSS, TTL, window, window
// scale, idle timeout.
absl::Status ValidateConnection(const FlagValues& flags, tcp::ConnectionConfig& c) {
  // RFC 9293 MUST-15 / RFC 6691: 536 is the least an IPv4 host must accept;
  // the IPv6 header is 20 bytes longer and its minimum MTU gives 1220.
  if (absl::Status s = Range("mss", flags.mss, 536, 65495, "bytes (IPv4; IPv6 gets 20 less, "
                                                           "at least 1220)");
      !s.ok()) {
    return s;
  }
  c.mss_v4 = static_cast<uint16_t>(flags.mss);
  c.mss_v6 = static_cast<uint16_t>(std::max<int64_t>(flags.mss - 20, 1220));
  if (absl::Status s = Range("ttl", flags.ttl, 1, 255); !s.ok()) return s;
  c.ttl = static_cast<uint8_t>(flags.ttl);
  if (absl::Status s = Range("wscale", flags.wscale, 0, 14, "(RFC 7323 §2.3)"); !s.ok()) {
    return s;
  }
  c.window_shift = static_cast<uint8_t>(flags.wscale);
  const int64_t max_window = int64_t{65535} << flags.wscale;
  const int64_t min_window = int64_t{1} << flags.wscale;
  if (flags.window < min_window || flags.window > max_window) {
    return Bad("window", absl::StrCat(flags.window),
               absl::StrFormat("expected %d..%d bytes with --wscale=%d (the advertised "
                               "window is the value >> wscale, 1..65535)",
                               min_window, max_window, flags.wscale));
  }
  c.window = static_cast<uint32_t>(flags.window);
  if (absl::Status s = Range("idle-timeout", flags.idle_timeout, 1, 86'400, "seconds");
      !s.ok()) {
    return s;
  }
  c.idle_timeout_ms = static_cast<uint32_t>(flags.idle_timeout * 1000);
  if (absl::Status s = Range("time-wait", flags.time_wait, 1, 3600, "seconds"); !s.ok()) {
    return s;
  }
  c.time_wait_ms = static_cast<uint32_t>(flags.time_wait * 1000);
  return absl::OkStatus();
}

absl::Status ValidateResponder(const FlagValues& flags, ResponderSettings& r) {
  absl::StatusOr<std::vector<wire::IpAddr>> local = ParseLocal(flags.local);
  if (!local.ok()) return local.status();
  r.local = std::move(local).value();

  if (!flags.listen.empty()) {
    absl::StatusOr<std::vector<engine::ListenSpec>> listen =
        engine::ParseListenList(flags.listen);
    if (!listen.ok()) {
      return Bad("listen", flags.listen, Sv(listen.status().message()));
    }
    for (const engine::ListenSpec& spec : *listen) {
      if (std::find(r.local.begin(), r.local.end(), spec.addr) == r.local.end()) {
        return Bad("listen", flags.listen,
                   absl::StrFormat("%s is not one of the --local addresses%s",
                                   spec.addr.ToString(),
                                   r.local.empty() ? " (--local is empty)" : ""));
      }
    }
    r.listen = std::move(listen).value();
  }

  const std::optional<cookie::CookieMode> mode = cookie::ParseCookieMode(flags.cookies);
  if (!mode) return Bad("cookies", flags.cookies, "expected auto, always or never");
  if (absl::Status s = Range("cookie-rotate", flags.cookie_rotate, cookie::kMinRotateSeconds,
                             cookie::kMaxRotateSeconds, "seconds");
      !s.ok()) {
    return s;
  }
  r.cookie_rotate_s = static_cast<uint32_t>(flags.cookie_rotate);
  r.cookie_key_file = flags.cookie_key_file;
  if (!r.cookie_key_file.empty()) {
    absl::StatusOr<cookie::MasterKey> key = ReadKeyFile(r.cookie_key_file);
    if (!key.ok()) return key.status();
    r.master_key = *key;
  }

  tcp::ResponderConfig& t = r.tcp;
  const std::optional<tcp::OnEstablished> on_established =
      tcp::ParseOnEstablished(flags.on_established);
  if (!on_established) {
    return Bad("on-established", flags.on_established, "expected keep, reset or close");
  }
  t.on_established = *on_established;
  const std::optional<tcp::ClosedPort> closed_port = tcp::ParseClosedPort(flags.closed_port);
  if (!closed_port) return Bad("closed-port", flags.closed_port, "expected rst or drop");
  t.closed_port = *closed_port;

  if (absl::Status s = Range("max-conns", flags.max_conns, 1, kMaxConnsLimit,
                             "connection table entries per worker");
      !s.ok()) {
    return s;
  }
  r.max_conns = static_cast<uint32_t>(flags.max_conns);

  if (absl::Status s = ValidateConnection(flags, t.conn); !s.ok()) return s;
  if (absl::Status s = Range("synack-retries", flags.synack_retries, 0, 255); !s.ok()) {
    return s;
  }
  t.conn.synack_retries = static_cast<uint8_t>(flags.synack_retries);
  if (absl::Status s = Range("synack-rto-ms", flags.synack_rto_ms, 1, 60'000); !s.ok()) {
    return s;
  }
  t.conn.rto_ms = static_cast<uint32_t>(flags.synack_rto_ms);
  t.conn.max_rto_ms = std::max<uint32_t>(t.conn.max_rto_ms, t.conn.rto_ms);
  if (absl::Status s = Range("rst-rate", flags.rst_rate, 0, 1'000'000'000,
                             "RSTs per second per worker (0: no limit)");
      !s.ok()) {
    return s;
  }
  t.rst_rate_per_s = static_cast<uint32_t>(flags.rst_rate);

  t.cookies = cookie::PolicyConfig::ForTable(*mode, r.max_conns, r.cookie_rotate_s);
  if (absl::Status s = t.Validate(); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("responder settings: ", s.message()));
  }
  return absl::OkStatus();
}

// Flags that only one role reads: given to the other, they are a mistake
// worth one line rather than silence.
constexpr std::string_view kResponderOnly[] = {
    "listen", "cookies", "cookie-rotate", "cookie-key-file", "on-established",
    "closed-port", "synack-retries", "synack-rto-ms",
};
constexpr std::string_view kInitiatorOnly[] = {
    "target", "src", "src-ports", "rate", "connections", "concurrency", "mode",
    "gateway", "close", "syn-retries", "syn-rto-ms", "syn-options", "resolve-timeout",
};

absl::Status CheckRoleFlags(const FlagValues& flags, Role role) {
  const std::span<const std::string_view> other =
      role == Role::kResponder ? std::span<const std::string_view>(kInitiatorOnly)
                               : std::span<const std::string_view>(kResponderOnly);
  for (const std::string& given : flags.given) {
    for (std::string_view name : other) {
      if (given == name) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "--%s is a flag of --role=%s; this run is --role=%s", given,
            role == Role::kResponder ? "initiator" : "responder", RoleName(role)));
      }
    }
  }
  return absl::OkStatus();
}

std::string_view FamilyName(wire::Family f) {
  return f == wire::Family::kV4 ? "IPv4" : "IPv6";
}

// --syn-options: which options our SYN carries.
absl::Status ParseSynOptions(const std::string& text, tcp::InitiatorConfig& t) {
  t.offer_mss = t.conn.offer_window_scale = t.conn.offer_sack = t.conn.offer_timestamps =
      false;
  if (text == "none") return absl::OkStatus();
  for (absl::string_view item : absl::StrSplit(text, ',')) {
    bool* flag = item == "mss"    ? &t.offer_mss
                 : item == "ws"   ? &t.conn.offer_window_scale
                 : item == "sack" ? &t.conn.offer_sack
                 : item == "ts"   ? &t.conn.offer_timestamps
                                  : nullptr;
    if (flag == nullptr) {
      return Bad("syn-options", text,
                 absl::StrFormat("\"%s\" is not one of mss, ws, sack, ts (or none alone)",
                                 item));
    }
    if (*flag) return Bad("syn-options", text, absl::StrFormat("%s is listed twice", item));
    *flag = true;
  }
  return absl::OkStatus();
}

absl::Status ValidateInitiator(const FlagValues& flags, InitiatorSettings& r) {
  absl::StatusOr<std::vector<wire::IpAddr>> local = ParseLocal(flags.local);
  if (!local.ok()) return local.status();
  r.local = std::move(local).value();

  if (flags.mode == "connect") {
    r.mode = engine::InitiatorMode::kConnect;
  } else if (flags.mode == "flood") {
    r.mode = engine::InitiatorMode::kFlood;
  } else {
    return Bad("mode", flags.mode, "expected connect or flood");
  }

  if (flags.target.empty()) {
    return absl::InvalidArgumentError(
        "--target is needed with --role=initiator: where to connect, e.g. "
        "--target=198.18.0.2:80 or --target=[2001:2::2]:80");
  }
  absl::StatusOr<std::vector<engine::Target>> targets = engine::ParseTargets(flags.target);
  if (!targets.ok()) return targets.status();
  r.plan.targets = std::move(targets).value();

  auto has_local = [&](wire::Family f) {
    return std::any_of(r.local.begin(), r.local.end(),
                       [f](const wire::IpAddr& a) { return a.family == f; });
  };
  if (flags.src.empty()) {
    r.plan.sources = engine::AddrSet::Of(r.local);
  } else {
    absl::StatusOr<engine::AddrSet> src = engine::AddrSet::Parse(flags.src);
    if (!src.ok()) return src.status();
    r.plan.sources = std::move(src).value();
  }
  for (const engine::Target& t : r.plan.targets) {
    const wire::Family f = t.addr.family;
    // ARP requests and neighbour solicitations need a sender address.
    if (!has_local(f)) {
      return Bad("local", flags.local,
                 absl::StrFormat("no %s address to resolve the next hop of --target %s from "
                                 "(synx's own addresses: the ARP / ND sender, and the default "
                                 "--src)",
                                 FamilyName(f), engine::FormatTarget(t)));
    }
    if (r.plan.sources.count(f) == 0) {
      return Bad("src", flags.src.empty() ? flags.local : flags.src,
                 absl::StrFormat("no %s source address for --target %s", FamilyName(f),
                                 engine::FormatTarget(t)));
    }
  }
  absl::StatusOr<engine::PortRange> ports = engine::ParsePortRange(flags.src_ports);
  if (!ports.ok()) return ports.status();
  r.plan.ports = *ports;

  if (!flags.gateway.empty()) {
    for (absl::string_view item : absl::StrSplit(flags.gateway, ',')) {
      const std::optional<wire::IpAddr> g = wire::IpAddr::Parse(Sv(item));
      if (!g) {
        return Bad("gateway", flags.gateway,
                   absl::StrFormat("\"%s\" is not an IP address", item));
      }
      if (g->IsMulticast() || g->IsUnspecified() || g->IsLoopback() ||
          g->IsLimitedBroadcast() || g->IsReservedClassE() || g->IsV4MappedV6()) {
        return Bad("gateway", flags.gateway, absl::StrFormat("%s is not unicast", item));
      }
      std::optional<wire::IpAddr>& slot = g->is_v4() ? r.gateway_v4 : r.gateway_v6;
      if (slot) {
        return Bad("gateway", flags.gateway,
                   absl::StrFormat("two %s gateways (one per family)", FamilyName(g->family)));
      }
      if (!has_local(g->family)) {
        return Bad("gateway", flags.gateway,
                   absl::StrFormat("no %s --local address to reach %s from",
                                   FamilyName(g->family), item));
      }
      slot = *g;
    }
  }

  if (absl::Status s = Range("rate", flags.rate, 0, 1'000'000'000,
                             "new connections per second (0: as fast as possible)");
      !s.ok()) {
    return s;
  }
  r.rate = static_cast<uint64_t>(flags.rate);
  if (absl::Status s = Range("connections", flags.connections, 0, int64_t{1} << 50,
                             "(0: until --duration or SIGINT)");
      !s.ok()) {
    return s;
  }
  r.connections = static_cast<uint64_t>(flags.connections);
  if (absl::Status s = Range("concurrency", flags.concurrency, 0, int64_t{1} << 40,
                             "open connections (0: as many as --max-conns holds)");
      !s.ok()) {
    return s;
  }
  r.concurrency = static_cast<uint64_t>(flags.concurrency);
  if (absl::Status s = Range("max-conns", flags.max_conns, 1, kMaxConnsLimit,
                             "connection table entries per worker");
      !s.ok()) {
    return s;
  }
  r.max_conns = static_cast<uint32_t>(flags.max_conns);
  if (absl::Status s = Range("resolve-timeout", flags.resolve_timeout, 1, 3600, "seconds");
      !s.ok()) {
    return s;
  }
  r.resolve_timeout_s = static_cast<uint32_t>(flags.resolve_timeout);

  tcp::InitiatorConfig& t = r.tcp;
  const std::optional<tcp::Close> close = tcp::ParseClose(flags.close);
  if (!close) return Bad("close", flags.close, "expected rst, fin or none");
  t.close = *close;
  if (absl::Status s = ValidateConnection(flags, t.conn); !s.ok()) return s;
  if (absl::Status s = ParseSynOptions(flags.syn_options, t); !s.ok()) return s;
  if (absl::Status s = Range("syn-retries", flags.syn_retries, 0, 255); !s.ok()) return s;
  t.syn_retries = static_cast<uint8_t>(flags.syn_retries);
  if (absl::Status s = Range("syn-rto-ms", flags.syn_rto_ms, 1, 60'000); !s.ok()) return s;
  t.syn_rto_ms = static_cast<uint32_t>(flags.syn_rto_ms);
  t.conn.max_rto_ms = std::max<uint32_t>(t.conn.max_rto_ms, t.syn_rto_ms);
  if (absl::Status s = Range("rst-rate", flags.rst_rate, 0, 1'000'000'000,
                             "RSTs per second per worker (0: no limit)");
      !s.ok()) {
    return s;
  }
  t.rst_rate_per_s = static_cast<uint32_t>(flags.rst_rate);
  if (absl::Status s = t.Validate(); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("initiator settings: ", s.message()));
  }
  return absl::OkStatus();
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
  if (absl::Status s = Range("pcap-max", flags.pcap_max, 1, 1'000'000'000, "frames"); !s.ok()) {
    return s;
  }
  if (!flags.pcap.empty()) {
    // The file is opened once the port is up; a directory that cannot take
    // it is a configuration error, found before EAL starts.
    const size_t slash = flags.pcap.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : flags.pcap.substr(0, slash + 1);
    if (access(dir.c_str(), W_OK | X_OK) != 0) {
      return Bad("pcap", flags.pcap,
                 absl::StrCat("cannot create a file in ", dir, ": ", std::strerror(errno)));
    }
  }
  config.pcap_path = flags.pcap;
  config.pcap_max = static_cast<uint64_t>(flags.pcap_max);
  config.check_only = flags.check_config;

  if (absl::Status s = CheckRoleFlags(flags, config.role); !s.ok()) return s;
  if (flags.burst > engine::kBurst) {
    return Bad("burst", absl::StrCat(flags.burst),
               absl::StrFormat("the %s takes at most %u frames per burst",
                               RoleName(config.role), engine::kBurst));
  }
  if (config.role == Role::kResponder) {
    if (absl::Status s = ValidateResponder(flags, config.responder); !s.ok()) return s;
  } else {
    if (absl::Status s = ValidateInitiator(flags, config.initiator); !s.ok()) return s;
  }
  return config;
}

}  // namespace synx::app
