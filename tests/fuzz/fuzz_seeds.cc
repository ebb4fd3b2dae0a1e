// fuzz_seeds.cc — writes the seed corpora of the fuzz harnesses from the
// golden frames (tests/wire/golden_frames.h, made by scripts/golden_frames.py):
//
//   fuzz_seeds DIR   →  DIR/frame/<golden>-<state>          (frame_fuzz)
//                       DIR/tcp_options/<golden>-syn|ack     (tcp_options_fuzz)
//
// Each golden frame (inputs and replies alike) is paired with a handful of
// states (frame_fuzz_input.h) that put it on different paths: a listener
// with each cookie mode, an entry in each handshake / closing state for its
// own tuple, the initiator and its flood mode. The option seeds are each TCP
// golden frame's option list, as a SYN and as a non-SYN. Names are stable,
// so rerunning overwrites the same files.
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <sys/stat.h>
#include <vector>

#include "frame_fuzz_input.h"
#include "golden_frames.h"
#include "wire/frame.h"

namespace {

using synx::fuzz::kStateBytes;

struct State {
  const char* name;
  uint8_t b0, b1, b2;  // frame_fuzz_input.h bytes 0..2; the rest fixed below
};

// b0: bit0 initiator, bit1 flood, bits2-3 cookie mode, bit4 listening,
//     bit7 cookie just issued. b1: bit4 own address. b2: bit6 genuine
//     cookie ACK; bit7 own entry +
//     state (tcp/state.h order: 2 SYN-SENT, 3 SYN-RECEIVED, 4 ESTABLISHED,
//     5 FIN-WAIT-1, 6 FIN-WAIT-2, 7 CLOSING, 8 TIME-WAIT, 9 CLOSE-WAIT,
//     10 LAST-ACK).
constexpr State kStates[] = {
    {"listen-always", 0x10, 0x10, 0x00},
    {"listen-never", 0x14, 0x10, 0x00},
    {"listen-auto-recent", 0x98, 0x10, 0x00},
    {"genuine-cookie-ack", 0x10, 0x10, 0x40},
    {"closed-port", 0x00, 0x10, 0x00},
    {"syn-received", 0x14, 0x10, 0x83},
    {"established", 0x14, 0x10, 0x84},
    {"fin-wait-1", 0x14, 0x10, 0x85},
    {"time-wait", 0x14, 0x10, 0x88},
    {"last-ack", 0x14, 0x10, 0x8a},
    {"initiator-syn-sent", 0x01, 0x10, 0x82},
    {"initiator-flood", 0x03, 0x10, 0x00},
};

bool WriteFile(const std::string& path, const std::vector<uint8_t>& bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) {
    std::fprintf(stderr, "fuzz_seeds: %s: %s\n", path.c_str(), std::strerror(errno));
    return false;
  }
  const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  return std::fclose(f) == 0 && ok;
}

bool MakeDir(const std::string& path) {
  if (mkdir(path.c_str(), 0755) == 0 || errno == EEXIST) return true;
  std::fprintf(stderr, "fuzz_seeds: mkdir %s: %s\n", path.c_str(), std::strerror(errno));
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace synx::wire;
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_seeds DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  if (!MakeDir(dir) || !MakeDir(dir + "/frame") || !MakeDir(dir + "/tcp_options")) {
    return 1;
  }
  struct Named {
    std::string_view name;
    std::span<const uint8_t> bytes;
  };
  std::vector<Named> frames;
  for (const golden::GoldenFrame& g : golden::kGoldenFrames) frames.push_back({g.name, g.bytes});
  for (const golden::GoldenReply& g : golden::kGoldenReplies) frames.push_back({g.name, g.bytes});

  int written = 0;
  for (const Named& g : frames) {
    for (const State& s : kStates) {
      std::vector<uint8_t> in(kStateBytes, 0);
      in[0] = s.b0;
      in[1] = s.b1;
      in[2] = s.b2;
      in[9] = 0x12;    // two other entries, capacity 2 + 1 + 2
      in[10] = 0x43;   // their states: SYN-RECEIVED, ESTABLISHED
      in[14] = 0x10;   // 128 bytes of room behind the frame
      in[16] = 0x05;   // MSS 1460
      in[17] = 0xb4;
      in.insert(in.end(), g.bytes.begin(), g.bytes.end());
      if (!WriteFile(dir + "/frame/" + std::string(g.name) + "-" + s.name, in)) return 1;
      ++written;
    }
    // Its TCP options, if it is a TCP frame.
    const Frame f = ParseFrame(g.bytes);
    if (f.kind != FrameKind::kTcp) continue;
    const uint8_t* opt = g.bytes.data() + f.l4_offset + 20;
    const size_t n = f.tcp.header_len - 20u;
    for (int syn = 0; syn < 2; ++syn) {
      std::vector<uint8_t> in{static_cast<uint8_t>(syn)};
      in.insert(in.end(), opt, opt + n);
      if (!WriteFile(dir + "/tcp_options/" + std::string(g.name) + (syn ? "-syn" : "-ack"),
                     in)) {
        return 1;
      }
      ++written;
    }
  }
  std::printf("fuzz_seeds: %d seeds in %s\n", written, dir.c_str());
  return 0;
}
