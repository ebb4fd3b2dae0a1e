#include "flags.h"

#include <cstdint>
#include <string_view>

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "stats/counters.h"

ABSL_FLAG(std::string, role, "responder",
          "responder (answers SYNs on the --listen addresses) or initiator (opens "
          "connections to the --target addresses at --rate and measures them).");
ABSL_FLAG(int64_t, port, 0, "DPDK port id to use (ports are numbered in probe order).");
ABSL_FLAG(int64_t, duration, 0, "Run this many seconds; 0 runs until SIGINT/SIGTERM.");
ABSL_FLAG(int64_t, stats_interval, 0,
          "Print a live line every this many seconds (rx/tx pps, SYN in, SYN+ACK out, "
          "cookies sent/valid/invalid, established, RST out, drops); 0 is off.");
ABSL_FLAG(std::string, json, "",
          "Write the final summary as JSON to this file, or to stdout with '-' (the "
          "human-readable lines then go to stderr).");
ABSL_FLAG(int64_t, mbufs, 8191,
          "Packet mempool size, on the port's NUMA socket (2^n - 1 fits best).");
ABSL_FLAG(int64_t, burst, 32, "Frames per rx burst, 1..32.");
ABSL_FLAG(std::string, local, "",
          "synx's own addresses, IPv4 and IPv6, comma-separated: it answers ARP, ping and "
          "neighbour solicitations for them and takes TCP to them.");
ABSL_FLAG(std::string, listen, "",
          "Where the responder accepts connections, comma-separated: IP:PORT, IP:LO-HI or "
          "[IPv6]:PORT; every address must be in --local. Other ports get a RST "
          "(--closed-port).");
ABSL_FLAG(std::string, cookies, "auto",
          "SYN cookies: auto (stateful until a worker's half-open entries or table fill "
          "cross a high-water mark), always or never.");
ABSL_FLAG(int64_t, cookie_rotate, 30,
          "Cookie key lifetime in seconds, 1..3600; a cookie is valid for one to two of "
          "them.");
ABSL_FLAG(std::string, cookie_key_file, "",
          "File with the 64-hex-digit master key, so that several synx behind ECMP accept "
          "each other's cookies; without it each run draws a random key.");
ABSL_FLAG(std::string, on_established, "keep",
          "After the handshake: keep (until the peer closes or --idle-timeout), reset (RST "
          "at once) or close (FIN exchange).");
ABSL_FLAG(std::string, closed_port, "rst",
          "Segments to a port nobody listens on: rst (rate-limited by --rst-rate) or drop.");
ABSL_FLAG(int64_t, max_conns, 65536,
          "Connection table entries per worker lcore, allocated at start on the port's NUMA "
          "socket (about 100 bytes each).");
ABSL_FLAG(int64_t, mss, 1460, "MSS offered over IPv4 (IPv6: 20 less, at least 1220).");
ABSL_FLAG(int64_t, ttl, 64,
          "IPv4 TTL and IPv6 hop limit of the TCP segments and echo replies synx sends.");
ABSL_FLAG(int64_t, window, 64240, "Receive window in bytes.");
ABSL_FLAG(int64_t, wscale, 7, "Window scale offered when the peer offers one, 0..14.");
ABSL_FLAG(int64_t, idle_timeout, 60,
          "Seconds an established connection may stay silent before synx resets it.");
ABSL_FLAG(int64_t, synack_retries, 5,
          "SYN+ACK retransmissions before a half-open entry is given up.");
ABSL_FLAG(int64_t, synack_rto_ms, 1000,
          "First SYN+ACK retransmission timeout in ms, doubled per retry (RFC 6298).");
ABSL_FLAG(int64_t, rst_rate, 1000,
          "RSTs per second per worker for segments matching nothing (closed ports, stray "
          "ACKs); 0 is no limit.");
ABSL_FLAG(int64_t, time_wait, 60,
          "Seconds a connection synx closed first stays in TIME-WAIT (RFC 9293 asks 2 MSL = "
          "4 min; 60 as Linux): its 4-tuple is not reused meanwhile.");
// Initiator.
ABSL_FLAG(std::string, target, "",
          "Initiator: where to connect, comma-separated IP:PORT, [IPv6]:PORT or IP:LO-HI "
          "(one target per port).");
