// The durable store (store_sqlite.c): every change made through it is back,
// the same, after the store is closed and opened again on its file (SPEC
// B6), and the durability gate (rtmd_store_barrier) holds until the batch
// with the changes has committed. Each test runs a real libevent loop on a
// real file in a fresh temporary directory.
#include <gtest/gtest.h>

#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <event2/event.h>

extern "C" {
#include "engine/store_sqlite.h"
}

namespace {

using Clock = std::chrono::steady_clock;

constexpr uint64_t kNow = 1'800'000'000'000;  // wall ms
constexpr uint64_t kWindow = 30'000;            // the replay window
constexpr uint64_t kTtl = 7ull * 86400 * 1000;

struct Frames {
  std::vector<std::pair<uint64_t, std::string>> items;
  static void Add(uint64_t seq, uint64_t, const uint8_t* f, size_t len, void* closure) {
    static_cast<Frames*>(closure)->items.emplace_back(
        seq, std::string(reinterpret_cast<const char*>(f), len));
  }
};

struct Offline {
  std::vector<std::string> items;  // "from:text:session_id:seq"
  static void Add(const rtmd_offline_msg* m, void* closure) {
    static_cast<Offline*>(closure)->items.push_back(
        std::string(m->from) + ":" + std::string(reinterpret_cast<const char*>(m->msg), m->len) +
        ":" + std::to_string(m->session_id) + ":" + std::to_string(m->seq));
  }
};

std::vector<std::string> Strings(const rtmd_strv& v) {
  std::vector<std::string> out(v.items, v.items + v.count);
  return out;
}

class StoreSqlite : public testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/store-sqlite-test-XXXXXX";
    ASSERT_NE(nullptr, mkdtemp(tmpl));
    dir_ = tmpl;
    path_ = dir_ + "/rtmd.db";
    base_ = event_base_new();
    ASSERT_NE(nullptr, base_);
  }
  void TearDown() override {
    if (st_) rtmd_store_destroy(st_);
    event_base_free(base_);
    ASSERT_EQ(0, std::system(("rm -rf '" + dir_ + "'").c_str()));
  }
  rtmd_store_sqlite_config Config(uint64_t now = kNow) {
    rtmd_store_sqlite_config c = {};
    c.path = path_.c_str();
    c.fsync = RTMD_SQLW_FSYNC_NORMAL;
    c.now_wall_ms = now;
    c.history_horizon_ms = now - kWindow;
    c.history_max = 32;
    c.offline_horizon_ms = now - kTtl;
    c.durable = Durable;
    c.closure = this;
    return c;
  }
  void Open(uint64_t now = kNow) {
    if (st_) rtmd_store_destroy(st_);
    char err[512] = "";
    rtmd_store_sqlite_config c = Config(now);
    st_ = rtmd_store_sqlite_open(base_, &c, err, sizeof err);
    ASSERT_NE(nullptr, st_) << err;
  }
  // Runs the loop until every write so far is durable; false after 5 s.
  bool Settle() {
    auto deadline = Clock::now() + std::chrono::seconds(5);
    while (rtmd_store_barrier(st_) != 0) {
      if (Clock::now() > deadline) return false;
      event_base_loop(base_, EVLOOP_ONCE | EVLOOP_NONBLOCK);
    }
    return true;
  }
  static void Durable(uint64_t batch, bool ok, void* closure) {
    auto* self = static_cast<StoreSqlite*>(closure);
    self->durable_.push_back(batch);
    if (!ok) self->failed_++;
  }
  rtmd_user U(const char* user) { return rtmd_user{"app", user}; }

  std::string dir_, path_;
  event_base* base_ = nullptr;
  rtmd_store* st_ = nullptr;
  std::vector<uint64_t> durable_;
  int failed_ = 0;
};

