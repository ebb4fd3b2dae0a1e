// render.h — text and JSON views of counter snapshots and histograms.
//
// Control path only (allocates, formats); never called per packet. Every
// counter of counters.h is rendered under its X-macro name, and every drop
// reason under its wire::DropReasonName, zeros included, so the set of keys
// is the same in every run and scripts can rely on it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "stats/counters.h"
#include "stats/histogram.h"
#include "stats/json.h"

namespace synx::stats {

enum class Role : uint8_t { kResponder, kInitiator };

// "responder" / "initiator": the JSON `role` value.
std::string_view RoleName(Role r);

// A key the caller adds to the summary (e.g. mempool_in_use_at_exit).
struct ExtraField {
  std::string_view key;
  uint64_t value = 0;
};

// Writes, into an object the caller has begun:
//   role, duration_s, rx_pps, tx_pps, cps (established / duration_s),
//   every counter in X-macro order, drops_total,
//   drops {every reason but "none" → count},
//   latency_us {p50, p90, p99, p999, min, max, mean, count} when `latency`
//   is given (values in microseconds, 3 decimals).
void WriteSummaryFields(JsonWriter& w, Role role, double duration_s,
                        const Snapshot& s, const LatencyHistogram* latency);
void WriteDrops(JsonWriter& w, const Snapshot& s);
void WriteLatencyUs(JsonWriter& w, const LatencyHistogram& h);

// The whole summary as one JSON object, `extra` keys after the drops.
std::string SummaryJson(Role role, double duration_s, const Snapshot& s,
                        const LatencyHistogram* latency,
                        std::span<const ExtraField> extra = {}, int indent = 2);

// What one live line shows.
struct LiveInput {
  Role role = Role::kResponder;
  double elapsed_s = 0;   // since the start of the run
  double interval_s = 1;  // what `delta` covers; figures are per second
  Snapshot delta;         // Delta(now, previous)
  Snapshot total;         // cumulative (initiator: `est` is a total)
  // Initiator: latency of the handshakes completed in the interval
  // (LatencyHistogram::SetDelta of two copies); null prints dashes.
  const LatencyHistogram* interval_latency = nullptr;
  uint64_t open_connections = 0;  // initiator: entries not yet closed
};

// One line, no newline, fixed-width fields so successive lines align:
// responder:
//   "    12s rx  1.20Mpps tx  1.20Mpps syn  1.00M synack  1.00M
//    cookie  1.00M/     0/     0 est      0 rst      0 drop     12 <top>"
// initiator:
//   "    12s syn  1.00M synack  1.00M est  12.0M cps  1.00M open   1234
//    refused      0 timeout      0 p50 123.4us p99  1.2ms drop      0 <top>"
// Rates are per second. <top> names the drop reason with the largest count
// in the interval, when there were drops.
std::string LiveLine(const LiveInput& in);

// Building blocks of the live line, exposed for tests and other renderers.
// 3 significant digits with an SI suffix, right-aligned in 6 characters:
// "     0", "   999", " 1.00k", " 12.3M", "  999G".
std::string FormatSi(double v);
// A duration in nanoseconds, 7 characters: "  250ns", "123.4us", " 12.3ms",
// "  1.50s".
std::string FormatNanos(double ns);

}  // namespace synx::stats