ABSL_FLAG(std::string, src, "",
          "Initiator: source addresses, comma-separated: IP, A-B ranges or PREFIX/LEN blocks "
          "(connect mode: addresses the targets send back to us; flood: any, spoofed); "
          "none given: the --local addresses.");
ABSL_FLAG(std::string, src_ports, "1024-65535",
          "Initiator: source ports LO-HI; each worker uses only the ports whose SYN+ACK "
          "its own queue receives (RSS).");
ABSL_FLAG(int64_t, rate, 1000,
          "Initiator: new connections (flood: SYNs) per second for the whole run, split "
          "over the workers; 0 is as fast as possible.");
ABSL_FLAG(int64_t, connections, 0,
          "Initiator: open this many connections (flood: send this many SYNs), wait for the "
          "last handshakes, then stop; 0 runs until --duration or SIGINT.");
ABSL_FLAG(int64_t, concurrency, 0,
          "Initiator: at most this many connections open at once over all workers; 0 is "
          "as many as --max-conns holds.");
ABSL_FLAG(std::string, mode, "connect",
          "Initiator: connect (full handshakes, then --close) or flood (SYNs only from "
          "--src, no state; SYN+ACKs and RSTs that come back are counted).");
ABSL_FLAG(std::string, gateway, "",
          "Initiator: the router to send through, one per family (IP[,IP]); default: each "
          "target is on the link and is its own next hop.");
ABSL_FLAG(std::string, close, "rst",
          "Initiator: after the handshake, rst (ACK, then RST), fin (FIN exchange, "
          "TIME-WAIT) or none (hold the connection).");
ABSL_FLAG(int64_t, syn_retries, 3,
          "Initiator: SYN retransmissions before an open counts as timed out (RFC 9293 asks "
          "3 minutes; a load tester gives up sooner).");
ABSL_FLAG(int64_t, syn_rto_ms, 1000,
          "Initiator: first SYN retransmission timeout in ms, doubled per retry (RFC 6298).");
ABSL_FLAG(std::string, syn_options, "mss,ws,sack,ts",
          "Initiator: the options our SYN offers, any of mss, ws, sack, ts, or none.");
ABSL_FLAG(int64_t, resolve_timeout, 3,
          "Initiator: seconds to wait for the next hop's ARP / ND answer (asked again each "
          "second) before giving up.");
ABSL_FLAG(std::string, pcap, "",
          "Capture every frame the port receives and sends to this pcapng file (no "
          "hugepages needed; dpdk-dumpcap needs them), up to --pcap-max frames.");
ABSL_FLAG(int64_t, pcap_max, 100000,
          "--pcap stops after this many frames (each at most 2048 bytes of data).");
ABSL_FLAG(bool, verbose, false,
          "Show DPDK's own log while starting (by default it is kept back and the "
          "line that matters is quoted on failure).");
ABSL_FLAG(bool, check_config, false,
          "Validate everything and exit without moving a packet: the flags, the addresses, "
          "the EAL options (EAL is started to see its ports), the port, workers against "
          "the port's queues, and the memory for the tables and mempool. Prints \"config "
          "OK: ...\" and exits 0, or one line and exit code 2.");
ABSL_FLAG(bool, list_counters, false,
          "Print every counter and drop reason (kind, name, meaning), one per line, and "
          "exit.");

