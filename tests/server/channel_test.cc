// Channels: join, leave, member events, messages, members, limits (SPEC A3,
// A4, A5).
#include "rtm/rtm_codes.h"
#include "server_test.h"

namespace rtm_test {
namespace {

class Channel : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(rtmd_.started());
    ASSERT_TRUE(Online(a_, rtmd_, "alice"));
    ASSERT_TRUE(Online(b_, rtmd_, "bob"));
    ASSERT_TRUE(Online(c_, rtmd_, "carol"));
  }
  RtmdProcess rtmd_;
  TestClient a_, b_, c_;
};

::testing::AssertionResult IsMemberEvent(const FramePtr& f, const char* channel,
                                         const char* user, bool joined) {
  if (!f) return ::testing::AssertionFailure() << "no member event";
  const Rtm__Wire__MemberEvent* e = f->member_event;
  if (std::string(e->channel) != channel || std::string(e->user) != user ||
      e->joined != joined)
    return ::testing::AssertionFailure() << "member event " << e->channel << " " << e->user
                                         << " joined=" << e->joined;
  return ::testing::AssertionSuccess();
}

// Join answers 0 and every other member receives MemberEvent{joined}.
TEST_F(Channel, JoinNotifiesTheOtherMembers) {
  EXPECT_EQ(a_.Join("room"), RTM_JOIN_CHANNEL_ERR_OK);
  EXPECT_EQ(b_.Join("room"), RTM_JOIN_CHANNEL_ERR_OK);
  EXPECT_TRUE(IsMemberEvent(a_.Expect(RTM__WIRE__FRAME__BODY_MEMBER_EVENT), "room", "bob",
                            true));
  EXPECT_EQ(c_.Join("room"), RTM_JOIN_CHANNEL_ERR_OK);
  EXPECT_TRUE(IsMemberEvent(a_.Expect(RTM__WIRE__FRAME__BODY_MEMBER_EVENT), "room", "carol",
                            true));
  EXPECT_TRUE(IsMemberEvent(b_.Expect(RTM__WIRE__FRAME__BODY_MEMBER_EVENT), "room", "carol",
                            true));
  EXPECT_TRUE(c_.QuietFor(200)) << "a joiner is not told about itself";
}

TEST_F(Channel, JoiningTwiceIsAlreadyJoined) {
  EXPECT_EQ(a_.Join("room"), RTM_JOIN_CHANNEL_ERR_OK);
  EXPECT_EQ(a_.Join("room"), RTM_JOIN_CHANNEL_ERR_ALREADY_JOINED);
}

// A3: channel ids: 1..64 bytes of the allowed set; else INVALID_ARGUMENT (3).
TEST_F(Channel, InvalidChannelIdIsRefused_A3) {
  for (const std::string& bad : {std::string(""), std::string(65, 'c'), std::string("a/b"),
                                 std::string("caf\xc3\xa9")})
    EXPECT_EQ(a_.Join(bad), RTM_JOIN_CHANNEL_ERR_INVALID_ARGUMENT) << bad;
  EXPECT_EQ(a_.Join(std::string(64, 'c')), RTM_JOIN_CHANNEL_ERR_OK);
  EXPECT_EQ(a_.Join("null"), RTM_JOIN_CHANNEL_ERR_OK) << "null is only refused as a user id";
}

// A5: at most 20 channels at once: the 21st is EXCEED_LIMIT (5).
TEST_F(Channel, AtMostTwentyChannels_A5) {
  for (int i = 0; i < 20; i++) ASSERT_EQ(a_.Join("ch" + std::to_string(i)), 0) << i;
  EXPECT_EQ(a_.Join("ch20"), RTM_JOIN_CHANNEL_ERR_EXCEED_LIMIT);
  EXPECT_EQ(a_.Join("ch3"), RTM_JOIN_CHANNEL_ERR_ALREADY_JOINED);
  ASSERT_EQ(a_.Leave("ch0"), 0);
  EXPECT_EQ(a_.Join("ch20"), RTM_JOIN_CHANNEL_ERR_OK);
  EXPECT_EQ(b_.Join("ch21"), RTM_JOIN_CHANNEL_ERR_OK) << "the limit is per session";
}

