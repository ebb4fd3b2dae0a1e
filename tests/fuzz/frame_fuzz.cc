// frame_fuzz.cc — libFuzzer harness: one received frame through the pure
// core the way a worker drives it (lib/engine/worker.cc, initiator_worker.cc
// and datapath.h), with no EAL and no mbuf:
//
//   ParseFrame → (host::Decide / tcp::OnSegment) → the Action carried out on
//   a real FlowTable → WriteTcpReply / host::Respond in place → the entry's
//   timer fired once → WriteTcpSegment into a fresh buffer.
//
// Input: kStateBytes of state (frame_fuzz_input.h), then the frame. Every
// frame sits in a heap buffer of exactly its length, so ASan reports any
// read past its end; a reply is written into a second buffer of the frame's
// length plus a fuzzed amount of room (an mbuf's data room is at least the
// frame: datapath.h Room()), so ASan reports any write past the room.
//
// Invariants checked (a violation aborts, which libFuzzer records as a
// crash):
//   - every drop, from the parser, lib/host or lib/tcp, has a named reason;
//   - a reply fits its room or is refused (0), and is refused only when the
//     room is smaller than the largest reply can be;
//   - a reply re-parses (ParseFrame, software checksums) as the expected
//     kind, with addresses, ports and MACs swapped, VLAN tags kept, and the
//     sequence numbers, flags and options the rules asked for; offload
//     replies are completed as a NIC would first;
//   - kCreate only without an entry, kUpdate / kErase only with one;
//   - the table never holds more than its capacity, and the engine's
//     half-open count equals the SYN-RECEIVED entries in it.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <span>

#include "cookie/isn.h"
#include "cookie/keys.h"
#include "cookie/policy.h"
#include "flow/flow_key.h"
#include "flow/flow_table.h"
#include "frame_fuzz_input.h"
#include "host/host.h"
#include "host/host_config.h"
#include "tcp/action.h"
#include "tcp/config.h"
#include "tcp/initiator.h"
#include "tcp/responder.h"
#include "tcp/tcb.h"
#include "wire/checksum.h"
#include "wire/drop_reason.h"
#include "wire/frame.h"
#include "wire/reply.h"