namespace synx::app {
namespace {

struct FlagSpec {
  const absl::CommandLineFlag* flag;
  std::string_view value_name;  // shown in --help; empty for booleans
};

const std::vector<FlagSpec>& Specs() {
  static const auto* specs = new std::vector<FlagSpec>{
      {&absl::GetFlagReflectionHandle(FLAGS_role), "responder|initiator"},
      {&absl::GetFlagReflectionHandle(FLAGS_port), "N"},
      {&absl::GetFlagReflectionHandle(FLAGS_duration), "SECONDS"},
      {&absl::GetFlagReflectionHandle(FLAGS_stats_interval), "SECONDS"},
      {&absl::GetFlagReflectionHandle(FLAGS_json), "FILE|-"},
      {&absl::GetFlagReflectionHandle(FLAGS_mbufs), "N"},
      {&absl::GetFlagReflectionHandle(FLAGS_burst), "N"},
      {&absl::GetFlagReflectionHandle(FLAGS_local), "IP[,IP...]"},
      {&absl::GetFlagReflectionHandle(FLAGS_listen), "IP:PORT[,...]"},
      {&absl::GetFlagReflectionHandle(FLAGS_cookies), "auto|always|never"},
      {&absl::GetFlagReflectionHandle(FLAGS_cookie_rotate), "SECONDS"},
      {&absl::GetFlagReflectionHandle(FLAGS_cookie_key_file), "PATH"},
      {&absl::GetFlagReflectionHandle(FLAGS_on_established), "keep|reset|close"},
      {&absl::GetFlagReflectionHandle(FLAGS_closed_port), "rst|drop"},
      {&absl::GetFlagReflectionHandle(FLAGS_max_conns), "N"},
      {&absl::GetFlagReflectionHandle(FLAGS_mss), "BYTES"},
      {&absl::GetFlagReflectionHandle(FLAGS_ttl), "N"},
      {&absl::GetFlagReflectionHandle(FLAGS_window), "BYTES"},
      {&absl::GetFlagReflectionHandle(FLAGS_wscale), "N"},
      {&absl::GetFlagReflectionHandle(FLAGS_idle_timeout), "SECONDS"},
      {&absl::GetFlagReflectionHandle(FLAGS_synack_retries), "N"},
      {&absl::GetFlagReflectionHandle(FLAGS_synack_rto_ms), "MS"},
      {&absl::GetFlagReflectionHandle(FLAGS_rst_rate), "N"},
      {&absl::GetFlagReflectionHandle(FLAGS_time_wait), "SECONDS"},
      {&absl::GetFlagReflectionHandle(FLAGS_target), "IP:PORT[,...]"},
      {&absl::GetFlagReflectionHandle(FLAGS_src), "IP[,A-B,P/LEN...]"},
      {&absl::GetFlagReflectionHandle(FLAGS_src_ports), "LO-HI"},
      {&absl::GetFlagReflectionHandle(FLAGS_rate), "CPS"},
      {&absl::GetFlagReflectionHandle(FLAGS_connections), "N"},
      {&absl::GetFlagReflectionHandle(FLAGS_concurrency), "N"},
      {&absl::GetFlagReflectionHandle(FLAGS_mode), "connect|flood"},
      {&absl::GetFlagReflectionHandle(FLAGS_gateway), "IP[,IP]"},
      {&absl::GetFlagReflectionHandle(FLAGS_close), "rst|fin|none"},
      {&absl::GetFlagReflectionHandle(FLAGS_syn_retries), "N"},
      {&absl::GetFlagReflectionHandle(FLAGS_syn_rto_ms), "MS"},
      {&absl::GetFlagReflectionHandle(FLAGS_syn_options), "mss,ws,sack,ts|none"},
      {&absl::GetFlagReflectionHandle(FLAGS_resolve_timeout), "SECONDS"},
      {&absl::GetFlagReflectionHandle(FLAGS_pcap), "FILE"},
      {&absl::GetFlagReflectionHandle(FLAGS_pcap_max), "FRAMES"},
      {&absl::GetFlagReflectionHandle(FLAGS_verbose), ""},
      {&absl::GetFlagReflectionHandle(FLAGS_check_config), ""},
      {&absl::GetFlagReflectionHandle(FLAGS_list_counters), ""},
  };
  return *specs;
}

// Debian's Abseil has its own string_view type.
std::string_view Sv(absl::string_view s) { return {s.data(), s.size()}; }

// Abseil names cannot hold '-'; the command line spells them with '-'.
std::string DisplayName(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (c == '_') c = '-';
  }
  return out;
}

std::string RegistryName(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (c == '-') c = '_';
  }
  return out;
}

const FlagSpec* FindSpec(std::string_view name) {
  const std::string wanted = RegistryName(name);
  for (const FlagSpec& spec : Specs()) {
    if (Sv(spec.flag->Name()) == wanted) {
      return &spec;
    }
  }
  return nullptr;
}

bool IsBool(const absl::CommandLineFlag& flag) { return flag.IsOfType<bool>(); }

