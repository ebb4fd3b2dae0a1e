#include "telemetry.h"

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_telemetry.h>

#include <cerrno>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "io/log.h"

namespace synx::app {
namespace {

static_assert(stats::kCounterCount + 4 <= RTE_TEL_MAX_DICT_ENTRIES,
              "/synx/stats no longer fits one telemetry dict");
static_assert(stats::kDropCount + 1 <= RTE_TEL_MAX_DICT_ENTRIES,
              "/synx/drops no longer fits one telemetry dict");

std::mutex g_mutex;
const LiveSource* g_source = nullptr;  // guarded by g_mutex

// Cumulative latency buckets: powers of two from 1 µs (2^10 ns) to 68 s
// (2^36 ns). A Prometheus histogram wants few fixed bounds; these are
// within a factor of two everywhere a handshake can land.
constexpr int kFirstBucketLog2 = 10;
constexpr int kLastBucketLog2 = 36;

void AddString(rte_tel_data* d, const char* key, const std::string& value) {
  rte_tel_data_add_dict_string(d, key, value.c_str());
}

void AddCounters(rte_tel_data* d, const stats::Snapshot& s) {
  for (int c = 0; c < stats::kCounterCount; ++c) {
    const std::string key(stats::CounterName(static_cast<stats::Counter>(c)));
    rte_tel_data_add_dict_u64(d, key.c_str(), s.values[c]);
  }
  rte_tel_data_add_dict_u64(d, "drops_total", s.DropsTotal());
}

void AddNotRunning(rte_tel_data* d) {
  rte_tel_data_start_dict(d);
  rte_tel_data_add_dict_int(d, "running", 0);
}

int Stats(const LiveSource& src, rte_tel_data* d) {
  rte_tel_data_start_dict(d);
  AddString(d, "role", std::string(stats::RoleName(src.role())));
  rte_tel_data_add_dict_u64(d, "uptime_ms", src.UptimeMs());
  AddCounters(d, src.Totals());
  return 0;
}

int Drops(const LiveSource& src, rte_tel_data* d) {
  const stats::Snapshot s = src.Totals();
  rte_tel_data_start_dict(d);
  rte_tel_data_add_dict_u64(d, "drops_total", s.DropsTotal());
  for (int r = 1; r < stats::kDropCount; ++r) {  // 0 is kNone: never a drop
    const std::string key(wire::DropReasonName(static_cast<wire::DropReason>(r)));
    rte_tel_data_add_dict_u64(d, key.c_str(), s.drops[r]);
  }
  return 0;
}

int Cookies(const LiveSource& src, rte_tel_data* d) {
  const CookieStatus c = src.Cookies();
  const stats::Snapshot s = src.Totals();
  rte_tel_data_start_dict(d);
  AddString(d, "role", std::string(stats::RoleName(src.role())));
  AddString(d, "mode", c.used ? c.mode : "off");
  rte_tel_data_add_dict_u64(d, "rotate_s", c.rotate_s);
  rte_tel_data_add_dict_u64(d, "key_epoch", c.key_epoch);
  rte_tel_data_add_dict_int(d, "shared_key", c.shared_key ? 1 : 0);
  rte_tel_data_add_dict_u64(d, "cookies_sent", s.cookies_sent());
  rte_tel_data_add_dict_u64(d, "cookies_valid", s.cookies_valid());
  rte_tel_data_add_dict_u64(d, "cookies_invalid", s.cookies_invalid());
  rte_tel_data* cores = rte_tel_data_alloc();
  if (cores == nullptr) return -ENOMEM;
  rte_tel_data_start_dict(cores);
  for (const WorkerStatus& w : src.Workers()) {
    const std::string lcore = std::to_string(w.lcore);
    rte_tel_data_add_dict_string(cores, lcore.c_str(),
                                 !c.used ? "off" : w.cookies_active ? "cookies" : "stateful");
  }
  rte_tel_data_add_dict_container(d, "cores", cores, 0);
  return 0;
}

int Workers(const LiveSource& src, rte_tel_data* d) {
  rte_tel_data_start_dict(d);
  for (const WorkerStatus& w : src.Workers()) {
    rte_tel_data* one = rte_tel_data_alloc();
    if (one == nullptr) return -ENOMEM;
    rte_tel_data_start_dict(one);
    rte_tel_data_add_dict_u64(one, "queue", w.queue);
    rte_tel_data_add_dict_u64(one, "rx_packets", w.counters.rx_packets());
    rte_tel_data_add_dict_u64(one, "tx_packets", w.counters.tx_packets());
    rte_tel_data_add_dict_u64(one, "established", w.counters.established());
    rte_tel_data_add_dict_u64(one, "drops_total", w.counters.DropsTotal());
    rte_tel_data_add_dict_u64(one, "table_entries", w.entries);
    rte_tel_data_add_dict_u64(one, "table_capacity", w.capacity);
    rte_tel_data_add_dict_u64(one, "table_fill_pct",
                              w.capacity == 0 ? 0 : w.entries * 100 / w.capacity);
    if (src.role() == stats::Role::kResponder) {
      rte_tel_data_add_dict_u64(one, "syn_rx", w.counters.syn_rx());
      rte_tel_data_add_dict_u64(one, "synack_tx", w.counters.synack_tx());
      rte_tel_data_add_dict_u64(one, "half_open", w.half_open);
      rte_tel_data_add_dict_int(one, "cookies_active", w.cookies_active ? 1 : 0);
    } else {
      rte_tel_data_add_dict_u64(one, "syn_tx", w.counters.syn_tx());
      rte_tel_data_add_dict_u64(one, "synack_rx", w.counters.synack_rx());
      rte_tel_data_add_dict_u64(one, "open", w.open);
      rte_tel_data_add_dict_u64(one, "busy", w.busy);
    }
    const std::string lcore = std::to_string(w.lcore);
    rte_tel_data_add_dict_container(d, lcore.c_str(), one, 0);
  }
  return 0;
}

int Latency(const LiveSource& src, rte_tel_data* d) {
  auto h = std::make_unique<stats::LatencyHistogram>();  // 59 KB: not on the stack
  rte_tel_data_start_dict(d);
  AddString(d, "role", std::string(stats::RoleName(src.role())));
  const bool measured = src.Latency(h.get());
  rte_tel_data_add_dict_int(d, "measured", measured ? 1 : 0);
  if (!measured) return 0;
  rte_tel_data_add_dict_u64(d, "count", h->count());
  rte_tel_data_add_dict_u64(d, "sum_ns", h->sum());
  rte_tel_data_add_dict_u64(d, "min_ns", h->min());
  rte_tel_data_add_dict_u64(d, "max_ns", h->max());
  rte_tel_data_add_dict_u64(d, "mean_ns", static_cast<uint64_t>(h->mean()));
  rte_tel_data_add_dict_u64(d, "p50_ns", h->Percentile(50));
  rte_tel_data_add_dict_u64(d, "p90_ns", h->Percentile(90));
  rte_tel_data_add_dict_u64(d, "p99_ns", h->Percentile(99));
  rte_tel_data_add_dict_u64(d, "p999_ns", h->Percentile(99.9));
  // {"le_ns": cumulative count}: samples at or below each bound. A bucket
  // of the histogram that straddles a bound counts below it only if all of
  // it is (so a count is never overstated).
  rte_tel_data* buckets = rte_tel_data_alloc();
  if (buckets == nullptr) return -ENOMEM;
  rte_tel_data_start_dict(buckets);
  uint64_t cumulative = 0;
  int index = 0;
  for (int b = kFirstBucketLog2; b <= kLastBucketLog2; ++b) {
    const uint64_t bound = uint64_t{1} << b;
    while (index < stats::LatencyHistogram::kBucketCount &&
           stats::LatencyHistogram::BucketLow(index) +
                   stats::LatencyHistogram::BucketWidth(index) - 1 <=
               bound) {
      cumulative += h->bucket_count(index);
      ++index;
    }
    rte_tel_data_add_dict_u64(buckets, std::to_string(bound).c_str(), cumulative);
  }
  rte_tel_data_add_dict_container(d, "buckets_le_ns", buckets, 0);
  return 0;
}

// Telemetry of DPDK 22.11 does not escape strings: help texts keep to
// characters that need none, and to the 128 bytes a value may hold.
std::string Plain(std::string_view text) {
  std::string out(text.substr(0, RTE_TEL_MAX_STRING_LEN - 1));
  for (char& c : out) {
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) c = '\'';
  }
  return out;
}

// What each key means, for exporters' HELP lines. Needs no running role.
int Help(rte_tel_data* d) {
  rte_tel_data* counters = rte_tel_data_alloc();
  rte_tel_data* drops = rte_tel_data_alloc();
  if (counters == nullptr || drops == nullptr) {
    rte_tel_data_free(counters);
    rte_tel_data_free(drops);
    return -ENOMEM;
  }
  rte_tel_data_start_dict(counters);
  for (int c = 0; c < stats::kCounterCount; ++c) {
    const auto counter = static_cast<stats::Counter>(c);
    rte_tel_data_add_dict_string(counters, std::string(stats::CounterName(counter)).c_str(),
                                 Plain(stats::CounterHelp(counter)).c_str());
  }
  rte_tel_data_start_dict(drops);
  for (int r = 1; r < stats::kDropCount; ++r) {
    const auto reason = static_cast<wire::DropReason>(r);
    rte_tel_data_add_dict_string(drops, std::string(wire::DropReasonName(reason)).c_str(),
                                 Plain(wire::DropReasonHelp(reason)).c_str());
  }
  rte_tel_data_start_dict(d);
  rte_tel_data_add_dict_container(d, "counters", counters, 0);
  rte_tel_data_add_dict_container(d, "drops", drops, 0);
  return 0;
}

int HelpCommand(const char* /*cmd*/, const char* /*params*/, rte_tel_data* d) {
  return Help(d);
}

template <int (*Fn)(const LiveSource&, rte_tel_data*)>
int Command(const char* /*cmd*/, const char* /*params*/, rte_tel_data* d) {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_source == nullptr) {
    AddNotRunning(d);
    return 0;
  }
  return Fn(*g_source, d);
}

}  // namespace

