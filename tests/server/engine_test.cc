// engine_test.cc: the engine's contract (engine.h), run against every engine:
// what each operation does, its codes, and that operations complete once
// each, in the order they were submitted.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include <event2/event.h>
#include <hiredis/hiredis.h>

#include "redis_process.h"

extern "C" {
#include "engine/cost.h"
#include "engine/engine.h"
#include "engine/engine_redis.h"
#include "frame.h"
#include "rtm/rtm_codes.h"
#include "engine/store_sqlite.h"
}

namespace {

// An engine over the store it is made with; durable: over the SQLite
// store (store_sqlite.h) in a fresh temporary directory, else in memory.
// redis: the Redis engine (engine_redis.h) over a redis-server of the
// test's own, with no store of the node's.
struct EngineKind {
  const char* name;
  std::function<rtmd_engine*(rtmd_store*, event_base*)> make;
  bool durable;
  bool redis = false;
};

std::string Name(const testing::TestParamInfo<EngineKind>& p) { return p.param.name; }
void PrintTo(const EngineKind& k, std::ostream* os) { *os << k.name; }

// An operation and where its completion is recorded.
struct Op {
  rtmd_eng_op op = {};
  std::vector<int>* done_order = nullptr;
  int index = 0;
  int completions = 0;
  std::vector<std::string> attrs;  // "key=value[@by]" of op.attrs at done
  std::vector<std::string> frames; // "seq from text[ replayed]" of op.frames
  std::vector<std::string> users;  // op.users at done
  static void Done(rtmd_eng_op* op) {
    Op* self = reinterpret_cast<Op*>(op);  // op is the first member
    self->completions++;
    if (self->done_order) self->done_order->push_back(self->index);
    for (size_t i = 0; i < op->users.count; i++) self->users.push_back(op->users.items[i]);
    for (size_t i = 0; i < op->frames.count; i++) {
      const rtmd_buf& b = op->frames.items[i];
      rtm__frame* f = nullptr;
      if (b.len < RTM__FRAME_HEADER ||
          rtm__frame_unpack(b.buf + RTM__FRAME_HEADER, b.len - RTM__FRAME_HEADER, &f) !=
              RTM__FRAME_OK ||
          (f->body_case != RTM__WIRE__FRAME__BODY_PEER_DELIVER &&
           f->body_case != RTM__WIRE__FRAME__BODY_CHANNEL_DELIVER)) {
        self->frames.push_back("?");
      } else if (f->body_case == RTM__WIRE__FRAME__BODY_CHANNEL_DELIVER) {
        const Rtm__Wire__ChannelDeliver* d = f->channel_deliver;
        self->frames.push_back(std::to_string(d->seq) + " " + d->from + " " +
                               (d->message && d->message->text ? d->message->text : "") +
                               (d->replayed ? " replayed" : ""));
      } else {
        const Rtm__Wire__PeerDeliver* d = f->peer_deliver;
        self->frames.push_back(std::to_string(d->seq) + " " + d->from + " " +
                               (d->message && d->message->text ? d->message->text : "") +
                               (d->replayed ? " replayed" : ""));
      }
      rtm__frame_free(f);
    }
    for (size_t i = 0; i < op->attrs.count; i++) {
      const rtmd_attr& a = op->attrs.items[i];
      self->attrs.push_back(std::string(a.key) + "=" + a.value +
                            (a.by ? std::string("@") + a.by : std::string()));
    }
    rtmd_engine_op_clear(op);
  }
};
static_assert(offsetof(Op, op) == 0, "Op::Done finds the Op from its op");

class EngineContract : public testing::TestWithParam<EngineKind> {
 protected:
  void SetUp() override {
    base_ = event_base_new();
    ASSERT_NE(nullptr, base_);
    if (GetParam().redis) {
      redis_.reset(new rtm_test::RedisProcess());
      ASSERT_TRUE(redis_->started()) << redis_->Log();
      address_ = "unix:" + redis_->socket();
      rtmd_engine_redis_config c = {};
      c.address = address_.c_str();
      c.node = "test";
      c.timeout_ms = 5000;
      c.backoff_min_ms = 10;
      c.backoff_max_ms = 100;
      engine_ = rtmd_engine_redis_new(base_, &c);
      ASSERT_NE(engine_, nullptr);
      auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      while (!rtmd_engine_redis_ready(engine_) && std::chrono::steady_clock::now() < until) {
        timeval tv = {0, 1000};
        event_base_loopexit(base_, &tv);
        event_base_dispatch(base_);
      }
      ASSERT_TRUE(rtmd_engine_redis_ready(engine_)) << redis_->Log();
      peek_ = redisConnectUnix(redis_->socket().c_str());
      ASSERT_TRUE(peek_ && !peek_->err);
      return;
    }
    if (GetParam().durable) {
      char tmpl[] = "/tmp/engine-test-XXXXXX";
      ASSERT_NE(nullptr, mkdtemp(tmpl));
      dir_ = tmpl;
      path_ = dir_ + "/rtmd.db";
      rtmd_store_sqlite_config c = {};
      c.path = path_.c_str();
      c.fsync = RTMD_SQLW_FSYNC_NORMAL;
      c.history_max = 32;
      char err[512] = "";
      store_ = rtmd_store_sqlite_open(base_, &c, err, sizeof err);
      ASSERT_NE(store_, nullptr) << err;
    } else {
      store_ = rtmd_store_mem_new();
      ASSERT_NE(store_, nullptr);
    }
    engine_ = GetParam().make(store_, base_);
    ASSERT_NE(engine_, nullptr);
  }
  void TearDown() override {
    if (peek_) redisFree(peek_);
    if (engine_) rtmd_engine_destroy(engine_);
    if (store_) rtmd_store_destroy(store_);  // a durable one commits all first
    if (base_) event_base_free(base_);
    if (!dir_.empty()) {
      EXPECT_EQ(0, std::system(("rm -rf '" + dir_ + "'").c_str()));
    }
  }
  std::string dir_, path_, address_;
  event_base* base_ = nullptr;
  std::unique_ptr<rtm_test::RedisProcess> redis_;
  redisContext* peek_ = nullptr;  // the Redis engine's data, read directly

