// Channel attributes: operations, limits and codes (SPEC A5), who may change
// them, what each entry records, the notification of members, the rates, and
// how long they live.
#include <sys/time.h>

#include <string>
#include <vector>

#include "rtm/rtm_codes.h"
#include "server_test.h"

namespace rtm_test {
namespace {

constexpr int kSet = RTM__WIRE__SET_ATTRIBUTES__OP__OP_SET;
constexpr int kAdd = RTM__WIRE__SET_ATTRIBUTES__OP__OP_ADD_OR_UPDATE;
constexpr int kDelete = RTM__WIRE__SET_ATTRIBUTES__OP__OP_DELETE;
constexpr int kClear = RTM__WIRE__SET_ATTRIBUTES__OP__OP_CLEAR;
constexpr int kInvalid = RTM_ATTRIBUTE_OPERATION_ERR_INVALID_ARGUMENT;
constexpr int kOverflow = RTM_ATTRIBUTE_OPERATION_ERR_SIZE_OVERFLOW;
constexpr int kTooOften = RTM_ATTRIBUTE_OPERATION_ERR_TOO_OFTEN;

struct Entry {
  std::string key, value, by;
  uint64_t ts;
};

Attrs KeyValues(Rtm__Wire__Attribute** a, size_t n) {
  Attrs out;
  for (size_t i = 0; i < n; i++) out.emplace_back(a[i]->key, a[i]->value);
  return out;
}

// The attributes of channel as c sees them; code in *code.
Attrs Get(TestClient& c, const std::string& channel, const std::vector<std::string>& keys = {},
          int* code = nullptr) {
  FramePtr f = c.GetChannelAttributes(channel, keys);
  if (!f) {
    if (code) *code = -1;
    return {};
  }
  if (code) *code = f->channel_attributes->code;
  EXPECT_STREQ(f->channel_attributes->channel, channel.c_str());
  return KeyValues(f->channel_attributes->attributes, f->channel_attributes->n_attributes);
}

std::vector<Entry> GetEntries(TestClient& c, const std::string& channel) {
  std::vector<Entry> out;
  FramePtr f = c.GetChannelAttributes(channel);
  if (!f) return out;
  for (size_t i = 0; i < f->channel_attributes->n_attributes; i++) {
    const Rtm__Wire__Attribute* a = f->channel_attributes->attributes[i];
    out.push_back({a->key, a->value, a->last_update_user, a->last_update_ts});
  }
  return out;
}

uint64_t WallMs() {
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  return static_cast<uint64_t>(tv.tv_sec) * 1000u + static_cast<uint64_t>(tv.tv_usec) / 1000u;
}

class ChannelAttributes : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(rtmd_.started());
    ASSERT_TRUE(Online(a_, rtmd_, "alice", "app", 11));
    ASSERT_TRUE(Online(b_, rtmd_, "bob"));
  }
  RtmdProcess rtmd_{{"--session-grace-ms", "800"}};
  TestClient a_, b_;
};

