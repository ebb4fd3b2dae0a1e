#include "check_config.h"

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_memory.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "diagnose.h"
#include "engine/connections.h"
#include "engine/initiator_worker.h"
#include "engine/l2_peers.h"
#include "engine/worker.h"
#include "flow/timer_wheel.h"
#include "io/dpdk_log.h"
#include "io/eal.h"
#include "io/port.h"
#include "lcores.h"
#include "run.h"

namespace synx::app {
namespace {

constexpr uint64_t kMiB = uint64_t{1} << 20;

// rte_malloc's per-allocation header and trailer, rounded up (malloc_elem:
// one cache line before, one for alignment): a handful per worker.
constexpr uint64_t kMallocOverhead = 2 * RTE_CACHE_LINE_SIZE;
// What the run allocates besides the mempool and the tables, estimated:
// EAL's own structures and the ethdev layer (a few MB), and per queue pair
// the RX/TX descriptor rings and their software rings (1024 descriptors
// each, well under 1 MB on the NICs DPDK supports).
constexpr uint64_t kBaseAllowance = 4 * kMiB;
constexpr uint64_t kQueuePairAllowance = 1 * kMiB;

std::string Mib(uint64_t bytes) {
  return absl::StrFormat("%.1f MiB", static_cast<double>(bytes) / static_cast<double>(kMiB));
}

// The timer wheel's slots, as engine::Connections sizes them: one
// revolution of the longest timer in 1024-us ticks, a power of two in
// [256, 2^17] (connections.cc).
uint32_t WheelSlots(uint64_t longest_ms) {
  const uint64_t ticks = ((longest_ms * 1000) >> engine::kTickShift) + 1;
  return static_cast<uint32_t>(
      std::clamp<uint64_t>(std::bit_ceil(ticks), 256, uint64_t{1} << 17));
}

uint64_t ConnectionsBytes(uint32_t max_conns, const tcp::ConnectionConfig& c) {
  flow::FlowTableOptions table;
  table.max_entries = max_conns;
  flow::TimerWheelOptions wheel;
  wheel.num_ids = max_conns;
  wheel.num_slots = WheelSlots(std::max(
      {uint64_t{c.idle_timeout_ms}, uint64_t{c.time_wait_ms}, uint64_t{c.max_rto_ms}}));
  return engine::Connections::Table::MemoryBytes(table) +
         flow::TimerWheel::MemoryBytes(wheel) + sizeof(uint16_t) * uint64_t{max_conns} +
         sizeof(engine::L2Peers) + 4 * kMallocOverhead;
}

// The EAL option `name` (--name=V or --name V), if given.
std::optional<std::string> EalOption(std::span<const std::string> eal_args,
                                     std::string_view name) {
  std::optional<std::string> value;
  for (size_t i = 0; i < eal_args.size(); ++i) {
    const std::string_view arg = eal_args[i];
    if (arg == name) {
      value = i + 1 < eal_args.size() ? eal_args[i + 1] : "";
    } else if (arg.size() > name.size() && arg.substr(0, name.size()) == name &&
               arg[name.size()] == '=') {
      value = std::string(arg.substr(name.size() + 1));
    }
  }
  return value;
}

bool ReadU64(const std::string& path, uint64_t* out) {
  std::ifstream in(path);
  std::string text;
  return static_cast<bool>(in >> text) && absl::SimpleAtoi(text, out);
}

// Free hugepages of `page_sz` bytes on `socket`, from sysfs.
std::optional<uint64_t> FreeHugepages(int socket, uint64_t page_sz) {
  const uint64_t kb = page_sz / 1024;
  uint64_t n = 0;
  if (ReadU64(absl::StrFormat("/sys/devices/system/node/node%d/hugepages/hugepages-%ukB/"
                              "free_hugepages",
                              socket, kb),
              &n)) {
    return n;
  }
  // Machines without NUMA nodes in sysfs have one pool.
  if (socket == 0 &&
      ReadU64(absl::StrFormat("/sys/kernel/mm/hugepages/hugepages-%ukB/free_hugepages", kb),
              &n)) {
    return n;
  }
  return std::nullopt;
}

struct PageSizes {
  int socket;
  std::vector<uint64_t> sizes;
};

MemoryAvailable Available(std::span<const std::string> eal_args, int port_socket) {
  std::vector<int> sockets;
  if (port_socket >= 0) {
    sockets.push_back(port_socket);
  } else {
    // A device without a socket gets SOCKET_ID_ANY: EAL may use any.
    for (unsigned i = 0; i < rte_socket_count(); ++i) sockets.push_back(rte_socket_id_by_idx(i));
  }
  MemoryAvailable m;
  m.known = true;
  uint64_t heap_free = 0;
  uint64_t heap_total = 0;
  for (int s : sockets) {
    rte_malloc_socket_stats stats{};
    if (rte_malloc_get_socket_stats(s, &stats) == 0) {
      heap_free += stats.heap_freesz_bytes;
      heap_total += stats.heap_totalsz_bytes;
    }
  }
  const std::string on =
      port_socket >= 0 ? absl::StrFormat("socket %d", port_socket) : "any socket";
  if (rte_eal_has_hugepages() == 0) {
    m.bytes = heap_free;
    m.source = absl::StrFormat("no hugepages: %s free of EAL's %s (-m) on %s", Mib(heap_free),
                               Mib(heap_total), on);
    return m;
  }
  if (EalOption(eal_args, "--legacy-mem")) {
    m.bytes = heap_free;
    m.source = absl::StrFormat("--legacy-mem: %s of hugepage memory free on %s", Mib(heap_free),
                               on);
    return m;
  }
  // Dynamic memory: EAL maps more hugepages as allocations ask for them.
  PageSizes walk{port_socket, {}};
  rte_memseg_list_walk(
      [](const rte_memseg_list* msl, void* arg) {
        auto* w = static_cast<PageSizes*>(arg);
        if (msl->external == 0 && (w->socket < 0 || msl->socket_id == w->socket) &&
            std::find(w->sizes.begin(), w->sizes.end(), msl->page_sz) == w->sizes.end()) {
          w->sizes.push_back(msl->page_sz);
        }
        return 0;
      },
      &walk);
  uint64_t pages_bytes = 0;
  std::vector<std::string> parts;
  for (uint64_t size : walk.sizes) {
    for (int s : sockets) {
      const std::optional<uint64_t> n = FreeHugepages(s, size);
      if (!n) {
        m.known = false;
        m.source = absl::StrFormat("free %u kB hugepages on socket %d unreadable in sysfs",
                                   size / 1024, s);
        return m;
      }
      pages_bytes += *n * size;
      parts.push_back(absl::StrFormat("%u x %s on socket %d", *n,
                                      size >= (uint64_t{1} << 30)
                                          ? absl::StrCat(size >> 30, " GB")
                                          : absl::StrCat(size >> 20, " MB"),
                                      s));
    }
  }
  m.bytes = heap_free + pages_bytes;
  m.source = absl::StrFormat("hugepages: %s free, and %s free in EAL's heap",
                             parts.empty() ? "none" : absl::StrJoin(parts, ", "),
                             Mib(heap_free));
  // --socket-limit=A,B caps each socket's heap (MB, 0: no cap).
  if (const std::optional<std::string> limit = EalOption(eal_args, "--socket-limit");
      limit && port_socket >= 0) {
    std::vector<std::string> per_socket = absl::StrSplit(*limit, ',');
    uint64_t mb = 0;
    if (static_cast<size_t>(port_socket) < per_socket.size() &&
        absl::SimpleAtoi(per_socket[port_socket], &mb) && mb != 0) {
      const uint64_t cap = mb * kMiB > heap_total - heap_free ? mb * kMiB - (heap_total - heap_free)
                                                              : 0;
      if (cap < m.bytes) {
        m.bytes = cap;
        m.source = absl::StrFormat("--socket-limit: %u MB on socket %d, %s of it free", mb,
                                   port_socket, Mib(cap));
      }
    }
  }
  return m;
}

// The page size rte_mempool_populate_default packs objects into on `socket`.
uint64_t MempoolPageSize(int socket) {
  if (rte_eal_has_hugepages() == 0) return static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  PageSizes walk{socket, {}};
  rte_memseg_list_walk(
      [](const rte_memseg_list* msl, void* arg) {
        auto* w = static_cast<PageSizes*>(arg);
        if (msl->external == 0 && (w->socket < 0 || msl->socket_id == w->socket)) {
          w->sizes.push_back(msl->page_sz);
        }
        return 0;
      },
      &walk);
  return walk.sizes.empty() ? 0 : *std::min_element(walk.sizes.begin(), walk.sizes.end());
}

std::string Workers(const std::vector<unsigned>& lcores) {
  if (lcores.empty()) return absl::StrFormat("1 worker on the main lcore %u", rte_get_main_lcore());
  return absl::StrFormat("%u worker%s on lcore%s %s", lcores.size(), lcores.size() == 1 ? "" : "s",
                         lcores.size() == 1 ? "" : "s", absl::StrJoin(lcores, ","));
}

std::string MoreMemory() {
  return "give EAL more memory (-m with --no-huge; otherwise more hugepages: "
         "dpdk-hugepages.py --setup 2G; docs/operations.md)";
}

}  // namespace

Footprint EstimateFootprint(const Config& config, uint32_t workers, uint64_t page_size) {
  Footprint f;
  f.workers = std::max<uint32_t>(workers, 1);
  f.mbufs = std::max(config.mbufs, f.workers * io::kMinMbufsPerQueuePair);

  // io::Port::Open: rte_pktmbuf_pool_create(mbufs, kMempoolCache, priv 0,
  // RTE_MBUF_DEFAULT_BUF_SIZE).
  rte_mempool_objsz objsz{};
  f.mbuf_bytes = rte_mempool_calc_obj_size(
      static_cast<uint32_t>(sizeof(rte_mbuf) + RTE_MBUF_DEFAULT_BUF_SIZE), 0, &objsz);
  // rte_mempool_populate_default keeps each object inside one page of
  // `page_size` (the smallest hugepage, or the 4 KB page with --no-huge,
  // where an mbuf of 2.3 KB therefore takes a whole page).
  uint64_t objects_bytes = uint64_t{f.mbufs} * f.mbuf_bytes;
  if (page_size >= f.mbuf_bytes) {
    const uint64_t per_page = page_size / f.mbuf_bytes;
    objects_bytes = (f.mbufs + per_page - 1) / per_page * page_size;
    f.mbuf_stride = page_size / per_page;
  } else {
    f.mbuf_stride = f.mbuf_bytes;
  }
  const ssize_t ring = rte_ring_get_memsize(rte_align32pow2(f.mbufs + 1));
  f.mempool_bytes = objects_bytes + (ring > 0 ? uint64_t(ring) : 0) +
                    sizeof(rte_mempool) + sizeof(rte_mempool_cache) * RTE_MAX_LCORE +
                    sizeof(rte_pktmbuf_pool_private) + 4 * kMallocOverhead;

  if (config.role == Role::kResponder) {
    const ResponderSettings& r = config.responder;
    f.entries = r.max_conns;
    f.table_bytes = ConnectionsBytes(r.max_conns, r.tcp.conn) + sizeof(engine::Worker) +
                    kMallocOverhead;
  } else {
    const InitiatorSettings& s = config.initiator;
    f.table_bytes = sizeof(engine::InitiatorWorker) + kMallocOverhead;
    if (s.mode == engine::InitiatorMode::kConnect) {
      f.entries = s.max_conns;
      // Plus the first-SYN timestamps, one per entry.
      f.table_bytes += ConnectionsBytes(s.max_conns, s.tcp.conn) +
                       sizeof(uint64_t) * uint64_t{s.max_conns} + kMallocOverhead;
    }
  }
  f.tables_bytes = f.table_bytes * f.workers;
  f.allowance_bytes = kBaseAllowance + kQueuePairAllowance * f.workers;
  return f;
}

absl::StatusOr<Preflight> CheckResources(const Config& config,
                                         std::span<const std::string> eal_args,
                                         std::string_view dpdk_log) {
  Preflight p;
  const uint16_t port_id = config.port_id;
  if (!rte_eth_dev_is_valid_port(port_id)) {
    return absl::NotFoundError(ExplainPortFailure(
        absl::NotFoundError(absl::StrFormat("port %u does not exist", port_id)), port_id, "",
        eal_args, "", dpdk_log));
  }
  p.port_name = io::PortName(port_id);
  rte_eth_dev_info info;
  if (int rc = rte_eth_dev_info_get(port_id, &info); rc != 0) {
    return absl::InternalError(absl::StrFormat("port %u (%s): rte_eth_dev_info_get: %s", port_id,
                                               p.port_name, rte_strerror(-rc)));
  }
  p.driver = info.driver_name != nullptr ? info.driver_name : "";
  p.socket = rte_eth_dev_socket_id(port_id);
  p.max_rx_queues = info.max_rx_queues;
  p.max_tx_queues = info.max_tx_queues;
  p.lcores = WorkerLcores();
  const uint32_t workers = WorkerQueuePairs();
  const std::string port = absl::StrFormat("port %u (%s)", port_id, p.port_name);

  if (info.max_rx_queues < workers || info.max_tx_queues < workers) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "%s: %u queue pairs asked (one worker per EAL worker lcore, one queue pair each), "
        "the device has %u RX and %u TX queues; likely fix: give fewer lcores (-l 0,1 is one "
        "worker) or more queues (net_af_packet: qpairs=N; a NIC: check its VF/queue setup)",
        port, workers, info.max_rx_queues, info.max_tx_queues));
  }
  if (config.role == Role::kInitiator) {
    const InitiatorSettings& s = config.initiator;
    if (s.concurrency != 0 && s.concurrency < workers) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "--concurrency=%u is less than the %u workers: each needs at least one",
          s.concurrency, workers));
    }
    const bool rss = (info.flow_type_rss_offloads & (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP)) != 0;
    if (s.mode == engine::InitiatorMode::kConnect && workers > 1 && !rss) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "%s does not spread flows over its queues by RSS, so with %u workers a SYN+ACK "
          "could reach a worker that holds no SYN-SENT entry for it: run the initiator with "
          "one worker lcore (-l 0, or -l 0,1)",
          port, workers));
    }
  }

  p.need = EstimateFootprint(config, workers, MempoolPageSize(p.socket));
  if (p.need.mbufs > io::kMaxMbufs) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "--mbufs: %u workers need %u mbufs (%u per queue pair), more than %u", workers,
        p.need.mbufs, io::kMinMbufsPerQueuePair, io::kMaxMbufs));
  }
  p.memory = Available(eal_args, p.socket);
  const std::string socket =
      p.socket >= 0 ? absl::StrFormat("socket %d", p.socket) : std::string("any socket");
  if (p.memory.known) {
    if (p.need.mempool_bytes + p.need.allowance_bytes > p.memory.bytes) {
      return absl::ResourceExhaustedError(absl::StrFormat(
          "--mbufs=%u: the packet mempool needs %s (%u mbufs, %u bytes each in memory) on %s, EAL has %s "
          "(%s); likely fix: lower --mbufs or %s",
          p.need.mbufs, Mib(p.need.mempool_bytes), p.need.mbufs, p.need.mbuf_stride, socket,
          Mib(p.memory.bytes), p.memory.source, MoreMemory()));
    }
    if (p.need.total() > p.memory.bytes) {
      return absl::ResourceExhaustedError(absl::StrFormat(
          "--max-conns=%u: the connection tables need %s (%u worker%s x %s) on %s, EAL has %s "
          "(%s), of which the mempool, queues and EAL take %s; likely fix: lower --max-conns or %s",
          p.need.entries, Mib(p.need.tables_bytes), p.need.workers,
          p.need.workers == 1 ? "" : "s", Mib(p.need.table_bytes), socket, Mib(p.memory.bytes),
          p.memory.source, Mib(p.need.mempool_bytes + p.need.allowance_bytes), MoreMemory()));
    }
  } else {
    p.notes.push_back(absl::StrFormat("memory not checked: %s", p.memory.source));
  }

  // vfio pins DMA memory against RLIMIT_MEMLOCK unless the process may
  // lock memory anyway (root has CAP_IPC_LOCK).
  rlimit memlock{};
  if (geteuid() != 0 && rte_eal_has_hugepages() != 0 && getrlimit(RLIMIT_MEMLOCK, &memlock) == 0 &&
      memlock.rlim_cur != RLIM_INFINITY && memlock.rlim_cur < p.need.total()) {
    p.notes.push_back(absl::StrFormat(
        "the locked-memory limit is %s, below the %s this run maps: a vfio-pci device may fail "
        "to map it (ulimit -l unlimited, or LimitMEMLOCK=infinity in the systemd unit)",
        Mib(memlock.rlim_cur), Mib(p.need.total())));
  }

  if (p.socket >= 0) {
    std::vector<unsigned> lcores = p.lcores;
    if (lcores.empty()) lcores.push_back(rte_get_main_lcore());
    for (unsigned l : lcores) {
      const unsigned s = rte_lcore_to_socket_id(l);
      if (s != static_cast<unsigned>(p.socket)) {
        p.notes.push_back(absl::StrFormat(
            "worker lcore %u is on socket %u, %s on socket %d: every packet and table access "
            "crosses sockets; pick lcores on socket %d (lscpu)",
            l, s, port, p.socket, p.socket));
      }
    }
  }
  return p;
}