namespace synx::fuzz {
namespace {

using tcp::Action;
using tcp::State;
using tcp::TcbOp;
using tcp::Verdict;
using wire::DropReason;
using wire::Frame;
using wire::FrameKind;

#define FUZZ_CHECK(cond)                                                  \
  do {                                                                    \
    if (!(cond)) {                                                        \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__,     \
                   __LINE__, #cond);                                      \
      std::abort();                                                       \
    }                                                                     \
  } while (0)

// The longest reply any writer makes: two VLAN tags, a fresh IPv6 header, a
// TCP header with 40 bytes of options (reply.h never echoes payload, IP
// options or extension headers). A writer may refuse a smaller room only.
constexpr size_t kMaxReply = 14 + 8 + 40 + 20 + 40;

constexpr uint32_t kRotateSeconds = 30;
constexpr uint64_t kUnixNow = 1'700'000'000;  // epoch ≥ 1: both slots live

// Process-wide, built once: keys and secrets (deriving them costs BLAKE2b
// rounds, and lib/cookie only reads them on the data path).
struct Globals {
  std::unique_ptr<cookie::CookieKeys> keys_both;   // both slots live
  std::unique_ptr<cookie::CookieKeys> keys_epoch0;  // slot 1 empty
  cookie::FlowSecrets secrets{cookie::SipKey{}};
};

const Globals& G() {
  static const Globals* g = [] {
    auto* g = new Globals;
    cookie::MasterKey master;
    for (size_t i = 0; i < master.bytes.size(); ++i) {
      master.bytes[i] = static_cast<uint8_t>(i * 37 + 11);
    }
    g->keys_both =
        std::move(*cookie::CookieKeys::Create(master, kRotateSeconds, kUnixNow));
    g->keys_epoch0 =
        std::move(*cookie::CookieKeys::Create(master, kRotateSeconds, 5));
    g->secrets = cookie::FlowSecrets::FromMaster(master);
    return g;
  }();
  return *g;
}

void CheckDropReason(DropReason r) {
  FUZZ_CHECK(r != DropReason::kNone);
  FUZZ_CHECK(static_cast<int>(r) < wire::kDropReasonCount);
  FUZZ_CHECK(wire::DropReasonName(r) != "invalid");
}

// What the NIC does with an offload reply (DPDK's RTE_MBUF_F_TX_TCP_CKSUM):
// the field holds the pseudo-header sum; the checksum of the whole segment
// from there, complemented, replaces it.
void CompleteOffloadChecksum(std::span<uint8_t> tcp_segment) {
  const uint16_t sum = wire::FoldChecksum(wire::ChecksumAdd(tcp_segment));
  const uint16_t v = static_cast<uint16_t>(~sum);
  tcp_segment[16] = static_cast<uint8_t>(v >> 8);
  tcp_segment[17] = static_cast<uint8_t>(v);
}

// The re-parsed reply `out` carries what `r` said, from `local` to `remote`.
void CheckTcpReply(const Frame& out, const wire::TcpReply& r,
                   const wire::IpAddr& local, uint16_t local_port,
                   const wire::IpAddr& remote, uint16_t remote_port) {
  FUZZ_CHECK(out.ok());
  FUZZ_CHECK(out.kind == FrameKind::kTcp);
  FUZZ_CHECK(out.src == local);
  FUZZ_CHECK(out.dst == remote);
  FUZZ_CHECK(out.tcp.sport == local_port);
  FUZZ_CHECK(out.tcp.dport == remote_port);
  FUZZ_CHECK(out.tcp.flags == r.flags);
  FUZZ_CHECK(out.tcp.seq == r.seq);
  if (r.flags.ack()) FUZZ_CHECK(out.tcp.ack == r.ack);
  FUZZ_CHECK(out.tcp.window == r.window);
  FUZZ_CHECK(out.tcp.payload_len == 0);
  FUZZ_CHECK(out.ttl == r.ttl);
  FUZZ_CHECK(!out.tcp.options.malformed);
  if (r.flags.syn()) {
    const wire::TcpOptions& o = out.tcp.options;
    FUZZ_CHECK(o.mss == r.syn.mss);
    FUZZ_CHECK(o.sack_permitted == r.syn.sack_permitted);
    FUZZ_CHECK(o.has_timestamps == r.syn.timestamps);
    if (r.syn.timestamps) {
      FUZZ_CHECK(o.ts_val == r.syn.ts_val);
      FUZZ_CHECK(o.ts_ecr == r.syn.ts_ecr);
    }
    FUZZ_CHECK(o.has_window_scale == r.syn.window_scale);
    if (r.syn.window_scale) FUZZ_CHECK(o.window_scale == r.syn.window_shift);
  } else {
    FUZZ_CHECK(out.tcp.options.has_timestamps == r.timestamps);
    if (r.timestamps) {
      FUZZ_CHECK(out.tcp.options.ts_val == r.ts_val);
      FUZZ_CHECK(out.tcp.options.ts_ecr == r.ts_ecr);
    }
  }
}

// Re-parses `len` bytes of `buf` (a TCP frame just written) in its own
// exactly-sized buffer, completing an offloaded checksum first.
Frame Reparse(const uint8_t* buf, size_t len, bool offload) {
  std::unique_ptr<uint8_t[]> copy(new uint8_t[len]);
  std::memcpy(copy.get(), buf, len);
  Frame out = wire::ParseFrame({copy.get(), len});  // software checksums
  if (offload && out.ok() && out.kind == FrameKind::kTcp) {
    CompleteOffloadChecksum({copy.get() + out.l4_offset, out.l4_len()});
    out = wire::ParseFrame({copy.get(), len});
  } else if (offload) {
    // The segment before completion: parse again with the L4 checksum
    // vouched for, to get its fields (the IP header is complete).
    out = wire::ParseFrame({copy.get(), len}, wire::ChecksumStatus::kUnknown,
                           wire::ChecksumStatus::kGood);
    if (out.ok() && out.kind == FrameKind::kTcp) {
      CompleteOffloadChecksum({copy.get() + out.l4_offset, out.l4_len()});
      out = wire::ParseFrame({copy.get(), len});
    }
  }
  return out;
}

void CheckL2Swapped(const Frame& in, const Frame& out) {
  FUZZ_CHECK(out.src_mac == in.dst_mac);
  FUZZ_CHECK(out.dst_mac == in.src_mac);
  FUZZ_CHECK(out.vlan_count == in.vlan_count);
  for (int i = 0; i < in.vlan_count; ++i) {
    FUZZ_CHECK(out.vlan_tci[i] == in.vlan_tci[i]);
  }
}

// ARP, echo and ND: datapath.h AnswerHost.
void RunHost(const Input& in, const Frame& f, const uint8_t* frame,
             size_t len) {
  host::HostConfig host;
  host.mac = f.dst_mac.IsMulticast() ? wire::MacAddr{{2, 0, 0, 0, 0, 1}}
                                     : f.dst_mac;
  if (in.own_address) {
    switch (f.kind) {
      case FrameKind::kArp: host.AddAddress(f.arp.tpa); break;
      case FrameKind::kNeighborSolicit:
      case FrameKind::kNeighborAdvert: host.AddAddress(f.icmp.target); break;
      default: host.AddAddress(f.dst); break;
    }
  }
  if (f.kind == FrameKind::kIcmpEchoRequest && f.dst_mac.IsMulticast()) return;
  const host::HostAction a = host::Decide(host, f, nullptr);
  switch (a.verdict) {
    case host::HostVerdict::kDrop: CheckDropReason(a.drop); return;
    case host::HostVerdict::kConsumed:
    case host::HostVerdict::kNotHost: return;
    default: break;
  }
  const size_t room = len + in.extra_room;
  std::unique_ptr<uint8_t[]> buf(new uint8_t[room]);
  std::memcpy(buf.get(), frame, len);
  const size_t out_len = host::Respond({buf.get(), room}, f, host, a);
  if (out_len == 0) {
    FUZZ_CHECK(room < kMaxReply + 64);  // echo replies keep their data
    return;
  }
  FUZZ_CHECK(out_len <= room);
  switch (a.verdict) {
    case host::HostVerdict::kArpReply: {
      const Frame out = wire::ParseFrame({buf.get(), out_len});
      FUZZ_CHECK(out.kind == FrameKind::kArp);
      FUZZ_CHECK(out.arp.op == wire::kArpOpReply);
      FUZZ_CHECK(out.arp.spa == f.arp.tpa);
      FUZZ_CHECK(out.arp.tpa == f.arp.spa);
      FUZZ_CHECK(out.arp.sha == host.mac);
      break;
    }
    case host::HostVerdict::kNeighborAdvert: {
      const Frame out = Reparse(buf.get(), out_len, false);
      FUZZ_CHECK(out.kind == FrameKind::kNeighborAdvert);
      FUZZ_CHECK(out.icmp.target == f.icmp.target);
      FUZZ_CHECK(out.ttl == 255);
      break;
    }
    case host::HostVerdict::kEchoReply: {
      // An echo reply does not parse as anything we accept; turned back
      // into a request (type and checksum adjusted, RFC 1624) it must parse
      // as the request it answers, swapped.
      const size_t l4 = f.family == wire::Family::kV4 ? f.l3_offset + 20
                                                       : f.l3_offset + 40;
      FUZZ_CHECK(l4 + 8 <= out_len);
      uint8_t* icmp = buf.get() + l4;
      const uint8_t want_type = f.family == wire::Family::kV4 ? 0 : 129;
      const uint8_t req_type = f.family == wire::Family::kV4 ? 8 : 128;
      FUZZ_CHECK(icmp[0] == want_type);
      const uint16_t old_ck = static_cast<uint16_t>(icmp[2] << 8 | icmp[3]);
      const uint16_t ck = wire::ChecksumAdjust(
          old_ck, static_cast<uint16_t>(icmp[0] << 8 | icmp[1]),
          static_cast<uint16_t>(req_type << 8 | icmp[1]));
      icmp[0] = req_type;
      icmp[2] = static_cast<uint8_t>(ck >> 8);
      icmp[3] = static_cast<uint8_t>(ck);
      // The checksum is adjusted from the request's (RFC 1624): it is right
      // only when the request's was, which the PMD may have vouched for.
      const Frame out = wire::ParseFrame(
          {buf.get(), out_len}, wire::ChecksumStatus::kUnknown,
          in.l4_checksum == wire::ChecksumStatus::kUnknown
              ? wire::ChecksumStatus::kUnknown
              : wire::ChecksumStatus::kGood);
      FUZZ_CHECK(out.kind == FrameKind::kIcmpEchoRequest);
      FUZZ_CHECK(out.src == f.dst);
      FUZZ_CHECK(out.dst == f.src);
      FUZZ_CHECK(out.icmp.id == f.icmp.id);
      FUZZ_CHECK(out.icmp.sequence == f.icmp.sequence);
      CheckL2Swapped(f, out);
      break;
    }
    default: FUZZ_CHECK(false);
  }
}

using Table = flow::FlowTable<tcp::Tcb>;

struct TableBox {
  void* memory = nullptr;
  std::optional<Table> table;
  ~TableBox() { std::free(memory); }
};

uint32_t CountSynReceived(const Table& t, const flow::FlowKey* keys,
                          uint32_t n) {
  uint32_t c = 0;
  for (uint32_t i = 0; i < n; ++i) {
    const flow::FlowHandle h = t.Find(keys[i]);
    if (h.valid() && t.value(h).state == State::kSynReceived) ++c;
  }
  return c;
}

void RunTcp(const Input& in, const Frame& f, const uint8_t* frame,
            size_t len) {
  const Globals& g = G();
  // The engine's filters before the rules (worker.cc step 2).
  if (f.dst_mac.IsMulticast()) return;  // kL2NotUnicast
  host::HostConfig host;
  if (host.AddAddress(f.dst) != host::AddResult::kOk) return;  // not ours
  if (host.IsOwn(f.src)) return;                                // kOwnSource

  // Configuration.
  tcp::ResponderConfig rcfg;
  rcfg.cookies =
      cookie::PolicyConfig::ForTable(in.cookie_mode, in.capacity, kRotateSeconds);
  rcfg.on_established = in.on_established;
  rcfg.closed_port = in.closed_port_drop ? tcp::ClosedPort::kDrop
                                         : tcp::ClosedPort::kRst;
  tcp::InitiatorConfig icfg;
  icfg.close = in.close;
  const cookie::CookieKeys* keys =
      in.cookie_mode == cookie::CookieMode::kNever
          ? nullptr
          : (in.keys_epoch0 ? g.keys_epoch0.get() : g.keys_both.get());
  tcp::ResponderContext rctx(rcfg, keys, g.secrets);
  tcp::InitiatorContext ictx(icfg, g.secrets);

  // The table: capacity from the input, filled with other flows first.
  flow::FlowTableOptions topt;
  topt.max_entries = in.capacity;
  topt.seed = flow::HashSeed{0x1234, 0x5678};
  TableBox box;
  const size_t bytes = Table::MemoryBytes(topt);
  box.memory = std::aligned_alloc(Table::kMemoryAlignment,
                                  (bytes + 63) / 64 * 64);
  box.table.emplace(std::move(*Table::Create(topt, box.memory, bytes)));
  Table& table = *box.table;

  flow::FlowKey keys_seen[kMaxOtherEntries + 1];
  uint32_t n_keys = 0;
  uint32_t half_open = 0;
  const uint64_t now_us = in.now_us;
  for (uint32_t i = 0; i < in.other_entries; ++i) {
    wire::IpAddr remote = f.src;
    remote.b[15] = static_cast<uint8_t>(remote.b[15] + 1 + i);
    const flow::FlowKey k = flow::FlowKey::Make(
        f.dst, f.tcp.dport, remote, static_cast<uint16_t>(f.tcp.sport ^ (i + 1)));
    tcp::Tcb t;
    t.state = in.other_state[i];
    t.iss = wire::SeqNum(0x1000 * (i + 1));
    if (f.family == wire::Family::kV6) t.flags |= tcp::tcb_flag::kIpv6;
    if (table.Insert(k, t).inserted()) {
      keys_seen[n_keys++] = k;
      if (t.state == State::kSynReceived) ++half_open;
    }
  }

  // The frame's own entry, in a state relative to the segment so that the
  // in-window paths are reachable.
  const flow::FlowKey key =
      flow::FlowKey::Make(f.dst, f.tcp.dport, f.src, f.tcp.sport);
  keys_seen[n_keys++] = key;
  if (in.own_entry) {
    tcp::Tcb t;
    t.state = in.own_state;
    t.flags = in.own_flags;
    if (f.family == wire::Family::kV6) t.flags |= tcp::tcb_flag::kIpv6;
    else t.flags &= static_cast<uint8_t>(~tcp::tcb_flag::kIpv6);
    t.iss = f.tcp.ack - 1 + in.iss_delta;
    t.rcv_nxt = f.tcp.seq + in.rcv_delta;
    t.ts_recent = f.tcp.options.ts_val - in.ts_recent_delta;
    t.ts_offset = in.ts_offset;
    t.mss = in.mss;
    // tcb.h: both shifts are 0 unless kWsOk; ours is the configured one
    // (≤ 14, config.cc), the peer's was clamped to 14 when parsed.
    if (t.Has(tcp::tcb_flag::kWsOk)) {
      t.SetWindowScales(static_cast<uint8_t>((in.wscale & 0x0f) % 15),
                        in.initiator ? icfg.conn.window_shift
                                     : rcfg.conn.window_shift);
    }
    t.retransmits = in.retransmits;
    t.challenge_epoch = in.challenge_epoch;
    t.challenge_count = in.challenge_count;
    const flow::InsertResult ins = table.Insert(key, t);
    if (ins.inserted() && t.state == State::kSynReceived) ++half_open;
  }
  FUZZ_CHECK(table.size() <= table.capacity());
  rctx.half_open = half_open;
  rctx.entries = table.size();
  if (in.cookies_recent) rctx.policy.NoteCookieIssued(now_us / 1000);

  // A genuine cookie ACK (a fuzzer cannot guess 24 MAC bits): SEG.ACK made
  // from the cookie this tuple's SYN would have got, TSecr a TSval of ours
  // `ts_age` ms old, so that the accepting path is explored too.
  const cookie::FlowTuple tuple = tcp::InboundTuple(f);
  wire::TcpSegment seg = f.tcp;
  if (in.genuine_cookie && keys != nullptr && !in.initiator) {
    cookie::CookieCounters unused;
    const cookie::MakeResult m = cookie::MakeCookie(
        *keys, tuple, seg.seq - 1, f.tcp.options, &unused);
    if (m.ok()) {
      seg.ack = m.iss + 1;
      seg.options.ts_ecr = g.secrets.TsOffset(tuple) +
                           static_cast<uint32_t>(now_us / 1000) - in.ts_age_ms;
    }
  }

  // Decide.
  const flow::FlowHandle h = table.Find(key);
  const tcp::Tcb* const tcb = h.valid() ? &table.value(h) : nullptr;
  Action a;
  if (in.initiator) {
    a = in.flood ? tcp::OnFloodSegment(seg)
                 : tcp::OnSegment(icfg, ictx, tuple, tcb, seg, now_us);
  } else {
    a = tcp::OnSegment(rcfg, rctx, tuple, tcb, in.listening, seg, now_us);
  }
  if (in.flood) {
    FUZZ_CHECK(a.verdict != Verdict::kReply);
    FUZZ_CHECK(a.tcb_op == TcbOp::kNone);
  }
  if (a.verdict == Verdict::kDrop) CheckDropReason(a.drop);
  FUZZ_CHECK(static_cast<int>(a.verdict) <= static_cast<int>(Verdict::kConsume));
  switch (a.tcb_op) {
    case TcbOp::kNone: break;
    case TcbOp::kCreate: FUZZ_CHECK(tcb == nullptr); break;
    case TcbOp::kUpdate:
    case TcbOp::kErase: FUZZ_CHECK(tcb != nullptr); break;
  }
  if (in.initiator) FUZZ_CHECK(a.tcb_op != TcbOp::kCreate);  // initiator.h
  const int delta = in.initiator ? 0 : tcp::HalfOpenDelta(tcb, a);

  // Carry out (connections.h Apply).
  flow::FlowHandle after = h;
  bool create_failed = false;
  switch (a.tcb_op) {
    case TcbOp::kNone: break;
    case TcbOp::kCreate: {
      const flow::InsertResult ins = table.Insert(key, a.tcb);
      if (ins.inserted()) {
        after = ins.handle;
      } else {
        FUZZ_CHECK(ins.status == flow::InsertStatus::kFull ||
                   ins.status == flow::InsertStatus::kProbeLimit);
        create_failed = true;
      }
      break;
    }
    case TcbOp::kUpdate: table.value(h) = a.tcb; break;
    case TcbOp::kErase:
      table.Erase(h);
      after = flow::FlowHandle{};
      break;
  }
  FUZZ_CHECK(table.size() <= table.capacity());
  if (!in.initiator && !create_failed) {
    half_open = static_cast<uint32_t>(static_cast<int>(half_open) + delta);
    FUZZ_CHECK(half_open == CountSynReceived(table, keys_seen, n_keys));
  }
  if (create_failed) return;  // engine: nothing sent, kTcpTableFull

  // Reply in place (datapath.h Room: the frame plus its mbuf's room).
  if (a.verdict == Verdict::kReply) {
    const size_t room = len + in.extra_room;
    std::unique_ptr<uint8_t[]> buf(new uint8_t[room]);
    std::memcpy(buf.get(), frame, len);
    const wire::L4ChecksumMode mode = in.offload
                                          ? wire::L4ChecksumMode::kOffload
                                          : wire::L4ChecksumMode::kSoftware;
    const size_t out_len = wire::WriteTcpReply({buf.get(), room}, f, a.reply, mode);
    if (out_len == 0) {
      FUZZ_CHECK(room < kMaxReply);  // engine: kReplyNoRoom
    } else {
      FUZZ_CHECK(out_len <= room);
      const Frame out = Reparse(buf.get(), out_len, in.offload);
      CheckTcpReply(out, a.reply, f.dst, f.tcp.dport, f.src, f.tcp.sport);
      CheckL2Swapped(f, out);
    }
  }

  // The entry's timer, fired once (connections.h RunTimers), its segment in
  // a fresh frame behind the link header the engine would have recorded.
  // Every state the rules leave an entry in has a timer (retransmission,
  // idle, TIME-WAIT), armed now or earlier: fire it at the time armed now,
  // or at a fuzzed later time.
  if (!after.valid()) return;
  const tcp::Tcb t = table.value(after);
  const uint64_t fire_us =
      now_us + (a.timer_op == tcp::TimerOp::kArm
                    ? uint64_t{a.timer_ms} * 1000
                    : uint64_t{in.ts_age_ms} * 1000 * 1000);
  const Action ta = in.initiator ? tcp::OnTimer(icfg, t, fire_us)
                                 : tcp::OnTimer(rcfg, t, fire_us);
  if (ta.verdict == Verdict::kDrop) CheckDropReason(ta.drop);
  FUZZ_CHECK(ta.tcb_op != TcbOp::kCreate);
  if (ta.verdict != Verdict::kReply) return;
  const size_t l2_len = size_t{f.l3_offset} - 2;
  uint8_t l2[20];
  FUZZ_CHECK(l2_len >= 12 && l2_len <= sizeof(l2));
  std::memcpy(l2, frame + 6, 6);
  std::memcpy(l2 + 6, frame, 6);
  std::memcpy(l2 + 12, frame + 12, l2_len - 12);
  const size_t room = kMaxReply + in.extra_room % 64;
  std::unique_ptr<uint8_t[]> fresh(new uint8_t[room]);
  const size_t out_len = wire::WriteTcpSegment(
      {fresh.get(), room}, {l2, l2_len}, f.dst, f.tcp.dport, f.src,
      f.tcp.sport, ta.reply, wire::L4ChecksumMode::kSoftware);
  FUZZ_CHECK(out_len != 0 && out_len <= room);
  const Frame out = Reparse(fresh.get(), out_len, false);
  CheckTcpReply(out, ta.reply, f.dst, f.tcp.dport, f.src, f.tcp.sport);
  CheckL2Swapped(f, out);
}

}  // namespace
}  // namespace synx::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace synx;
  if (size < fuzz::kStateBytes) return -1;  // not added to the corpus
  const fuzz::Input in = fuzz::DecodeInput(data);
  const size_t len = size - fuzz::kStateBytes;
  // The frame alone, in a buffer of exactly its size.
  std::unique_ptr<uint8_t[]> frame(new uint8_t[len == 0 ? 1 : len]);
  std::memcpy(frame.get(), data + fuzz::kStateBytes, len);
  const wire::Frame f = wire::ParseFrame({frame.get(), len}, in.ip_checksum,
                                         in.l4_checksum);
  if (!f.ok()) {
    fuzz::CheckDropReason(f.drop);
    return 0;
  }
  FUZZ_CHECK(f.drop == wire::DropReason::kNone);
  FUZZ_CHECK(f.end <= len);
  FUZZ_CHECK(f.l3_offset < f.l4_offset || f.kind == wire::FrameKind::kArp);
  FUZZ_CHECK(f.l4_offset <= f.end);
  if (f.kind == wire::FrameKind::kTcp) {
    FUZZ_CHECK(f.l4_offset + f.tcp.header_len + f.tcp.payload_len <= f.end);
    fuzz::RunTcp(in, f, frame.get(), len);
  } else {
    fuzz::RunHost(in, f, frame.get(), len);
  }
  return 0;
}
