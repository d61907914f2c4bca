// engine_test.cc: the engine's contract (engine.h), run against every engine:
// what each operation does, its codes, and that operations complete once
// each, in the order they were submitted.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include <event2/event.h>

extern "C" {
#include "engine.h"
#include "rtm/rtm_codes.h"
#include "store_sqlite.h"
}

namespace {

// An engine over the store it is made with; durable: over the SQLite
// store (store_sqlite.h) in a fresh temporary directory, else in memory.
struct EngineKind {
  const char* name;
  std::function<rtmd_engine*(rtmd_store*)> make;
  bool durable;
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
  static void Done(rtmd_eng_op* op) {
    Op* self = reinterpret_cast<Op*>(op);  // op is the first member
    self->completions++;
    if (self->done_order) self->done_order->push_back(self->index);
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
    if (GetParam().durable) {
      char tmpl[] = "/tmp/engine-test-XXXXXX";
      ASSERT_NE(nullptr, mkdtemp(tmpl));
      dir_ = tmpl;
      path_ = dir_ + "/rtmd.db";
      base_ = event_base_new();
      ASSERT_NE(nullptr, base_);
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
    engine_ = GetParam().make(store_);
    ASSERT_NE(engine_, nullptr);
  }
  void TearDown() override {
    if (engine_) rtmd_engine_destroy(engine_);
    if (store_) rtmd_store_destroy(store_);  // a durable one commits all first
    if (base_) event_base_free(base_);
    if (!dir_.empty()) {
      EXPECT_EQ(0, std::system(("rm -rf '" + dir_ + "'").c_str()));
    }
  }
  std::string dir_, path_;
  event_base* base_ = nullptr;
  // Submits op and returns once it completed (every engine here completes
  // within its loop turn; the in-memory one inside submit).
  void Run(Op& o) {
    o.op.done = Op::Done;
    rtmd_engine_submit(engine_, &o.op);
    ASSERT_EQ(o.completions, 1) << "an operation completes exactly once";
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
  ASSERT_EQ(rtmd_store_session_add(store_, kAlice), RTMD_STORE_OK);
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
  ASSERT_EQ(rtmd_store_session_add(store_, kAlice), RTMD_STORE_OK);
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
  set.op.in.chattrs_set = {"app", "room", &c.msg, "alice", 1234};
  Run(set);
  EXPECT_EQ(set.op.code, 0);
  EXPECT_EQ(set.attrs, (Strings{"lang=en@alice", "topic=c@alice"}));
  Change more(RTM__WIRE__SET_ATTRIBUTES__OP__OP_ADD_OR_UPDATE, {{"topic", "d"}});
  Op again;
  again.op.kind = RTMD_ENG_CHATTRS_SET;
  again.op.in.chattrs_set = {"app", "room", &more.msg, "bob", 1300};
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
  ASSERT_EQ(rtmd_store_session_add(store_, kAlice), RTMD_STORE_OK);
  ASSERT_EQ(rtmd_store_session_add(store_, bob), RTMD_STORE_OK);
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

// Operations complete once each, in the order submitted, whatever their
// kind and outcome.
TEST_P(EngineContract, OperationsCompleteOnceInOrder) {
  ASSERT_EQ(rtmd_store_session_add(store_, kAlice), RTMD_STORE_OK);
  Change c(RTM__WIRE__SET_ATTRIBUTES__OP__OP_SET, {{"k", "v"}});
  std::vector<int> order;
  std::vector<Op> ops(12);
  for (size_t i = 0; i < ops.size(); i++) {
    Op& o = ops[i];
    o.index = static_cast<int>(i);
    o.done_order = &order;
    o.op.done = Op::Done;
    if (i % 3 == 0) {
      o.op.kind = RTMD_ENG_ATTRS_SET;
      o.op.in.attrs_set = {kAlice, &c.msg};
    } else if (i % 3 == 1) {
      o.op.kind = RTMD_ENG_ATTRS_GET;
      o.op.in.attrs_get = {rtmd_user{"app", i % 2 ? "alice" : "nobody"}, nullptr, 0};
    } else {
      o.op.kind = RTMD_ENG_CHATTRS_GET;
      o.op.in.chattrs_get = {"app", "room", nullptr, 0};
    }
    rtmd_engine_submit(engine_, &o.op);
  }
  std::vector<int> want;
  for (int i = 0; i < 12; i++) want.push_back(i);
  EXPECT_EQ(order, want);
  for (const Op& o : ops) EXPECT_EQ(o.completions, 1);
}

INSTANTIATE_TEST_SUITE_P(Engines, EngineContract,
                         testing::Values(EngineKind{"mem", rtmd_engine_mem_new, false},
                                         EngineKind{"sqlite", rtmd_engine_mem_new, true}),
                         Name);

}  // namespace