// A5: SET replaces, ADD_OR_UPDATE merges, DELETE removes keys (absent ones
// are no error), CLEAR empties; Get answers sorted by key, all or by keys.
// Any logged-in user may change and read a channel's attributes without
// being a member; another app's channel of the same name is another one.
TEST_F(ChannelAttributes, EachOperationWithoutJoining_A5) {
  EXPECT_EQ(Get(a_, "room"), Attrs{});
  EXPECT_EQ(a_.SetChannelAttributes("room", kSet, {{"b", "2"}, {"a", "1"}}), 0);
  EXPECT_EQ(Get(b_, "room"), (Attrs{{"a", "1"}, {"b", "2"}}));
  EXPECT_EQ(b_.SetChannelAttributes("room", kAdd, {{"c", "4"}, {"b", "3"}}), 0);
  EXPECT_EQ(Get(a_, "room"), (Attrs{{"a", "1"}, {"b", "3"}, {"c", "4"}}));
  int code = -1;
  EXPECT_EQ(Get(a_, "room", {"c", "missing", "a"}, &code), (Attrs{{"a", "1"}, {"c", "4"}}));
  EXPECT_EQ(code, 0);
  EXPECT_EQ(a_.SetChannelAttributes("room", kDelete, {}, {"a", "zz"}), 0);
  EXPECT_EQ(Get(a_, "room"), (Attrs{{"b", "3"}, {"c", "4"}}));
  EXPECT_EQ(a_.SetChannelAttributes("room", kSet, {{"z", "9"}}), 0);
  EXPECT_EQ(Get(a_, "room"), (Attrs{{"z", "9"}}));
  EXPECT_EQ(a_.SetChannelAttributes("room", kClear, {}), 0);
  EXPECT_EQ(Get(a_, "room"), Attrs{});

  ASSERT_EQ(a_.SetChannelAttributes("shared", kSet, {{"k", "app"}}), 0);
  TestClient other;
  ASSERT_TRUE(Online(other, rtmd_, "carol", "other-app"));
  EXPECT_EQ(Get(other, "shared"), Attrs{});
  EXPECT_EQ(Get(a_, "room"), Attrs{}) << "channels are apart";
}

// A5: a bad channel id, an empty key, a key twice, an unknown op or no
// change: INVALID_ARGUMENT (3); a key over 32 bytes, a value over 8192
// bytes, more than 32 entries or more than 32768 bytes of keys and values
// after the operation: SIZE_OVERFLOW (4). A refused operation changes
// nothing.
TEST_F(ChannelAttributes, LimitsAndCodes_A5) {
  ASSERT_EQ(a_.SetChannelAttributes("room", kSet, {{"keep", "me"}}), 0);
  const Attrs before{{"keep", "me"}};
  for (const std::string& bad : {std::string(""), std::string(65, 'c'), std::string("a/b")}) {
    EXPECT_EQ(a_.SetChannelAttributes(bad, kSet, {{"k", "v"}}), kInvalid) << bad;
    int code = -1;
    Get(a_, bad, {}, &code);
    EXPECT_EQ(code, kInvalid) << bad;
  }
  EXPECT_EQ(a_.SetChannelAttributes("room", kSet, {{"", "v"}}), kInvalid);
  EXPECT_EQ(a_.SetChannelAttributes("room", kAdd, {{"d", "1"}, {"d", "2"}}), kInvalid);
  EXPECT_EQ(a_.SetChannelAttributes("room", kDelete, {}, {""}), kInvalid);
  EXPECT_EQ(a_.SetChannelAttributes("room", 9, {{"x", "y"}}), kInvalid);
  EXPECT_EQ(a_.SetChannelAttributes("room", kSet, {{std::string(33, 'k'), "v"}}), kOverflow);
  EXPECT_EQ(a_.SetChannelAttributes("room", kAdd, {{"v", std::string(8193, 'v')}}), kOverflow);
  EXPECT_EQ(Get(a_, "room"), before);

  Rtm__Wire__SetChannelAttributes sc = RTM__WIRE__SET_CHANNEL_ATTRIBUTES__INIT;
  sc.channel = const_cast<char*>("room");  // no change at all
  rtm__frame f = RTM__WIRE__FRAME__INIT;
  f.body_case = RTM__WIRE__FRAME__BODY_SET_CHANNEL_ATTRIBUTES;
  f.set_channel_attributes = &sc;
  FramePtr r = a_.Request(f);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->body_case, RTM__WIRE__FRAME__BODY_RESULT);
  EXPECT_EQ(r->result->code, kInvalid);

  // 32 entries at most.
  Attrs full;
  for (int i = 0; i < 32; i++) full.emplace_back("k" + std::to_string(100 + i), "v");
  EXPECT_EQ(a_.SetChannelAttributes("room", kSet, full), 0);
  EXPECT_EQ(a_.SetChannelAttributes("room", kAdd, {{"new", "v"}}), kOverflow);
  EXPECT_EQ(a_.SetChannelAttributes("room", kAdd, {{"k100", "updated"}}), 0);
  EXPECT_EQ(Get(a_, "room").size(), 32u);
  // 32768 bytes in all (twice the user attributes' 16384): 4 x (1 + 8191).
  Attrs big{{"a", std::string(8191, 'v')}, {"b", std::string(8191, 'v')},
            {"c", std::string(8191, 'v')}, {"d", std::string(8191, 'v')}};
  EXPECT_EQ(a_.SetChannelAttributes("room", kSet, big), 0);
  EXPECT_EQ(a_.SetChannelAttributes("room", kAdd, {{"e", ""}}), kOverflow);  // 32769
  EXPECT_EQ(Get(a_, "room"), big);
}