TEST_F(Channel, LeaveNotifiesTheOthersAndNotInChannelIsRefused) {
  EXPECT_EQ(a_.Leave("room"), RTM_LEAVE_CHANNEL_ERR_NOT_IN_CHANNEL);
  ASSERT_EQ(a_.Join("room"), 0);
  ASSERT_EQ(b_.Join("room"), 0);
  ASSERT_TRUE(a_.Expect(RTM__WIRE__FRAME__BODY_MEMBER_EVENT));
  EXPECT_EQ(b_.Leave("room"), RTM_LEAVE_CHANNEL_ERR_OK);
  EXPECT_TRUE(IsMemberEvent(a_.Expect(RTM__WIRE__FRAME__BODY_MEMBER_EVENT), "room", "bob",
                            false));
  EXPECT_EQ(b_.Leave("room"), RTM_LEAVE_CHANNEL_ERR_NOT_IN_CHANNEL);
}

// ChannelSend reaches every other member as ChannelDeliver with a seq per
// channel, one more per message; the sender gets Result{0} and no copy.
TEST_F(Channel, MessagesReachTheOtherMembersWithSeq) {
  for (TestClient* c : {&a_, &b_, &c_}) ASSERT_EQ(c->Join("room"), 0);
  ASSERT_EQ(a_.ChannelSend("room", "first"), RTM_CHANNEL_MESSAGE_ERR_OK);
  ASSERT_EQ(b_.ChannelSend("room", "second"), RTM_CHANNEL_MESSAGE_ERR_OK);
  struct Want {
    TestClient* who;
    const char* from;
    const char* text;
    uint64_t seq;
  };
  uint64_t first = 0;
  for (const Want& w : {Want{&b_, "alice", "first", 0}, Want{&c_, "alice", "first", 0},
                        Want{&c_, "bob", "second", 1}, Want{&a_, "bob", "second", 1}}) {
    FramePtr d = w.who->Expect(RTM__WIRE__FRAME__BODY_CHANNEL_DELIVER);
    ASSERT_TRUE(d);
    EXPECT_STREQ(d->channel_deliver->channel, "room");
    EXPECT_STREQ(d->channel_deliver->from, w.from);
    EXPECT_STREQ(d->channel_deliver->message->text, w.text);
    if (first == 0) first = d->channel_deliver->seq;
    EXPECT_EQ(d->channel_deliver->seq, first + w.seq);
    EXPECT_GT(d->channel_deliver->message->server_ts, 0u);
  }
  EXPECT_FALSE(a_.Expect(RTM__WIRE__FRAME__BODY_CHANNEL_DELIVER, 200))
      << "the sender got its own message";
}

// Sending to a channel one is not in: FAILURE (1); invalid message (A4):
// INVALID_MESSAGE (4).
TEST_F(Channel, SendRefusals_A4) {
  EXPECT_EQ(a_.ChannelSend("room", "hi"), RTM_CHANNEL_MESSAGE_ERR_FAILURE);
  ASSERT_EQ(a_.Join("room"), 0);
  EXPECT_EQ(a_.ChannelSend("room", ""), RTM_CHANNEL_MESSAGE_ERR_INVALID_MESSAGE);
  EXPECT_EQ(a_.ChannelSend("room", std::string(32769, 'x')),
            RTM_CHANNEL_MESSAGE_ERR_INVALID_MESSAGE);
  EXPECT_EQ(a_.ChannelSend("room", std::string(32768, 'x')), RTM_CHANNEL_MESSAGE_ERR_OK);
}

