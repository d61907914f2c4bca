// deadlines_test.cc: the server's time rules on a virtual clock (deadlines.c):
// no socket, no sleep; each test jumps from deadline to deadline.
#include <gtest/gtest.h>

#include <vector>

extern "C" {
#include "config.h"
#include "deadlines.h"
}

namespace {

// A link accepted at t = 1000 with rtmd's defaults: login within 10 s,
// idle 3 s (a client heartbeating every second), a Ping after 1 s without
// sending, dropped 1 s after it began to close.
rtmd_link_clock Link() {
  rtmd_link_clock k = {};
  k.accepted_ms = k.last_rx_ms = k.last_tx_ms = 1000;
  k.login_deadline_ms = RTMD_DEFAULT_LOGIN_DEADLINE_MS;
  k.idle_timeout_ms = RTMD_IDLE_TIMEOUT_MIN_MS;
  k.heartbeat_ms = RTMD_DEFAULT_HEARTBEAT_MS;
  k.linger_ms = RTMD_LINGER_MS;
  return k;
}

// A link that does not say Hello is closed when its idle timeout passes,
// and is never sent a Ping before it.
TEST(LinkDeadlines, NoHelloIsIdleAndGetsNoPing) {
  rtmd_link_clock k = Link();
  uint64_t next;
  EXPECT_EQ(rtmd_link_check(&k, RTMD_LINK_HELLO, 1000, &next), RTMD_LINK_DUE_NOTHING);
  EXPECT_EQ(next, 4000u);
  EXPECT_EQ(rtmd_link_check(&k, RTMD_LINK_HELLO, 3999, &next), RTMD_LINK_DUE_NOTHING);
  EXPECT_EQ(rtmd_link_check(&k, RTMD_LINK_HELLO, 4000, &next), RTMD_LINK_DUE_IDLE);
}

// --login-deadline-ms: a link that keeps talking but never logs in is
// closed at accept + 10 s, to the ms, and is pinged meanwhile.
TEST(LinkDeadlines, LoginDeadlineCountsFromAccept) {
  rtmd_link_clock k = Link();
  uint64_t next, now = 1000;
  std::vector<uint64_t> pings;
  for (;;) {
    rtmd_link_due due = rtmd_link_check(&k, RTMD_LINK_LOGIN, now, &next);
    if (due == RTMD_LINK_DUE_LOGIN_LATE) break;
    if (due == RTMD_LINK_DUE_PING) {
      pings.push_back(now);
      k.last_tx_ms = now;
      continue;
    }
    ASSERT_EQ(due, RTMD_LINK_DUE_NOTHING);
    now = next;
    k.last_rx_ms = now;  // the client keeps sending
  }
  EXPECT_EQ(now, 11000u);
  EXPECT_EQ(pings.size(), 9u);  // at 2000, 3000, ... 10000
  EXPECT_EQ(pings.front(), 2000u);
}

// A logged-in link: a Ping after each second without sending; closed as
// idle 3 s after the last data it received, whatever it sent since.
TEST(LinkDeadlines, ReadyLinkPingsAndIsIdleAfterItsLastData) {
  rtmd_link_clock k = Link();
  k.last_rx_ms = 5000;
  k.last_tx_ms = 5500;
  uint64_t next;
  EXPECT_EQ(rtmd_link_check(&k, RTMD_LINK_READY, 6000, &next), RTMD_LINK_DUE_NOTHING);
  EXPECT_EQ(next, 6500u);
  EXPECT_EQ(rtmd_link_check(&k, RTMD_LINK_READY, 6500, &next), RTMD_LINK_DUE_PING);
  k.last_tx_ms = 6500;
  EXPECT_EQ(rtmd_link_check(&k, RTMD_LINK_READY, 6500, &next), RTMD_LINK_DUE_NOTHING);
  EXPECT_EQ(next, 7500u);
  k.last_tx_ms = 7500;
  EXPECT_EQ(rtmd_link_check(&k, RTMD_LINK_READY, 7999, &next), RTMD_LINK_DUE_NOTHING);
  EXPECT_EQ(next, 8000u);  // idle comes before the next Ping
  EXPECT_EQ(rtmd_link_check(&k, RTMD_LINK_READY, 8000, &next), RTMD_LINK_DUE_IDLE);
}

// A closing link is dropped RTMD_LINGER_MS after it began to close, and
// nothing else is due meanwhile (no Ping, no idle, no login deadline).
TEST(LinkDeadlines, ClosingLinkOnlyLingers) {
  rtmd_link_clock k = Link();
  k.closing_ms = 20000;
  uint64_t next;
  EXPECT_EQ(rtmd_link_check(&k, RTMD_LINK_CLOSING, 20999, &next), RTMD_LINK_DUE_NOTHING);
  EXPECT_EQ(next, 21000u);
  EXPECT_EQ(rtmd_link_check(&k, RTMD_LINK_CLOSING, 21000, &next), RTMD_LINK_DUE_LINGER_OVER);
}

// S13: the grace of a session ends --session-grace-ms after the last data
// its link received, not when the loss was noticed; sessions end in
// deadline order even when their losses are noticed out of order (a 3 s
// and a 10 s idle timeout), each exactly at its deadline.
TEST(GraceDeadlines, S13_EndsThirtySecondsAfterTheLastData) {
  const uint32_t grace = RTMD_DEFAULT_SESSION_GRACE_MS;
  EXPECT_EQ(rtmd_grace_deadline(1000, grace), 31000u);
  rtmd_grace_list l = {};
  rtmd_grace_node a = {}, b = {}, c = {};
  // a: last data at 1000, noticed at 11000 (10 s idle timeout);
  // b: last data at 5000, noticed at 8000 (3 s) -- entered first;
  // c: last data at 9000, noticed at 12000.
  rtmd_grace_enter(&l, &b, rtmd_grace_deadline(5000, grace));
  rtmd_grace_enter(&l, &a, rtmd_grace_deadline(1000, grace));
  rtmd_grace_enter(&l, &c, rtmd_grace_deadline(9000, grace));
  EXPECT_EQ(l.count, 3u);
  using Ended = std::pair<const rtmd_grace_node*, uint64_t>;
  std::vector<Ended> ended;
  for (uint64_t now = 12000; rtmd_grace_next(&l) != RTMD_NEVER;) {
    now = rtmd_grace_next(&l);
    EXPECT_EQ(rtmd_grace_pop_due(&l, now - 1), nullptr) << "due before its deadline";
    for (rtmd_grace_node* n; (n = rtmd_grace_pop_due(&l, now));) ended.push_back({n, now});
  }
  ASSERT_EQ(ended.size(), 3u);
  EXPECT_EQ(ended[0], Ended(&a, 31000));
  EXPECT_EQ(ended[1], Ended(&b, 35000));
  EXPECT_EQ(ended[2], Ended(&c, 39000));
  EXPECT_EQ(l.count, 0u);
}

// S12: a session back within its grace leaves the list and never ends;
// leaving twice, or a node never entered, changes nothing.
TEST(GraceDeadlines, S12_BackWithinTheGraceLeavesTheList) {
  rtmd_grace_list l = {};
  rtmd_grace_node a = {}, b = {}, never = {};
  rtmd_grace_enter(&l, &a, 100);
  rtmd_grace_enter(&l, &b, 200);
  rtmd_grace_leave(&l, &a);
  rtmd_grace_leave(&l, &a);
  rtmd_grace_leave(&l, &never);
  EXPECT_FALSE(a.in);
  EXPECT_EQ(l.count, 1u);
  EXPECT_EQ(rtmd_grace_next(&l), 200u);
  EXPECT_EQ(rtmd_grace_pop_due(&l, 150), nullptr);
  EXPECT_EQ(rtmd_grace_pop_due(&l, 200), &b);
  EXPECT_EQ(rtmd_grace_next(&l), RTMD_NEVER);
}

// A8: UNREACHABLE 6 s after the last data of the lost link, unless the
// grace ends first (then it goes OFFLINE at the grace end, S13).
TEST(PresenceDeadlines, A8_UnreachableSixSecondsAfterTheLastData) {
  const uint32_t six = RTMD_DEFAULT_UNREACHABLE_MS;
  EXPECT_EQ(rtmd_unreachable_at(1000, six, rtmd_grace_deadline(1000, 30000)), 7000u);
  EXPECT_EQ(rtmd_unreachable_at(1000, six, rtmd_grace_deadline(1000, 6000)), RTMD_NEVER);
  EXPECT_EQ(rtmd_unreachable_at(1000, six, rtmd_grace_deadline(1000, 2000)), RTMD_NEVER);
}

// S15 tokens: TokenWillExpire once, --token-warn-s (30 s) before the
// expiry; then the expiry itself; a token that never expires, nothing.
TEST(TokenDeadlines, WarnedOnceThenExpired) {
  const uint64_t exp_s = 1000000;  // Unix s
  const uint32_t warn = RTMD_DEFAULT_TOKEN_WARN_S;
  uint64_t next;
  EXPECT_EQ(rtmd_token_check(exp_s, warn, false, 900000000, &next), RTMD_TOKEN_DUE_NOTHING);
  EXPECT_EQ(next, (exp_s - warn) * 1000);
  EXPECT_EQ(rtmd_token_check(exp_s, warn, false, next, &next), RTMD_TOKEN_DUE_WARN);
  EXPECT_EQ(next, exp_s * 1000);
  EXPECT_EQ(rtmd_token_check(exp_s, warn, true, exp_s * 1000 - 1, &next),
            RTMD_TOKEN_DUE_NOTHING);
  EXPECT_EQ(next, exp_s * 1000);
  EXPECT_EQ(rtmd_token_check(exp_s, warn, true, exp_s * 1000, &next), RTMD_TOKEN_DUE_EXPIRED);
  // Logged in already inside the window: warned at once.
  EXPECT_EQ(rtmd_token_check(exp_s, warn, false, exp_s * 1000 - 5000, &next),
            RTMD_TOKEN_DUE_WARN);
  EXPECT_EQ(rtmd_token_check(0, warn, false, 123, &next), RTMD_TOKEN_DUE_NOTHING);
  EXPECT_EQ(next, RTMD_NEVER);
}

// S10: what may be replayed at `at` is what was accepted in the window
// before it (30 s); early in a run the window starts at 0.
TEST(HistoryDeadlines, S10_ReplayWindowEndsAtTheReconnection) {
  EXPECT_EQ(rtmd_history_horizon(100000, RTMD_DEFAULT_REPLAY_WINDOW_MS), 70000u);
  EXPECT_EQ(rtmd_history_horizon(20000, RTMD_DEFAULT_REPLAY_WINDOW_MS), 0u);
}

}  // namespace