// Each entry records the user whose request last set it and the server's
// wall clock then (ms); entries a request does not set keep theirs.
TEST_F(ChannelAttributes, LastUpdateUserAndTime_A5) {
  uint64_t t0 = WallMs();
  ASSERT_EQ(a_.SetChannelAttributes("room", kSet, {{"x", "1"}, {"y", "1"}}), 0);
  uint64_t t1 = WallMs();
  std::vector<Entry> e = GetEntries(b_, "room");
  ASSERT_EQ(e.size(), 2u);
  for (const Entry& x : e) {
    EXPECT_EQ(x.by, "alice");
    EXPECT_GE(x.ts + 5, t0);
    EXPECT_LE(x.ts, t1 + 5);
  }
  usleep(20 * 1000);
  ASSERT_EQ(b_.SetChannelAttributes("room", kAdd, {{"y", "2"}}), 0);
  std::vector<Entry> f = GetEntries(a_, "room");
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].key, "x");
  EXPECT_EQ(f[0].by, "alice");
  EXPECT_EQ(f[0].ts, e[0].ts) << "not set by the second request";
  EXPECT_EQ(f[1].key, "y");
  EXPECT_EQ(f[1].value, "2");
  EXPECT_EQ(f[1].by, "bob");
  EXPECT_GT(f[1].ts, e[1].ts);
}

// With notify, every member of the channel (the changer too, when it is
// one; after its Result) receives ChannelAttributesEvent with the whole
// list; non-members receive nothing. Without notify nobody does.
TEST_F(ChannelAttributes, NotifyGoesToTheMembers_A5) {
  TestClient c;
  ASSERT_TRUE(Online(c, rtmd_, "carol"));
  ASSERT_EQ(a_.Join("room"), 0);
  ASSERT_EQ(b_.Join("room"), 0);
  ASSERT_TRUE(a_.Expect(RTM__WIRE__FRAME__BODY_MEMBER_EVENT));  // bob joined

  ASSERT_EQ(a_.SetChannelAttributes("room", kSet, {{"k", "1"}}), 0);
  EXPECT_FALSE(b_.Expect(RTM__WIRE__FRAME__BODY_CHANNEL_ATTRIBUTES_EVENT, 300))
      << "no notify, no event";

  ASSERT_EQ(a_.SetChannelAttributes("room", kAdd, {{"j", "2"}}, {}, true), 0);
  for (TestClient* m : {&a_, &b_}) {
    FramePtr ev = m->Expect(RTM__WIRE__FRAME__BODY_CHANNEL_ATTRIBUTES_EVENT);
    ASSERT_TRUE(ev);
    EXPECT_EQ(ev->request_id, 0u);
    EXPECT_STREQ(ev->channel_attributes_event->channel, "room");
    EXPECT_EQ(KeyValues(ev->channel_attributes_event->attributes,
                        ev->channel_attributes_event->n_attributes),
              (Attrs{{"j", "2"}, {"k", "1"}}));
    EXPECT_STREQ(ev->channel_attributes_event->attributes[0]->last_update_user, "alice");
    EXPECT_GT(ev->channel_attributes_event->attributes[0]->last_update_ts, 0u);
  }
  // A non-member's change reaches the members; a clear sends the empty list.
  ASSERT_EQ(c.SetChannelAttributes("room", kClear, {}, {}, true), 0);
  FramePtr ev = b_.Expect(RTM__WIRE__FRAME__BODY_CHANNEL_ATTRIBUTES_EVENT);
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->channel_attributes_event->n_attributes, 0u);
  EXPECT_TRUE(a_.Expect(RTM__WIRE__FRAME__BODY_CHANNEL_ATTRIBUTES_EVENT));
  EXPECT_FALSE(c.Expect(RTM__WIRE__FRAME__BODY_CHANNEL_ATTRIBUTES_EVENT, 300));
  // A refused change notifies nobody.
  EXPECT_EQ(a_.SetChannelAttributes("room", kSet, {{"", "v"}}, {}, true), kInvalid);
  EXPECT_FALSE(b_.Expect(RTM__WIRE__FRAME__BODY_CHANNEL_ATTRIBUTES_EVENT, 300));
}