void RegisterTelemetry() {
  struct Entry {
    const char* cmd;
    telemetry_cb fn;
    const char* help;
  };
  static constexpr Entry kCommands[] = {
      {"/synx/stats", &Command<Stats>,
       "Every counter of the JSON summary, live. Takes no parameters."},
      {"/synx/drops", &Command<Drops>,
       "Drops per named reason (zeros included). Takes no parameters."},
      {"/synx/cookies", &Command<Cookies>,
       "SYN cookies: mode, key epoch, sent/valid/invalid, mode per lcore. Takes no "
       "parameters."},
      {"/synx/workers", &Command<Workers>,
       "Per worker lcore: queue, rx/tx, established, table fill. Takes no parameters."},
      {"/synx/help", &HelpCommand,
       "What each counter and drop reason of /synx/stats and /synx/drops means. Takes no "
       "parameters."},
      {"/synx/latency", &Command<Latency>,
       "The initiator's handshake latency (ns): percentiles and cumulative buckets. Takes "
       "no parameters."},
  };
  for (const Entry& e : kCommands) {
    const int rc = rte_telemetry_register_cmd(e.cmd, e.fn, e.help);
    if (rc != 0) {
      SYNX_LOG(WARNING, telemetry, "cannot register %s: %s", e.cmd, rte_strerror(-rc));
    } else {
      SYNX_LOG(DEBUG, telemetry, "registered %s", e.cmd);
    }
  }
}

TelemetryPublication::TelemetryPublication(const LiveSource* source) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_source = source;
}

TelemetryPublication::~TelemetryPublication() {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_source = nullptr;
}

}  // namespace synx::app