std::string_view ExpectedText(const absl::CommandLineFlag& flag) {
  if (flag.IsOfType<bool>()) return "expected true or false";
  if (flag.IsOfType<int64_t>()) return "expected an integer";
  return "not a valid value";
}

// Word-wraps `text` to `width` columns, indenting continuation lines.
std::string Wrap(std::string_view text, size_t first_column, size_t width) {
  std::string out;
  size_t column = first_column;
  while (!text.empty()) {
    const size_t space = text.find(' ');
    const std::string_view word = text.substr(0, space);
    text = space == std::string_view::npos ? std::string_view() : text.substr(space + 1);
    if (column > first_column && column + 1 + word.size() > width) {
      out += "\n" + std::string(first_column, ' ');
      column = first_column;
    } else if (column > first_column) {
      out += ' ';
      ++column;
    }
    out += word;
    column += word.size();
  }
  return out;
}

bool IsHelp(std::string_view arg) { return arg == "--help" || arg == "-h" || arg == "-help"; }

}  // namespace

CommandLine SplitCommandLine(int argc, const char* const* argv) {
  CommandLine out;
  out.eal_args.emplace_back(argc > 0 && argv[0] != nullptr ? argv[0] : "synx");
  int i = 1;
  for (; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--") {
      ++i;
      break;
    }
    out.eal_args.emplace_back(argv[i]);
  }
  for (; i < argc; ++i) out.synx_args.emplace_back(argv[i]);

  if (argc == 2 && IsHelp(argv[1])) out.help = true;
  // `synx --list-counters` needs no `--` either: it never starts EAL.
  if (argc == 2 && std::string_view(argv[1]) == "--list-counters") {
    out.eal_args.pop_back();
    out.synx_args.emplace_back(argv[1]);
  }
  for (const std::string& arg : out.synx_args) {
    if (IsHelp(arg)) out.help = true;
  }
  return out;
}

