// The in-memory store (store_mem.c), through the store interface.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

extern "C" {
#include "engine/cost.h"
#include "engine/store.h"
}

namespace {

class StoreMem : public ::testing::Test {
 protected:
  void SetUp() override { st_ = rtmd_store_mem_new(); }
  void TearDown() override { rtmd_store_destroy(st_); }
  // The key of a user of app (its strings live as long as the test) with a
  // session added to the store.
  rtmd_user Add(const char* app, const char* user) {
    rtmd_user u = Key(app, user);
    sessions_.push_back(u);
    EXPECT_EQ(rtmd_store_session_add(st_, u), RTMD_STORE_OK);
    return u;
  }
  rtmd_user Key(const char* app, const char* user) {
    ids_.emplace_back(app);
    const char* a = ids_.back().c_str();
    ids_.emplace_back(user);
    return rtmd_user{a, ids_.back().c_str()};
  }
  std::vector<std::string> Members(const char* app, const char* ch) {
    rtmd_strv v;
    std::vector<std::string> out;
    if (rtmd_store_channel_members(st_, app, ch, &v) != RTMD_STORE_OK) return out;
    for (size_t i = 0; i < v.count; i++) out.push_back(v.items[i]);
    rtmd_strv_free(&v);
    return out;
  }
  rtmd_store* st_ = nullptr;
  std::deque<std::string> ids_;
  std::vector<rtmd_user> sessions_;
};

// Sessions are keyed by value, (app id, user id): any copy of the key finds
// the same one.
TEST_F(StoreMem, SessionsAreKeyedByAppAndUser) {
  rtmd_user a1 = Add("app1", "alice");
  Add("app2", "alice");
  EXPECT_TRUE(rtmd_store_session_has(st_, Key("app1", "alice")));
  EXPECT_TRUE(rtmd_store_session_has(st_, Key("app2", "alice")));
  EXPECT_FALSE(rtmd_store_session_has(st_, Key("app3", "alice")));
  EXPECT_EQ(rtmd_store_session_add(st_, Key("app1", "alice")), RTMD_STORE_EXISTS);
  EXPECT_EQ(rtmd_store_session_count(st_), 2u);
  rtmd_store_session_remove(st_, a1);
  EXPECT_FALSE(rtmd_store_session_has(st_, Key("app1", "alice")));
  EXPECT_EQ(rtmd_store_session_count(st_), 1u);
}

TEST_F(StoreMem, ChannelMembershipAndLimit_A5) {
  rtmd_user a = Add("app", "alice");
  rtmd_user b = Add("app", "bob");
  EXPECT_EQ(rtmd_store_channel_join(st_, b, "room", 20, 0), RTMD_STORE_OK);
  EXPECT_EQ(rtmd_store_channel_join(st_, a, "room", 20, 0), RTMD_STORE_OK);
  EXPECT_EQ(rtmd_store_channel_join(st_, a, "room", 20, 0), RTMD_STORE_EXISTS);
  EXPECT_EQ(Members("app", "room"), (std::vector<std::string>{"alice", "bob"}));
  EXPECT_TRUE(rtmd_store_channel_has(st_, a, "room"));
  EXPECT_EQ(rtmd_store_channel_join(st_, a, "second", 2, 0), RTMD_STORE_OK);
  EXPECT_EQ(rtmd_store_channel_join(st_, a, "third", 2, 0), RTMD_STORE_LIMIT);
  EXPECT_EQ(rtmd_store_channel_leave(st_, a, "third"), RTMD_STORE_ABSENT);
  EXPECT_EQ(rtmd_store_channel_leave(st_, a, "room"), RTMD_STORE_OK);
  EXPECT_FALSE(rtmd_store_channel_has(st_, a, "room"));
  EXPECT_EQ(Members("app", "room"), (std::vector<std::string>{"bob"}));
  EXPECT_TRUE(Members("other-app", "room").empty());
}

// B2: a channel's seqs start after the base its first join gives; emptied
// without history it is forgotten, and known again it starts after the new
// base (the server passes a clock), never over.
TEST_F(StoreMem, EmptiedChannelIsForgottenAndItsSeqsStartAfterTheNewBase_B2) {
  rtmd_user a = Add("app", "alice");
  uint64_t base = 0, last = 0;
  EXPECT_EQ(rtmd_store_channel_next_seq(st_, "app", "room"), 0u);
  EXPECT_FALSE(rtmd_store_channel_seqs(st_, "app", "room", &base, &last));
  ASSERT_EQ(rtmd_store_channel_join(st_, a, "room", 20, 1000), RTMD_STORE_OK);
  EXPECT_EQ(rtmd_store_channel_next_seq(st_, "app", "room"), 1001u);
  EXPECT_EQ(rtmd_store_channel_next_seq(st_, "app", "room"), 1002u);
  ASSERT_TRUE(rtmd_store_channel_seqs(st_, "app", "room", &base, &last));
  EXPECT_EQ(base, 1000u);
  EXPECT_EQ(last, 1002u);
  ASSERT_EQ(rtmd_store_channel_leave(st_, a, "room"), RTMD_STORE_OK);
  EXPECT_EQ(rtmd_store_channel_next_seq(st_, "app", "room"), 0u);
  ASSERT_EQ(rtmd_store_channel_join(st_, a, "room", 20, 5000), RTMD_STORE_OK);
  EXPECT_EQ(rtmd_store_channel_next_seq(st_, "app", "room"), 5001u);
}

TEST_F(StoreMem, RemovingASessionLeavesItsChannelsSilently) {
  rtmd_user a = Add("app", "alice");
  rtmd_user b = Add("app", "bob");
  ASSERT_EQ(rtmd_store_channel_join(st_, a, "room", 20, 0), RTMD_STORE_OK);
  ASSERT_EQ(rtmd_store_channel_join(st_, a, "solo", 20, 0), RTMD_STORE_OK);
  ASSERT_EQ(rtmd_store_channel_join(st_, b, "room", 20, 0), RTMD_STORE_OK);
  rtmd_strv v;
  ASSERT_EQ(rtmd_store_session_channels(st_, a, &v), RTMD_STORE_OK);
  ASSERT_EQ(v.count, 2u);
  EXPECT_STREQ(v.items[0], "room");
  EXPECT_STREQ(v.items[1], "solo");
  rtmd_strv_free(&v);
  rtmd_store_session_remove(st_, a);
  EXPECT_EQ(Members("app", "room"), (std::vector<std::string>{"bob"}));
  EXPECT_EQ(rtmd_store_channel_next_seq(st_, "app", "solo"), 0u);
}

TEST_F(StoreMem, UnackedDeliveriesAreBoundedAndAcked) {
  rtmd_user a = Add("app", "alice");
  const uint8_t frame[] = {1, 2, 3};
  for (uint64_t seq = 1; seq <= 40; seq++)
    EXPECT_EQ(rtmd_store_unacked_push(st_, a, seq, frame, sizeof frame, 64), RTMD_STORE_OK);
  EXPECT_EQ(rtmd_store_unacked_count(st_, a), 40u);
  rtmd_store_unacked_ack(st_, a, 10);
  EXPECT_EQ(rtmd_store_unacked_count(st_, a), 30u);
  rtmd_store_unacked_ack(st_, a, 5);  // already acked: nothing
  EXPECT_EQ(rtmd_store_unacked_count(st_, a), 30u);
  for (uint64_t seq = 41; seq <= 74; seq++)
    rtmd_store_unacked_push(st_, a, seq, frame, sizeof frame, 64);
  EXPECT_EQ(rtmd_store_unacked_count(st_, a), 64u);
  EXPECT_EQ(rtmd_store_unacked_push(st_, a, 75, frame, sizeof frame, 64), RTMD_STORE_LIMIT);
  EXPECT_EQ(rtmd_store_unacked_count(st_, a), 64u);
  rtmd_store_unacked_ack(st_, a, 12);  // 11 and 12 were dropped already
  EXPECT_EQ(rtmd_store_unacked_count(st_, a), 63u);
  rtmd_store_unacked_ack(st_, a, 1000);
  EXPECT_EQ(rtmd_store_unacked_count(st_, a), 0u);
  rtmd_store_unacked_push(st_, a, 76, frame, sizeof frame, 64);
  rtmd_store_unacked_clear(st_, a);
  EXPECT_EQ(rtmd_store_unacked_count(st_, a), 0u);
}

// The queue is listed in seq order; overflow drops are counted until taken.
TEST_F(StoreMem, UnackedForeachAndDroppedCount_S9) {
  rtmd_user a = Add("app", "alice");
  const uint8_t frame[] = {7};
  for (uint64_t seq = 1; seq <= 6; seq++)
    rtmd_store_unacked_push(st_, a, seq, frame, sizeof frame, 4);
  std::vector<uint64_t> seqs;
  rtmd_store_unacked_foreach(
      st_, a,
      [](uint64_t seq, uint64_t, const uint8_t* f, size_t len, void* c) {
        EXPECT_EQ(len, 1u);
        EXPECT_EQ(f[0], 7);
        static_cast<std::vector<uint64_t>*>(c)->push_back(seq);
      },
      &seqs);
  EXPECT_EQ(seqs, (std::vector<uint64_t>{3, 4, 5, 6}));
  EXPECT_EQ(rtmd_store_unacked_take_dropped(st_, a), 2u);
  EXPECT_EQ(rtmd_store_unacked_take_dropped(st_, a), 0u);
}

// B1: send answers: recorded ones come back; within the ring a gap is not
// processed; older than the ring is "processed, OK".
TEST_F(StoreMem, SentAnswersRing_B1) {
  rtmd_user a = Add("app", "alice");
  int code = -1;
  EXPECT_FALSE(rtmd_store_sent_lookup(st_, a, 1, &code));
  EXPECT_EQ(rtmd_store_sent_record(st_, a, 1, 3), RTMD_STORE_OK);
  EXPECT_EQ(rtmd_store_sent_record(st_, a, 3, 0), RTMD_STORE_OK);
  EXPECT_TRUE(rtmd_store_sent_lookup(st_, a, 1, &code));
  EXPECT_EQ(code, 3);
  EXPECT_FALSE(rtmd_store_sent_lookup(st_, a, 2, &code)) << "never processed";
  EXPECT_FALSE(rtmd_store_sent_lookup(st_, a, 4, &code));
  EXPECT_FALSE(rtmd_store_sent_lookup(st_, a, 0, &code)) << "0 is never de-duplicated";
  for (uint64_t seq = 4; seq <= 3 + RTMD_SENT_RING; seq++)
    rtmd_store_sent_record(st_, a, seq, 5);
  code = -1;
  EXPECT_TRUE(rtmd_store_sent_lookup(st_, a, 1, &code)) << "out of the ring: processed";
  EXPECT_EQ(code, 0);
  EXPECT_TRUE(rtmd_store_sent_lookup(st_, a, 3 + RTMD_SENT_RING, &code));
  EXPECT_EQ(code, 5);
}

TEST_F(StoreMem, AttributesAreSortedCopies_A5) {
  rtmd_user a = Add("app", "alice");
  rtmd_attr items[] = {{const_cast<char*>("b"), const_cast<char*>("2")},
                       {const_cast<char*>("a"), const_cast<char*>("1")}};
  rtmd_attrv in = {items, 2};
  ASSERT_EQ(rtmd_store_attrs_put(st_, a, &in), RTMD_STORE_OK);
  rtmd_attrv out;
  ASSERT_EQ(rtmd_store_attrs_get(st_, a, &out), RTMD_STORE_OK);
  ASSERT_EQ(out.count, 2u);
  EXPECT_STREQ(out.items[0].key, "a");
  EXPECT_STREQ(out.items[1].value, "2");
  rtmd_attrv_free(&out);
}

// A5: channel attributes are kept per (app, channel) whether or not the
// channel has members, as sorted copies with their last-update fields; an
// empty list forgets the channel's entry.
TEST_F(StoreMem, ChannelAttributesArePerAppAndChannel_A5) {
  rtmd_attr items[] = {{const_cast<char*>("b"), const_cast<char*>("2"),
                        const_cast<char*>("bob"), 7},
                       {const_cast<char*>("a"), const_cast<char*>("1"),
                        const_cast<char*>("alice"), 9}};
  rtmd_attrv in = {items, 2};
  ASSERT_EQ(rtmd_store_chattrs_put(st_, "app", "room", &in), RTMD_STORE_OK);
  EXPECT_EQ(rtmd_store_chattrs_count(st_), 1u);
  rtmd_attrv out;
  ASSERT_EQ(rtmd_store_chattrs_get(st_, "app", "room", &out), RTMD_STORE_OK);
  ASSERT_EQ(out.count, 2u);
  EXPECT_STREQ(out.items[0].key, "a");
  EXPECT_STREQ(out.items[0].by, "alice");
  EXPECT_EQ(out.items[0].ts, 9u);
  EXPECT_STREQ(out.items[1].by, "bob");
  rtmd_attrv_free(&out);
  ASSERT_EQ(rtmd_store_chattrs_get(st_, "other", "room", &out), RTMD_STORE_OK);
  EXPECT_EQ(out.count, 0u);
  rtmd_attrv none = {nullptr, 0};
  ASSERT_EQ(rtmd_store_chattrs_put(st_, "app", "room", &none), RTMD_STORE_OK);
  EXPECT_EQ(rtmd_store_chattrs_count(st_), 0u);
  // Left in the store: mem_destroy frees it (checked under ASan).
  ASSERT_EQ(rtmd_store_chattrs_put(st_, "app", "kept", &in), RTMD_STORE_OK);
}

// S10: the history keeps at most max entries, drops those older than the
// horizon, lists oldest first; it goes with its channel.
TEST_F(StoreMem, ChannelHistoryIsBoundedByCountAndAge_S10) {
  rtmd_user a = Add("app", "alice");
  ASSERT_EQ(rtmd_store_channel_join(st_, a, "room", 20, 0), RTMD_STORE_OK);
  const uint8_t frame[] = {1};
  for (uint64_t seq = 1; seq <= 10; seq++) {
    EXPECT_EQ(rtmd_store_channel_next_seq(st_, "app", "room"), seq);
    EXPECT_EQ(rtmd_store_history_push(st_, "app", "room", seq, 100 * seq, frame, 1, 4, 0, UINT64_MAX),
              RTMD_STORE_OK);
  }
  uint64_t base = 0, last = 0;
  ASSERT_TRUE(rtmd_store_channel_seqs(st_, "app", "room", &base, &last));
  EXPECT_EQ(last, 10u);
  auto list = [&](uint64_t horizon) {
    std::vector<uint64_t> seqs;
    rtmd_store_history_foreach(
        st_, "app", "room", horizon,
        [](uint64_t seq, uint64_t, const uint8_t*, size_t, void* c) {
          static_cast<std::vector<uint64_t>*>(c)->push_back(seq);
        },
        &seqs);
    return seqs;
  };
  EXPECT_EQ(list(0), (std::vector<uint64_t>{7, 8, 9, 10}));
  EXPECT_EQ(list(900), (std::vector<uint64_t>{9, 10}));
  EXPECT_EQ(rtmd_store_history_push(st_, "app", "nowhere", 1, 1, frame, 1, 4, 0, UINT64_MAX),
            RTMD_STORE_ABSENT);
  // Emptied, the channel keeps its history and seqs (S10: replayed to a
  // member that comes back) until channels_expire finds it all too old;
  // it is not listed among the app's channels meanwhile.
  rtmd_store_channel_leave(st_, a, "room");
  EXPECT_TRUE(rtmd_store_channel_seqs(st_, "app", "room", &base, &last));
  EXPECT_EQ(last, 10u);
  EXPECT_EQ(list(900), (std::vector<uint64_t>{9, 10}));
  rtmd_strv names;
  ASSERT_EQ(rtmd_store_app_channels(st_, "app", &names), RTMD_STORE_OK);
  EXPECT_EQ(names.count, 0u);
  rtmd_strv_free(&names);
  EXPECT_EQ(rtmd_store_channels_expire(st_, 1000), 0u);  // 10 was accepted at 1000
  EXPECT_EQ(rtmd_store_channels_expire(st_, 1001), 1u);
  EXPECT_FALSE(rtmd_store_channel_seqs(st_, "app", "room", &base, &last));
  EXPECT_EQ(list(0), std::vector<uint64_t>{});
}

// SPEC A6: offline messages per (app, user): at most max cached ones, the
// newest replacing the oldest (counted as dropped); taken once, oldest
// first, without those older than the horizon (counted too); expired in
// every queue; their bytes counted.
TEST_F(StoreMem, OfflineMessagesBoundedTakenOnceAndExpired_A6) {
  uint32_t dropped = 0, expired = 0;
  auto take = [&](const char* app, const char* user, uint64_t horizon) {
    std::vector<std::string> got;
    dropped = rtmd_store_offline_take(
        st_, app, user, horizon,
        [](const rtmd_offline_msg* m, void* c) {
          static_cast<std::vector<std::string>*>(c)->push_back(
              std::string(m->from) + "@" + std::to_string(m->at_ms) + ":" +
              std::string(reinterpret_cast<const char*>(m->msg), m->len) +
              (m->session_id ? "#" + std::to_string(m->session_id) + "." +
                                   std::to_string(m->seq)
                             : ""));
        },
        &got, &expired);
    return got;
  };
  auto push = [&](const char* app, const char* user, uint64_t at, const std::string& m,
                  size_t max, uint64_t session = 0, uint64_t seq = 0) {
    rtmd_offline_msg o = {"alice", at, reinterpret_cast<const uint8_t*>(m.data()), m.size(),
                          session, seq};
    return rtmd_store_offline_push(st_, app, user, &o, max);
  };
  for (uint64_t i = 1; i <= 5; i++)
    EXPECT_EQ(push("app", "bob", i * 10, "m" + std::to_string(i), 3),
              i <= 3 ? RTMD_STORE_OK : RTMD_STORE_LIMIT);
  EXPECT_EQ(push("other", "bob", 5, "x", 3), RTMD_STORE_OK);
  // Four messages of 2 bytes and two queues, in real bytes (cost.h).
  EXPECT_GT(rtmd_store_usage(st_, RTMD_USAGE_OFFLINE, nullptr), 4 * rtmd_cost_offline(2, "alice"));
  EXPECT_EQ(push("app", "carol", 1, "c", 0), RTMD_STORE_LIMIT);  // max 0: none kept
  EXPECT_EQ(take("app", "bob", 40),
            (std::vector<std::string>{"alice@40:m4", "alice@50:m5"}));  // m3 too old
  EXPECT_EQ(dropped, 3u);  // m1 and m2 replaced, m3 too old
  EXPECT_EQ(expired, 1u);  // m3
  EXPECT_EQ(take("app", "bob", 0), std::vector<std::string>{});  // taken once
  EXPECT_EQ(dropped, 0u);
  EXPECT_GT(rtmd_store_usage(st_, RTMD_USAGE_OFFLINE, nullptr), 0u);  // other/bob's x
  EXPECT_EQ(push("app", "dave", 100, "d1", 3), RTMD_STORE_OK);
  EXPECT_EQ(push("app", "dave", 200, "d2", 3), RTMD_STORE_OK);
  EXPECT_EQ(rtmd_store_offline_expire(st_, 150), 2u);  // other/bob's x and dave's d1
  // The expired are counted for their users (S9), an emptied queue too.
  EXPECT_EQ(take("other", "bob", 0), std::vector<std::string>{});
  EXPECT_EQ(dropped, 1u);
  EXPECT_EQ(expired, 0u);  // not found now: the sweep had them
  EXPECT_EQ(take("app", "dave", 0), (std::vector<std::string>{"alice@200:d2"}));
  EXPECT_EQ(dropped, 1u);
  EXPECT_EQ(rtmd_store_usage(st_, RTMD_USAGE_OFFLINE, nullptr), 0u);
  // Left in the store: freed by destroy (LeakSanitizer checks).
  EXPECT_EQ(push("app", "erin", 1, "e", 3), RTMD_STORE_OK);
}

// SPEC S9: the messages of an ended session are always kept, beside the
// bounded cached ones, and come first; the cap drops the oldest cached
// one, never one of them; drops counted with offline_dropped_add add up.
TEST_F(StoreMem, MessagesOfAnEndedSessionAreKeptBesideTheCachedBound_S9) {
  auto push = [&](uint64_t at, const std::string& m, uint64_t session, uint64_t seq) {
    rtmd_offline_msg o = {"alice", at, reinterpret_cast<const uint8_t*>(m.data()), m.size(),
                          session, seq};
    return rtmd_store_offline_push(st_, "app", "bob", &o, 2);
  };
  for (uint64_t i = 1; i <= 5; i++)
    EXPECT_EQ(push(i, "k" + std::to_string(i), 77, 10 + i), RTMD_STORE_OK);
  EXPECT_EQ(push(6, "c1", 0, 0), RTMD_STORE_OK);
  EXPECT_EQ(push(7, "c2", 0, 0), RTMD_STORE_OK);
  EXPECT_EQ(push(8, "c3", 0, 0), RTMD_STORE_LIMIT);  // c1 dropped, not k1
  EXPECT_EQ(rtmd_store_offline_dropped_add(st_, "app", "bob", 4), RTMD_STORE_OK);
  std::vector<std::string> got;
  uint32_t expired = 0;
  uint32_t dropped = rtmd_store_offline_take(
      st_, "app", "bob", 0,
      [](const rtmd_offline_msg* m, void* c) {
        static_cast<std::vector<std::string>*>(c)->push_back(
            std::string(reinterpret_cast<const char*>(m->msg), m->len) + "/" +
            std::to_string(m->seq));
      },
      &got, &expired);
  EXPECT_EQ(got, (std::vector<std::string>{"k1/11", "k2/12", "k3/13", "k4/14", "k5/15",
                                           "c2/0", "c3/0"}));
  EXPECT_EQ(dropped, 5u);
  EXPECT_EQ(rtmd_store_usage(st_, RTMD_USAGE_OFFLINE, nullptr), 0u);
}

// Issue 13, item 5: every kind's real-byte count follows what the store
// holds, and is back to 0 once it holds nothing: a count that drifted would
// refuse everything one day, or bound nothing.
TEST_F(StoreMem, UsageFollowsWhatIsHeldAndIsZeroWhenEmpty) {
  auto usage = [&](rtmd_usage k) { return rtmd_store_usage(st_, k, nullptr); };
  for (int k = 0; k < RTMD_USAGE_KINDS; k++) EXPECT_EQ(usage(rtmd_usage(k)), 0u) << k;
  std::string big(3000, 'x');
  const uint8_t* frame = reinterpret_cast<const uint8_t*>(big.data());
  for (int round = 0; round < 3; round++) {
    rtmd_user a = Add("app", "alice"), b = Add("app", "bob");
    for (uint64_t seq = 1; seq <= 40; seq++)  // past the ring's first sizes and the bound
      rtmd_store_unacked_push(st_, b, seq, frame, seq % 2 ? 10 : big.size(), 30);
    EXPECT_GT(usage(RTMD_USAGE_UNACKED), 15 * rtmd_cost_frame(big.size()));
    rtmd_store_unacked_ack(st_, b, 20);
    rtmd_attr items[] = {{const_cast<char*>("k"), &big[0], nullptr, 0}};
    rtmd_attrv in = {items, 1};
    ASSERT_EQ(rtmd_store_attrs_put(st_, a, &in), RTMD_STORE_OK);
    EXPECT_GT(usage(RTMD_USAGE_ATTRS), big.size());
    rtmd_attr chitems[] = {{const_cast<char*>("k"), &big[0], const_cast<char*>("alice"), 1}};
    rtmd_attrv chin = {chitems, 1};
    ASSERT_EQ(rtmd_store_chattrs_put(st_, "app", "room", &chin), RTMD_STORE_OK);
    ASSERT_EQ(rtmd_store_chattrs_put(st_, "app", "room", &chin), RTMD_STORE_OK);  // replaced
    EXPECT_EQ(usage(RTMD_USAGE_CHATTRS), rtmd_store_usage(st_, RTMD_USAGE_CHATTRS, "app"));
    ASSERT_EQ(rtmd_store_channel_join(st_, a, "room", 20, 0), RTMD_STORE_OK);
    for (uint64_t seq = 1; seq <= 10; seq++)
      ASSERT_EQ(rtmd_store_history_push(st_, "app", "room", seq, 100 * seq, frame, big.size(),
                                        4, 0, UINT64_MAX),
                RTMD_STORE_OK);
    EXPECT_GT(usage(RTMD_USAGE_HISTORY), 4 * big.size());
    rtmd_offline_msg o = {"alice", 5, frame, big.size(), 0, 0};
    for (int i = 0; i < 9; i++) rtmd_store_offline_push(st_, "app", "carol", &o, 5);
    EXPECT_GT(usage(RTMD_USAGE_OFFLINE), 5 * big.size());
    // Everything goes: sessions, the channel's history, the offline queue,
    // the channel attributes.
    rtmd_store_session_remove(st_, a);
    rtmd_store_session_remove(st_, b);
    EXPECT_EQ(rtmd_store_channels_expire(st_, UINT64_MAX), 1u);
    uint32_t expired = 0;
    rtmd_store_offline_take(
        st_, "app", "carol", 0, [](const rtmd_offline_msg*, void*) {}, nullptr, &expired);
    rtmd_attrv none = {nullptr, 0};
    ASSERT_EQ(rtmd_store_chattrs_put(st_, "app", "room", &none), RTMD_STORE_OK);
    for (int k = 0; k < RTMD_USAGE_KINDS; k++)
      EXPECT_EQ(usage(rtmd_usage(k)), 0u) << rtmd_usage_name(rtmd_usage(k)) << " " << round;
    EXPECT_EQ(rtmd_store_usage(st_, RTMD_USAGE_CHATTRS, "app"), 0u);
  }
}

// --history-max-bytes in the store: a full channel history makes room for a
// message by dropping its oldest, so a message of the same size always
// fits; a larger one does not (LIMIT, nothing dropped); and the sweep ages
// out the history of channels with members too, so the bytes come back.
TEST_F(StoreMem, HistoryBoundCreditsWhatAPushDrops_Issue13Item5) {
  rtmd_user a = Add("app", "alice");
  ASSERT_EQ(rtmd_store_channel_join(st_, a, "room", 20, 0), RTMD_STORE_OK);
  std::string big(2000, 'x');
  const uint8_t* frame = reinterpret_cast<const uint8_t*>(big.data());
  for (uint64_t seq = 1; seq <= 4; seq++)
    ASSERT_EQ(rtmd_store_history_push(st_, "app", "room", seq, 1000, frame, 1000, 4, 0,
                                      UINT64_MAX),
              RTMD_STORE_OK);
  size_t full = rtmd_store_usage(st_, RTMD_USAGE_HISTORY, nullptr);
  EXPECT_EQ(rtmd_store_history_push(st_, "app", "room", 5, 1000, frame, 1000, 4, 0, full),
            RTMD_STORE_OK);  // replaces seq 1
  EXPECT_EQ(rtmd_store_usage(st_, RTMD_USAGE_HISTORY, nullptr), full);
  EXPECT_EQ(rtmd_store_history_push(st_, "app", "room", 6, 1000, frame, 2000, 4, 0, full),
            RTMD_STORE_LIMIT);
  uint64_t first = 0;
  rtmd_store_history_foreach(
      st_, "app", "room", 0,
      [](uint64_t seq, uint64_t, const uint8_t*, size_t, void* c) {
        if (*static_cast<uint64_t*>(c) == 0) *static_cast<uint64_t*>(c) = seq;
      },
      &first);
  EXPECT_EQ(first, 2u);  // nothing dropped for the refused one
  EXPECT_EQ(rtmd_store_channels_expire(st_, 2000), 0u);  // alice is still in it
  EXPECT_LT(rtmd_store_usage(st_, RTMD_USAGE_HISTORY, nullptr), full);
  EXPECT_EQ(rtmd_store_history_push(st_, "app", "room", 6, 3000, frame, 2000, 4, 0, full),
            RTMD_STORE_OK);
}

// Many sessions and channels: the maps grow and shrink correctly.
TEST_F(StoreMem, ManyEntries) {
  for (int i = 0; i < 500; i++) {
    std::string u = "user" + std::to_string(i);
    rtmd_user s = Add("app", u.c_str());
    ASSERT_EQ(rtmd_store_channel_join(st_, s, ("ch" + std::to_string(i % 7)).c_str(), 20, 0),
              RTMD_STORE_OK);
  }
  EXPECT_EQ(rtmd_store_session_count(st_), 500u);
  EXPECT_EQ(Members("app", "ch3").size(), 71u);
  for (int i = 0; i < 500; i += 2) rtmd_store_session_remove(st_, sessions_[i]);
  EXPECT_EQ(rtmd_store_session_count(st_), 250u);
  EXPECT_TRUE(rtmd_store_session_has(st_, Key("app", "user3")));
  EXPECT_FALSE(rtmd_store_session_has(st_, Key("app", "user4")));
}

std::vector<std::string> Followers(rtmd_store* st, const char* app, const char* user) {
  std::vector<std::string> out;
  rtmd_store_followers_foreach(
      st, app, user,
      [](rtmd_user u, void* closure) {
        static_cast<std::vector<std::string>*>(closure)->push_back(u.user);
      },
      &out);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> Subs(rtmd_store* st, rtmd_user s) {
  rtmd_strv v;
  std::vector<std::string> out;
  if (rtmd_store_sub_list(st, s, &v) != RTMD_STORE_OK) return out;
  for (size_t i = 0; i < v.count; i++) out.push_back(v.items[i]);
  rtmd_strv_free(&v);
  return out;
}

// A8: a session's subscriptions, listed sorted, and the reverse index that
// finds the sessions following a user of the same app (and no other app).
TEST_F(StoreMem, SubscriptionsAndWhoFollowsAUser_A8) {
  rtmd_user a = Add("app", "alice");
  rtmd_user b = Add("app", "bob");
  rtmd_user other = Add("app2", "alice");
  EXPECT_EQ(rtmd_store_sub_add(st_, a, "dave"), RTMD_STORE_OK);
  EXPECT_EQ(rtmd_store_sub_add(st_, a, "carol"), RTMD_STORE_OK);
  EXPECT_EQ(rtmd_store_sub_add(st_, a, "carol"), RTMD_STORE_EXISTS);
  EXPECT_EQ(rtmd_store_sub_add(st_, b, "carol"), RTMD_STORE_OK);
  EXPECT_EQ(rtmd_store_sub_add(st_, other, "carol"), RTMD_STORE_OK);
  EXPECT_EQ(Subs(st_, a), (std::vector<std::string>{"carol", "dave"}));
  EXPECT_EQ(rtmd_store_sub_count(st_, a), 2u);
  EXPECT_TRUE(rtmd_store_sub_has(st_, a, "carol"));
  EXPECT_FALSE(rtmd_store_sub_has(st_, b, "dave"));
  EXPECT_EQ(Followers(st_, "app", "carol"), (std::vector<std::string>{"alice", "bob"}));
  EXPECT_EQ(Followers(st_, "app2", "carol"), (std::vector<std::string>{"alice"}));
  EXPECT_TRUE(Followers(st_, "app", "nobody").empty());

  EXPECT_EQ(rtmd_store_sub_remove(st_, a, "carol"), RTMD_STORE_OK);
  EXPECT_EQ(rtmd_store_sub_remove(st_, a, "carol"), RTMD_STORE_ABSENT);
  EXPECT_EQ(Followers(st_, "app", "carol"), (std::vector<std::string>{"bob"}));
  EXPECT_EQ(Subs(st_, a), (std::vector<std::string>{"dave"}));
}

// A8: subscriptions belong to the session: removing it forgets them and
// takes it out of the reverse index; a store destroyed with some frees them.
TEST_F(StoreMem, SubscriptionsGoWithTheSession_A8) {
  rtmd_user a = Add("app", "alice");
  rtmd_user b = Add("app", "bob");
  ASSERT_EQ(rtmd_store_sub_add(st_, a, "carol"), RTMD_STORE_OK);
  ASSERT_EQ(rtmd_store_sub_add(st_, a, "dave"), RTMD_STORE_OK);
  ASSERT_EQ(rtmd_store_sub_add(st_, b, "dave"), RTMD_STORE_OK);
  rtmd_store_session_remove(st_, a);
  EXPECT_TRUE(Followers(st_, "app", "carol").empty());
  EXPECT_EQ(Followers(st_, "app", "dave"), (std::vector<std::string>{"bob"}));
  EXPECT_EQ(rtmd_store_sub_add(st_, a, "carol"), RTMD_STORE_ABSENT);
  EXPECT_EQ(rtmd_store_sub_count(st_, a), 0u);
  // A new session of the same user starts with none.
  rtmd_user a2 = Add("app", "alice");
  EXPECT_TRUE(Subs(st_, a2).empty());
  EXPECT_EQ(rtmd_store_sub_add(st_, a2, "erin"), RTMD_STORE_OK);
}  // destroyed with subscriptions: nothing leaks (ASan)

}  // namespace