std::string ConfigOkLine(const Config& config, const Preflight& p) {
  const Footprint& n = p.need;
  std::string what;
  if (config.role == Role::kResponder) {
    const ResponderSettings& r = config.responder;
    what = absl::StrFormat(
        "responder, %u local address%s, %u listen spec%s, cookies=%s", r.local.size(),
        r.local.size() == 1 ? "" : "es", r.listen.size(), r.listen.size() == 1 ? "" : "s",
        cookie::CookieModeName(r.tcp.cookies.mode));
  } else {
    const InitiatorSettings& s = config.initiator;
    what = absl::StrFormat("initiator (%s), %u target%s, rate %u/s",
                           s.mode == engine::InitiatorMode::kFlood ? "flood" : "connect",
                           s.plan.targets.size(), s.plan.targets.size() == 1 ? "" : "s", s.rate);
  }
  const std::string memory =
      p.memory.known ? absl::StrFormat("%s of %s available (%s)", Mib(n.total()),
                                       Mib(p.memory.bytes), p.memory.source)
                     : absl::StrFormat("%s (not checked)", Mib(n.total()));
  return absl::StrFormat(
      "synx: config OK: %s; port %u (%s, %s, socket %d): %s, %u of %u RX / %u TX queues; "
      "memory: mempool %u mbufs = %s, tables %u x %u entries = %s, other ~%s, total %s",
      what, config.port_id, p.port_name, p.driver, p.socket, Workers(p.lcores), n.workers,
      p.max_rx_queues, p.max_tx_queues, n.mbufs, Mib(n.mempool_bytes), n.workers, n.entries,
      Mib(n.tables_bytes), Mib(n.allowance_bytes), memory);
}

