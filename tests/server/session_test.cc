// Sessions: duplicate login (SPEC S16), same-instance takeover, lost links.
#include "rtm/rtm_codes.h"
#include "server_test.h"

namespace rtm_test {
namespace {

// S16: the same user logs in from another instance: the old link gets
// Kick{REMOTE_LOGIN} and is closed; the user stays online, so the other
// members see no member event; the new session starts with no channels.
TEST(Session, LoginFromAnotherInstanceKicksTheOld_S16) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient old_link, watcher, new_link;
  ASSERT_TRUE(Online(old_link, rtmd, "alice", "app", /*instance=*/1));
  ASSERT_TRUE(Online(watcher, rtmd, "watcher"));
  ASSERT_EQ(old_link.Join("room"), 0);
  ASSERT_EQ(watcher.Join("room"), 0);
  ASSERT_TRUE(old_link.Expect(RTM__WIRE__FRAME__BODY_MEMBER_EVENT));

  ASSERT_TRUE(new_link.Connect(rtmd.host(), rtmd.port()));
  ASSERT_TRUE(new_link.Hello());
  bool resumed = true;
  EXPECT_EQ(new_link.Login("app", "alice", /*instance=*/2, "", &resumed), 0);
  EXPECT_FALSE(resumed);

  FramePtr kick = old_link.Expect(RTM__WIRE__FRAME__BODY_KICK);
  ASSERT_TRUE(kick);
  EXPECT_EQ(kick->kick->reason, RTM_CONNECTION_CHANGE_REASON_REMOTE_LOGIN);
  EXPECT_TRUE(old_link.WaitClosed());

  EXPECT_TRUE(watcher.QuietFor(300)) << "the watcher saw a member event";
  FramePtr m = new_link.GetMembers("room");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->members->code, RTM_GET_MEMBERS_ERR_NOT_IN_CHANNEL);
  m = watcher.GetMembers("room");
  ASSERT_TRUE(m);
  ASSERT_EQ(m->members->n_users, 1u);
  EXPECT_STREQ(m->members->users[0], "watcher");

  // Messages for alice go to the new instance.
  EXPECT_EQ(watcher.PeerSend("alice", "to the new one"), 0);
  FramePtr d = new_link.Expect(RTM__WIRE__FRAME__BODY_PEER_DELIVER);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->peer_deliver->seq, 1u);
}

// The same instance logging in again (its link was lost) takes its session
// over silently: no Kick, resumed = true, its channels kept, no member
// events for the others.
TEST(Session, SameInstanceTakesTheSessionOver) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient first, watcher, second;
  ASSERT_TRUE(Online(first, rtmd, "alice", "app", 7));
  ASSERT_TRUE(Online(watcher, rtmd, "watcher"));
  ASSERT_EQ(first.Join("room"), 0);
  ASSERT_EQ(watcher.Join("room"), 0);
  ASSERT_TRUE(first.Expect(RTM__WIRE__FRAME__BODY_MEMBER_EVENT));

  ASSERT_TRUE(second.Connect(rtmd.host(), rtmd.port()));
  ASSERT_TRUE(second.Hello());
  second.set_session_id(first.session_id());  // the same client, a new link
  bool resumed = false;
  EXPECT_EQ(second.Login("app", "alice", 7, "", &resumed), 0);
  EXPECT_TRUE(resumed);

  // The old link is closed without a Kick.
  for (;;) {
    ReadStatus st;
    FramePtr f = first.ReadFrame(kWaitMs, &st);
    if (!f) {
      EXPECT_EQ(st, ReadStatus::kEof);
      break;
    }
    EXPECT_NE(f->body_case, RTM__WIRE__FRAME__BODY_KICK);
  }
  EXPECT_TRUE(watcher.QuietFor(300)) << "the watcher saw a member event";
  FramePtr m = second.GetMembers("room");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->members->code, 0);
  EXPECT_EQ(m->members->n_users, 2u);
  EXPECT_EQ(watcher.ChannelSend("room", "hello again"), 0);
  EXPECT_TRUE(second.Expect(RTM__WIRE__FRAME__BODY_CHANNEL_DELIVER));
}

// With --session-grace-ms 0 a lost link ends its session at once: the other
// members see it leave; the user is unreachable. (The default grace is
// tested in resume_test.cc, S12/S13.)
TEST(Session, LostLinkEndsTheSessionWithoutGrace) {
  RtmdProcess rtmd({"--session-grace-ms", "0"});
  ASSERT_TRUE(rtmd.started());
  TestClient a, b;
  ASSERT_TRUE(Online(a, rtmd, "alice"));
  ASSERT_TRUE(Online(b, rtmd, "bob"));
  ASSERT_EQ(a.Join("room"), 0);
  ASSERT_EQ(b.Join("room"), 0);
  ASSERT_TRUE(a.Expect(RTM__WIRE__FRAME__BODY_MEMBER_EVENT));
  a.Close();
  FramePtr ev = b.Expect(RTM__WIRE__FRAME__BODY_MEMBER_EVENT);
  ASSERT_TRUE(ev);
  EXPECT_STREQ(ev->member_event->channel, "room");
  EXPECT_STREQ(ev->member_event->user, "alice");
  EXPECT_FALSE(ev->member_event->joined);
  EXPECT_EQ(b.PeerSend("alice", "gone?"), RTM_PEER_MESSAGE_ERR_PEER_UNREACHABLE);
}

// Logout ends the session with member-left events.
TEST(Session, LogoutLeavesChannelsWithEvents) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient a, b;
  ASSERT_TRUE(Online(a, rtmd, "alice"));
  ASSERT_TRUE(Online(b, rtmd, "bob"));
  ASSERT_EQ(b.Join("room"), 0);
  ASSERT_EQ(a.Join("room"), 0);
  ASSERT_TRUE(b.Expect(RTM__WIRE__FRAME__BODY_MEMBER_EVENT));
  ASSERT_EQ(a.Logout(), 0);
  FramePtr ev = b.Expect(RTM__WIRE__FRAME__BODY_MEMBER_EVENT);
  ASSERT_TRUE(ev);
  EXPECT_STREQ(ev->member_event->user, "alice");
  EXPECT_FALSE(ev->member_event->joined);
  // alice can log in again on a new link, as a fresh session.
  TestClient again;
  ASSERT_TRUE(again.Connect(rtmd.host(), rtmd.port()));
  ASSERT_TRUE(again.Hello());
  bool resumed = true;
  EXPECT_EQ(again.Login("app", "alice", 1, "", &resumed), 0);
  EXPECT_FALSE(resumed);
}

// Sessions are per app id: the same user id in two apps are two users.
TEST(Session, SessionsArePerAppId) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient a1, a2, b1;
  ASSERT_TRUE(Online(a1, rtmd, "alice", "app1", 1));
  ASSERT_TRUE(Online(a2, rtmd, "alice", "app2", 2));  // no kick: another app
  ASSERT_TRUE(Online(b1, rtmd, "bob", "app1"));
  EXPECT_EQ(b1.PeerSend("alice", "app1 only"), 0);
  EXPECT_TRUE(a1.Expect(RTM__WIRE__FRAME__BODY_PEER_DELIVER));
  EXPECT_TRUE(a2.QuietFor(300));
}

}  // namespace
}  // namespace rtm_test
