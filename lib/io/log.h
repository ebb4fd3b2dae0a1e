// log.h — synx's own DPDK log types, so that `--log-level` works the DPDK way.
//
// Each part of synx logs under a type registered with RTE_LOG_REGISTER:
//   synx.app        start, stop, flags that change behaviour
//   synx.port       port set-up, link, queues, offloads
//   synx.engine     workers: launch, lcore, stop, per-worker totals
//   synx.cookie     cookie keys: epoch changes (rotation)
//   synx.telemetry  /synx/ telemetry commands being registered
//   synx.capture    --pcap and dpdk-dumpcap (pdump) set-up and results
// All start at NOTICE: a run prints nothing of its own through them unless
// asked, e.g. EAL's `--log-level=synx.*:debug` or `--log-level=synx.cookie:info`.
//
// Never on the per-packet path: SYNX_LOG is a call into rte_log. A
// per-packet message must use SYNX_LOG_DP, which compiles to nothing unless
// DPDK was built with RTE_LOG_DP_LEVEL at DEBUG (Debian's is INFO), so the
// workers pay nothing for it.
#pragma once

#include <rte_log.h>

// The registered type ids (set by constructors before main runs).
extern int synx_logtype_app;
extern int synx_logtype_port;
extern int synx_logtype_engine;
extern int synx_logtype_cookie;
extern int synx_logtype_telemetry;
extern int synx_logtype_capture;

// SYNX_LOG(INFO, cookie, "epoch %" PRIu64, e) logs
// "synx.cookie: epoch 42" at RTE_LOG_INFO under synx.cookie; the newline is
// added.
#define SYNX_LOG(level, type, fmt, ...)                                  \
  rte_log(RTE_LOG_##level, synx_logtype_##type, "synx." #type ": " fmt "\n" \
          __VA_OPT__(, ) __VA_ARGS__)

#define SYNX_LOG_DP(level, type, fmt, ...)                                    \
  (void)((RTE_LOG_##level <= RTE_LOG_DP_LEVEL)                                \
             ? rte_log(RTE_LOG_##level, synx_logtype_##type,                  \
                       "synx." #type ": " fmt "\n" __VA_OPT__(, ) __VA_ARGS__) \
             : 0)

namespace synx::io {

// True when `type`'s level lets `level` through (e.g. to skip building a
// costly message). Control path.
inline bool LogEnabled(int type, uint32_t level) { return rte_log_can_log(type, level); }

// Points DPDK's log (and so synx's) at stderr. EAL's own default stream on
// Linux writes to stdout (and syslog), where it would mix with --json=-; a
// command-line tool keeps stdout for its output.
void LogToStderr();

}  // namespace synx::io
