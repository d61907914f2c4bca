// ratelimit_test.cc: the token buckets and recent joins of ratelimit.c.
//
// The rates are the reference's (java-api-1x.md, "Limits and rate limits"):
// join 50 per 3 s, same channel 2 per 5 s, messages 1500 per 3 s, attribute
// writes 100 per 5 s, reads 400 per 5 s. Time is virtual: each test passes
// its own now, in µs for the buckets and in ms for the recent joins.
#include <gtest/gtest.h>

#include <string>

extern "C" {
#include "ratelimit.h"
#include "rates.h"
}

namespace {

constexpr uint64_t kMs = 1000;     // µs
constexpr uint64_t kT0 = 1000000;  // an arbitrary start, 1 s

// Requests allowed out of n at now.
int TakeN(rtmd_bucket* b, rtmd_rate r, uint64_t now_us, int n) {
  int ok = 0;
  for (int i = 0; i < n; i++) ok += rtmd_bucket_take(b, r, now_us) ? 1 : 0;
  return ok;
}

// ---- the defaults ----------------------------------------------------------

TEST(RateLimit, DefaultsAreTheReferencesRates) {
  struct {
    rtmd_rate_kind kind;
    const char* name;
    uint32_t count, period_ms;
  } want[] = {
      // The reference's.
      {RTMD_RATE_LOGIN, "login", 10, 5000},
      {RTMD_RATE_RENEW_TOKEN, "renew-token", 2, 1000},
      {RTMD_RATE_JOIN, "join", 50, 3000},
      {RTMD_RATE_JOIN_SAME, "join-same-channel", 2, 5000},
      {RTMD_RATE_MESSAGES, "messages", 1500, 3000},
      {RTMD_RATE_ATTR_WRITES, "attribute-writes", 100, 5000},
      {RTMD_RATE_ATTR_READS, "attribute-reads", 400, 5000},
      {RTMD_RATE_QUERY_PEERS, "query-peers", 100, 5000},
      // Ours (docs/SERVER.md, "Limits").
      {RTMD_RATE_LOGIN_ADDRESS, "login-per-address", 1000, 10000},
      {RTMD_RATE_LEAVE, "leave", 50, 3000},
      {RTMD_RATE_GET_MEMBERS, "get-members", 50, 5000},
      {RTMD_RATE_MEMBER_COUNT, "member-count", 50, 5000},
      {RTMD_RATE_SUBSCRIPTIONS, "subscriptions", 100, 5000},
  };
  ASSERT_EQ(sizeof want / sizeof want[0], static_cast<size_t>(RTMD_RATE_COUNT));
  for (const auto& w : want) {
    EXPECT_STREQ(rtmd_rate_name(w.kind), w.name);
    EXPECT_EQ(rtmd_rate_find(w.name), w.kind) << w.name;
    rtmd_rate r = rtmd_rate_default(w.kind);
    EXPECT_EQ(r.count, w.count) << w.name;
    EXPECT_EQ(r.period_ms, w.period_ms) << w.name;
  }
  EXPECT_EQ(rtmd_rate_find("nope"), RTMD_RATE_COUNT);
  EXPECT_EQ(rtmd_rate_find("Join"), RTMD_RATE_COUNT);
  EXPECT_EQ(rtmd_rate_find(""), RTMD_RATE_COUNT);
  EXPECT_STREQ(rtmd_rate_name(RTMD_RATE_COUNT), "?");
}

// ---- token buckets (GCRA) ----------------------------------------------------

// A burst of COUNT passes at once, the next one does not.
TEST(RateLimit, BurstOfCountThenRefused) {
  rtmd_bucket b{};
  rtmd_rate r{5, 1000};
  for (int i = 0; i < 5; i++) EXPECT_TRUE(rtmd_bucket_take(&b, r, 1000000)) << i;
  EXPECT_FALSE(rtmd_bucket_take(&b, r, 1000000));
}

// The defaults themselves: exactly COUNT of each at once.
TEST(RateLimit, BurstOfEachDefaultIsItsCount) {
  for (int k = 0; k < RTMD_RATE_COUNT; k++) {
    rtmd_rate r = rtmd_rate_default(static_cast<rtmd_rate_kind>(k));
    rtmd_bucket b{};
    EXPECT_EQ(TakeN(&b, r, kT0, static_cast<int>(r.count) + 10), static_cast<int>(r.count))
        << rtmd_rate_name(static_cast<rtmd_rate_kind>(k));
  }
}

// A bucket that never saw a request (tat 0) works from time 0 on.
TEST(RateLimit, IdleBucketAllowsABurstFromTimeZero) {
  rtmd_bucket b{};
  rtmd_rate r{3, 1000};
  EXPECT_EQ(TakeN(&b, r, 0, 4), 3);
  // T = 333333.333 µs: refused at 333333 µs, allowed at 333334 µs.
  EXPECT_FALSE(rtmd_bucket_take(&b, r, 1000 * kMs / 3));
  EXPECT_TRUE(rtmd_bucket_take(&b, r, 1000 * kMs / 3 + 1));
}

// After a burst, PERIOD/COUNT later exactly one more passes (not one µs
// sooner), and then none until the next PERIOD/COUNT.
TEST(RateLimit, OneMorePassesEachPeriodOverCount) {
  rtmd_bucket b{};
  rtmd_rate r{5, 1000};  // T = 200 ms
  ASSERT_EQ(TakeN(&b, r, kT0, 5), 5);
  EXPECT_FALSE(rtmd_bucket_take(&b, r, kT0 + 200 * kMs - 1));
  EXPECT_EQ(TakeN(&b, r, kT0 + 200 * kMs, 3), 1);
  EXPECT_FALSE(rtmd_bucket_take(&b, r, kT0 + 400 * kMs - 1));
  EXPECT_EQ(TakeN(&b, r, kT0 + 400 * kMs, 3), 1);
}

// A full PERIOD after a burst, a full burst passes again, and no more: idle
// time does not pile up beyond COUNT.
TEST(RateLimit, FullBurstAfterAFullPeriodAndNoMore) {
  rtmd_bucket b{};
  rtmd_rate r{5, 1000};
  ASSERT_EQ(TakeN(&b, r, kT0, 5), 5);
  EXPECT_EQ(TakeN(&b, r, kT0 + 1000 * kMs, 10), 5);
  // Ten periods idle: still a burst of COUNT only.
  EXPECT_EQ(TakeN(&b, r, kT0 + 11000 * kMs, 10), 5);
  // Half a period after a burst: half of it back.
  EXPECT_EQ(TakeN(&b, r, kT0 + 11500 * kMs - 1, 10), 2);
}

// A refused request uses nothing up: hammering a full bucket does not delay
// the next request allowed.
TEST(RateLimit, RefusedRequestDoesNotConsume) {
  rtmd_bucket b{};
  rtmd_rate r{5, 1000};
  ASSERT_EQ(TakeN(&b, r, kT0, 5), 5);
  uint64_t tat = b.tat_ns;
  for (uint64_t t = kT0; t < kT0 + 200 * kMs; t += 1 * kMs)
    EXPECT_FALSE(rtmd_bucket_take(&b, r, t)) << t;
  EXPECT_EQ(b.tat_ns, tat);
  EXPECT_TRUE(rtmd_bucket_take(&b, r, kT0 + 200 * kMs));
}

// COUNT 0 is no limit: never refused, whatever the period.
TEST(RateLimit, CountZeroNeverRefuses) {
  for (uint32_t period : {0u, 1u, 5000u, 86400000u}) {
    rtmd_bucket b{};
    rtmd_rate r{0, period};
    EXPECT_EQ(TakeN(&b, r, kT0, 100000), 100000) << period;
    EXPECT_EQ(TakeN(&b, r, 0, 10), 10) << period;
  }
}

// The bucket counts in µs, so an interval that is not a whole number of ms
// is kept exactly: 400 per 5000 ms is one per 12.5 ms, and a steady stream
// gets exactly 400 per 5 s after the burst, not 416 (12 ms) or 384 (13 ms).
TEST(RateLimit, SubMillisecondIntervalIsExact) {
  rtmd_bucket b{};
  rtmd_rate r{400, 5000};
  ASSERT_EQ(TakeN(&b, r, kT0, 401), 400);
  EXPECT_FALSE(rtmd_bucket_take(&b, r, kT0 + 12499));
  EXPECT_TRUE(rtmd_bucket_take(&b, r, kT0 + 12500));
  EXPECT_FALSE(rtmd_bucket_take(&b, r, kT0 + 24999));
  EXPECT_TRUE(rtmd_bucket_take(&b, r, kT0 + 25000));
  // A request every ms for the next 5 s (through kT0 + 5000 ms).
  int ok = 0;
  for (uint64_t t = kT0 + 26 * kMs; t <= kT0 + 5000 * kMs; t += kMs)
    ok += rtmd_bucket_take(&b, r, t) ? 1 : 0;
  EXPECT_EQ(ok, 398);  // 400 per 5 s, two of them taken above
}

// Over one window of PERIOD, a burst followed by a steady stream gets up to
// 2 x COUNT - 1 through (docs/SERVER.md, "Limits", says so): GCRA bounds the
// long-run rate and the burst, not a sliding window.
TEST(RateLimit, OneWindowSeesAtMostTwiceCount) {
  rtmd_bucket b{};
  rtmd_rate r{50, 3000};  // join: T = 60 ms
  int ok = TakeN(&b, r, kT0, 100);
  for (uint64_t t = kT0 + kMs; t < kT0 + 3000 * kMs; t += kMs)
    ok += TakeN(&b, r, t, 2);
  EXPECT_EQ(ok, 50 + 49);  // the burst, then one per 60 ms in [60, 2940] ms
}

// The clock is monotonic; now is normally behind the bucket's TAT (that is
// what a spent burst is). A now earlier than any seen before (a clock going
// backwards) is refused: the unsigned difference never wraps into a pass.
TEST(RateLimit, NowBeforeTheTatIsRefusedWithoutWrapping) {
  rtmd_bucket b{};
  rtmd_rate r{2, 1000};
  ASSERT_EQ(TakeN(&b, r, kT0, 2), 2);
  EXPECT_FALSE(rtmd_bucket_take(&b, r, 0));
  EXPECT_FALSE(rtmd_bucket_take(&b, r, kT0 - 1));
  EXPECT_FALSE(rtmd_bucket_take(&b, r, kT0 + 500 * kMs - 1));
  EXPECT_TRUE(rtmd_bucket_take(&b, r, kT0 + 500 * kMs));
  // A bucket whose TAT is far ahead (a long period) is not fooled by a huge
  // now either: that is time passing, and it refills.
  rtmd_bucket far{};
  rtmd_rate day{1, 86400000};
  ASSERT_TRUE(rtmd_bucket_take(&far, day, kT0));
  EXPECT_FALSE(rtmd_bucket_take(&far, day, kT0 + 86400000ull * kMs - 1));
  EXPECT_TRUE(rtmd_bucket_take(&far, day, kT0 + 86400000ull * kMs));
}

// Each configurable COUNT/SECONDS (COUNT up to 1000000, SECONDS down to
// 0.001) is still a limit: a burst of COUNT, not unlimited, even where
// PERIOD/COUNT is under a microsecond (--rate messages=2000/0.001, or
// 1000000/0.5).
TEST(RateLimit, CountAbovePeriodInMicrosecondsIsStillALimit) {
  for (rtmd_rate r : {rtmd_rate{2000, 1}, rtmd_rate{1000000, 500}}) {
    rtmd_bucket b{};
    EXPECT_EQ(TakeN(&b, r, kT0, static_cast<int>(r.count) + 1000),
              static_cast<int>(r.count))
        << r.count << "/" << r.period_ms;
  }
}

// ---- recent joins (same channel) -----------------------------------------

// 2 per 5 s: the third join of one channel within 5 s is refused; other
// channels are not affected by it.
TEST(RateLimit, ThirdJoinOfOneChannelWithinPeriodRefused) {
  rtmd_recent_joins j{};
  rtmd_rate r{2, 5000};
  ASSERT_TRUE(rtmd_recent_joins_allow(&j, r, "a", 1000));
  ASSERT_EQ(rtmd_recent_joins_add(&j, r, "a", 1000), 0);
  ASSERT_TRUE(rtmd_recent_joins_allow(&j, r, "a", 2000));
  ASSERT_EQ(rtmd_recent_joins_add(&j, r, "a", 2000), 0);
  EXPECT_FALSE(rtmd_recent_joins_allow(&j, r, "a", 2000));
  EXPECT_FALSE(rtmd_recent_joins_allow(&j, r, "a", 5999));
  // Other channels, including ones whose id extends "a", are free.
  EXPECT_TRUE(rtmd_recent_joins_allow(&j, r, "b", 2000));
  EXPECT_TRUE(rtmd_recent_joins_allow(&j, r, "aa", 2000));
  EXPECT_TRUE(rtmd_recent_joins_allow(&j, r, "A", 2000));
  ASSERT_EQ(rtmd_recent_joins_add(&j, r, "b", 2000), 0);
  ASSERT_EQ(rtmd_recent_joins_add(&j, r, "b", 2001), 0);
  EXPECT_FALSE(rtmd_recent_joins_allow(&j, r, "b", 2001));
  EXPECT_TRUE(rtmd_recent_joins_allow(&j, r, "c", 2001));
  rtmd_recent_joins_free(&j);
}

// Asking does not count: only rtmd_recent_joins_add does (the router adds
// the joins that succeed).
TEST(RateLimit, AllowDoesNotCountAJoin) {
  rtmd_recent_joins j{};
  rtmd_rate r{2, 5000};
  for (int i = 0; i < 100; i++) EXPECT_TRUE(rtmd_recent_joins_allow(&j, r, "a", 1000));
  EXPECT_EQ(j.count, 0u);
  ASSERT_EQ(rtmd_recent_joins_add(&j, r, "a", 1000), 0);
  EXPECT_TRUE(rtmd_recent_joins_allow(&j, r, "a", 1000));
  rtmd_recent_joins_free(&j);
}

// A join stops counting exactly PERIOD after it: at oldest + 5000 ms the
// channel may be joined again (at oldest + 4999 not).
TEST(RateLimit, JoinAllowedAgainOncePeriodAfterTheOldest) {
  rtmd_recent_joins j{};
  rtmd_rate r{2, 5000};
  ASSERT_EQ(rtmd_recent_joins_add(&j, r, "a", 1000), 0);
  ASSERT_EQ(rtmd_recent_joins_add(&j, r, "a", 3000), 0);
  EXPECT_FALSE(rtmd_recent_joins_allow(&j, r, "a", 5999));
  EXPECT_TRUE(rtmd_recent_joins_allow(&j, r, "a", 6000));
  ASSERT_EQ(rtmd_recent_joins_add(&j, r, "a", 6000), 0);
  // Now 3000 and 6000 count.
  EXPECT_FALSE(rtmd_recent_joins_allow(&j, r, "a", 7999));
  EXPECT_TRUE(rtmd_recent_joins_allow(&j, r, "a", 8000));
  // Long after, nothing is kept.
  EXPECT_TRUE(rtmd_recent_joins_allow(&j, r, "a", 100000));
  EXPECT_EQ(j.count, 0u);
  rtmd_recent_joins_free(&j);
}

// COUNT 0 is no limit: every join allowed, none even kept.
TEST(RateLimit, JoinSameChannelCountZeroAllowsAll) {
  rtmd_recent_joins j{};
  rtmd_rate r{0, 5000};
  for (int i = 0; i < 2000; i++) {
    ASSERT_TRUE(rtmd_recent_joins_allow(&j, r, "a", 1000));
    ASSERT_EQ(rtmd_recent_joins_add(&j, r, "a", 1000), 0);
  }
  EXPECT_EQ(j.count, 0u);
  rtmd_recent_joins_free(&j);
}

// A configured COUNT of 1 refuses the second join in the period.
TEST(RateLimit, JoinSameChannelCountOne) {
  rtmd_recent_joins j{};
  rtmd_rate r{1, 1};
  ASSERT_EQ(rtmd_recent_joins_add(&j, r, "a", 1000), 0);
  EXPECT_FALSE(rtmd_recent_joins_allow(&j, r, "a", 1000));
  EXPECT_TRUE(rtmd_recent_joins_allow(&j, r, "a", 1001));
  rtmd_recent_joins_free(&j);
}

// At most 1024 joins are kept: the 1025th forgets the oldest, so a channel
// whose joins are that old counts one fewer.
TEST(RateLimit, RecentJoinsKeepAtMost1024ForgettingTheOldest) {
  rtmd_recent_joins j{};
  rtmd_rate r{2, 5000};
  ASSERT_EQ(rtmd_recent_joins_add(&j, r, "a", 1000), 0);
  ASSERT_EQ(rtmd_recent_joins_add(&j, r, "a", 1000), 0);
  for (int i = 0; i < 1022; i++)
    ASSERT_EQ(rtmd_recent_joins_add(&j, r, ("c" + std::to_string(i)).c_str(), 1001), 0);
  EXPECT_EQ(j.count, 1024u);
  EXPECT_FALSE(rtmd_recent_joins_allow(&j, r, "a", 1001));
  ASSERT_EQ(rtmd_recent_joins_add(&j, r, "c-next", 1001), 0);
  EXPECT_EQ(j.count, 1024u);
  EXPECT_TRUE(rtmd_recent_joins_allow(&j, r, "a", 1001));  // one "a" forgotten
  ASSERT_EQ(rtmd_recent_joins_add(&j, r, "c-last", 1001), 0);
  EXPECT_EQ(j.count, 1024u);
  EXPECT_LE(j.cap, 1024u);
  // The newest are those kept: "c-next" still counts.
  ASSERT_EQ(rtmd_recent_joins_add(&j, r, "c-next", 1001), 0);
  EXPECT_FALSE(rtmd_recent_joins_allow(&j, r, "c-next", 1001));
  rtmd_recent_joins_free(&j);
}

// Freed, the list is empty and can be used again (a session is freed once,
// but free must leave nothing behind for LeakSanitizer).
TEST(RateLimit, RecentJoinsFreeEmptiesTheList) {
  rtmd_recent_joins j{};
  rtmd_rate r{2, 5000};
  for (int i = 0; i < 10; i++)
    ASSERT_EQ(rtmd_recent_joins_add(&j, r, std::to_string(i).c_str(), 1000), 0);
  rtmd_recent_joins_free(&j);
  EXPECT_EQ(j.count, 0u);
  EXPECT_EQ(j.items, nullptr);
  EXPECT_TRUE(rtmd_recent_joins_allow(&j, r, "1", 1000));
  ASSERT_EQ(rtmd_recent_joins_add(&j, r, "1", 1000), 0);
  rtmd_recent_joins_free(&j);
  rtmd_recent_joins_free(&j);  // twice is harmless
}

// ---- the table of rates.h ---------------------------------------------------

// Issue 13, item 8: a user's buckets are one entry, whichever session holds
// it; one no session holds is forgotten only once forgetting it changes no
// answer (its buckets idle, its recent joins out of their period).
TEST(RatesTable, OneEntryPerUserKeptWhileHeldOrBusy) {
  rtmd_rates t{};
  rtmd_rate rates[RTMD_RATE_COUNT];
  for (int k = 0; k < RTMD_RATE_COUNT; k++) rates[k] = rtmd_rate_default((rtmd_rate_kind)k);
  rtmd_user_rates* a = rtmd_rates_hold(&t, "app", "alice");
  rtmd_user_rates* again = rtmd_rates_hold(&t, "app", "alice");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a, again);
  EXPECT_EQ(a->refs, 2u);
  EXPECT_NE(rtmd_rates_hold(&t, "other-app", "alice"), a);  // per app
  EXPECT_EQ(rtmd_rates_users(&t), 2u);
  rtmd_rates_release(rtmd_rates_hold(&t, "other-app", "alice"));
  rtmd_rates_release(rtmd_rates_hold(&t, "other-app", "alice"));  // held once more
  rtmd_rate msgs = rates[RTMD_RATE_MESSAGES];
  EXPECT_EQ(TakeN(&a->buckets[RTMD_RATE_MESSAGES], msgs, kT0, 1501), 1500);
  ASSERT_EQ(rtmd_recent_joins_add(&a->recent_joins, rates[RTMD_RATE_JOIN_SAME], "room",
                                  kT0 / kMs), 0);
  rtmd_rates_release(a);
  rtmd_rates_release(again);
  // Not held, but the messages' bucket is full until 3 s: kept, and a
  // session made meanwhile finds what it left (500 refilled in 1 s).
  rtmd_rates_sweep(&t, rates, kT0 + 1000 * kMs);
  EXPECT_EQ(rtmd_rates_users(&t), 2u);
  rtmd_user_rates* back = rtmd_rates_hold(&t, "app", "alice");
  EXPECT_EQ(back, a);
  EXPECT_EQ(TakeN(&back->buckets[RTMD_RATE_MESSAGES], msgs, kT0 + 1000 * kMs, 1000), 500);
  rtmd_rates_release(back);
  // The bucket is full until 4 s now, and the join counts until 5 s.
  rtmd_rates_sweep(&t, rates, kT0 + 3900 * kMs);
  EXPECT_EQ(rtmd_rates_users(&t), 2u);
  rtmd_rates_sweep(&t, rates, kT0 + 4900 * kMs);
  EXPECT_EQ(rtmd_rates_users(&t), 2u);
  rtmd_rates_sweep(&t, rates, kT0 + 5000 * kMs);
  EXPECT_EQ(rtmd_rates_users(&t), 1u);  // other-app/alice is still held
  rtmd_rates_free(&t);
  EXPECT_EQ(rtmd_rates_users(&t), 0u);
}

