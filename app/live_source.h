// live_source.h — what a running role shows to readers on other threads
// (DPDK telemetry, app/telemetry.h), and the per-worker gauges that make
// owner-only figures (table entries, half-open entries, cookie mode) safe to
// read from them.
//
// The workers own their tables; only the owning lcore may read their size.
// GaugedWorker wraps a worker for RunWorkers: every kGaugePolls polls, on the
// owning lcore, it copies those figures into a WorkerGauges block with
// relaxed stores, which any thread may load. Once per that many polls, never
// per packet: the burst loop itself is untouched. Counters need no gauge
// (stats::CounterBlock is already safe to read from anywhere).
//
// LiveSource is the read side, implemented by Responder and Initiator; every
// method may be called from any thread while the workers run, and never
// blocks them.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "stats/counters.h"
#include "stats/histogram.h"
#include "stats/render.h"

namespace synx::app {

// Polls between two gauge updates: a poll is 0.1–10 µs, so the gauges are
// at most a few milliseconds old.
inline constexpr uint32_t kGaugePolls = 1024;

struct alignas(64) WorkerGauges {
  std::atomic<uint64_t> entries{0};    // table entries in use
  std::atomic<uint64_t> half_open{0};  // responder: entries in SYN-RECEIVED
  std::atomic<bool> cookies_active{false};  // responder: answering with cookies
};

// `W` is engine::Worker or engine::InitiatorWorker; Publish(const W&,
// WorkerGauges&) is overloaded for each (responder.cc, initiator.cc).
template <class W>
class GaugedWorker {
 public:
  GaugedWorker(W* worker, WorkerGauges* gauges) : worker_(worker), gauges_(gauges) {}

  uint16_t Poll() {
    const uint16_t n = worker_->Poll();
    if (++polls_ % kGaugePolls == 0) Publish(*worker_, *gauges_);
    return n;
  }
  void Run(const std::atomic<bool>& stop) {
    while (!stop.load(std::memory_order_relaxed)) Poll();
    Publish(*worker_, *gauges_);
  }

 private:
  W* worker_;
  WorkerGauges* gauges_;
  uint32_t polls_ = 0;
};

// One worker as telemetry shows it.
struct WorkerStatus {
  unsigned lcore = 0;
  uint16_t queue = 0;
  stats::Snapshot counters;
  uint64_t entries = 0;
  uint64_t capacity = 0;  // --max-conns
  uint64_t half_open = 0;
  bool cookies_active = false;
  uint64_t open = 0;  // initiator: connections held open (not TIME-WAIT)
  uint64_t busy = 0;  // initiator: handshakes / closes in progress
};

struct CookieStatus {
  bool used = false;      // false: the initiator (no cookies)
  std::string mode;       // auto / always / never
  uint32_t rotate_s = 0;  // key lifetime
  uint64_t key_epoch = 0;
  bool shared_key = false;  // --cookie-key-file given
};

class LiveSource {
 public:
  virtual ~LiveSource() = default;
  virtual stats::Role role() const = 0;
  // Milliseconds since the workers started.
  virtual uint64_t UptimeMs() const = 0;
  // Every worker's counters, summed (what the JSON summary shows).
  virtual stats::Snapshot Totals() const = 0;
  virtual std::vector<WorkerStatus> Workers() const = 0;
  virtual CookieStatus Cookies() const = 0;
  // The initiator's handshake latency (ns), merged over the workers into
  // `out`; false for the responder, which measures none.
  virtual bool Latency(stats::LatencyHistogram* out) const = 0;
};

}  // namespace synx::app
