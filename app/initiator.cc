#include "initiator.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>

#include <algorithm>
#include <cinttypes>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "engine/next_hop.h"
#include "lcores.h"
#include "random.h"
#include "io/log.h"
#include "stats/render.h"
#include "telemetry.h"
#include "tcp/rules.h"

namespace synx::app {
namespace {

// Looked at per worker when checking, at start, that it owns a tuple: a
// million candidates is a few milliseconds and covers any plan whose
// tuples are spread over the queues at all.
constexpr uint64_t kOwnershipProbe = uint64_t{1} << 20;
// Once nothing is in progress, the workers poll on this long before the run
// ends: the last ACKs and RSTs are still on their way to the peer (in a
// memif ring, a NIC queue) and must not be cut off by closing the port, and
// a late retransmission from the peer still gets its answer.
constexpr uint64_t kLingerMs = 200;

std::string Join(const std::vector<wire::IpAddr>& addrs) {
  return absl::StrJoin(addrs, ",", [](std::string* out, const wire::IpAddr& a) {
    out->append(a.ToString());
  });
}

// The port's RSS redirection table (entry → queue), or DPDK's default
// spread (entry i → queue i mod n) when the device will not tell.
std::vector<uint16_t> ReadReta(uint16_t port_id, uint16_t queues) {
  rte_eth_dev_info info;
  uint16_t size = 0;
  if (rte_eth_dev_info_get(port_id, &info) == 0) size = info.reta_size;
  if (size == 0 || (size & (size - 1)) != 0) size = 128;
  std::vector<uint16_t> reta(size);
  for (uint16_t i = 0; i < size; ++i) reta[i] = static_cast<uint16_t>(i % queues);
  if (info.reta_size == size && size % RTE_ETH_RETA_GROUP_SIZE == 0) {
    std::vector<rte_eth_rss_reta_entry64> conf(size / RTE_ETH_RETA_GROUP_SIZE);
    for (rte_eth_rss_reta_entry64& c : conf) c.mask = ~uint64_t{0};
    if (rte_eth_dev_rss_reta_query(port_id, conf.data(), size) == 0) {
      for (uint16_t i = 0; i < size; ++i) {
        reta[i] = conf[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE];
      }
    }
  }
  return reta;
}

// `total` split over `n` parts, the first ones taking the remainder.
uint64_t Share(uint64_t total, size_t n, size_t i) {
  return total / n + (i < total % n ? 1 : 0);
}

}  // namespace

// GaugedWorker's update, on the worker's own lcore (live_source.h).
void Publish(const engine::InitiatorWorker& w, WorkerGauges& g) {
  g.entries.store(w.entries(), std::memory_order_relaxed);
}

uint64_t DrainLimitMs(const tcp::InitiatorConfig& rules) {
  uint64_t ms = 1000;
  for (unsigned i = 0; i <= rules.syn_retries; ++i) {
    ms += tcp::Backoff(rules.syn_rto_ms, rules.conn.max_rto_ms, i);
  }
  if (rules.close == tcp::Close::kFin) {
    for (unsigned i = 0; i <= rules.conn.fin_retries; ++i) {
      ms += tcp::Backoff(rules.conn.rto_ms, rules.conn.max_rto_ms, i);
    }
  }
  return ms;
}

Initiator::Initiator(const Config& config, const io::Port& port)
    : config_(config),
      settings_(config.initiator),
      port_(port),
      last_latency_(std::make_unique<stats::LatencyHistogram>()),
      now_latency_(std::make_unique<stats::LatencyHistogram>()),
      interval_latency_(std::make_unique<stats::LatencyHistogram>()) {}

Initiator::~Initiator() = default;

absl::StatusOr<std::unique_ptr<Initiator>> Initiator::Create(const Config& config,
                                                             const io::Port& port) {
  const InitiatorSettings& s = config.initiator;
  std::unique_ptr<Initiator> r(new Initiator(config, port));
  const bool connect = s.mode == engine::InitiatorMode::kConnect;

  std::copy(port.info().mac.begin(), port.info().mac.end(), r->host_.mac.b.begin());
  r->host_.ttl = s.tcp.conn.ttl;
  for (const wire::IpAddr& a : s.local) {
    if (r->host_.AddAddress(a) != host::AddResult::kOk) {
      return absl::InvalidArgumentError(absl::StrCat("--local: cannot use ", a.ToString()));
    }
  }

  r->lcores_ = WorkerLcores();
  const size_t n = std::max<size_t>(1, r->lcores_.size());
  if (port.info().rx_queues < n) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "port %u has %u queue pairs, the initiator needs %u (one per worker lcore)",
        port.id(), port.info().rx_queues, n));
  }
  if (connect && n > 1) {
    if (!port.info().rss) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "port %u (%s) does not spread flows over its queues by RSS, so with %u workers a "
          "SYN+ACK could reach a worker that holds no SYN-SENT entry for it: run the "
          "initiator with one worker lcore (-l 0, or -l 0,1)",
          port.id(), port.info().driver, n));
    }
    const uint64_t types = port.info().rss_hash_types;
    r->rss_ = engine::RssPlacement(ReadReta(port.id(), static_cast<uint16_t>(n)),
                                   (types & RTE_ETH_RSS_NONFRAG_IPV4_TCP) != 0,
                                   (types & RTE_ETH_RSS_NONFRAG_IPV6_TCP) != 0);
  }

  // Next hops: each target, or its family's --gateway.
  std::vector<wire::IpAddr> hops;
  for (const engine::Target& t : s.plan.targets) {
    const std::optional<wire::IpAddr>& g = t.addr.is_v4() ? s.gateway_v4 : s.gateway_v6;
    hops.push_back(g ? *g : t.addr);
  }
  engine::ResolveOptions resolve;
  resolve.port_id = port.id();
  resolve.queues = static_cast<uint16_t>(n);
  resolve.mempool = port.mempool();
  resolve.host = &r->host_;
  resolve.timeout_ms = s.resolve_timeout_s * 1000;
  resolve.retry_ms = 1000;
  resolve.counters = &r->resolve_counters_;
  absl::StatusOr<engine::ResolveResult> resolved = engine::ResolveNextHops(resolve, hops);
  if (!resolved.ok()) return resolved.status();
  if (!resolved->unresolved.empty()) {
    const bool v6 = resolved->unresolved.front().family == wire::Family::kV6;
    const bool gateway = (s.gateway_v4 && resolved->unresolved.front() == *s.gateway_v4) ||
                         (s.gateway_v6 && resolved->unresolved.front() == *s.gateway_v6);
    return absl::UnavailableError(absl::StrFormat(
        "next hop %s did not answer %s within %u s (%u request%s sent): is it up and on "
        "the link of port %u%s?",
        Join(resolved->unresolved), v6 ? "neighbour solicitations" : "ARP requests",
        s.resolve_timeout_s, resolved->requests_sent,
        resolved->requests_sent == 1 ? "" : "s", port.id(),
        gateway ? "" : " (a target behind a router needs --gateway=ROUTER)"));
  }
  r->next_hops_ = resolved->macs;

  absl::StatusOr<cookie::MasterKey> master = cookie::RandomMasterKey();
  if (!master.ok()) return master.status();
  const cookie::FlowSecrets secrets = cookie::FlowSecrets::FromMaster(*master);
  if (s.concurrency != 0 && s.concurrency < n) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "--concurrency=%u is less than the %u workers: each needs at least one", s.concurrency,
        n));
  }
  for (size_t q = 0; q < n; ++q) {
    engine::InitiatorWorkerConfig c;
    c.port_id = port.id();
    c.queue_id = static_cast<uint16_t>(q);
    c.burst = config.burst;
    c.mempool = port.mempool();
    c.socket_id = port.info().socket_id >= 0 ? port.info().socket_id : SOCKET_ID_ANY;
    c.tx_tcp_checksum_offload = port.info().offloads.tx_tcp;
    c.max_conns = connect ? s.max_conns : 1;
    absl::StatusOr<flow::HashSeed> seed = RandomSeed();
    if (!seed.ok()) return seed.status();
    c.seed = *seed;
    c.mode = s.mode;
    c.rules = &s.tcp;
    c.secrets = secrets;
    c.host = &r->host_;
    c.plan = &s.plan;
    c.rss = &r->rss_;
    c.next_hops = r->next_hops_;
    c.rate = Share(s.rate, n, q);
    c.connections = s.connections != 0 ? Share(s.connections, n, q)
                                       : engine::InitiatorWorker::kNoLimit;
    // A worker whose share of a nonzero rate rounds to 0 opens nothing.
    if (s.rate != 0 && c.rate == 0) c.connections = 0;
    c.concurrency = s.concurrency != 0 ? static_cast<uint32_t>(std::min<uint64_t>(
                                             Share(s.concurrency, n, q), s.max_conns))
                                       : 0;
    absl::StatusOr<uint64_t> flood_seed = RandomU64();
    if (!flood_seed.ok()) return flood_seed.status();
    c.flood_seed = *flood_seed;
    if (connect && c.connections != 0) {
      engine::TupleCursor probe(s.plan, r->rss_, c.queue_id);
      if (!probe.Next(static_cast<uint32_t>(std::min(probe.cycle_length(), kOwnershipProbe)))) {
        return absl::FailedPreconditionError(absl::StrFormat(
            "worker %u (queue %u) owns none of the %u source tuples: no SYN+ACK to them "
            "would reach its queue; widen --src-ports or --src",
            q, q, probe.cycle_length()));
      }
    }
    absl::StatusOr<engine::InitiatorWorker::Ptr> w = engine::InitiatorWorker::Create(c);
    if (!w.ok()) {
      return absl::Status(w.status().code(),
                          absl::StrCat("worker ", q, ": ", w.status().message()));
    }
    r->workers_.push_back(std::move(w).value());
  }
  r->gauges_ = std::make_unique<WorkerGauges[]>(n);
  return r;
}