absl::StatusOr<FlagValues> ParseSynxFlags(std::span<const FlagArg> args) {
  // Each parse starts from the defaults, whatever an earlier one set.
  for (const FlagSpec& spec : Specs()) {
    std::string error;
    auto* flag = absl::FindCommandLineFlag(spec.flag->Name());
    flag->ParseFrom(spec.flag->DefaultValue(), &error);
  }
  std::vector<std::string> given;
  std::vector<std::pair<std::string, std::string>> origins;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i].text;
    const std::string& origin = args[i].origin;
    auto error = [&origin](std::string message) {
      return absl::InvalidArgumentError(origin.empty() ? message
                                                       : absl::StrCat(origin, ": ", message));
    };
    if (arg.size() < 2 || arg[0] != '-' || arg == "--") {
      return error(absl::StrFormat(
          "unexpected argument '%s' after '--' (synx flags look like --name=value)", arg));
    }
    std::string_view body = arg.substr(arg[1] == '-' ? 2 : 1);
    std::string_view name = body;
    std::string value;
    bool has_value = false;
    if (size_t eq = body.find('='); eq != std::string_view::npos) {
      name = body.substr(0, eq);
      value = std::string(body.substr(eq + 1));
      has_value = true;
    }

    const FlagSpec* spec = FindSpec(name);
    if (spec == nullptr && !has_value && name.substr(0, 2) == "no") {
      // --noverbose
      const FlagSpec* negated = FindSpec(name.substr(2));
      if (negated != nullptr && IsBool(*negated->flag)) {
        spec = negated;
        value = "false";
        has_value = true;
      }
    }
    if (spec == nullptr) {
      return error(absl::StrFormat("unknown flag '%s' (synx -- --help lists the flags)", arg));
    }
    const std::string shown = DisplayName(Sv(spec->flag->Name()));
    given.push_back(shown);
    auto* flag = absl::FindCommandLineFlag(spec->flag->Name());
    if (!has_value) {
      // In a file, a value always shares the flag's line.
      if (IsBool(*flag)) {
        value = "true";
      } else if (i + 1 < args.size() && args[i + 1].origin == origin && origin.empty()) {
        value = args[++i].text;
      } else {
        return error(
            absl::StrFormat("--%s needs a value: --%s=%s", shown, shown, spec->value_name));
      }
    }
    if (value.empty()) {
      return error(absl::StrFormat("--%s=: empty value (expected %s)", shown,
                                   IsBool(*flag) ? "true or false" : spec->value_name));
    }
    std::string parse_error;
    if (!flag->ParseFrom(value, &parse_error)) {
      return error(absl::StrFormat("--%s=%s: %s", shown, value, ExpectedText(*flag)));
    }
    std::erase_if(origins, [&shown](const auto& o) { return o.first == shown; });
    if (!origin.empty()) origins.emplace_back(shown, origin);
  }

  FlagValues values;
  values.role = absl::GetFlag(FLAGS_role);
  values.port = absl::GetFlag(FLAGS_port);
  values.duration = absl::GetFlag(FLAGS_duration);
  values.stats_interval = absl::GetFlag(FLAGS_stats_interval);
  values.json = absl::GetFlag(FLAGS_json);
  values.mbufs = absl::GetFlag(FLAGS_mbufs);
  values.burst = absl::GetFlag(FLAGS_burst);
  values.verbose = absl::GetFlag(FLAGS_verbose);
  values.pcap = absl::GetFlag(FLAGS_pcap);
  values.pcap_max = absl::GetFlag(FLAGS_pcap_max);
  values.check_config = absl::GetFlag(FLAGS_check_config);
  values.list_counters = absl::GetFlag(FLAGS_list_counters);
  values.local = absl::GetFlag(FLAGS_local);
  values.listen = absl::GetFlag(FLAGS_listen);
  values.cookies = absl::GetFlag(FLAGS_cookies);
  values.cookie_rotate = absl::GetFlag(FLAGS_cookie_rotate);
  values.cookie_key_file = absl::GetFlag(FLAGS_cookie_key_file);
  values.on_established = absl::GetFlag(FLAGS_on_established);
  values.closed_port = absl::GetFlag(FLAGS_closed_port);
  values.max_conns = absl::GetFlag(FLAGS_max_conns);
  values.mss = absl::GetFlag(FLAGS_mss);
  values.ttl = absl::GetFlag(FLAGS_ttl);
  values.window = absl::GetFlag(FLAGS_window);
  values.wscale = absl::GetFlag(FLAGS_wscale);
  values.idle_timeout = absl::GetFlag(FLAGS_idle_timeout);
  values.synack_retries = absl::GetFlag(FLAGS_synack_retries);
  values.synack_rto_ms = absl::GetFlag(FLAGS_synack_rto_ms);
  values.rst_rate = absl::GetFlag(FLAGS_rst_rate);
  values.time_wait = absl::GetFlag(FLAGS_time_wait);
  values.target = absl::GetFlag(FLAGS_target);
  values.src = absl::GetFlag(FLAGS_src);
  values.src_ports = absl::GetFlag(FLAGS_src_ports);
  values.rate = absl::GetFlag(FLAGS_rate);
  values.connections = absl::GetFlag(FLAGS_connections);
  values.concurrency = absl::GetFlag(FLAGS_concurrency);
  values.mode = absl::GetFlag(FLAGS_mode);
  values.gateway = absl::GetFlag(FLAGS_gateway);
  values.close = absl::GetFlag(FLAGS_close);
  values.syn_retries = absl::GetFlag(FLAGS_syn_retries);
  values.syn_rto_ms = absl::GetFlag(FLAGS_syn_rto_ms);
  values.syn_options = absl::GetFlag(FLAGS_syn_options);
  values.resolve_timeout = absl::GetFlag(FLAGS_resolve_timeout);
  values.given = std::move(given);
  values.origins = std::move(origins);
  return values;
}

absl::StatusOr<FlagValues> ParseSynxCommandLine(std::span<const std::string> args) {
  absl::StatusOr<std::vector<FlagArg>> expanded = ExpandFlagfiles(args);
  if (!expanded.ok()) return expanded.status();
  return ParseSynxFlags(*expanded);
}

std::string WithOrigin(const FlagValues& flags, std::string_view message) {
  if (message.substr(0, 2) != "--") return std::string(message);
  const size_t end = message.find_first_of("=: ", 2);
  const std::string_view name = message.substr(2, end == std::string_view::npos ? end : end - 2);
  for (const auto& [flag, origin] : flags.origins) {
    if (flag == name) return absl::StrFormat("%s: %s", origin, message);
  }
  return std::string(message);
}