// Channel attributes are kept apart from membership: they stay when the
// channel empties and when their writer's session ends.
TEST_F(ChannelAttributes, KeptWhenTheChannelEmpties_A5) {
  ASSERT_EQ(a_.Join("room"), 0);
  ASSERT_EQ(a_.SetChannelAttributes("room", kSet, {{"k", "v"}}), 0);
  ASSERT_EQ(a_.Leave("room"), 0);
  ASSERT_EQ(a_.Logout(), 0);
  EXPECT_EQ(Get(b_, "room"), (Attrs{{"k", "v"}}));
}

// The attribute-writes and attribute-reads rates apply to channel
// attributes too, shared with user attributes: TOO_OFTEN (5).
TEST(ChannelAttributesRates, WritesAndReads_A5) {
  RtmdProcess rtmd({"--rate", "attribute-writes=2/600", "--rate", "attribute-reads=2/600"});
  ASSERT_TRUE(rtmd.started());
  TestClient a;
  ASSERT_TRUE(Online(a, rtmd, "alice"));
  EXPECT_EQ(a.SetAttributes(kSet, {{"k", "v"}}), 0);
  EXPECT_EQ(a.SetChannelAttributes("room", kSet, {{"k", "v"}}), 0);
  EXPECT_EQ(a.SetChannelAttributes("room", kSet, {{"k", "w"}}), kTooOften);
  int code = -1;
  EXPECT_EQ(Get(a, "room", {}, &code), (Attrs{{"k", "v"}}));
  EXPECT_EQ(code, 0);
  Get(a, "room", {}, &code);
  EXPECT_EQ(code, 0);
  Get(a, "room", {}, &code);
  EXPECT_EQ(code, kTooOften);
}

// Channel attributes need a login, like every request.
TEST(ChannelAttributesBeforeLogin, AreAProtocolError_B5) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient c;
  ASSERT_TRUE(c.Connect(rtmd.host(), rtmd.port()));
  ASSERT_TRUE(c.Hello());
  Rtm__Wire__GetChannelAttributes g = RTM__WIRE__GET_CHANNEL_ATTRIBUTES__INIT;
  g.channel = const_cast<char*>("room");
  rtm__frame f = RTM__WIRE__FRAME__INIT;
  f.body_case = RTM__WIRE__FRAME__BODY_GET_CHANNEL_ATTRIBUTES;
  f.get_channel_attributes = &g;
  ASSERT_TRUE(c.SendFrame(f));
  EXPECT_TRUE(ClosedWith(c, RTM__WIRE__CLOSE__CODE__CLOSE_PROTOCOL));
}

}  // namespace
}  // namespace rtm_test
