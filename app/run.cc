#include "run.h"

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_pdump.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <memory>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "capture.h"
#include "check_config.h"
#include "diagnose.h"
#include "io/dpdk_log.h"
#include "io/eal.h"
#include "io/log.h"
#include "io/port.h"
#include "initiator.h"
#include "lcores.h"
#include "responder.h"
#include "stats/counters.h"
#include "summary.h"
#include "telemetry.h"

namespace synx::app {
namespace {

std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free, "written from a signal handler");

extern "C" void OnStopSignal(int) { g_stop.store(true, std::memory_order_relaxed); }

void InstallStopHandlers() {
  struct sigaction action = {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

void Line(FILE* out, const std::string& text) {
  std::fprintf(out, "%s\n", text.c_str());
  std::fflush(out);
}

}  // namespace

int Run(const Config& config, std::span<const std::string> eal_args, FILE* json_out) {
  // Human-readable lines keep out of the way of JSON on stdout.
  FILE* out = config.json_path == "-" ? stderr : stdout;

  std::optional<io::DpdkLogCapture> capture;
  if (!config.verbose) capture.emplace();
  auto captured = [&] { return capture ? capture->Text() : std::string(); };

  if (absl::Status status = io::InitEal(eal_args); !status.ok()) {
    Line(stderr, "synx: " + ExplainEalFailure(status, eal_args, captured()));
    return kExitRuntime;
  }
  // Numbers that cannot work (no such port, more workers than queues, tables
  // or mempool larger than memory) are refused before the port moves a
  // packet, with the line and exit code --check-config gives (check_config.h).
  if (absl::StatusOr<Preflight> preflight = CheckResources(config, eal_args, captured());
      !preflight.ok()) {
    Line(stderr, absl::StrCat("synx: ", preflight.status().message()));
    CloseProbedPorts();
    ReleaseEal(eal_args).IgnoreError();
    return kExitConfig;
  } else {
    for (const std::string& note : preflight->notes) Line(out, "synx: note: " + note);
  }
  InstallStopHandlers();

  io::PortOptions port_options;
  port_options.port_id = config.port_id;
  // One queue pair per worker lcore, either role. The pool grows with the
  // queues so that none can starve (io::kMinMbufsPerQueuePair each).
  port_options.queue_pairs = WorkerQueuePairs();
  port_options.mbufs =
      std::max(config.mbufs, port_options.queue_pairs * io::kMinMbufsPerQueuePair);
  const std::string port_name = io::PortName(config.port_id);
  const size_t log_before_open = captured().size();
  absl::StatusOr<std::unique_ptr<io::Port>> opened = io::Port::Open(port_options);
  if (!opened.ok()) {
    const std::string log = captured();
    Line(stderr, "synx: " + ExplainPortFailure(opened.status(), config.port_id, port_name,
                                               eal_args, log.substr(log_before_open), log));
    io::CleanupEal().IgnoreError();
    return kExitRuntime;
  }
  std::unique_ptr<io::Port> port = std::move(opened).value();
  capture.reset();  // from here on DPDK logs to stderr as usual
  io::LogToStderr();
  SYNX_LOG(INFO, port, "port %u (%s): %u queue pair%s, %u mbufs, NUMA socket %d", port->id(),
           port_name.c_str(), port->info().rx_queues, port->info().rx_queues == 1 ? "" : "s",
           port_options.mbufs, port->info().socket_id);
  // /synx/ commands for dpdk-telemetry.py and scripts/synx-exporter, and
  // dpdk-dumpcap's server side (docs/monitoring.md). Neither costs the
  // workers anything until someone asks.
  RegisterTelemetry();
  SYNX_LOG(INFO, telemetry, "socket %s/dpdk_telemetry.v2: /synx/stats, /synx/drops, "
           "/synx/cookies, /synx/workers, /synx/latency, /synx/help",
           rte_eal_get_runtime_dir());
  const bool pdump = rte_pdump_init() == 0;
  if (!pdump) {
    SYNX_LOG(INFO, capture, "rte_pdump_init: %s: dpdk-dumpcap cannot attach to this run",
             rte_strerror(rte_errno));
  }
  auto uninit_pdump = [&] {
    if (pdump) rte_pdump_uninit();
  };

  std::unique_ptr<PcapCapture> pcap;
  if (!config.pcap_path.empty()) {
    absl::StatusOr<std::unique_ptr<PcapCapture>> started =
        PcapCapture::Start(config.pcap_path, config.pcap_max, port->id(),
                           port->info().rx_queues, port->info().socket_id);
    if (!started.ok()) {
      Line(stderr, absl::StrCat("synx: ", started.status().message()));
      port.reset();
      uninit_pdump();
      io::CleanupEal().IgnoreError();
      return kExitRuntime;
    }
    pcap = std::move(started).value();
  }

  Line(out, PortLine(port->info(), port->Link()));

  Summary summary;
  summary.role = config.role;
  summary.port = port->info();
  std::unique_ptr<Responder> responder;
  std::unique_ptr<Initiator> initiator;
  std::unique_ptr<InitiatorResult> initiator_result;  // 59 KB of histogram
  if (config.role == Role::kResponder) {
    absl::StatusOr<std::unique_ptr<Responder>> created = Responder::Create(config, *port);
    if (!created.ok()) {
      Line(stderr, absl::StrCat("synx: ", created.status().message()));
      pcap.reset();
      port.reset();
      uninit_pdump();
      io::CleanupEal().IgnoreError();
      return kExitRuntime;
    }
    responder = std::move(created).value();
    Line(out, responder->Describe());
    if (config.responder.local.empty()) {
      Line(out, "synx: note: no --local address, so nothing is ours: every frame is "
                "dropped and counted");
    }
    const ResponderResult result = responder->Run(g_stop, out);
    summary.duration_s = result.elapsed_s;
    summary.counters = result.totals;
    summary.workers = result.workers;
    summary.connections_at_exit = result.connections_at_exit;
    summary.half_open_at_exit = result.half_open_at_exit;
  } else {
    absl::StatusOr<std::unique_ptr<Initiator>> created = Initiator::Create(config, *port);
    if (!created.ok()) {
      Line(stderr, absl::StrCat("synx: ", created.status().message()));
      pcap.reset();
      port.reset();
      uninit_pdump();
      io::CleanupEal().IgnoreError();
      return kExitRuntime;
    }
    initiator = std::move(created).value();
    Line(out, initiator->Describe());
    initiator_result = std::make_unique<InitiatorResult>(initiator->Run(g_stop, out));
    const InitiatorResult& result = *initiator_result;
    const InitiatorSettings& s = config.initiator;
    summary.duration_s = result.elapsed_s;
    summary.counters = result.totals;
    summary.workers = result.workers;
    summary.mode = s.mode == engine::InitiatorMode::kFlood ? "flood" : "connect";
    summary.targets = absl::StrJoin(s.plan.targets, ",",
                                    [](std::string* o, const engine::Target& t) {
                                      o->append(engine::FormatTarget(t));
                                    });
    summary.rate = s.rate;
    summary.connections = s.connections;
    summary.latency = &result.latency;
    summary.open_at_exit = result.open_at_exit;
    summary.busy_at_exit = result.busy_at_exit;
    summary.drained = result.drained;
    if (!result.drained) {
      Line(out, absl::StrFormat("synx: note: stopped with %u connection%s still in a "
                                "handshake or close",
                                result.busy_at_exit, result.busy_at_exit == 1 ? "" : "s"));
    }
  }
  summary.link = port->Link();
  SYNX_LOG(INFO, app, "%s stopped after %.3f s%s", std::string(RoleName(config.role)).c_str(),
           summary.duration_s,
           g_stop.load(std::memory_order_relaxed) ? " (SIGINT/SIGTERM)" : "");

  int exit_code = kExitOk;
  if (pcap) {
    const CaptureResult r = pcap->Finish();
    Line(out, absl::StrFormat("synx: pcap: %u frame%s (%u bytes) written to %s%s%s", r.written,
                              r.written == 1 ? "" : "s", r.bytes, config.pcap_path,
                              r.limit_reached ? ", --pcap-max reached" : "",
                              r.not_captured == 0
                                  ? ""
                                  : absl::StrFormat(", %u not captured (copy ring or pool full)",
                                                    r.not_captured)));
    pcap.reset();
  }
  if (absl::Status status = port->Close(); !status.ok()) {
    Line(stderr, absl::StrCat("synx: ", status.message()));
    exit_code = kExitRuntime;
  }
  // After the close: the device has handed back every mbuf it held, so
  // anything still out is a leak.
  summary.mempool_in_use_at_exit = io::MempoolInUse(port->mempool());
  responder.reset();  // its tables and workers, before EAL lets go of memory
  initiator.reset();
  port.reset();
  uninit_pdump();
  if (absl::Status status = ReleaseEal(eal_args); !status.ok()) {
    Line(stderr, absl::StrCat("synx: ", status.message()));
    exit_code = kExitRuntime;
  }

  Line(out, SummaryLine(summary));
  if (json_out != nullptr) {
    const std::string json = SummaryJson(summary);
    if (std::fputs(json.c_str(), json_out) < 0 || std::fflush(json_out) != 0) {
      Line(stderr, absl::StrFormat("synx: --json=%s: write failed", config.json_path));
      exit_code = kExitRuntime;
    }
  }
  return exit_code;
}

}  // namespace synx::app
