#include "lcores.h"

#include <algorithm>

namespace synx::app {

std::vector<unsigned> WorkerLcores() {
  std::vector<unsigned> out;
  unsigned lcore;
  RTE_LCORE_FOREACH_WORKER(lcore) { out.push_back(lcore); }
  return out;
}

uint16_t WorkerQueuePairs() {
  return static_cast<uint16_t>(std::max<size_t>(1, WorkerLcores().size()));
}

}  // namespace synx::app