std::string Initiator::Describe() const {
  const InitiatorSettings& s = settings_;
  std::string where;
  if (lcores_.empty()) {
    where = absl::StrFormat("on the main lcore %u", rte_get_main_lcore());
  } else {
    where = absl::StrCat("on lcore", lcores_.size() > 1 ? "s " : " ",
                         absl::StrJoin(lcores_, ","));
  }
  std::vector<std::string> targets;
  for (size_t i = 0; i < s.plan.targets.size() && i < 4; ++i) {
    targets.push_back(absl::StrCat(engine::FormatTarget(s.plan.targets[i]), " via ",
                                   next_hops_[i].ToString()));
  }
  if (s.plan.targets.size() > 4) {
    targets.push_back(absl::StrCat("and ", s.plan.targets.size() - 4, " more"));
  }
  const bool flood = s.mode == engine::InitiatorMode::kFlood;
  return absl::StrFormat(
      "synx: initiator: %u worker%s %s, mode=%s, target %s, src %s ports %u-%u, rate=%s, "
      "connections=%s, concurrency=%s, close=%s, syn-retries=%u syn-rto=%ums, TCP "
      "checksum %s",
      workers_.size(), workers_.size() == 1 ? "" : "s", where, flood ? "flood" : "connect",
      absl::StrJoin(targets, ", "), s.plan.sources.ToString(), s.plan.ports.lo,
      s.plan.ports.hi, s.rate == 0 ? "unlimited" : absl::StrCat(s.rate, "/s"),
      s.connections == 0 ? "unlimited" : absl::StrCat(s.connections),
      s.concurrency == 0 ? "unlimited" : absl::StrCat(s.concurrency),
      tcp::CloseName(s.tcp.close), s.tcp.syn_retries, s.tcp.syn_rto_ms,
      port_.info().offloads.tx_tcp ? "offloaded" : "in software");
}

