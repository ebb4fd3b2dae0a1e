// check_config.h — what a run needs from the machine, checked against what
// the EAL found, before the port moves a packet.
//
// EstimateFootprint is the arithmetic: the bytes the mempool (--mbufs) and
// each worker's connection table, timer wheel and state (--max-conns) take,
// from the same sizes the allocations use. CheckResources runs after
// rte_eal_init: the port exists, it has a queue pair per worker lcore, the
// initiator's worker count suits the port, and the mempool and tables fit
// the memory EAL can still hand out on the port's socket. It reads DPDK's
// state and sysfs and changes nothing: the port is never configured.
//
// Both --check-config and a normal run call it, so a configuration that
// cannot work gets the same one line and exit code 2 from either, before a
// packet moves. CheckConfig is the whole --check-config run.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "config.h"

namespace synx::app {

struct Footprint {
  uint32_t workers = 0;
  uint32_t mbufs = 0;            // the mempool size Run asks for
  uint64_t mbuf_bytes = 0;       // one mbuf with its mempool header
  uint64_t mbuf_stride = 0;      // memory per mbuf, page packing included
  uint64_t mempool_bytes = 0;    // mbufs, ring, per-lcore caches
  uint64_t entries = 0;          // table entries per worker (0: flood)
  uint64_t table_bytes = 0;      // one worker: table, wheel, link index, state
  uint64_t tables_bytes = 0;     // every worker
  uint64_t allowance_bytes = 0;  // queues, descriptor rings, EAL's own: an estimate
  uint64_t total() const { return mempool_bytes + tables_bytes + allowance_bytes; }
};

// Needs no EAL: DPDK's size arithmetic only. `page_size`: the page the
// mempool's objects must not cross (4 KB with --no-huge, the smallest
// hugepage otherwise; 0: none).
Footprint EstimateFootprint(const Config& config, uint32_t workers, uint64_t page_size);

// The memory EAL can still allocate on a socket: what its heap has free and,
// with hugepages in dynamic mode, the free hugepages it may still map.
struct MemoryAvailable {
  bool known = false;  // false: free hugepages could not be read; not checked
  uint64_t bytes = 0;
  std::string source;  // "hugepages: 412 x 2 MB free on socket 0 + 12.0 MiB heap"
};

struct Preflight {
  Footprint need;
  MemoryAvailable memory;
  int socket = -1;  // the port's NUMA socket (-1: none)
  std::string port_name;
  std::string driver;
  uint16_t max_rx_queues = 0;
  uint16_t max_tx_queues = 0;
  std::vector<unsigned> lcores;     // worker lcores; empty: the main lcore
  std::vector<std::string> notes;   // not errors: lcores off the port's socket
};

// After InitEal, before Port::Open. Errors are one line without "synx: ".
absl::StatusOr<Preflight> CheckResources(const Config& config,
                                         std::span<const std::string> eal_args,
                                         std::string_view dpdk_log);

// "config OK: ..." with the numbers.
std::string ConfigOkLine(const Config& config, const Preflight& preflight);

// --FLAG=PATH (--json, --pcap) can be written, without creating or
// truncating it: the file is writable, or its directory is.
absl::Status CheckWritable(std::string_view flag, const std::string& path);

// Closes every port the EAL probed, none of them started: their drivers
// stop their interrupt and socket handlers (net_memif's listening socket),
// which rte_eal_cleanup would otherwise pull from under EAL's interrupt
// thread. Call before CleanupEal when no io::Port was opened.
void CloseProbedPorts();

// rte_eal_cleanup, except after a net_memif device: DPDK 22.11's memif
// leaves its listening socket's interrupt source registered after the
// device is closed, with its handle in EAL memory, and rte_eal_cleanup
// unmaps that memory while EAL's interrupt thread may still walk its
// sources: the process crashed at exit in about 1 of 30 --check-config runs
// on a loaded machine (1 of 4 examples tests). With memif the memory is
// left to the process exit instead (with hugepages, the next start with the
// same --file-prefix reclaims the files).
absl::Status ReleaseEal(std::span<const std::string> eal_args);

// The --check-config run: EAL up, CheckResources, EAL down. Prints the OK
// line on stdout (notes too) or one line on stderr; returns the exit code
// (0 or 2: every failure here is the configuration's).
int CheckConfig(const Config& config, std::span<const std::string> eal_args);

}  // namespace synx::app
