#include "responder.h"

#include <rte_cycles.h>
#include <rte_lcore.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstring>
#include <ctime>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "io/log.h"
#include "random.h"
#include "stats/render.h"
#include "telemetry.h"

namespace synx::app {
namespace {

std::string Addresses(const std::vector<wire::IpAddr>& addrs) {
  if (addrs.empty()) return "none";
  return absl::StrJoin(addrs, ",", [](std::string* out, const wire::IpAddr& a) {
    out->append(a.ToString());
  });
}

}  // namespace

// GaugedWorker's update, on the worker's own lcore (live_source.h).
void Publish(const engine::Worker& w, WorkerGauges& g) {
  g.entries.store(w.entries(), std::memory_order_relaxed);
  g.half_open.store(w.half_open(), std::memory_order_relaxed);
  g.cookies_active.store(w.cookies_active(), std::memory_order_relaxed);
}

Responder::Responder(const Config& config, const io::Port& port)
    : config_(config), port_(port) {}

Responder::~Responder() = default;

absl::StatusOr<std::unique_ptr<Responder>> Responder::Create(const Config& config,
                                                             const io::Port& port) {
  const ResponderSettings& s = config.responder;
  std::unique_ptr<Responder> r(new Responder(config, port));

  cookie::MasterKey master;
  if (s.master_key) {
    master = *s.master_key;
  } else {
    absl::StatusOr<cookie::MasterKey> random = cookie::RandomMasterKey();
    if (!random.ok()) return random.status();
    master = *random;
  }
  absl::StatusOr<std::unique_ptr<cookie::CookieKeys>> keys = cookie::CookieKeys::Create(
      master, s.cookie_rotate_s, static_cast<uint64_t>(std::time(nullptr)));
  if (!keys.ok()) return keys.status();
  r->keys_ = std::move(keys).value();

  std::copy(port.info().mac.begin(), port.info().mac.end(), r->host_.mac.b.begin());
  r->host_.ttl = s.tcp.conn.ttl;
  for (const wire::IpAddr& a : s.local) {
    if (r->host_.AddAddress(a) != host::AddResult::kOk) {
      return absl::InvalidArgumentError(absl::StrCat("--local: cannot use ", a.ToString()));
    }
  }
  r->listen_ = std::make_unique<engine::ListenSet>(r->host_);
  for (const engine::ListenSpec& spec : s.listen) {
    if (absl::Status st = r->listen_->Add(spec); !st.ok()) return st;
  }

  r->lcores_ = WorkerLcores();
  const size_t n = std::max<size_t>(1, r->lcores_.size());
  if (port.info().rx_queues < n) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "port %u has %u queue pairs, the responder needs %u (one per worker lcore)",
        port.id(), port.info().rx_queues, n));
  }
  const cookie::FlowSecrets secrets = cookie::FlowSecrets::FromMaster(master);
  for (size_t q = 0; q < n; ++q) {
    engine::WorkerConfig c;
    c.port_id = port.id();
    c.queue_id = static_cast<uint16_t>(q);
    c.burst = config.burst;
    c.mempool = port.mempool();
    c.socket_id = port.info().socket_id >= 0 ? port.info().socket_id : SOCKET_ID_ANY;
    c.tx_tcp_checksum_offload = port.info().offloads.tx_tcp;
    c.max_conns = s.max_conns;
    absl::StatusOr<flow::HashSeed> seed = RandomSeed();
    if (!seed.ok()) return seed.status();
    c.seed = *seed;
    c.responder = &s.tcp;
    c.keys = r->keys_.get();
    c.secrets = secrets;
    c.host = &r->host_;
    c.listen = r->listen_.get();
    absl::StatusOr<engine::Worker::Ptr> w = engine::Worker::Create(c);
    if (!w.ok()) {
      return absl::Status(w.status().code(),
                          absl::StrCat("worker ", q, ": ", w.status().message()));
    }
    r->workers_.push_back(std::move(w).value());
  }
  r->gauges_ = std::make_unique<WorkerGauges[]>(n);
  return r;
}

std::string Responder::Describe() const {
  const ResponderSettings& s = config_.responder;
  std::string where;
  if (lcores_.empty()) {
    where = absl::StrFormat("on the main lcore %u", rte_get_main_lcore());
  } else {
    where = absl::StrCat("on lcore", lcores_.size() > 1 ? "s " : " ",
                         absl::StrJoin(lcores_, ","));
  }
  const std::string listen =
      s.listen.empty() ? "nothing"
                       : absl::StrJoin(s.listen, ",", [](std::string* out,
                                                         const engine::ListenSpec& l) {
                           out->append(engine::FormatListenSpec(l));
                         });
  return absl::StrFormat(
      "synx: responder: %u worker%s %s, local %s, listen %s, cookies=%s rotate=%us, "
      "on-established=%s, closed-port=%s, max-conns=%u per worker, TCP checksum %s%s",
      workers_.size(), workers_.size() == 1 ? "" : "s", where, Addresses(s.local), listen,
      cookie::CookieModeName(s.tcp.cookies.mode), s.cookie_rotate_s,
      tcp::OnEstablishedName(s.tcp.on_established), tcp::ClosedPortName(s.tcp.closed_port),
      s.max_conns, port_.info().offloads.tx_tcp ? "offloaded" : "in software",
      workers_.size() > 1 && !port_.info().rss
          ? " (the port has no RSS: the device spreads flows over the queues itself)"
          : "");
}

uint64_t Responder::UptimeMs() const {
  return (rte_rdtsc() - start_tsc_) * 1000 / hz_;
}