// GetMembers: every member, sorted, the caller included; not a member:
// NOT_IN_CHANNEL (5).
TEST_F(Channel, MembersAreSortedAndIncludeTheCaller) {
  FramePtr m = a_.GetMembers("room");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->members->code, RTM_GET_MEMBERS_ERR_NOT_IN_CHANNEL);
  EXPECT_EQ(m->members->n_users, 0u);
  for (TestClient* c : {&c_, &a_, &b_}) ASSERT_EQ(c->Join("room"), 0);
  m = b_.GetMembers("room");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->members->code, RTM_GET_MEMBERS_ERR_OK);
  ASSERT_EQ(m->members->n_users, 3u);
  EXPECT_STREQ(m->members->users[0], "alice");
  EXPECT_STREQ(m->members->users[1], "bob");
  EXPECT_STREQ(m->members->users[2], "carol");
}

// B2, S10: an emptied channel keeps its history and its seqs: joined again,
// they go on, so a cursor a member kept is still right.
TEST_F(Channel, EmptiedChannelKeepsItsSeqs_B2) {
  ASSERT_EQ(a_.Join("room"), 0);
  ASSERT_EQ(b_.Join("room"), 0);
  ASSERT_EQ(a_.ChannelSend("room", "one"), 0);
  ASSERT_EQ(a_.ChannelSend("room", "two"), 0);
  FramePtr d = b_.Expect(RTM__WIRE__FRAME__BODY_CHANNEL_DELIVER);
  ASSERT_TRUE(d);
  const uint64_t one = d->channel_deliver->seq;
  ASSERT_EQ(a_.Leave("room"), 0);
  ASSERT_EQ(b_.Leave("room"), 0);
  TestClient fresh;
  ASSERT_TRUE(Online(fresh, rtmd_, "dave"));
  ASSERT_EQ(fresh.Join("room"), 0);
  ASSERT_EQ(c_.Join("room"), 0);
  ASSERT_EQ(c_.ChannelSend("room", "again"), 0);
  d = fresh.Expect(RTM__WIRE__FRAME__BODY_CHANNEL_DELIVER);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->channel_deliver->seq, one + 2);
}

// B2: a channel the server forgot (emptied with no history: --replay-max
// 0) starts its seqs above those it had, so no cursor of its earlier life
// hides a new message.
TEST(ChannelSeqs, AForgottenChannelStartsAboveItsOldSeqs_B2) {
  RtmdProcess rtmd({"--replay-max", "0"});
  ASSERT_TRUE(rtmd.started());
  TestClient a, b;
  ASSERT_TRUE(Online(a, rtmd, "alice"));
  ASSERT_TRUE(Online(b, rtmd, "bob"));
  uint64_t seqs[2] = {0, 0};
  for (uint64_t& seq : seqs) {
    ASSERT_EQ(a.Join("room"), 0);
    ASSERT_EQ(b.Join("room"), 0);
    for (int i = 0; i < 3; i++) ASSERT_EQ(a.ChannelSend("room", "m"), 0);
    for (int i = 0; i < 3; i++) {
      FramePtr d = b.Expect(RTM__WIRE__FRAME__BODY_CHANNEL_DELIVER);
      ASSERT_TRUE(d);
      seq = d->channel_deliver->seq;
    }
    ASSERT_EQ(a.Leave("room"), 0);
    ASSERT_EQ(b.Leave("room"), 0);
  }
  EXPECT_GT(seqs[1], seqs[0] + 3);
}

// Channels are per app id.
TEST(ChannelApps, ChannelsArePerAppId) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient a, b;
  ASSERT_TRUE(Online(a, rtmd, "alice", "app1"));
  ASSERT_TRUE(Online(b, rtmd, "bob", "app2"));
  ASSERT_EQ(a.Join("room"), 0);
  ASSERT_EQ(b.Join("room"), 0);
  EXPECT_TRUE(a.QuietFor(200));
  FramePtr m = a.GetMembers("room");
  ASSERT_TRUE(m);
  ASSERT_EQ(m->members->n_users, 1u);
  EXPECT_STREQ(m->members->users[0], "alice");
}

}  // namespace
}  // namespace rtm_test