// B6: the gate holds from the first write until its batch committed, and
// the batch is the one the durable callback names.
TEST_F(StoreSqlite, B6_TheBarrierHoldsUntilTheBatchCommitted) {
  Open();
  ASSERT_TRUE(Settle());  // the start's own pruning
  EXPECT_EQ(0u, rtmd_store_barrier(st_));
  durable_.clear();
  ASSERT_EQ(RTMD_STORE_OK, rtmd_store_session_add(st_, U("alice")));
  uint64_t b = rtmd_store_barrier(st_);
  EXPECT_NE(0u, b);
  // Reads are served at once, from memory.
  EXPECT_TRUE(rtmd_store_session_has(st_, U("alice")));
  ASSERT_TRUE(Settle());
  EXPECT_EQ((std::vector<uint64_t>{b}), durable_);
  EXPECT_EQ(0, failed_);
  // A read changes nothing: nothing to wait for.
  EXPECT_TRUE(rtmd_store_session_has(st_, U("alice")));
  EXPECT_EQ(0u, rtmd_store_barrier(st_));
}

// B6, S9, S12, A1, A5, A6, A8, S10: what each kind of change leaves is what
// a new store on the same file has.
TEST_F(StoreSqlite, B6_EveryKindOfStateIsBackAfterReopening) {
  Open();
  rtmd_session_meta meta = {0x1234, 77, 5, kNow - 1000, 1'900'000'000, 0};
  ASSERT_EQ(RTMD_STORE_OK, rtmd_store_session_add(st_, U("alice")));
  ASSERT_EQ(RTMD_STORE_OK, rtmd_store_session_meta_put(st_, U("alice"), &meta));
  ASSERT_EQ(RTMD_STORE_OK, rtmd_store_session_add(st_, U("bob")));
  ASSERT_EQ(RTMD_STORE_OK, rtmd_store_session_add(st_, U("gone")));
  // Deliveries 1..4 to alice, bounded at 3 (the oldest dropped), 2 acked.
  for (uint64_t seq = 1; seq <= 4; seq++) {
    std::string f = "deliver" + std::to_string(seq);
    rtmd_store_unacked_push(st_, U("alice"), seq, reinterpret_cast<const uint8_t*>(f.data()),
                            f.size(), 3);
  }
  rtmd_store_unacked_ack(st_, U("alice"), 2);
  // bob: two deliveries, both acknowledged: nothing held, yet his next
  // seq must still go above them.
  for (uint64_t seq = 1; seq <= 2; seq++)
    rtmd_store_unacked_push(st_, U("bob"), seq, reinterpret_cast<const uint8_t*>("d"), 1, 8);
  rtmd_store_unacked_ack(st_, U("bob"), 2);
  ASSERT_EQ(RTMD_STORE_OK, rtmd_store_sent_record(st_, U("alice"), 9, 0));
  ASSERT_EQ(RTMD_STORE_OK, rtmd_store_sent_record(st_, U("alice"), 10, 3));
  std::vector<rtmd_attr> a = {{(char*)"k1", (char*)"v1", nullptr, 0},
                              {(char*)"k2", (char*)"v2", nullptr, 0}};
  rtmd_attrv av = {a.data(), a.size()};
  ASSERT_EQ(RTMD_STORE_OK, rtmd_store_attrs_put(st_, U("alice"), &av));
  std::vector<rtmd_attr> ca = {{(char*)"topic", (char*)"t", (char*)"bob", kNow - 5}};
  rtmd_attrv cav = {ca.data(), ca.size()};
  ASSERT_EQ(RTMD_STORE_OK, rtmd_store_chattrs_put(st_, "app", "room", &cav));
  ASSERT_EQ(RTMD_STORE_OK, rtmd_store_channel_join(st_, U("alice"), "room", 20, 1000));
  ASSERT_EQ(RTMD_STORE_OK, rtmd_store_channel_join(st_, U("bob"), "room", 20, 5000));
  ASSERT_EQ(RTMD_STORE_OK, rtmd_store_channel_join(st_, U("gone"), "room", 20, 5000));
  // Channel messages: one outside the window, then three in it.
  for (int i = 0; i < 4; i++) {
    uint64_t seq = rtmd_store_channel_next_seq(st_, "app", "room");
    std::string f = "chan" + std::to_string(seq);
    uint64_t at = i == 0 ? kNow - kWindow - 1 : kNow - 100 + i;
    rtmd_store_history_push(st_, "app", "room", seq, at,
                            reinterpret_cast<const uint8_t*>(f.data()), f.size(), 32,
                            kNow - 2 * kWindow, UINT64_MAX);
  }
  ASSERT_EQ(RTMD_STORE_OK, rtmd_store_sub_add(st_, U("bob"), "alice"));
  ASSERT_EQ(RTMD_STORE_OK, rtmd_store_sub_add(st_, U("gone"), "alice"));
  // carol is away: 3 cached messages with room for 2 (one dropped), one of
  // an ended session, one expired (the TTL), 4 more drops counted.
  auto push = [&](const char* text, uint64_t at, uint64_t sid, uint64_t seq) {
    rtmd_offline_msg m = {"alice", at, reinterpret_cast<const uint8_t*>(text), strlen(text),
                          sid, seq};
    return rtmd_store_offline_push(st_, "app", "carol", &m, 2);
  };
  EXPECT_EQ(RTMD_STORE_OK, push("old", kNow - kTtl - 1, 0, 0));
  EXPECT_EQ(RTMD_STORE_OK, push("o1", kNow - 3, 0, 0));
  EXPECT_EQ(RTMD_STORE_OK, push("s1", kNow - 2, 42, 7));
  EXPECT_EQ(RTMD_STORE_LIMIT, push("o2", kNow - 1, 0, 0));  // "old" goes
  ASSERT_EQ(RTMD_STORE_OK, rtmd_store_offline_dropped_add(st_, "app", "carol", 4));
  ASSERT_EQ(RTMD_STORE_OK, rtmd_store_ban_put(st_, U("mallory"), 0));
  ASSERT_EQ(RTMD_STORE_OK, rtmd_store_ban_put(st_, U("eve"), kNow + 60'000));
  ASSERT_EQ(RTMD_STORE_OK, rtmd_store_ban_put(st_, U("past"), kNow - 1));
  ASSERT_EQ(RTMD_STORE_OK, rtmd_store_ban_put(st_, U("lifted"), 0));
  ASSERT_EQ(RTMD_STORE_OK, rtmd_store_ban_lift(st_, U("lifted"), kNow));
  rtmd_store_session_remove(st_, U("gone"));
  ASSERT_TRUE(Settle());
  EXPECT_EQ(0, failed_);

  Open(kNow + 10);
  // Sessions and their meta; the removed one is gone with all it had.
  EXPECT_EQ(2u, rtmd_store_session_count(st_));
  EXPECT_FALSE(rtmd_store_session_has(st_, U("gone")));
  struct Metas {
    std::vector<std::pair<std::string, rtmd_session_meta>> v;
    static void Add(rtmd_user u, const rtmd_session_meta* m, void* c) {
      static_cast<Metas*>(c)->v.emplace_back(u.user, *m);
    }
  } metas;
  rtmd_store_sessions_foreach(st_, Metas::Add, &metas);
  ASSERT_EQ(2u, metas.v.size());
  for (auto& [user, m] : metas.v) {
    if (user == "bob") {
      EXPECT_EQ(2u, m.peer_seq) << "at least the last acknowledged seq";
    }
    if (user != "alice") continue;
    EXPECT_EQ(0x1234u, m.instance_id);
    EXPECT_EQ(77u, m.id);
    EXPECT_EQ(5u, m.link_seq);
    EXPECT_EQ(kNow - 1000, m.login_wall_ms);
    EXPECT_EQ(1'900'000'000u, m.token_expires_at);
    EXPECT_EQ(4u, m.peer_seq) << "at least the last delivery's seq";
  }
  // S9: the unacknowledged deliveries, after the ack.
  Frames un;
  rtmd_store_unacked_foreach(st_, U("alice"), Frames::Add, &un);
  EXPECT_EQ((std::vector<std::pair<uint64_t, std::string>>{{3, "deliver3"}, {4, "deliver4"}}),
            un.items);
  // B1: the send answers.
  int code = -1;
  EXPECT_TRUE(rtmd_store_sent_lookup(st_, U("alice"), 10, &code));
  EXPECT_EQ(3, code);
  EXPECT_TRUE(rtmd_store_sent_lookup(st_, U("alice"), 9, &code));
  EXPECT_EQ(0, code);
  EXPECT_FALSE(rtmd_store_sent_lookup(st_, U("alice"), 11, &code));
  // A5: attributes.
  rtmd_attrv got = {};
  ASSERT_EQ(RTMD_STORE_OK, rtmd_store_attrs_get(st_, U("alice"), &got));
  ASSERT_EQ(2u, got.count);
  EXPECT_STREQ("k1", got.items[0].key);
  EXPECT_STREQ("v2", got.items[1].value);
  rtmd_attrv_free(&got);
  ASSERT_EQ(RTMD_STORE_OK, rtmd_store_chattrs_get(st_, "app", "room", &got));
  ASSERT_EQ(1u, got.count);
  EXPECT_STREQ("topic", got.items[0].key);
  EXPECT_STREQ("bob", got.items[0].by);
  EXPECT_EQ(kNow - 5, got.items[0].ts);
  rtmd_attrv_free(&got);
  // Membership, and the channel's seqs (B2: they go on from where they were).
  rtmd_strv members = {};
  ASSERT_EQ(RTMD_STORE_OK, rtmd_store_channel_members(st_, "app", "room", &members));
  EXPECT_EQ((std::vector<std::string>{"alice", "bob"}), Strings(members));
  rtmd_strv_free(&members);
  uint64_t base = 0, last = 0;
  ASSERT_TRUE(rtmd_store_channel_seqs(st_, "app", "room", &base, &last));
  EXPECT_EQ(1000u, base);
  EXPECT_EQ(1004u, last);
  EXPECT_EQ(1005u, rtmd_store_channel_next_seq(st_, "app", "room"));
  // S10: the history of the window only.
  Frames hist;
  rtmd_store_history_foreach(st_, "app", "room", 0, Frames::Add, &hist);
  EXPECT_EQ((std::vector<std::pair<uint64_t, std::string>>{
                {1002, "chan1002"}, {1003, "chan1003"}, {1004, "chan1004"}}),
            hist.items);
  // A8: subscriptions, and the reverse index rebuilt.
  EXPECT_TRUE(rtmd_store_sub_has(st_, U("bob"), "alice"));
  struct Followers {
    std::vector<std::string> v;
    static void Add(rtmd_user u, void* c) { static_cast<Followers*>(c)->v.push_back(u.user); }
  } followers;
  rtmd_store_followers_foreach(st_, "app", "alice", Followers::Add, &followers);
  EXPECT_EQ((std::vector<std::string>{"bob"}), followers.v);
  // A1: the bans in force.
  EXPECT_TRUE(rtmd_store_ban_active(st_, U("mallory"), kNow + 10));
  EXPECT_TRUE(rtmd_store_ban_active(st_, U("eve"), kNow + 10));
  EXPECT_FALSE(rtmd_store_ban_active(st_, U("eve"), kNow + 60'001));
  EXPECT_FALSE(rtmd_store_ban_active(st_, U("past"), kNow + 10));
  EXPECT_FALSE(rtmd_store_ban_active(st_, U("lifted"), kNow + 10));
  // A6, S9: carol's queue, in order, and its drop count (1 overflow + 4).
  Offline off;
  uint32_t expired = 0;
  uint32_t dropped = rtmd_store_offline_take(st_, "app", "carol", 0, Offline::Add, &off,
                                             &expired);
  EXPECT_EQ((std::vector<std::string>{"alice:o1:0:0", "alice:s1:42:7", "alice:o2:0:0"}),
            off.items);
  EXPECT_EQ(5u, dropped);
  ASSERT_TRUE(Settle());

  // Taken is gone for good.
  Open(kNow + 20);
  Offline none;
  EXPECT_EQ(0u, rtmd_store_offline_take(st_, "app", "carol", 0, Offline::Add, &none, &expired));
  EXPECT_TRUE(none.items.empty());
}

// A6: offline messages past their TTL while rtmd was down are dropped at
// the start, and counted for their user.
TEST_F(StoreSqlite, A6_MessagesThatExpiredWhileDownArePrunedAndCounted) {
  Open();
  rtmd_offline_msg m = {"alice", kNow, reinterpret_cast<const uint8_t*>("x"), 1, 0, 0};
  ASSERT_EQ(RTMD_STORE_OK, rtmd_store_offline_push(st_, "app", "carol", &m, 10));
  m.at_ms = kNow + 1000;
  ASSERT_EQ(RTMD_STORE_OK, rtmd_store_offline_push(st_, "app", "carol", &m, 10));
  ASSERT_TRUE(Settle());
  Open(kNow + kTtl + 500);  // the first is past the TTL, the second not
  Offline off;
  uint32_t expired = 0;
  EXPECT_EQ(1u, rtmd_store_offline_take(st_, "app", "carol", 0, Offline::Add, &off, &expired));
  EXPECT_EQ(1u, off.items.size());
}

// B6, S9, B1: the file keeps a session's deliveries and send answers as
// one row per batch; an acknowledgement that ends inside a row leaves its
// later frames, and answers recorded over many batches (and trimmed) are
// back as the image had them.
TEST_F(StoreSqlite, B6_DeliveriesAndAnswersOfManyBatchesAreBackAfterReopening) {
  Open();
  ASSERT_EQ(RTMD_STORE_OK, rtmd_store_session_add(st_, U("alice")));
  ASSERT_EQ(RTMD_STORE_OK, rtmd_store_session_add(st_, U("bob")));
  uint64_t seq = 0;
  // Three batches of 5 deliveries to alice, each with 5 answers of bob.
  for (int batch = 0; batch < 3; batch++) {
    for (int i = 0; i < 5; i++) {
      seq++;
      std::string f = "m" + std::to_string(seq);
      ASSERT_EQ(RTMD_STORE_OK,
                rtmd_store_unacked_push(st_, U("alice"), seq,
                                        reinterpret_cast<const uint8_t*>(f.data()), f.size(), 64));
      ASSERT_EQ(RTMD_STORE_OK,
                rtmd_store_sent_record(st_, U("bob"), seq, seq % 5 == 0 ? 7 : 0));
    }
    ASSERT_TRUE(Settle());
  }
  rtmd_store_unacked_ack(st_, U("alice"), 7);  // inside the second batch's row
  ASSERT_TRUE(Settle());
  // Many more answers: the ring's worth and past it, trimmed on the way.
  for (uint64_t s = 16; s <= 16 + 2 * RTMD_SENT_RING; s++) {
    ASSERT_EQ(RTMD_STORE_OK, rtmd_store_sent_record(st_, U("bob"), s, s == 500 ? -3 : 0));
    if (s % 50 == 0) {
      ASSERT_TRUE(Settle());
    }
  }
  ASSERT_TRUE(Settle());
  EXPECT_EQ(0, failed_);

  Open(kNow + 10);
  Frames un;
  rtmd_store_unacked_foreach(st_, U("alice"), Frames::Add, &un);
  std::vector<std::pair<uint64_t, std::string>> want;
  for (uint64_t s = 8; s <= 15; s++) want.emplace_back(s, "m" + std::to_string(s));
  EXPECT_EQ(want, un.items);
  int code = 1;
  EXPECT_TRUE(rtmd_store_sent_lookup(st_, U("bob"), 500, &code));
  EXPECT_EQ(-3, code);
  EXPECT_TRUE(rtmd_store_sent_lookup(st_, U("bob"), 16 + 2 * RTMD_SENT_RING, &code));
  EXPECT_EQ(0, code);
  EXPECT_FALSE(rtmd_store_sent_lookup(st_, U("bob"), 17 + 2 * RTMD_SENT_RING, &code));

  // Acknowledging them all, then reopening: none held, the seq goes on.
  rtmd_store_unacked_ack(st_, U("alice"), 15);
  ASSERT_TRUE(Settle());
  Open(kNow + 20);
  EXPECT_EQ(0u, rtmd_store_unacked_count(st_, U("alice")));
  struct Seq {
    uint64_t alice = 0;
    static void Add(rtmd_user u, const rtmd_session_meta* m, void* c) {
      if (strcmp(u.user, "alice") == 0) static_cast<Seq*>(c)->alice = m->peer_seq;
    }
  } peer;
  rtmd_store_sessions_foreach(st_, Seq::Add, &peer);
  EXPECT_EQ(15u, peer.alice);
}

// A session ended and begun again within one batch: the new one starts
// empty on file too (a session's rows are keyed by an id of its own).
TEST_F(StoreSqlite, B6_ASessionBegunAgainStartsEmpty) {
  Open();
  ASSERT_EQ(RTMD_STORE_OK, rtmd_store_session_add(st_, U("alice")));
  ASSERT_EQ(RTMD_STORE_OK,
            rtmd_store_unacked_push(st_, U("alice"), 1, reinterpret_cast<const uint8_t*>("a"), 1,
                                    8));
  ASSERT_EQ(RTMD_STORE_OK, rtmd_store_sent_record(st_, U("alice"), 1, 0));
  rtmd_store_session_remove(st_, U("alice"));
  ASSERT_EQ(RTMD_STORE_OK, rtmd_store_session_add(st_, U("alice")));
  ASSERT_EQ(RTMD_STORE_OK,
            rtmd_store_unacked_push(st_, U("alice"), 2, reinterpret_cast<const uint8_t*>("b"), 1,
                                    8));
  ASSERT_TRUE(Settle());
  Open(kNow + 10);
  Frames un;
  rtmd_store_unacked_foreach(st_, U("alice"), Frames::Add, &un);
  EXPECT_EQ((std::vector<std::pair<uint64_t, std::string>>{{2, "b"}}), un.items);
  int code;
  EXPECT_FALSE(rtmd_store_sent_lookup(st_, U("alice"), 1, &code));
}

// A file of schema 1 (one row per message, keyed by app and user) is
// refused with a message that says so: there is no migration.
TEST_F(StoreSqlite, AFileOfSchemaOneIsRefusedClearly) {
  sqlite3* db = nullptr;
  ASSERT_EQ(SQLITE_OK, sqlite3_open(path_.c_str(), &db));
  ASSERT_EQ(SQLITE_OK, sqlite3_exec(db,
                                    "CREATE TABLE sessions(app TEXT, user TEXT);"
                                    "PRAGMA user_version = 1",
                                    nullptr, nullptr, nullptr));
  sqlite3_close(db);
  char err[512] = "";
  rtmd_store_sqlite_config c = Config();
  EXPECT_EQ(nullptr, rtmd_store_sqlite_open(base_, &c, err, sizeof err));
  EXPECT_NE(nullptr, strstr(err, "migrating schema 1 to 3 failed: no migration from schema 1"))
      << err;
}

// M2, B6: what the store knows of media (id, app, size, age) is back after
// a reopen; expiry forgets the old ones, in the file too, and lists them.
TEST_F(StoreSqlite, M2_B6_MediaAreKeptAndExpire) {
  Open();
  const char* a = "0123456789abcdef0123456789abcdef";
  const char* b = "fedcba9876543210fedcba9876543210";
  ASSERT_EQ(RTMD_STORE_OK, rtmd_store_media_put(st_, "app", a, 1000, kNow - 10));
  ASSERT_EQ(RTMD_STORE_OK, rtmd_store_media_put(st_, "other", b, 7, kNow - kTtl - 1));
  EXPECT_EQ(RTMD_STORE_EXISTS, rtmd_store_media_put(st_, "app", a, 5, kNow));
  ASSERT_TRUE(Settle());
  Open(kNow + 10);
  uint64_t size = 0, at = 0;
  EXPECT_TRUE(rtmd_store_media_get(st_, "app", a, &size, &at));
  EXPECT_EQ(1000u, size);
  EXPECT_EQ(kNow - 10, at);
  EXPECT_FALSE(rtmd_store_media_get(st_, "other", a, nullptr, nullptr)) << "another app's";
  EXPECT_TRUE(rtmd_store_media_get(st_, nullptr, b, nullptr, nullptr));
  EXPECT_EQ(1007u, rtmd_store_media_bytes(st_));
  rtmd_strv gone = {nullptr, 0};
  EXPECT_EQ(1u, rtmd_store_media_expire(st_, kNow - kTtl, &gone));
  EXPECT_EQ((std::vector<std::string>{b}), Strings(gone));
  rtmd_strv_free(&gone);
  ASSERT_TRUE(Settle());
  Open(kNow + 20);
  EXPECT_FALSE(rtmd_store_media_get(st_, nullptr, b, nullptr, nullptr));
  EXPECT_TRUE(rtmd_store_media_get(st_, "app", a, nullptr, nullptr));
  EXPECT_EQ(1000u, rtmd_store_media_bytes(st_));
}

// B6: a file of schema 2 (before media) is migrated in place: what it held
// stays, and media can be kept in it from then on.
TEST_F(StoreSqlite, B6_AFileOfSchemaTwoIsMigrated) {
  Open();
  ASSERT_EQ(RTMD_STORE_OK, rtmd_store_session_add(st_, U("alice")));
  ASSERT_TRUE(Settle());
  rtmd_store_destroy(st_);
  st_ = nullptr;
  sqlite3* db = nullptr;
  ASSERT_EQ(SQLITE_OK, sqlite3_open(path_.c_str(), &db));
  ASSERT_EQ(SQLITE_OK, sqlite3_exec(db, "DROP TABLE media; PRAGMA user_version = 2", nullptr,
                                    nullptr, nullptr));
  sqlite3_close(db);
  Open(kNow + 10);
  EXPECT_TRUE(rtmd_store_session_has(st_, U("alice")));
  const char* a = "0123456789abcdef0123456789abcdef";
  ASSERT_EQ(RTMD_STORE_OK, rtmd_store_media_put(st_, "app", a, 3, kNow));
  ASSERT_TRUE(Settle());
  Open(kNow + 20);
  EXPECT_TRUE(rtmd_store_media_get(st_, "app", a, nullptr, nullptr));
  ASSERT_EQ(SQLITE_OK, sqlite3_open(path_.c_str(), &db));
  sqlite3_stmt* q = nullptr;
  ASSERT_EQ(SQLITE_OK, sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, nullptr));
  ASSERT_EQ(SQLITE_ROW, sqlite3_step(q));
  EXPECT_EQ(3, sqlite3_column_int(q, 0));
  sqlite3_finalize(q);
  sqlite3_close(db);
}

// The schema version: a file from a newer rtmd is refused with a clear
// message; a file that is not a database too.
TEST_F(StoreSqlite, ANewerSchemaOrAnotherFileIsRefusedClearly) {
  Open();
  rtmd_store_destroy(st_);
  st_ = nullptr;
  sqlite3* db = nullptr;
  ASSERT_EQ(SQLITE_OK, sqlite3_open(path_.c_str(), &db));
  ASSERT_EQ(SQLITE_OK, sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr));
  sqlite3_close(db);
  char err[512] = "";
  rtmd_store_sqlite_config c = Config();
  EXPECT_EQ(nullptr, rtmd_store_sqlite_open(base_, &c, err, sizeof err));
  EXPECT_NE(nullptr, strstr(err, "99")) << err;
  std::ofstream(path_, std::ios::trunc) << std::string(4096, 'z');
  EXPECT_EQ(nullptr, rtmd_store_sqlite_open(base_, &c, err, sizeof err));
  EXPECT_NE(nullptr, strstr(err, path_.c_str())) << err;
}

}  // namespace