std::vector<WorkerStatus> Responder::Workers() const {
  std::vector<WorkerStatus> out(workers_.size());
  for (size_t i = 0; i < workers_.size(); ++i) {
    WorkerStatus& s = out[i];
    s.lcore = lcores_.empty() ? rte_get_main_lcore() : lcores_[i];
    s.queue = workers_[i]->queue_id();
    s.counters = workers_[i]->counters().Read();
    s.capacity = config_.responder.max_conns;
    s.entries = gauges_[i].entries.load(std::memory_order_relaxed);
    s.half_open = gauges_[i].half_open.load(std::memory_order_relaxed);
    s.cookies_active = gauges_[i].cookies_active.load(std::memory_order_relaxed);
  }
  return out;
}

CookieStatus Responder::Cookies() const {
  CookieStatus c;
  c.used = true;
  c.mode = cookie::CookieModeName(config_.responder.tcp.cookies.mode);
  c.rotate_s = config_.responder.cookie_rotate_s;
  c.key_epoch = keys_->current_epoch();
  c.shared_key = !config_.responder.cookie_key_file.empty();
  return c;
}

stats::Snapshot Responder::Totals() const {
  stats::Snapshot total;
  for (const engine::Worker::Ptr& w : workers_) total += w->counters().Read();
  return total;
}

void Responder::ControlTick(uint64_t now_tsc, FILE* out) {
  if (now_tsc >= next_rotate_tsc_) {
    // Workers read the keys lock-free; the epoch only moves on once per
    // --cookie-rotate, and a check per second keeps rotation within a second
    // of the wall clock that peers sharing the key file follow too.
    const uint64_t epoch = keys_->current_epoch();
    keys_->Advance(static_cast<uint64_t>(std::time(nullptr)));
    if (keys_->current_epoch() != epoch) {
      SYNX_LOG(INFO, cookie, "key epoch %" PRIu64 " -> %" PRIu64 " (rotate every %u s)", epoch,
               keys_->current_epoch(), config_.responder.cookie_rotate_s);
    }
    next_rotate_tsc_ = now_tsc + hz_;
  }
  if (now_tsc >= next_stats_tsc_) {
    const stats::Snapshot total = Totals();
    stats::LiveInput in;
    in.role = stats::Role::kResponder;
    in.elapsed_s = static_cast<double>(now_tsc - start_tsc_) / static_cast<double>(hz_);
    in.interval_s = static_cast<double>(now_tsc - last_stats_tsc_) / static_cast<double>(hz_);
    in.delta = stats::Delta(total, last_stats_);
    in.total = total;
    std::fprintf(out, "%s\n", stats::LiveLine(in).c_str());
    std::fflush(out);
    last_stats_ = total;
    last_stats_tsc_ = now_tsc;
    next_stats_tsc_ += stats_period_tsc_;
    if (next_stats_tsc_ <= now_tsc) next_stats_tsc_ = now_tsc + stats_period_tsc_;
  }
}

ResponderResult Responder::Run(const std::atomic<bool>& stop, FILE* out) {
  hz_ = rte_get_tsc_hz();
  start_tsc_ = rte_rdtsc();
  last_stats_tsc_ = start_tsc_;
  next_rotate_tsc_ = start_tsc_ + hz_;
  if (config_.stats_interval_s > 0) {
    stats_period_tsc_ = config_.stats_interval_s * hz_;
    next_stats_tsc_ = start_tsc_ + stats_period_tsc_;
  }
  const uint64_t end_tsc =
      config_.duration_s > 0 ? start_tsc_ + config_.duration_s * hz_ : UINT64_MAX;
  std::vector<GaugedWorker<engine::Worker>> gauged;
  for (size_t i = 0; i < workers_.size(); ++i) {
    gauged.emplace_back(workers_[i].get(), &gauges_[i]);
    Publish(*workers_[i], gauges_[i]);
    SYNX_LOG(DEBUG, engine, "responder worker %zu: queue %u on lcore %u, %u table entries", i,
             workers_[i]->queue_id(), lcores_.empty() ? rte_get_main_lcore() : lcores_[i],
             config_.responder.max_conns);
  }
  std::vector<GaugedWorker<engine::Worker>*> workers;
  for (GaugedWorker<engine::Worker>& g : gauged) workers.push_back(&g);
  {
    const TelemetryPublication telemetry(this);
    RunWorkers<GaugedWorker<engine::Worker>>(workers, lcores_, stop, [&](uint64_t now) {
      if (now >= end_tsc) return false;
      ControlTick(now, out);
      return true;
    });
  }

  ResponderResult result;
  result.elapsed_s =
      static_cast<double>(rte_rdtsc() - start_tsc_) / static_cast<double>(hz_);
  result.totals = Totals();
  result.workers = static_cast<uint32_t>(workers_.size());
  if (io::LogEnabled(synx_logtype_engine, RTE_LOG_INFO)) {
    for (const WorkerStatus& w : Workers()) {
      SYNX_LOG(INFO, engine, "lcore %u queue %u: rx %" PRIu64 " tx %" PRIu64 " established %"
               PRIu64 " drops %" PRIu64 " entries %" PRIu64, w.lcore, w.queue,
               w.counters.rx_packets(), w.counters.tx_packets(), w.counters.established(),
               w.counters.DropsTotal(), w.entries);
    }
  }
  for (const engine::Worker::Ptr& w : workers_) {
    result.connections_at_exit += w->entries();
    result.half_open_at_exit += w->half_open();
  }
  return result;
}

}  // namespace synx::app
