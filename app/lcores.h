// lcores.h — where workers run, for either role: one worker per EAL worker
// lcore, one queue pair each; with a single lcore (-l 0), the main lcore
// polls the one worker itself and does the control work between bursts.
//
// RunWorkers is the loop both roles share: it launches every worker's Run on
// its lcore (or polls the single one), calls `control(now_tsc)` on the main
// lcore about once a millisecond until it returns false or `stop` is set,
// then stops the workers and waits for them. The control callback never
// touches a worker's tables; it reads counters and progress (relaxed
// atomics). No protocol logic here.
#pragma once

#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <span>
#include <vector>

namespace synx::app {

// The EAL worker lcores (all lcores but the main one), in id order; empty
// when EAL runs on the main lcore alone.
std::vector<unsigned> WorkerLcores();

// Queue pairs the workers want: one per worker lcore, at least one.
uint16_t WorkerQueuePairs();

// How often the main lcore wakes up when it only does control work: the
// stop and --duration latency, and the live line's jitter.
inline constexpr unsigned kControlSleepUs = 1000;
// With one lcore, control work is looked at every this many polls: an empty
// poll costs tens of nanoseconds, so this is a few microseconds at most.
inline constexpr uint32_t kPollsPerControlCheck = 64;

// `workers[i]` runs on `lcores[i]`; with no lcores, workers[0] is polled on
// the calling (main) lcore. W has Poll() and Run(const std::atomic<bool>&).
template <class W, class Control>
void RunWorkers(std::span<W* const> workers, std::span<const unsigned> lcores,
                const std::atomic<bool>& stop, Control&& control) {
  if (lcores.empty()) {
    W& w = *workers.front();
    uint32_t polls = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      w.Poll();
      if (++polls % kPollsPerControlCheck != 0) continue;
      if (!control(rte_rdtsc())) break;
    }
    return;
  }
  struct LaunchArg {
    W* worker;
    const std::atomic<bool>* stop;
  };
  std::atomic<bool> workers_stop{false};
  std::vector<LaunchArg> args(workers.size());
  for (size_t i = 0; i < workers.size(); ++i) {
    args[i] = {workers[i], &workers_stop};
    // Only fails for an lcore that is already busy, which nothing else in
    // synx launches on; said out loud all the same, the others run on.
    const int rc = rte_eal_remote_launch(
        [](void* arg) {
          const auto* a = static_cast<const LaunchArg*>(arg);
          a->worker->Run(*a->stop);
          return 0;
        },
        &args[i], lcores[i]);
    if (rc != 0) {
      std::fprintf(stderr, "synx: lcore %u: rte_eal_remote_launch: %s\n",
                   lcores[i], std::strerror(-rc));
    }
  }
  while (!stop.load(std::memory_order_relaxed) && control(rte_rdtsc())) {
    rte_delay_us_sleep(kControlSleepUs);
  }
  workers_stop.store(true, std::memory_order_relaxed);
  rte_eal_mp_wait_lcore();
}

}  // namespace synx::app