std::string CounterList() {
  std::string out;
  for (int i = 0; i < stats::kCounterCount; ++i) {
    const auto c = static_cast<stats::Counter>(i);
    absl::StrAppendFormat(&out, "counter\t%s\t%s\n", stats::CounterName(c), stats::CounterHelp(c));
  }
  for (int i = 0; i < wire::kDropReasonCount; ++i) {
    const auto r = static_cast<wire::DropReason>(i);
    if (r == wire::DropReason::kNone) continue;  // never counted
    absl::StrAppendFormat(&out, "drop\t%s\t%s\n", wire::DropReasonName(r),
                          wire::DropReasonHelp(r));
  }
  return out;
}

std::string HelpText() {
  std::string text =
      "usage: synx [EAL options] -- [synx options]\n"
      "\n"
      "synx is a kernel-bypass TCP three-way-handshake engine on DPDK.\n"
      "Roles: the responder answers SYNs (stateful or with SYN cookies, ARP/ping/ND for\n"
      "--local); the initiator opens connections at a paced rate and measures connections\n"
      "per second and handshake latency (or floods SYNs with --mode=flood).\n"
      "Workers run on the EAL worker lcores, one queue pair each (-l 0,1: lcore 0\n"
      "prints stats, lcore 1 answers); with a single lcore (-l 0) it does both.\n"
      "\n"
      "synx options (after --):\n";
  for (const FlagSpec& spec : Specs()) {
    const std::string name = DisplayName(Sv(spec.flag->Name()));
    const std::string left =
        spec.value_name.empty() ? absl::StrCat("--", name)
                                : absl::StrFormat("--%s=%s", name, spec.value_name);
    const std::string def = spec.flag->DefaultValue();
    const std::string help =
        absl::StrFormat("%s (default: %s)", spec.flag->Help(), def.empty() ? "none" : def);
    absl::StrAppendFormat(&text, "  %-30s %s\n", left, Wrap(help, 33, 100));
  }
  text +=
      "  --flagfile=FILE                Read flags from FILE, one --name=value per line (# "
      "comments,\n"
      "                                 blank lines, nested --flagfile); flags typed on the "
      "command line\n"
      "                                 override the file's wherever they stand.\n"
      "  --help                         This text.\n"
      "\n"
      "EAL options (before --), the ones used most:\n"
      "  --vdev=net_af_packet0,iface=IF  a virtual port on a Linux interface (no NIC needed)\n"
      "  -a 0000:01:00.0                 a NIC bound to vfio-pci (dpdk-devbind.py)\n"
      "  -l 0                            the lcores to run on\n"
      "  --no-huge -m 512                run without hugepages, with 512 MB of memory\n"
      "  --no-pci                        skip the PCI scan\n"
      "  --file-prefix=NAME              one per DPDK process running on the machine\n"
      "All EAL options: https://doc.dpdk.org/guides-22.11/linux_gsg/linux_eal_parameters.html\n"
      "Every kind of port, step by step: docs/running.md\n"
      "\n"
      "Exit codes: 0 ok, 1 runtime failure (EAL, port, a device that would not start), 2 bad\n"
      "configuration (a flag, a flag file, no such port, more workers than queues, tables or\n"
      "mempool larger than the memory EAL has): one line on stderr either way.\n"
      "\n"
      "example: synx -l 0,1 --no-huge -m 512 --no-pci --vdev=net_af_packet0,iface=veth0 -- "
      "--local=198.18.0.1 --listen=198.18.0.1:80 --duration=10 --stats-interval=1 "
      "--json=-\n"
      "example: synx -l 0,1 --no-huge -m 512 --no-pci --vdev=net_af_packet0,iface=veth0 -- "
      "--role=initiator --local=198.18.0.1 --target=198.18.0.2:80 --rate=2000 "
      "--connections=10000 --stats-interval=1 --json=run.json\n"
      "example: synx -l 2-6 -a 0000:01:00.0 -- --flagfile=/etc/synx/responder.flags "
      "--check-config\n"
      "Flag files, --check-config, counters, systemd: docs/operations.md\n";
  return text;
}

}  // namespace synx::app
