// SYN retransmission with an injected clock: exact fire times, back-off, the
// cap, giving up, and the latency a late SYN+ACK reports.

#include <gtest/gtest.h>

#include <vector>

#include "initiator_test_util.h"

namespace synx::tcp::testing {
namespace {

using wire::DropReason;

class SynRetransmitTest : public InitiatorFixture {
 protected:
  // Fires every timer until the entry is gone; returns the fire times in ms
  // after the open and checks each retransmitted SYN.
  std::vector<uint64_t> RunToGiveUp() {
    std::vector<uint64_t> fired;
    for (int guard = 0; guard < 300 && eng_.tcb.has_value(); ++guard) {
      const Action a = FireTimer();
      fired.push_back((eng_.now_us - kT0) / 1000);
      if (a.tcb_op == TcbOp::kErase) {
        EXPECT_EQ(a.verdict, Verdict::kConsume) << Describe(a);
        EXPECT_EQ(a.events, Bit(Event::kSynTimeout));
        EXPECT_EQ(a.timer_op, TimerOp::kCancel);
        break;
      }
      EXPECT_EQ(a.verdict, Verdict::kReply) << Describe(a);
      EXPECT_EQ(a.events, Events({Event::kSynTx, Event::kSynRetransmit}));
      EXPECT_EQ(a.reply.flags, TcpFlags(kSyn));
      EXPECT_EQ(a.reply.seq, iss_);  // the same SYN, same ISS
      EXPECT_EQ(a.reply.syn.mss, 1460);
      EXPECT_EQ(a.reply.syn.ts_val, eng_.OurTsval());  // a fresh TSval
      EXPECT_EQ(a.tcb.retransmits, fired.size());
      EXPECT_EQ(FirstSynUs(a.tcb), kT0);  // kept for the latency
      EXPECT_EQ(a.tcb_op, TcbOp::kUpdate);
    }
    return fired;
  }
};

// Defaults: 1 s initial RTO doubled per retry, three retries, then the last
// one's own time-out: SYNs at 0, 1, 3, 7 s, given up at 15 s.
TEST_F(SynRetransmitTest, DefaultScheduleIsOneThreeSevenThenGiveUpAt15s) {
  OpenNow();
  EXPECT_EQ(RunToGiveUp(), (std::vector<uint64_t>{1000, 3000, 7000, 15000}));
  EXPECT_FALSE(eng_.tcb.has_value());
  EXPECT_FALSE(eng_.deadline_us.has_value());
}

TEST_F(SynRetransmitTest, ConfiguredRtoAndRetriesWithTheCap) {
  eng_.cfg.syn_rto_ms = 200;
  eng_.cfg.syn_retries = 6;
  eng_.cfg.conn.max_rto_ms = 3000;
  OpenNow();
  // Intervals 200, 400, 800, 1600, 3000 (capped), 3000, 3000.
  EXPECT_EQ(RunToGiveUp(), (std::vector<uint64_t>{200, 600, 1400, 3000, 6000,
                                                  9000, 12000}));
}

TEST_F(SynRetransmitTest, ZeroRetriesGivesUpAtTheFirstTimeout) {
  eng_.cfg.syn_retries = 0;
  OpenNow();
  EXPECT_EQ(RunToGiveUp(), (std::vector<uint64_t>{1000}));
}

TEST_F(SynRetransmitTest, TimerNeverFiresEarly) {
  OpenNow();
  EXPECT_EQ(eng_.TimerIn(), 1000u);
  FireTimer();
  EXPECT_EQ(eng_.TimerIn(), 2000u);
  FireTimer();
  EXPECT_EQ(eng_.TimerIn(), 4000u);
}

// Latency is measured from the FIRST SYN (initiator.h says why): a SYN+ACK
// answering the second SYN 30 ms after it reports 1030 ms.
TEST_F(SynRetransmitTest, LatencyCountsFromTheFirstSyn) {
  eng_.cfg.close = Close::kNone;
  OpenNow();
  FireTimer();  // the SYN again at +1 s
  eng_.now_us += 30'000;
  const Action a = Send(LinuxSynAck());
  ASSERT_TRUE(a.Has(Event::kSynAckRx)) << Describe(a);
  EXPECT_EQ(a.handshake_us, 1'030'000u);
  EXPECT_EQ(eng_.tcb->retransmits, 0);  // the FIN's count starts afresh
  EXPECT_FALSE(eng_.deadline_us.has_value());
}

TEST_F(SynRetransmitTest, LatencyIsExactAcrossA32BitWrapOfTheClock) {
  eng_.cfg.close = Close::kNone;
  eng_.now_us = 0xffffffffull - 500;  // the low 32 bits wrap 501 µs later
  OpenNow();
  eng_.now_us += 1234;
  const Action a = Send(LinuxSynAck());
  EXPECT_EQ(a.handshake_us, 1234u);
}

TEST_F(SynRetransmitTest, TheRetransmittedSynWithoutTimestampsHasNone) {
  eng_.cfg.conn.offer_timestamps = false;
  OpenNow();
  const Action a = FireTimer();
  EXPECT_FALSE(a.reply.syn.timestamps);
  EXPECT_EQ(a.reply.syn.ts_val, 0u);
}

}  // namespace
}  // namespace synx::tcp::testing