absl::Status CheckWritable(std::string_view flag, const std::string& path) {
  if (path.empty() || path == "-") return absl::OkStatus();
  auto bad = [&](int err) {
    return absl::InvalidArgumentError(absl::StrFormat("--%s=%s: cannot open for writing: %s",
                                                      flag, path, std::strerror(err)));
  };
  if (access(path.c_str(), F_OK) == 0) {
    return access(path.c_str(), W_OK) == 0 ? absl::OkStatus() : bad(errno);
  }
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  if (access(dir.c_str(), W_OK | X_OK) != 0) return bad(errno);
  return absl::OkStatus();
}

absl::Status ReleaseEal(std::span<const std::string> eal_args) {
  for (const EalDevice& device : EalDevices(eal_args)) {
    if (device.args.rfind("net_memif", 0) == 0) return absl::OkStatus();
  }
  return io::CleanupEal();
}

void CloseProbedPorts() {
  uint16_t id;
  RTE_ETH_FOREACH_DEV(id) { rte_eth_dev_close(id); }
}

int CheckConfig(const Config& config, std::span<const std::string> eal_args) {
  auto refuse = [](const auto& message) {
    std::fprintf(stderr, "synx: %s\n", std::string(message).c_str());
    return kExitConfig;
  };
  if (absl::Status s = CheckWritable("json", config.json_path); !s.ok()) {
    return refuse(s.message());
  }
  if (absl::Status s = CheckWritable("pcap", config.pcap_path); !s.ok()) {
    return refuse(s.message());
  }

  std::optional<io::DpdkLogCapture> capture;
  if (!config.verbose) capture.emplace();
  auto captured = [&] { return capture ? capture->Text() : std::string(); };
  if (absl::Status s = io::InitEal(eal_args); !s.ok()) {
    return refuse(ExplainEalFailure(s, eal_args, captured()));
  }
  absl::StatusOr<Preflight> p = CheckResources(config, eal_args, captured());
  if (!p.ok()) {
    CloseProbedPorts();
    capture.reset();
    ReleaseEal(eal_args).IgnoreError();
    return refuse(p.status().message());
  }
  CloseProbedPorts();
  capture.reset();
  // Human lines stay off stdout when the JSON would go there, as in a run.
  FILE* out = config.json_path == "-" ? stderr : stdout;
  for (const std::string& note : p->notes) std::fprintf(out, "synx: note: %s\n", note.c_str());
  std::fprintf(out, "%s\n", ConfigOkLine(config, *p).c_str());
  std::fflush(out);
  if (absl::Status s = ReleaseEal(eal_args); !s.ok()) {
    std::fprintf(stderr, "synx: %s\n", std::string(s.message()).c_str());
    return kExitRuntime;
  }
  return kExitOk;
}

}  // namespace synx::app
