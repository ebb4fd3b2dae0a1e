#include "io/dpdk_log.h"

#include <rte_log.h>

#include <cstdlib>


namespace synx::io {

DpdkLogCapture::DpdkLogCapture() {
  stream_ = open_memstream(&buffer_, &size_);
  // Without a stream DPDK keeps logging to stderr: noisy, not wrong.
  if (stream_ != nullptr) rte_openlog_stream(stream_);
}

DpdkLogCapture::~DpdkLogCapture() {
  if (stream_ == nullptr) return;
  // nullptr hands DPDK back its default stream (stderr and syslog).
  rte_openlog_stream(nullptr);
  std::fclose(stream_);
  std::free(buffer_);
}

std::string DpdkLogCapture::Text() {
  if (stream_ == nullptr) return {};
  std::fflush(stream_);
  return std::string(buffer_, size_);
}

namespace {

// Debian's Abseil has its own string_view type, so lines are split by hand.
template <typename Fn>
void ForEachLine(std::string_view text, Fn fn) {
  while (!text.empty()) {
    const size_t end = text.find('\n');
    if (!fn(text.substr(0, end))) return;
    if (end == std::string_view::npos) return;
    text.remove_prefix(end + 1);
  }
}

std::string_view Trim(std::string_view s) {
  const size_t first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  const size_t last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

std::string_view WithoutFunctionPrefix(std::string_view line) {
  // Drivers log as "rte_pmd_init_internals(): net_af_packet0: ...".
  const size_t paren = line.find("(): ");
  if (paren != std::string_view::npos &&
      line.substr(0, paren).find(' ') == std::string_view::npos) {
    line.remove_prefix(paren + 4);
  }
  return Trim(line);
}

}  // namespace

std::string FirstLineMentioning(std::string_view log, std::string_view needle) {
  std::string found;
  if (needle.empty()) return found;
  ForEachLine(log, [&](std::string_view line) {
    if (line.find(needle) == std::string_view::npos) return true;
    found = WithoutFunctionPrefix(line);
    return false;
  });
  return found;
}

std::string LikelyCause(std::string_view log, std::string_view device) {
  std::string named;
  std::string from_driver;
  ForEachLine(log, [&](std::string_view line) {
    line = Trim(line);
    if (line.empty() || line.find("failed to initialize") != std::string_view::npos) return true;
    if (!device.empty() && line.find(device) != std::string_view::npos) {
      named = WithoutFunctionPrefix(line);
      return false;
    }
    if (from_driver.empty() && line.substr(0, 4) != "EAL:" && line.substr(0, 10) != "TELEMETRY:") {
      from_driver = WithoutFunctionPrefix(line);
    }
    return true;
  });
  return named.empty() ? from_driver : named;
}

std::string LastLine(std::string_view log) {
  std::string_view last;
  ForEachLine(log, [&](std::string_view line) {
    if (!Trim(line).empty()) last = line;
    return true;
  });
  return std::string(WithoutFunctionPrefix(last));
}

}  // namespace synx::io