  // What these tests look at beside the operations' outcomes: in the
  // node's store, or in Redis (the layout of redis_lib.lua).
  long long Peek(const char* fmt, const std::string& a, const char* field = nullptr) {
    redisReply* r = static_cast<redisReply*>(redisCommand(peek_, fmt, a.c_str(), field));
    long long v = -1;
    if (r && r->type == REDIS_REPLY_INTEGER) v = r->integer;
    if (r && r->type == REDIS_REPLY_STRING) v = std::stoll(std::string(r->str, r->len));
    if (r && r->type == REDIS_REPLY_NIL) v = 0;
    if (r) freeReplyObject(r);
    return v;
  }
  static std::string Key(const char* kind, rtmd_user u) {
    return std::string("rtm/") + kind + "/" + u.app + "/" + u.user;
  }
  bool HasSession(rtmd_user u) {
    if (redis_) return Peek("EXISTS %s", Key("s", u)) == 1;
    return rtmd_store_session_has(store_, u);
  }
  size_t Unacked(rtmd_user u) {
    if (redis_) return static_cast<size_t>(Peek("LLEN %s", Key("u", u)));
    return rtmd_store_unacked_count(store_, u);
  }
  // app: the channel attributes of one app (NULL: all apps).
  size_t Usage(rtmd_usage kind, const char* app = nullptr) {
    if (redis_ && app) return static_cast<size_t>(Peek("HGET %s %s", "rtm/usage/chattrs", app));
    if (redis_) return static_cast<size_t>(Peek("HGET %s %s", "rtm/usage", rtmd_usage_name(kind)));
    return rtmd_store_usage(store_, kind, app);
  }
  uint64_t PeerSeq(rtmd_user u) {
    if (redis_) return static_cast<uint64_t>(Peek("HGET %s %s", Key("s", u), "peer_seq"));
    rtmd_session_meta m = {};
    EXPECT_TRUE(rtmd_store_session_meta_get(store_, u, &m));
    return m.peer_seq;
  }
  // A session for u, with its id, made by a login.
  void Session(rtmd_user u, uint64_t id = 0) {
    Op o;
    o.op.kind = RTMD_ENG_LOGIN;
    o.op.in.login = {};
    o.op.in.login.of = u;
    o.op.in.login.create = true;
    o.op.in.login.meta.id = id;
    o.op.in.login.max_unacked = 100;
    Run(o);
    ASSERT_EQ(o.op.code, RTMD_STORE_OK);
  }
  int Join(rtmd_user u, const char* channel) {
    Op o;
    o.op.kind = RTMD_ENG_JOIN;
    o.op.in.join = {u, channel, 20, 0, false, false, 0, 0, 32};
    Run(o);
    return o.op.code;
  }
  int Leave(rtmd_user u, const char* channel) {
    Op o;
    o.op.kind = RTMD_ENG_LEAVE;
    o.op.in.leave = {u, channel};
    Run(o);
    return o.op.code;
  }