stats::Snapshot Initiator::Totals() const {
  stats::Snapshot total = resolve_counters_.Read();
  for (const engine::InitiatorWorker::Ptr& w : workers_) total += w->counters().Read();
  return total;
}

uint64_t Initiator::UptimeMs() const {
  return (rte_rdtsc() - start_tsc_) * 1000 / hz_;
}

std::vector<WorkerStatus> Initiator::Workers() const {
  std::vector<WorkerStatus> out(workers_.size());
  for (size_t i = 0; i < workers_.size(); ++i) {
    WorkerStatus& s = out[i];
    const engine::InitiatorWorker& w = *workers_[i];
    s.lcore = lcores_.empty() ? rte_get_main_lcore() : lcores_[i];
    s.queue = w.queue_id();
    s.counters = w.counters().Read();
    s.capacity = settings_.mode == engine::InitiatorMode::kConnect ? settings_.max_conns : 1;
    s.entries = gauges_[i].entries.load(std::memory_order_relaxed);
    s.open = w.progress().open.load(std::memory_order_relaxed);
    s.busy = w.progress().busy.load(std::memory_order_relaxed);
  }
  return out;
}

bool Initiator::Latency(stats::LatencyHistogram* out) const {
  MergeLatency(*out);
  return true;
}

void Initiator::MergeLatency(stats::LatencyHistogram& into) const {
  into.Reset();
  for (const engine::InitiatorWorker::Ptr& w : workers_) into.MergeFrom(w->latency());
}

