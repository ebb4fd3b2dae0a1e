#include "summary.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "stats/json.h"
#include "stats/render.h"

namespace synx::app {
namespace {

std::string OffloadList(bool ipv4, bool tcp) {
  if (ipv4 && tcp) return "ipv4+tcp";
  if (ipv4) return "ipv4";
  if (tcp) return "tcp";
  return "none";
}

stats::Role StatsRole(Role r) {
  return r == Role::kResponder ? stats::Role::kResponder : stats::Role::kInitiator;
}

}  // namespace

std::string SummaryJson(const Summary& s) {
  const io::PortInfo& p = s.port;
  stats::JsonWriter w(/*indent=*/2);
  w.BeginObject();
  // role, duration_s, rates, every counter, drops_total, drops {...}.
  stats::WriteSummaryFields(w, StatsRole(s.role), s.duration_s, s.counters, s.latency);
  w.Key("workers").Uint(s.workers);
  if (s.role == Role::kResponder) {
    w.Key("connections_at_exit").Uint(s.connections_at_exit);
    w.Key("half_open_at_exit").Uint(s.half_open_at_exit);
  } else {
    w.Key("mode").String(s.mode);
    w.Key("targets").String(s.targets);
    w.Key("rate").Uint(s.rate);
    w.Key("connections").Uint(s.connections);
    w.Key("open_at_exit").Uint(s.open_at_exit);
    w.Key("busy_at_exit").Uint(s.busy_at_exit);
    w.Key("drained").Bool(s.drained);
    if (s.latency != nullptr) {
      // The histogram itself (scripts/plot_latency draws it): every
      // non-empty bucket as [lowest ns, highest ns, count].
      const stats::LatencyHistogram& h = *s.latency;
      w.Key("latency_buckets_ns").BeginArray();
      for (int i = 0; i < stats::LatencyHistogram::kBucketCount; ++i) {
        const uint64_t n = h.bucket_count(i);
        if (n == 0) continue;
        const uint64_t low = stats::LatencyHistogram::BucketLow(i);
        w.BeginArray()
            .Uint(low)
            .Uint(low + stats::LatencyHistogram::BucketWidth(i) - 1)
            .Uint(n)
            .EndArray();
      }
      w.EndArray();
    }
  }
  w.Key("port").BeginObject();
  w.Key("id").Uint(p.port_id);
  w.Key("name").String(p.name);
  w.Key("driver").String(p.driver);
  w.Key("mac").String(io::FormatMac(p.mac));
  w.Key("socket").Int(p.socket_id);
  w.Key("rx_queues").Uint(p.rx_queues);
  w.Key("tx_queues").Uint(p.tx_queues);
  w.Key("rx_descriptors").Uint(p.rx_descriptors);
  w.Key("tx_descriptors").Uint(p.tx_descriptors);
  w.Key("promiscuous").Bool(p.promiscuous);
  w.Key("rss").Bool(p.rss);
  w.Key("link").BeginObject();
  w.Key("up").Bool(s.link.up);
  w.Key("speed_mbps").Uint(s.link.speed_mbps);
  w.Key("full_duplex").Bool(s.link.full_duplex);
  w.EndObject();
  w.Key("checksum_offloads").BeginObject();
  w.Key("rx_ipv4").Bool(p.offloads.rx_ipv4);
  w.Key("rx_tcp").Bool(p.offloads.rx_tcp);
  w.Key("tx_ipv4").Bool(p.offloads.tx_ipv4);
  w.Key("tx_tcp").Bool(p.offloads.tx_tcp);
  w.EndObject();
  w.EndObject();
  w.Key("mempool_in_use_at_exit").Uint(s.mempool_in_use_at_exit);
  w.EndObject();
  std::string json = w.Take();
  json += '\n';
  return json;
}

std::string SummaryLine(const Summary& s) {
  const stats::Snapshot& c = s.counters;
  std::string line = absl::StrFormat(
      "synx: summary: role=%s duration=%.3fs rx_packets=%u tx_packets=%u", RoleName(s.role),
      s.duration_s, c.rx_packets(), c.tx_packets());
  if (s.role == Role::kResponder) {
    absl::StrAppendFormat(&line,
                          " syn_rx=%u synack_tx=%u cookies_sent=%u cookies_valid=%u "
                          "cookies_invalid=%u established=%u rst_tx=%u drops=%u "
                          "connections_at_exit=%u",
                          c.syn_rx(), c.synack_tx(), c.cookies_sent(), c.cookies_valid(),
                          c.cookies_invalid(), c.established(), c.rst_tx(), c.DropsTotal(),
                          s.connections_at_exit);
  } else {
    absl::StrAppendFormat(&line,
                          " syn_tx=%u syn_retransmits=%u synack_rx=%u established=%u refused=%u "
                          "timeouts=%u rst_rx=%u cps=%.1f",
                          c.syn_tx(), c.syn_retransmits(), c.synack_rx(), c.established(),
                          c.refused(), c.timeouts(), c.rst_rx(),
                          s.duration_s > 0 ? static_cast<double>(c.established()) / s.duration_s
                                           : 0.0);
    if (s.latency != nullptr && s.latency->count() > 0) {
      absl::StrAppendFormat(&line, " latency_us p50=%.1f p99=%.1f max=%.1f",
                            static_cast<double>(s.latency->Percentile(50)) / 1000.0,
                            static_cast<double>(s.latency->Percentile(99)) / 1000.0,
                            static_cast<double>(s.latency->max()) / 1000.0);
    }
    absl::StrAppendFormat(&line, " drops=%u open_at_exit=%u", c.DropsTotal(), s.open_at_exit);
  }
  absl::StrAppendFormat(&line, " mempool_in_use_at_exit=%u", s.mempool_in_use_at_exit);
  return line;
}

std::string PortLine(const io::PortInfo& p, const io::LinkStatus& link) {
  std::string link_text = link.up ? "up" : "down";
  if (link.up && link.speed_mbps > 0) {
    absl::StrAppendFormat(&link_text, " %u Mb/s %s", link.speed_mbps,
                          link.full_duplex ? "full-duplex" : "half-duplex");
  }
  return absl::StrFormat(
      "synx: port %u %s (%s) mac %s, link %s, %u rx/%u tx queue(s), socket %d, "
      "checksum offload rx %s tx %s%s",
      p.port_id, p.name, p.driver, io::FormatMac(p.mac), link_text, p.rx_queues, p.tx_queues,
      p.socket_id, OffloadList(p.offloads.rx_ipv4, p.offloads.rx_tcp),
      OffloadList(p.offloads.tx_ipv4, p.offloads.tx_tcp),
      p.promiscuous ? ", promiscuous" : "");
}

}  // namespace synx::app