  // Submits op and returns once it completed: inside submit, or later, as
  // the loop runs (a deferred engine).
  void Run(Op& o) {
    if (!o.op.done) o.op.done = Op::Done;
    rtmd_engine_submit(engine_, &o.op);
    Wait(o);
    ASSERT_EQ(o.completions, 1) << "an operation completes exactly once";
  }
  // Runs the loop until o has completed (at most 5 s).
  void Wait(const Op& o) {
    for (int i = 0; i < 5000 && o.completions == 0; i++) {
      timeval tv = {0, 1000};
      event_base_loopexit(base_, &tv);
      event_base_dispatch(base_);
    }
  }
  // A SetAttributes with op and key=value pairs (or keys, for DELETE).
  struct Change {
    Rtm__Wire__SetAttributes msg = RTM__WIRE__SET_ATTRIBUTES__INIT;
    std::vector<Rtm__Wire__Attribute> items;
    std::vector<Rtm__Wire__Attribute*> ptrs;
    std::vector<std::string> strings;
    std::vector<char*> keys;
    Change(Rtm__Wire__SetAttributes__Op op,
           const std::vector<std::pair<std::string, std::string>>& kv) {
      msg.op = op;
      strings.reserve(kv.size() * 2);
      items.resize(kv.size());
      for (size_t i = 0; i < kv.size(); i++) {
        rtm__wire__attribute__init(&items[i]);
        strings.push_back(kv[i].first);
        items[i].key = &strings.back()[0];
        strings.push_back(kv[i].second);
        items[i].value = &strings.back()[0];
        ptrs.push_back(&items[i]);
        keys.push_back(items[i].key);
      }
      if (op == RTM__WIRE__SET_ATTRIBUTES__OP__OP_DELETE) {
        msg.keys = keys.data();
        msg.n_keys = keys.size();
      } else {
        msg.attributes = ptrs.data();
        msg.n_attributes = ptrs.size();
      }
    }
  };
  int SetAttrs(rtmd_user u, const Change& c) {
    Op o;
    o.op.kind = RTMD_ENG_ATTRS_SET;
    o.op.in.attrs_set.of = u;
    o.op.in.attrs_set.change = &c.msg;
    Run(o);
    return o.op.code;
  }
  std::vector<std::string> GetAttrs(rtmd_user u, std::vector<char*> keys = {},
                                    int* code = nullptr) {
    Op o;
    o.op.kind = RTMD_ENG_ATTRS_GET;
    o.op.in.attrs_get.of = u;
    o.op.in.attrs_get.keys = keys.data();
    o.op.in.attrs_get.n_keys = keys.size();
    Run(o);
    if (code) *code = o.op.code;
    return o.attrs;
  }
  rtmd_store* store_ = nullptr;
  rtmd_engine* engine_ = nullptr;
};

using Strings = std::vector<std::string>;
const rtmd_user kAlice = {"app", "alice"};

// A5: a session's attributes: SET replaces them, ADD_OR_UPDATE merges,
// DELETE removes keys, CLEAR empties; a read is sorted by key and may ask
// for some keys only.
TEST_P(EngineContract, UserAttributesOperations_A5) {
  Session(kAlice);
  using Op = Rtm__Wire__SetAttributes__Op;
  const Op kSet = RTM__WIRE__SET_ATTRIBUTES__OP__OP_SET;
  EXPECT_EQ(SetAttrs(kAlice, Change(kSet, {{"mood", "happy"}, {"lang", "en"}})), 0);
  EXPECT_EQ(GetAttrs(kAlice), (Strings{"lang=en", "mood=happy"}));
  EXPECT_EQ(SetAttrs(kAlice, Change(RTM__WIRE__SET_ATTRIBUTES__OP__OP_ADD_OR_UPDATE,
                                    {{"mood", "calm"}, {"city", "oslo"}})),
            0);
  EXPECT_EQ(GetAttrs(kAlice), (Strings{"city=oslo", "lang=en", "mood=calm"}));
  char city[] = "city", none[] = "none";
  EXPECT_EQ(GetAttrs(kAlice, {city, none}), (Strings{"city=oslo"}));
  EXPECT_EQ(SetAttrs(kAlice, Change(RTM__WIRE__SET_ATTRIBUTES__OP__OP_DELETE, {{"lang", ""}})),
            0);
  EXPECT_EQ(GetAttrs(kAlice), (Strings{"city=oslo", "mood=calm"}));
  EXPECT_EQ(SetAttrs(kAlice, Change(kSet, {{"a", "1"}})), 0);
  EXPECT_EQ(GetAttrs(kAlice), (Strings{"a=1"}));
  EXPECT_EQ(SetAttrs(kAlice, Change(RTM__WIRE__SET_ATTRIBUTES__OP__OP_CLEAR, {})), 0);
  EXPECT_EQ(GetAttrs(kAlice), Strings{});
}

// A5 limits: more than 16 KB in all is SIZE_OVERFLOW and changes nothing; a
// user without a session is USER_NOT_FOUND to a read.
TEST_P(EngineContract, UserAttributesLimitsAndAbsentUsers_A5) {
  Session(kAlice);
  const auto kSet = RTM__WIRE__SET_ATTRIBUTES__OP__OP_SET;
  EXPECT_EQ(SetAttrs(kAlice, Change(kSet, {{"k", "v"}})), 0);
  EXPECT_EQ(SetAttrs(kAlice, Change(kSet, {{"a", std::string(8192, 'x')},
                                           {"b", std::string(8192, 'y')}})),
            RTM_ATTRIBUTE_OPERATION_ERR_SIZE_OVERFLOW);
  EXPECT_EQ(GetAttrs(kAlice), (Strings{"k=v"}));
  int code = -1;
  EXPECT_EQ(GetAttrs(rtmd_user{"app", "bob"}, {}, &code), Strings{});
  EXPECT_EQ(code, RTM_ATTRIBUTE_OPERATION_ERR_USER_NOT_FOUND);
}

// A5: channel attributes are the channel's, with or without members; a
// change returns the channel's whole list, each entry stamped with who set
// it; a read may ask for some keys.
TEST_P(EngineContract, ChannelAttributesAndTheListAfterAChange_A5) {
  Change c(RTM__WIRE__SET_ATTRIBUTES__OP__OP_ADD_OR_UPDATE, {{"topic", "c"}, {"lang", "en"}});
  Op set;
  set.op.kind = RTMD_ENG_CHATTRS_SET;
  set.op.in.chattrs_set = {"app", "room", &c.msg, "alice", 1234, 1 << 20};
  Run(set);
  EXPECT_EQ(set.op.code, 0);
  EXPECT_EQ(set.attrs, (Strings{"lang=en@alice", "topic=c@alice"}));
  Change more(RTM__WIRE__SET_ATTRIBUTES__OP__OP_ADD_OR_UPDATE, {{"topic", "d"}});
  Op again;
  again.op.kind = RTMD_ENG_CHATTRS_SET;
  again.op.in.chattrs_set = {"app", "room", &more.msg, "bob", 1300, 1 << 20};
  Run(again);
  EXPECT_EQ(again.attrs, (Strings{"lang=en@alice", "topic=d@bob"}));
  char topic[] = "topic";
  char* keys[] = {topic};
  Op get;
  get.op.kind = RTMD_ENG_CHATTRS_GET;
  get.op.in.chattrs_get = {"app", "room", keys, 1};
  Run(get);
  EXPECT_EQ(get.op.code, 0);
  EXPECT_EQ(get.attrs, (Strings{"topic=d@bob"}));
  Op other;
  other.op.kind = RTMD_ENG_CHATTRS_GET;
  other.op.in.chattrs_get = {"other-app", "room", nullptr, 0};
  Run(other);
  EXPECT_EQ(other.attrs, Strings{});
}

// A1: bans are per user, with or without a session, until a wall-clock
// deadline or until lifted; those past their deadline are gone; lifting one
// not in force is ABSENT.
TEST_P(EngineContract, BansUntilADeadlineOrLifted_A1) {
  auto run = [&](rtmd_eng_kind kind, auto fill) {
    Op o;
    o.op.kind = kind;
    fill(o.op);
    Run(o);
    return o.op.code;
  };
  const rtmd_user bob = {"app", "bob"}, carol = {"app", "carol"};
  EXPECT_EQ(run(RTMD_ENG_BAN_SET, [&](rtmd_eng_op& op) { op.in.ban_set = {bob, 5000}; }),
            RTMD_STORE_OK);
  EXPECT_EQ(run(RTMD_ENG_BAN_SET, [&](rtmd_eng_op& op) { op.in.ban_set = {carol, 0}; }),
            RTMD_STORE_OK);
  auto list = [&](uint64_t now) {
    Op o;
    o.op.kind = RTMD_ENG_BANS_LIST;
    o.op.in.bans_list.now_ms = now;
    o.op.done = [](rtmd_eng_op* op) {
      Op* self = reinterpret_cast<Op*>(op);
      self->completions++;
      for (size_t i = 0; i < op->bans.count; i++)
        self->attrs.push_back(std::string(op->bans.items[i].user) + "@" +
                              std::to_string(op->bans.items[i].until_ms));
      rtmd_engine_op_clear(op);
    };
    rtmd_engine_submit(engine_, &o.op);
    Wait(o);
    EXPECT_EQ(o.completions, 1);
    std::sort(o.attrs.begin(), o.attrs.end());
    return o.attrs;
  };
  EXPECT_EQ(list(4999), (Strings{"bob@5000", "carol@0"}));
  EXPECT_EQ(list(5000), (Strings{"carol@0"}));  // bob's is over
  EXPECT_EQ(run(RTMD_ENG_BAN_LIFT, [&](rtmd_eng_op& op) { op.in.ban_lift = {bob, 5000}; }),
            RTMD_STORE_ABSENT);
  EXPECT_EQ(run(RTMD_ENG_BAN_LIFT, [&](rtmd_eng_op& op) { op.in.ban_lift = {carol, 9999}; }),
            RTMD_STORE_OK);
  EXPECT_EQ(list(0), Strings{});
}

// A8: presence subscriptions, all or none up to max; SUBSCRIBE lists the
// users it newly followed in the order asked, SUBSCRIBED the users followed
// (sorted), FOLLOWERS those that follow a user.
TEST_P(EngineContract, SubscriptionsAllOrNoneAndFollowers_A8) {
  const rtmd_user bob = {"app", "bob"};
  Session(kAlice);
  Session(bob);
  auto users = [](rtmd_eng_op* op) {
    Op* self = reinterpret_cast<Op*>(op);
    self->completions++;
    for (size_t i = 0; i < op->users.count; i++) self->attrs.push_back(op->users.items[i]);
    rtmd_engine_op_clear(op);
  };
  auto subscribe = [&](rtmd_user who, std::vector<std::string> to, bool un, size_t max,
                       int* code, size_t* count = nullptr) {
    std::vector<char*> ptrs;
    for (std::string& u : to) ptrs.push_back(&u[0]);
    Op o;
    o.op.kind = RTMD_ENG_SUBSCRIBE;
    o.op.in.subscribe = {who, ptrs.data(), ptrs.size(), un, max};
    o.op.done = users;
    rtmd_engine_submit(engine_, &o.op);
    Wait(o);
    EXPECT_EQ(o.completions, 1);
    *code = o.op.code;
    if (count) *count = o.op.count;
    return o.attrs;
  };
  auto list = [&](rtmd_eng_kind kind, rtmd_user of) {
    Op o;
    o.op.kind = kind;
    o.op.in.subscribed.of = of;
    o.op.done = users;
    rtmd_engine_submit(engine_, &o.op);
    Wait(o);
    EXPECT_EQ(o.completions, 1);
    std::sort(o.attrs.begin(), o.attrs.end());
    return o.attrs;
  };
  int code = -1;
  size_t count = 0;
  EXPECT_EQ(subscribe(kAlice, {"dave", "carol", "dave"}, false, 3, &code, &count),
            (Strings{"dave", "carol"}));
  EXPECT_EQ(code, RTM_PEER_SUBSCRIPTION_STATUS_ERR_OK);
  EXPECT_EQ(count, 2u);
  EXPECT_EQ(subscribe(kAlice, {"erin", "frank"}, false, 3, &code, &count), Strings{});
  EXPECT_EQ(code, RTM_PEER_SUBSCRIPTION_STATUS_ERR_OVERFLOW);  // 4 > 3: none added
  EXPECT_EQ(count, 2u);
  EXPECT_EQ(subscribe(bob, {"carol"}, false, 3, &code), (Strings{"carol"}));
  EXPECT_EQ(list(RTMD_ENG_SUBSCRIBED, kAlice), (Strings{"carol", "dave"}));
  EXPECT_EQ(list(RTMD_ENG_FOLLOWERS, rtmd_user{"app", "carol"}), (Strings{"alice", "bob"}));
  EXPECT_EQ(subscribe(kAlice, {"carol"}, true, 3, &code, &count), Strings{});
  EXPECT_EQ(code, RTM_PEER_SUBSCRIPTION_STATUS_ERR_OK);
  EXPECT_EQ(count, 1u);
  EXPECT_EQ(list(RTMD_ENG_FOLLOWERS, rtmd_user{"app", "carol"}), (Strings{"bob"}));
  EXPECT_EQ(list(RTMD_ENG_FOLLOWERS, rtmd_user{"other", "carol"}), Strings{});
}

// B1, S9, A6: a peer send is delivered once: queued to the receiver's
// session (online or in its grace) with its next seq, or kept for an
// absent receiver (CACHED), or PEER_UNREACHABLE; a send_seq processed
// already is answered with its first code and nothing else is done, a
// refusal of the node's is remembered like any answer.
TEST_P(EngineContract, PeerSendsExactlyOnce_B1_S9_A6) {
  const rtmd_user bob = {"app", "bob"};
  Session(kAlice);
  Session(bob, 77);
  auto send = [&](const char* to, uint64_t send_seq, const char* text, Op& o,
                  size_t offline_max = 0, int refused = 0, size_t max_unacked = 100) {
    Rtm__Wire__Message m = RTM__WIRE__MESSAGE__INIT;
    m.text = const_cast<char*>(text);
    m.server_ts = 1000;
    o.op.kind = RTMD_ENG_PEER_SEND;
    o.op.in.peer_send = {kAlice, to,          send_seq, &m,     refused,
                         max_unacked, offline_max, 1 << 20, 1 << 20};
    Run(o);
  };
  Op a, again, b, c, d, e, f;
  send("bob", 1, "one", a);
  EXPECT_EQ(a.op.code, RTM_PEER_MESSAGE_ERR_OK);
  EXPECT_EQ(a.op.session_id, 77u);
  EXPECT_EQ(a.frames, Strings{"1 alice one"});
  send("bob", 1, "one", again);
  EXPECT_EQ(again.op.code, RTM_PEER_MESSAGE_ERR_OK);
  EXPECT_TRUE(again.op.flags & RTMD_ENG_RESENT);
  EXPECT_EQ(again.frames, Strings{});
  send("bob", 2, "two", b);
  EXPECT_EQ(b.frames, Strings{"2 alice two"});
  EXPECT_EQ(Unacked(bob), 2u);
  Op ack;
  ack.op.kind = RTMD_ENG_PEER_ACK;
  ack.op.in.peer_ack = {bob, 1};
  Run(ack);
  EXPECT_EQ(Unacked(bob), 1u);

  send("carol", 3, "away", c);
  EXPECT_EQ(c.op.code, RTM_PEER_MESSAGE_ERR_PEER_UNREACHABLE);
  send("carol", 4, "kept", d, 10);
  EXPECT_EQ(d.op.code, RTM_PEER_MESSAGE_ERR_CACHED_BY_SERVER);
  EXPECT_EQ(d.op.session_id, 0u);
  EXPECT_GT(Usage(RTMD_USAGE_OFFLINE), 0u);
  send("bob", 5, "fast", e, 0, RTM_PEER_MESSAGE_ERR_TOO_OFTEN);
  EXPECT_EQ(e.op.code, RTM_PEER_MESSAGE_ERR_TOO_OFTEN);
  EXPECT_EQ(e.frames, Strings{});
  send("bob", 5, "fast", f);  // the re-send gets the first answer
  EXPECT_EQ(f.op.code, RTM_PEER_MESSAGE_ERR_TOO_OFTEN);
  EXPECT_TRUE(f.op.flags & RTMD_ENG_RESENT);

  // A full queue drops its oldest, and says so.
  Op g;
  send("bob", 6, "three", g, 0, 0, 1);
  EXPECT_EQ(g.op.code, RTM_PEER_MESSAGE_ERR_OK);
  EXPECT_EQ(g.op.dropped, 1u);
  EXPECT_EQ(g.frames, Strings{"3 alice three"});
}

// B1: a send_seq is any uint64 (a client may number by a clock): each is
// processed once, however large, and one far below the highest (older than
// the ring of answers) is taken as processed long ago.
TEST_P(EngineContract, SendSeqsOfAnySizeAreProcessedOnce_B1) {
  Session(kAlice);
  Session(rtmd_user{"app", "bob"});
  auto send = [&](uint64_t send_seq) {
    Rtm__Wire__Message m = RTM__WIRE__MESSAGE__INIT;
    m.text = const_cast<char*>("x");
    Op o;
    o.op.kind = RTMD_ENG_PEER_SEND;
    o.op.in.peer_send = {kAlice, "bob", send_seq, &m, 0, 100, 0, 1 << 20, 1 << 20};
    Run(o);
    return std::make_pair(o.op.code, (o.op.flags & RTMD_ENG_RESENT) != 0);
  };
  const uint64_t big = (1ull << 53) + 1, huge = UINT64_MAX - 1;
  EXPECT_EQ(send(big), std::make_pair(0, false));
  EXPECT_EQ(send(big), std::make_pair(0, true)) << "2^53 + 1 once";
  EXPECT_EQ(send(big + 1), std::make_pair(0, false)) << "2^53 + 2 is another";
  EXPECT_EQ(send(huge), std::make_pair(0, false));
  EXPECT_EQ(send(huge), std::make_pair(0, true));
  EXPECT_EQ(send(huge + 1), std::make_pair(0, false)) << "UINT64_MAX";
  EXPECT_EQ(send(huge + 1), std::make_pair(0, true));
  EXPECT_EQ(send(big + 2), std::make_pair(0, true)) << "far below the highest: long ago";
}

// A6, S9: a login that makes a session gives it what was kept for its
// user, oldest first, with the seqs that follow the session's, but not what
// the same client says it had of the session that ended; the count of those
// dropped comes back. One that takes a session up again (not create) needs
// the session.
TEST_P(EngineContract, LoginQueuesKeptMessagesToTheNewSession_S9_A6) {
  const rtmd_user carol = {"app", "carol"};
  auto send = [&](const char* text, size_t offline_max) {
    Rtm__Wire__Message m = RTM__WIRE__MESSAGE__INIT;
    m.text = const_cast<char*>(text);
    m.server_ts = 1000;
    Op o;
    o.op.kind = RTMD_ENG_PEER_SEND;
    o.op.in.peer_send = {kAlice, "carol", 0, &m, 0, 100, offline_max, 1 << 20, 1 << 20};
    Run(o);
    return o.op.code;
  };
  // Session 5 of carol is given two messages and ends: the client had the
  // first. Then one is sent while carol is away.
  Session(carol, 5);
  ASSERT_EQ(send("had", 0), RTM_PEER_MESSAGE_ERR_OK);
  ASSERT_EQ(send("missed", 0), RTM_PEER_MESSAGE_ERR_OK);
  Op end;
  end.op.kind = RTMD_ENG_SESSION_END;
  end.op.in.session_end = {carol, 5};
  Run(end);
  ASSERT_EQ(end.op.offline.kept, 2u);
  ASSERT_EQ(send("cached", 10), RTM_PEER_MESSAGE_ERR_CACHED_BY_SERVER);
  auto login = [&](bool create, Op& o) {
    o.op.kind = RTMD_ENG_LOGIN;
    o.op.in.login = {};
    o.op.in.login.of = carol;
    o.op.in.login.create = create;
    o.op.in.login.meta.id = 9;
    o.op.in.login.session_id = 5;
    o.op.in.login.peer_received = 1;
    o.op.in.login.max_unacked = 100;
    o.op.in.login.replay_max = 32;
    Run(o);
  };
  Op none;
  login(false, none);
  EXPECT_EQ(none.op.code, RTMD_STORE_ABSENT);  // no session to take up
  EXPECT_FALSE(HasSession(carol));

  Op take;
  login(true, take);
  EXPECT_EQ(take.op.code, RTMD_STORE_OK);
  EXPECT_EQ(take.op.session_id, 9u);
  EXPECT_EQ(take.frames, (Strings{"1 alice missed replayed", "2 alice cached"}));
  EXPECT_EQ(take.op.offline.had, 1u);
  EXPECT_EQ(take.op.offline.kept, 1u);
  EXPECT_EQ(take.op.offline.cached, 1u);
  EXPECT_EQ(take.op.offline.dropped, 0u);
  EXPECT_EQ(Unacked(carol), 2u);
  EXPECT_EQ(PeerSeq(carol), 2u) << "the engine keeps the session's peer_seq";
  Op save;  // a save never lowers it
  save.op.kind = RTMD_ENG_SESSION_SAVE;
  save.op.in.session_save.of = carol;
  save.op.in.session_save.meta.id = 9;
  Run(save);
  EXPECT_EQ(save.op.code, RTMD_STORE_OK);
  EXPECT_EQ(PeerSeq(carol), 2u);

  // A create that finds a session (the node asking does not hold it: left
  // by a failed operation, or another node's) takes it up when it is the
  // same client instance's, with its id and, as the client names another
  // session, all it holds.
  Op twice;
  login(true, twice);
  EXPECT_EQ(twice.op.code, RTMD_STORE_OK);
  EXPECT_TRUE(twice.op.flags & RTMD_ENG_TAKEN);
  EXPECT_EQ(twice.op.session_id, 9u);
  EXPECT_EQ(twice.frames, (Strings{"1 alice missed replayed", "2 alice cached replayed"}));
  // Taken up again: what is queued after peer_received (1) is replayed.
  Op again;
  login(false, again);
  EXPECT_EQ(again.op.code, RTMD_STORE_OK);
  EXPECT_EQ(again.frames, Strings{"2 alice cached replayed"});
  EXPECT_EQ(again.op.replay.peer_messages, 1u);

  // Another instance's create ends it (S16) and gets a new session, given
  // what the old one had not acknowledged (the resume above acknowledged
  // the first).
  Op other;
  other.op.kind = RTMD_ENG_LOGIN;
  other.op.in.login = {};
  other.op.in.login.of = carol;
  other.op.in.login.create = true;
  other.op.in.login.meta.instance_id = 2;
  other.op.in.login.meta.id = 10;
  other.op.in.login.max_unacked = 100;
  Run(other);
  EXPECT_EQ(other.op.code, RTMD_STORE_OK);
  EXPECT_TRUE(other.op.flags & RTMD_ENG_REPLACED);
  EXPECT_FALSE(other.op.flags & RTMD_ENG_TAKEN);
  EXPECT_EQ(other.op.session_id, 10u);
  EXPECT_EQ(other.frames, Strings{"1 alice cached replayed"});
}

// S10, B2, B1: a channel message goes once to the channel's members with
// the channel's next seq and into its history; a sender outside the
// channel is refused FAILURE (before the rate); a re-sent send_seq gets its
// first answer. A Join lists the members, and its replay is what came after
// the cursor, none of the joiner's own; a Leave lists those left.
TEST_P(EngineContract, ChannelsJoinSendReplayLeave_S10_B1_B2) {
  const rtmd_user bob = {"app", "bob"};
  Session(kAlice);
  Session(bob);
  auto join = [&](rtmd_user u, Op& o, bool replay = false, uint64_t last_seq = 0,
                  bool same_too_often = false) {
    o.op.kind = RTMD_ENG_JOIN;
    o.op.in.join = {u, "room", 20, 0, same_too_often, replay, last_seq, 0, 32};
    Run(o);
    return o.op.code;
  };
  auto send = [&](rtmd_user u, uint64_t send_seq, const char* text, Op& o,
                  bool over_rate = false) {
    Rtm__Wire__Message m = RTM__WIRE__MESSAGE__INIT;
    m.text = const_cast<char*>(text);
    o.op.kind = RTMD_ENG_CHANNEL_SEND;
    o.op.in.channel_send = {u, "room", send_seq, &m, 0, over_rate, 5000, 32, 0, 1 << 20};
    Run(o);
    return o.op.code;
  };
  Op outside;
  EXPECT_EQ(send(kAlice, 1, "early", outside, true), RTM_CHANNEL_MESSAGE_ERR_FAILURE);
  EXPECT_TRUE(outside.op.flags & RTMD_ENG_NOT_MEMBER);

  Op ja, jb, twice, same;
  EXPECT_EQ(join(kAlice, ja), RTM_JOIN_CHANNEL_ERR_OK);
  EXPECT_EQ(ja.op.count, 1u);
  EXPECT_EQ(join(bob, jb), RTM_JOIN_CHANNEL_ERR_OK);
  EXPECT_EQ(jb.op.count, 2u);
  EXPECT_EQ(join(bob, twice), RTM_JOIN_CHANNEL_ERR_ALREADY_JOINED);
  EXPECT_EQ(join({"app", "carol"}, same, false, 0, true),
            RTM_JOIN_CHANNEL_ERR_JOIN_SAME_CHANNEL_TOO_OFTEN);

  Op s1, s2, again, fast;
  EXPECT_EQ(send(kAlice, 2, "one", s1), RTM_CHANNEL_MESSAGE_ERR_OK);
  EXPECT_EQ(s1.users, (Strings{"alice", "bob"}));
  EXPECT_EQ(s1.frames, Strings{"1 alice one"});
  EXPECT_EQ(send(bob, 1, "two", s2), RTM_CHANNEL_MESSAGE_ERR_OK);
  EXPECT_EQ(send(kAlice, 2, "one", again), RTM_CHANNEL_MESSAGE_ERR_OK);
  EXPECT_TRUE(again.op.flags & RTMD_ENG_RESENT);
  EXPECT_EQ(again.frames, Strings{});
  EXPECT_EQ(send(kAlice, 3, "fast", fast, true), RTM_CHANNEL_MESSAGE_ERR_TOO_OFTEN);

  // bob leaves and joins again with a cursor at 0: alice's message comes
  // back, its own does not.
  Op leave, back;
  leave.op.kind = RTMD_ENG_LEAVE;
  leave.op.in.leave = {bob, "room"};
  Run(leave);
  EXPECT_EQ(leave.op.code, RTM_LEAVE_CHANNEL_ERR_OK);
  EXPECT_EQ(leave.op.count, 1u);
  EXPECT_EQ(leave.users, Strings{"alice"});
  EXPECT_EQ(join(bob, back, true, 0), RTM_JOIN_CHANNEL_ERR_OK);
  EXPECT_EQ(back.frames, Strings{"1 alice one replayed"});
  EXPECT_EQ(back.op.replay.channel_messages, 1u);
  EXPECT_EQ(back.op.replay.channel_skipped, 0u);

  Op members, counts;
  members.op.kind = RTMD_ENG_MEMBERS;
  members.op.in.members = {{"app", "carol"}, "room"};
  Run(members);
  EXPECT_EQ(members.op.code, RTMD_STORE_ABSENT) << "carol is not in the channel";
  char room[] = "room", none[] = "none";
  char* channels[] = {room, none};
  counts.op.kind = RTMD_ENG_MEMBER_COUNTS;
  counts.op.in.member_counts = {"app", channels, 2};
  counts.op.done = [](rtmd_eng_op* op) {
    Op* self = reinterpret_cast<Op*>(op);
    self->completions++;
    for (size_t i = 0; i < op->users.count; i++)
      self->attrs.push_back(std::string(op->users.items[i]) + "=" +
                            std::to_string(op->counts[i]));
    rtmd_engine_op_clear(op);
  };
  rtmd_engine_submit(engine_, &counts.op);
  Wait(counts);
  EXPECT_EQ(counts.attrs, (Strings{"room=2", "none=0"}));
}

// Lists said to be sorted are in byte order (strcmp), whatever the locale
// of the process that keeps them (Redis's Lua compares by its locale).
TEST_P(EngineContract, SortedListsAreInByteOrder) {
  for (const char* u : {"bob", "_x", "Alice", "~z", "0"}) {
    Session(rtmd_user{"app", u});
    ASSERT_EQ(Join(rtmd_user{"app", u}, "room"), RTM_JOIN_CHANNEL_ERR_OK);
  }
  Op members;
  members.op.kind = RTMD_ENG_MEMBERS;
  members.op.in.members = {{"app", nullptr}, "room"};
  Run(members);
  EXPECT_EQ(members.users, (Strings{"0", "Alice", "_x", "bob", "~z"}));
}

// S9, S13: an ending session leaves its channels (their counts after it
// come back), what it had not acknowledged is kept for its user's next
// login, tagged with the session, and the session is gone.
TEST_P(EngineContract, SessionEndKeepsWhatItHadNotAcknowledged_S9_S13) {
  const rtmd_user bob = {"app", "bob"};
  Session(kAlice);
  Session(bob);
  for (const char* ch : {"a", "b"}) ASSERT_EQ(Join(bob, ch), RTM_JOIN_CHANNEL_ERR_OK);
  ASSERT_EQ(Join(kAlice, "b"), RTM_JOIN_CHANNEL_ERR_OK);
  for (uint64_t seq : {1, 2}) {
    Rtm__Wire__Message m = RTM__WIRE__MESSAGE__INIT;
    m.text = const_cast<char*>("hi");
    Op o;
    o.op.kind = RTMD_ENG_PEER_SEND;
    o.op.in.peer_send = {kAlice, "bob", seq, &m, 0, 100, 0, 1 << 20, 1 << 20};
    Run(o);
    ASSERT_EQ(o.op.code, RTM_PEER_MESSAGE_ERR_OK);
  }
  Op end;
  end.op.kind = RTMD_ENG_SESSION_END;
  end.op.in.session_end = {bob, 41};
  end.op.done = [](rtmd_eng_op* op) {
    Op* self = reinterpret_cast<Op*>(op);
    self->completions++;
    for (size_t i = 0; op->counts && i < op->users.count; i++)
      self->attrs.push_back(std::string(op->users.items[i]) + "=" +
                            std::to_string(op->counts[i]));
    rtmd_engine_op_clear(op);
  };
  rtmd_engine_submit(engine_, &end.op);
  Wait(end);
  EXPECT_EQ(end.op.code, RTMD_STORE_OK);
  EXPECT_EQ(end.attrs, (Strings{"a=0", "b=1"}));
  EXPECT_EQ(end.op.offline.kept, 2u);
  EXPECT_FALSE(HasSession(bob));

  // Back as a new session: both, replayed, none it says it had of 41.
  Op take;
  take.op.kind = RTMD_ENG_LOGIN;
  take.op.in.login = {};
  take.op.in.login.of = bob;
  take.op.in.login.create = true;
  take.op.in.login.session_id = 41;
  take.op.in.login.peer_received = 1;
  take.op.in.login.max_unacked = 100;
  Run(take);
  EXPECT_EQ(take.frames, Strings{"1 alice hi replayed"});
  EXPECT_EQ(take.op.offline.had, 1u);
}

// Issue 13, item 5: the memory bounds count the store's real bytes
// (cost.h). Over --unacked-max-bytes a peer message to an online user is
// refused FAILURE (nothing accepted, so nothing lost); over
// --history-max-bytes a channel message is delivered but not kept, and a
// rejoin's replay counts it as skipped; over --channel-attrs-max-bytes of
// its app a write that grows them is SIZE_OVERFLOW, one that shrinks them
// is not, and another app is not affected.
TEST_P(EngineContract, MemoryBoundsRefuseOrLeaveOutAndSaySo_Issue13Item5) {
  const rtmd_user bob = {"app", "bob"};
  Session(kAlice);
  Session(bob);
  std::string text(1000, 'x');
  auto peer = [&](uint64_t seq, uint64_t unacked_max) {
    Rtm__Wire__Message m = RTM__WIRE__MESSAGE__INIT;
    m.text = &text[0];
    Op o;
    o.op.kind = RTMD_ENG_PEER_SEND;
    o.op.in.peer_send = {kAlice, "bob", seq, &m, 0, 100, 0, 1 << 20, unacked_max};
    Run(o);
    return std::make_pair(o.op.code, o.op.flags);
  };
  EXPECT_EQ(peer(1, 1 << 20).first, RTM_PEER_MESSAGE_ERR_OK);
  size_t one = Usage(RTMD_USAGE_UNACKED);
  EXPECT_GE(one, rtmd_cost_frame(1000));  // the frame and its ring
  auto full = peer(2, one + 100);          // room for less than a second frame
  EXPECT_EQ(full.first, RTM_PEER_MESSAGE_ERR_FAILURE);
  EXPECT_TRUE(full.second & RTMD_ENG_UNACKED_FULL);
  EXPECT_EQ(Unacked(bob), 1u);
  EXPECT_EQ(peer(3, 1 << 20).first, RTM_PEER_MESSAGE_ERR_OK);

  for (rtmd_user u : {kAlice, bob}) ASSERT_EQ(Join(u, "room"), RTM_JOIN_CHANNEL_ERR_OK);
  auto channel = [&](uint64_t send_seq, uint64_t history_max, Op& o) {
    Rtm__Wire__Message m = RTM__WIRE__MESSAGE__INIT;
    m.text = &text[0];
    o.op.kind = RTMD_ENG_CHANNEL_SEND;
    o.op.in.channel_send = {kAlice, "room", send_seq, &m, 0, false, 5000, 32, 0, history_max};
    Run(o);
  };
  Op kept, unkept;
  channel(10, 1 << 20, kept);
  size_t history = Usage(RTMD_USAGE_HISTORY);
  EXPECT_GE(history, rtmd_cost_frame(1000));
  channel(11, history + 100, unkept);
  EXPECT_EQ(unkept.op.code, RTM_CHANNEL_MESSAGE_ERR_OK);
  EXPECT_TRUE(unkept.op.flags & RTMD_ENG_HISTORY_FULL);
  EXPECT_EQ(unkept.frames.size(), 1u);  // delivered to the members
  EXPECT_EQ(Usage(RTMD_USAGE_HISTORY), history);
  Op rejoin;
  rejoin.op.kind = RTMD_ENG_JOIN;
  ASSERT_EQ(Leave(bob, "room"), RTM_LEAVE_CHANNEL_ERR_OK);
  rejoin.op.in.join = {bob, "room", 20, 0, false, true, 0, 0, 32};
  Run(rejoin);
  EXPECT_EQ(rejoin.op.replay.channel_messages, 1u);
  EXPECT_EQ(rejoin.op.replay.channel_skipped, 1u);  // the one not kept

  auto chattrs = [&](const char* app, const char* ch, Change& c, uint64_t max) {
    Op o;
    o.op.kind = RTMD_ENG_CHATTRS_SET;
    o.op.in.chattrs_set = {app, ch, &c.msg, "alice", 1234, max};
    Run(o);
    return std::make_pair(o.op.code, o.op.flags);
  };
  Change a(RTM__WIRE__SET_ATTRIBUTES__OP__OP_SET, {{"k", std::string(2000, 'v')}});
  EXPECT_EQ(chattrs("app", "one", a, 1 << 20).first, 0);
  size_t app_bytes = Usage(RTMD_USAGE_CHATTRS, "app");
  EXPECT_GE(app_bytes, rtmd_cost(2001));
  auto over = chattrs("app", "two", a, app_bytes + 1000);
  EXPECT_EQ(over.first, RTM_ATTRIBUTE_OPERATION_ERR_SIZE_OVERFLOW);
  EXPECT_TRUE(over.second & RTMD_ENG_CHATTRS_FULL);
  EXPECT_EQ(chattrs("other-app", "two", a, app_bytes + 1000).first, 0);
  Change smaller(RTM__WIRE__SET_ATTRIBUTES__OP__OP_SET, {{"k", "v"}});
  EXPECT_EQ(chattrs("app", "one", smaller, 1).first, 0);  // shrinks: always fits
  EXPECT_LT(Usage(RTMD_USAGE_CHATTRS, "app"), app_bytes);
  EXPECT_EQ(Usage(RTMD_USAGE_CHATTRS),
            Usage(RTMD_USAGE_CHATTRS, "app") +
                Usage(RTMD_USAGE_CHATTRS, "other-app"));
}

// M1, M2: a stored media is known to its app until its time: the same id
// twice is EXISTS, more than max_bytes in all is LIMIT; an expiry forgets
// those stored before its horizon and lists their ids (their bytes go).
TEST_P(EngineContract, MediaKnownUntilItsTimeThenExpired_M1_M2) {
  auto put = [&](const char* id, uint64_t size, uint64_t at, uint64_t max) {
    Op o;
    o.op.kind = RTMD_ENG_MEDIA_PUT;
    o.op.in.media_put = {"app", id, size, at, max};
    Run(o);
    return o.op.code;
  };
  auto get = [&](const char* app, const char* id, uint64_t horizon, size_t* size = nullptr) {
    Op o;
    o.op.kind = RTMD_ENG_MEDIA_GET;
    o.op.in.media_get = {app, id, horizon};
    Run(o);
    if (size) *size = o.op.count;
    return o.op.code;
  };
  EXPECT_EQ(put("m1", 100, 1000, 1000), RTMD_STORE_OK);
  EXPECT_EQ(put("m1", 100, 1000, 1000), RTMD_STORE_EXISTS);
  EXPECT_EQ(put("m2", 901, 2000, 1000), RTMD_STORE_LIMIT);  // 100 + 901 > 1000
  EXPECT_EQ(put("m2", 900, 2000, 1000), RTMD_STORE_OK);
  size_t size = 0;
  EXPECT_EQ(get("app", "m2", 0, &size), RTMD_STORE_OK);
  EXPECT_EQ(size, 900u);
  EXPECT_EQ(get("other-app", "m2", 0), RTMD_STORE_ABSENT);
  EXPECT_EQ(get("app", "m1", 1001), RTMD_STORE_ABSENT) << "stored before the horizon";
  EXPECT_EQ(get("app", "m3", 0), RTMD_STORE_ABSENT);
  Op expire;
  expire.op.kind = RTMD_ENG_EXPIRE;
  expire.op.in.expire = {0, 0, 1500};
  Run(expire);
  EXPECT_EQ(expire.users, Strings{"m1"});
  EXPECT_EQ(get("app", "m1", 0), RTMD_STORE_ABSENT);
  EXPECT_EQ(put("m3", 100, 3000, 1000), RTMD_STORE_OK) << "m1's bytes no longer count";
}

// A6: an expiry forgets the offline messages accepted before its horizon
// and counts them; the user's next login is told they were dropped.
TEST_P(EngineContract, ExpireForgetsOldOfflineMessagesAndTheLoginIsTold_A6) {
  Session(kAlice);
  for (uint64_t ts : {1000, 3000}) {
    Rtm__Wire__Message m = RTM__WIRE__MESSAGE__INIT;
    m.text = const_cast<char*>(ts == 1000 ? "old" : "new");
    m.server_ts = ts;
    Op o;
    o.op.kind = RTMD_ENG_PEER_SEND;
    o.op.in.peer_send = {kAlice, "carol", 0, &m, 0, 100, 10, 1 << 20, 1 << 20};
    Run(o);
    ASSERT_EQ(o.op.code, RTM_PEER_MESSAGE_ERR_CACHED_BY_SERVER);
  }
  Op expire;
  expire.op.kind = RTMD_ENG_EXPIRE;
  expire.op.in.expire = {2000, 0, 0};
  Run(expire);
  EXPECT_EQ(expire.op.count, 1u);
  Op login;
  login.op.kind = RTMD_ENG_LOGIN;
  login.op.in.login = {};
  login.op.in.login.of = {"app", "carol"};
  login.op.in.login.create = true;
  login.op.in.login.max_unacked = 100;
  Run(login);
  EXPECT_EQ(login.frames, Strings{"1 alice new"});
  EXPECT_EQ(login.op.offline.cached, 1u);
  EXPECT_EQ(login.op.offline.dropped, 1u);
}

// Recovery: SESSIONS lists every session with its meta as last saved;
// saving the meta of a session that does not exist is ABSENT.
TEST_P(EngineContract, SessionsListsEverySessionWithItsMeta) {
  Session(kAlice, 11);
  Session(rtmd_user{"app/x", "bob"}, 12);  // an app id may hold '/'
  Op save;
  save.op.kind = RTMD_ENG_SESSION_SAVE;
  save.op.in.session_save.of = kAlice;
  save.op.in.session_save.meta = {7, 11, 3, 5000, 9999, 0};
  Run(save);
  EXPECT_EQ(save.op.code, RTMD_STORE_OK);
  Op absent;
  absent.op.kind = RTMD_ENG_SESSION_SAVE;
  absent.op.in.session_save.of = {"app", "nobody"};
  Run(absent);
  EXPECT_EQ(absent.op.code, RTMD_STORE_ABSENT);
  Op list;
  list.op.kind = RTMD_ENG_SESSIONS;
  list.op.done = [](rtmd_eng_op* op) {
    Op* self = reinterpret_cast<Op*>(op);
    self->completions++;
    for (size_t i = 0; i < op->sessions.count; i++) {
      const rtmd_session_entry& e = op->sessions.items[i];
      self->attrs.push_back(std::string(e.app) + " " + e.user + " " +
                            std::to_string(e.meta.instance_id) + " " +
                            std::to_string(e.meta.id) + " " + std::to_string(e.meta.link_seq) +
                            " " + std::to_string(e.meta.login_wall_ms) + " " +
                            std::to_string(e.meta.token_expires_at));
    }
    rtmd_engine_op_clear(op);
  };
  rtmd_engine_submit(engine_, &list.op);
  Wait(list);
  EXPECT_EQ(list.op.code, RTMD_STORE_OK);
  std::sort(list.attrs.begin(), list.attrs.end());
  EXPECT_EQ(list.attrs, (Strings{"app alice 7 11 3 5000 9999", "app/x bob 0 12 0 0 0"}));
}

// Operations complete once each, in the order submitted, whatever their
// kind and outcome.
TEST_P(EngineContract, OperationsCompleteOnceInOrder) {
  Session(kAlice);
  std::vector<int> order;
  std::vector<Op> ops(12);
  for (size_t i = 0; i < ops.size(); i++) {
    Op& o = ops[i];
    o.index = static_cast<int>(i);
    o.done_order = &order;
    o.op.done = Op::Done;
    if (i % 3 == 0) {
      o.op.kind = RTMD_ENG_BAN_SET;
      o.op.in.ban_set = {kAlice, 0};
    } else if (i % 3 == 1) {
      o.op.kind = RTMD_ENG_BANNED;
      o.op.in.banned = {rtmd_user{"app", i % 2 ? "alice" : "nobody"}, 0};
    } else {
      o.op.kind = RTMD_ENG_MEMBERS;
      o.op.in.members = {kAlice, "room"};
    }
    rtmd_engine_submit(engine_, &o.op);
  }
  Wait(ops.back());
  std::vector<int> want;
  for (int i = 0; i < 12; i++) want.push_back(i);
  EXPECT_EQ(order, want);
  for (const Op& o : ops) EXPECT_EQ(o.completions, 1);
}

INSTANTIATE_TEST_SUITE_P(Engines, EngineContract,
                         testing::Values(
                             EngineKind{"mem", [](rtmd_store* st,
                                                  event_base*) { return rtmd_engine_mem_new(st); },
                                        false},
                             EngineKind{"sqlite", [](rtmd_store* st,
                                                     event_base*) { return rtmd_engine_mem_new(st); },
                                        true},
                             // Completes 300 us after each submit, as a remote engine would.
                             EngineKind{"deferred",
                                        [](rtmd_store* st, event_base* base) {
                                          return rtmd_engine_mem_deferred(st, base, 300, nullptr,
                                                                          nullptr);
                                        },
                                        false},
                             // Over a redis-server of the test's own (engine_redis.h).
                             EngineKind{"redis", nullptr, false, true}),
                         Name);

}  // namespace
