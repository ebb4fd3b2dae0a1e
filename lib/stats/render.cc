#include "stats/render.h"

#include <cmath>
#include <cstdio>

namespace synx::stats {
namespace {

double PerSecond(uint64_t n, double seconds) {
  return seconds > 0 ? static_cast<double>(n) / seconds : 0.0;
}

void Append(std::string* out, const char* label, const std::string& value) {
  if (!out->empty()) out->push_back(' ');
  out->append(label);
  out->push_back(' ');
  out->append(value);
}

// The reason with the largest count (first one on ties), kNone if none.
wire::DropReason TopDrop(const Snapshot& s) {
  auto top = wire::DropReason::kNone;
  uint64_t best = 0;
  for (int i = 0; i < kDropCount; ++i) {
    if (i == static_cast<int>(wire::DropReason::kNone)) continue;
    if (s.drops[i] > best) {
      best = s.drops[i];
      top = static_cast<wire::DropReason>(i);
    }
  }
  return top;
}

}  // namespace

std::string_view RoleName(Role r) {
  switch (r) {
    case Role::kResponder:
      return "responder";
    case Role::kInitiator:
      return "initiator";
  }
  return "invalid";
}

void WriteDrops(JsonWriter& w, const Snapshot& s) {
  w.Key("drops").BeginObject();
  for (int i = 0; i < kDropCount; ++i) {
    const auto r = static_cast<wire::DropReason>(i);
    if (r == wire::DropReason::kNone) continue;  // not a reason to drop
    w.Key(wire::DropReasonName(r)).Uint(s.drops[i]);
  }
  w.EndObject();
}

void WriteLatencyUs(JsonWriter& w, const LatencyHistogram& h) {
  auto us = [](uint64_t ns) { return static_cast<double>(ns) / 1000.0; };
  w.Key("latency_us").BeginObject();
  w.Key("p50").Fixed(us(h.Percentile(50)), 3);
  w.Key("p90").Fixed(us(h.Percentile(90)), 3);
  w.Key("p99").Fixed(us(h.Percentile(99)), 3);
  w.Key("p999").Fixed(us(h.Percentile(99.9)), 3);
  w.Key("min").Fixed(us(h.min()), 3);
  w.Key("max").Fixed(us(h.max()), 3);
  w.Key("mean").Fixed(h.mean() / 1000.0, 3);
  w.Key("count").Uint(h.count());
  w.EndObject();
}

void WriteSummaryFields(JsonWriter& w, Role role, double duration_s,
                        const Snapshot& s, const LatencyHistogram* latency) {
  w.Key("role").String(RoleName(role));
  w.Key("duration_s").Fixed(duration_s, 3);
  w.Key("rx_pps").Fixed(PerSecond(s.rx_packets(), duration_s), 3);
  w.Key("tx_pps").Fixed(PerSecond(s.tx_packets(), duration_s), 3);
  w.Key("cps").Fixed(PerSecond(s.established(), duration_s), 3);
  for (int i = 0; i < kCounterCount; ++i) {
    w.Key(CounterName(static_cast<Counter>(i))).Uint(s.values[i]);
  }
  w.Key("drops_total").Uint(s.DropsTotal());
  WriteDrops(w, s);
  if (latency != nullptr) WriteLatencyUs(w, *latency);
}

std::string SummaryJson(Role role, double duration_s, const Snapshot& s,
                        const LatencyHistogram* latency,
                        std::span<const ExtraField> extra, int indent) {
  JsonWriter w(indent);
  w.BeginObject();
  WriteSummaryFields(w, role, duration_s, s, nullptr);
  for (const ExtraField& f : extra) w.Key(f.key).Uint(f.value);
  if (latency != nullptr) WriteLatencyUs(w, *latency);
  w.EndObject();
  std::string out = w.Take();
  out.push_back('\n');
  return out;
}

std::string FormatSi(double v) {
  char buf[32];
  if (!std::isfinite(v) || v < 0) v = 0;
  if (v < 999.5) {
    std::snprintf(buf, sizeof(buf), "%6.0f", v);
    return buf;
  }
  static constexpr char kSuffix[] = {'k', 'M', 'G', 'T', 'P', 'E'};
  // Three significant digits; step up a unit where rounding would print
  // four ("1000k").
  int unit = 0;
  double scaled = v / 1000.0;
  while (scaled >= 999.5 && unit + 1 < static_cast<int>(sizeof(kSuffix))) {
    scaled /= 1000.0;
    ++unit;
  }
  const char* fmt = scaled < 9.995   ? "%5.2f%c"
                    : scaled < 99.95 ? "%5.1f%c"
                                     : "%5.0f%c";
  std::snprintf(buf, sizeof(buf), fmt, scaled, kSuffix[unit]);
  return buf;
}

std::string FormatNanos(double ns) {
  char buf[32];
  if (!std::isfinite(ns) || ns < 0) ns = 0;
  if (ns < 999.5) {
    std::snprintf(buf, sizeof(buf), "%5.0fns", ns);
  } else if (ns < 999.95e3) {
    std::snprintf(buf, sizeof(buf), "%5.1fus", ns / 1e3);
  } else if (ns < 999.95e6) {
    std::snprintf(buf, sizeof(buf), "%5.1fms", ns / 1e6);
  } else {
    std::snprintf(buf, sizeof(buf), "%6.2fs", ns / 1e9);
  }
  return buf;
}

std::string LiveLine(const LiveInput& in) {
  const Snapshot& d = in.delta;
  auto rate = [&](uint64_t n) { return FormatSi(PerSecond(n, in.interval_s)); };
  std::string line;
  char t[32];
  std::snprintf(t, sizeof(t), "%6.0fs", in.elapsed_s);
  line = t;
  if (in.role == Role::kResponder) {
    Append(&line, "rx", rate(d.rx_packets()) + "pps");
    Append(&line, "tx", rate(d.tx_packets()) + "pps");
    Append(&line, "syn", rate(d.syn_rx()));
    Append(&line, "synack", rate(d.synack_tx()));
    Append(&line, "cookie",
           rate(d.cookies_sent()) + "/" + rate(d.cookies_valid()) + "/" +
               rate(d.cookies_invalid()));
    Append(&line, "est", rate(d.established()));
    Append(&line, "rst", rate(d.rst_tx()));
  } else {
    Append(&line, "syn", rate(d.syn_tx()));
    Append(&line, "synack", rate(d.synack_rx()));
    Append(&line, "est", FormatSi(static_cast<double>(in.total.established())));
    Append(&line, "cps", rate(d.established()));
    Append(&line, "open", FormatSi(static_cast<double>(in.open_connections)));
    Append(&line, "refused", rate(d.refused()));
    Append(&line, "timeout", rate(d.timeouts()));
    const LatencyHistogram* h = in.interval_latency;
    const bool have = h != nullptr && h->count() > 0;
    Append(
        &line, "p50",
        have ? FormatNanos(static_cast<double>(h->Percentile(50))) : "      -");
    Append(
        &line, "p99",
        have ? FormatNanos(static_cast<double>(h->Percentile(99))) : "      -");
  }
  Append(&line, "drop", rate(d.DropsTotal()));
  const wire::DropReason top = TopDrop(d);
  if (top != wire::DropReason::kNone) {
    line.push_back(' ');
    line.append(wire::DropReasonName(top));
  }
  return line;
}

}  // namespace synx::stats
