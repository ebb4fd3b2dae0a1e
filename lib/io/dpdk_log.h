// dpdk_log.h — keeps DPDK's own log lines off the terminal while synx starts.
//
// EAL and the PMDs log a dozen lines on every start and several more on each
// failure. While a DpdkLogCapture is alive those lines go to memory instead
// of stderr, so that a failed start is reported as one synx line that quotes
// the DPDK line that matters. The destructor restores DPDK's default stream.
// Only one capture may exist at a time; it is not thread-safe (start-up runs
// on one thread).
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace synx::io {

class DpdkLogCapture {
 public:
  DpdkLogCapture();
  ~DpdkLogCapture();
  DpdkLogCapture(const DpdkLogCapture&) = delete;
  DpdkLogCapture& operator=(const DpdkLogCapture&) = delete;

  // Everything DPDK logged since construction.
  std::string Text();

 private:
  FILE* stream_ = nullptr;
  char* buffer_ = nullptr;
  size_t size_ = 0;
};

// The first line of `log` that mentions `needle`, without the "function(): "
// prefix DPDK's drivers put in front; empty when no line does.
std::string FirstLineMentioning(std::string_view log, std::string_view needle);

// The line of `log` most likely to say why `device` failed: the first line
// that names it (other than EAL's own "failed to initialize <device>"), else
// the first line from a driver rather than from EAL or telemetry. Without
// the "function(): " prefix; empty when there is none.
std::string LikelyCause(std::string_view log, std::string_view device);

// The last non-empty line of `log`.
std::string LastLine(std::string_view log);

}  // namespace synx::io