// Logins by source address: a burst of COUNT each, then refused; an idle
// address is forgotten by the sweep.
TEST(RatesTable, LoginsPerAddress) {
  rtmd_rates t{};
  rtmd_rate rates[RTMD_RATE_COUNT] = {};
  rtmd_rate r{3, 600};
  for (int i = 0; i < 3; i++) EXPECT_TRUE(rtmd_rates_take_address(&t, r, "10.0.0.1", kT0)) << i;
  EXPECT_FALSE(rtmd_rates_take_address(&t, r, "10.0.0.1", kT0));
  EXPECT_TRUE(rtmd_rates_take_address(&t, r, "10.0.0.2", kT0));
  EXPECT_TRUE(rtmd_rates_take_address(&t, r, "10.0.0.1", kT0 + 200 * kMs));  // one refilled
  EXPECT_TRUE(rtmd_rates_take_address(&t, rtmd_rate{0, 1}, "10.0.0.1", kT0));  // no limit
  EXPECT_EQ(rtmd_rates_addresses(&t), 2u);
  rtmd_rates_sweep(&t, rates, kT0 + 500 * kMs);
  EXPECT_EQ(rtmd_rates_addresses(&t), 1u);  // 10.0.0.2's bucket is idle
  rtmd_rates_sweep(&t, rates, kT0 + 900 * kMs);
  EXPECT_EQ(rtmd_rates_addresses(&t), 0u);
  rtmd_rates_free(&t);
}

}  // namespace