bool Initiator::ControlTick(uint64_t now_tsc, FILE* out) {
  bool go_on = true;
  if (!draining_) {
    bool all_spent = settings_.connections != 0;
    for (const engine::InitiatorWorker::Ptr& w : workers_) {
      all_spent = all_spent && w->progress().quota_done.load(std::memory_order_relaxed);
    }
    if (now_tsc >= end_tsc_ || all_spent) {
      // No new SYNs; what is in progress has until the drain deadline. The
      // first look at `busy` comes a tick later, after every worker has
      // seen the stop (a poll in flight may still open a few).
      for (const engine::InitiatorWorker::Ptr& w : workers_) w->StopOpening();
      draining_ = true;
      drain_deadline_ = now_tsc + DrainLimitMs(settings_.tcp) * hz_ / 1000;
    }
  } else {
    uint64_t busy = 0;
    for (const engine::InitiatorWorker::Ptr& w : workers_) {
      busy += w->progress().busy.load(std::memory_order_relaxed);
    }
    if (busy == 0) {
      if (linger_until_ == UINT64_MAX) {
        finished_tsc_ = now_tsc;
        linger_until_ = now_tsc + kLingerMs * hz_ / 1000;
      }
      go_on = now_tsc < linger_until_;
    } else if (now_tsc >= drain_deadline_) {
      drained_ = false;
      go_on = false;
    }
  }
  if (now_tsc >= next_stats_tsc_) {
    const stats::Snapshot total = Totals();
    MergeLatency(*now_latency_);
    interval_latency_->SetDelta(*now_latency_, *last_latency_);
    stats::LiveInput in;
    in.role = stats::Role::kInitiator;
    in.elapsed_s = static_cast<double>(now_tsc - start_tsc_) / static_cast<double>(hz_);
    in.interval_s = static_cast<double>(now_tsc - last_stats_tsc_) / static_cast<double>(hz_);
    in.delta = stats::Delta(total, last_stats_);
    in.total = total;
    in.interval_latency = interval_latency_.get();
    for (const engine::InitiatorWorker::Ptr& w : workers_) {
      in.open_connections += w->progress().open.load(std::memory_order_relaxed);
    }
    std::fprintf(out, "%s\n", stats::LiveLine(in).c_str());
    std::fflush(out);
    last_stats_ = total;
    std::swap(last_latency_, now_latency_);
    last_stats_tsc_ = now_tsc;
    next_stats_tsc_ += stats_period_tsc_;
    if (next_stats_tsc_ <= now_tsc) next_stats_tsc_ = now_tsc + stats_period_tsc_;
  }
  return go_on;
}

InitiatorResult Initiator::Run(const std::atomic<bool>& stop, FILE* out) {
  hz_ = rte_get_tsc_hz();
  start_tsc_ = rte_rdtsc();
  last_stats_tsc_ = start_tsc_;
  if (config_.stats_interval_s > 0) {
    stats_period_tsc_ = config_.stats_interval_s * hz_;
    next_stats_tsc_ = start_tsc_ + stats_period_tsc_;
  }
  if (config_.duration_s > 0) end_tsc_ = start_tsc_ + config_.duration_s * hz_;

  std::vector<GaugedWorker<engine::InitiatorWorker>> gauged;
  for (size_t i = 0; i < workers_.size(); ++i) {
    gauged.emplace_back(workers_[i].get(), &gauges_[i]);
    Publish(*workers_[i], gauges_[i]);
    SYNX_LOG(DEBUG, engine, "initiator worker %zu: queue %u on lcore %u", i,
             workers_[i]->queue_id(), lcores_.empty() ? rte_get_main_lcore() : lcores_[i]);
  }
  std::vector<GaugedWorker<engine::InitiatorWorker>*> workers;
  for (GaugedWorker<engine::InitiatorWorker>& g : gauged) workers.push_back(&g);
  {
    const TelemetryPublication telemetry(this);
    RunWorkers<GaugedWorker<engine::InitiatorWorker>>(
        workers, lcores_, stop, [&](uint64_t now) { return ControlTick(now, out); });
  }

  InitiatorResult result;
  // The run's time ends when the last connection was done (the linger only
  // lets its segments leave), or at the stop.
  const uint64_t end = finished_tsc_ != 0 ? finished_tsc_ : rte_rdtsc();
  result.elapsed_s = static_cast<double>(end - start_tsc_) / static_cast<double>(hz_);
  result.totals = Totals();
  MergeLatency(result.latency);
  result.workers = static_cast<uint32_t>(workers_.size());
  if (io::LogEnabled(synx_logtype_engine, RTE_LOG_INFO)) {
    for (const WorkerStatus& w : Workers()) {
      SYNX_LOG(INFO, engine, "lcore %u queue %u: syn_tx %" PRIu64 " synack_rx %" PRIu64
               " established %" PRIu64 " drops %" PRIu64 " open %" PRIu64, w.lcore, w.queue,
               w.counters.syn_tx(), w.counters.synack_rx(), w.counters.established(),
               w.counters.DropsTotal(), w.open);
    }
  }
  for (const engine::InitiatorWorker::Ptr& w : workers_) {
    result.open_at_exit += w->progress().open.load(std::memory_order_relaxed);
    result.busy_at_exit += w->progress().busy.load(std::memory_order_relaxed);
  }
  result.drained = drained_ && result.busy_at_exit == 0;
  return result;
}

}  // namespace synx::app
