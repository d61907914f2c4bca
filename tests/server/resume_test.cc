// Session grace, resume and replay (SPEC S9, S10, S12, S13, S16, B1, B2).
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "rtm/rtm_codes.h"
#include "server_test.h"

namespace rtm_test {
namespace {

using std::chrono::milliseconds;

// The next frame that is not a Ping, or nullptr.
FramePtr Next(TestClient& c) {
  for (;;) {
    FramePtr f = c.ReadFrame();
    if (!f || f->body_case != RTM__WIRE__FRAME__BODY_PING) return f;
  }
}

// Drops c's link (the server sees EOF) and waits until rtmd has put the
// session of user in grace.
::testing::AssertionResult DropLink(TestClient& c, const RtmdProcess& rtmd,
                                    const std::string& user, int nth = 1) {
  c.Close();
  std::string needle = "app/" + user + ": link lost, session kept";
  auto end = std::chrono::steady_clock::now() + milliseconds(kWaitMs);
  for (;;) {
    std::string log = rtmd.Log();
    int n = 0;
    for (size_t at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1))
      n++;
    if (n >= nth) return ::testing::AssertionSuccess();
    if (std::chrono::steady_clock::now() > end)
      return ::testing::AssertionFailure() << "rtmd did not keep the session of " << user;
    std::this_thread::sleep_for(milliseconds(10));
  }
}

// Connects, Hello, Login with cursors; the LoginResult (nullptr if none).
FramePtr Reconnect(TestClient& c, const RtmdProcess& rtmd, const std::string& user,
                   uint64_t instance, const ResumeCursors& cursors = {}) {
  if (!c.Connect(rtmd.host(), rtmd.port()) || !c.Hello()) return nullptr;
  return c.LoginWith("app", user, instance, cursors);
}

std::vector<std::string> Members(TestClient& c, const std::string& ch) {
  std::vector<std::string> out;
  FramePtr m = c.GetMembers(ch);
  if (m && m->members->code == 0)
    for (size_t i = 0; i < m->members->n_users; i++) out.push_back(m->members->users[i]);
  return out;
}

using Strings = std::vector<std::string>;

// S12: the link of alice drops; while she is away bob sees no member event
// and GetMembers still lists her; she comes back (same instance) within the
// grace: resumed = true, and still nobody is told anything.
TEST(Grace, ReturnWithinGraceIsInvisible_S12) {
  RtmdProcess rtmd({"--session-grace-ms", "10000"});
  ASSERT_TRUE(rtmd.started());
  TestClient a, b;
  ASSERT_TRUE(Online(a, rtmd, "alice", "app", 7));
  ASSERT_TRUE(Online(b, rtmd, "bob"));
  ASSERT_EQ(b.Join("room"), 0);
  ASSERT_EQ(a.Join("room"), 0);
  ASSERT_TRUE(b.Expect(RTM__WIRE__FRAME__BODY_MEMBER_EVENT));

  ASSERT_TRUE(DropLink(a, rtmd, "alice"));
  EXPECT_TRUE(b.QuietFor(500)) << "bob was told something when alice's link dropped";
  EXPECT_EQ(Members(b, "room"), (Strings{"alice", "bob"}));

  FramePtr r = Reconnect(a, rtmd, "alice", 7, {0, {{"room", 0}}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->login_result->code, 0);
  EXPECT_TRUE(r->login_result->resumed);
  FramePtr done = a.Expect(RTM__WIRE__FRAME__BODY_REPLAY_DONE);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->request_id, 0u);
  EXPECT_TRUE(b.QuietFor(500)) << "bob was told something when alice came back";
  EXPECT_EQ(Members(a, "room"), (Strings{"alice", "bob"}));
  ASSERT_EQ(b.ChannelSend("room", "welcome back"), 0);
  FramePtr d = a.Expect(RTM__WIRE__FRAME__BODY_CHANNEL_DELIVER);
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->channel_deliver->replayed);
}

// S13: not back within the grace: bob receives MemberEvent{joined false}
// (not before the grace); alice is unreachable; her next login is a new
// session (resumed = false) in no channel, and since it names the session
// it had, one ReplayDone says nothing was kept for it (S9).
TEST(Grace, ExpiryRemovesTheUserFromItsChannels_S13) {
  RtmdProcess rtmd({"--session-grace-ms", "1500"});
  ASSERT_TRUE(rtmd.started());
  TestClient a, b;
  ASSERT_TRUE(Online(a, rtmd, "alice", "app", 7));
  ASSERT_TRUE(Online(b, rtmd, "bob"));
  ASSERT_EQ(b.Join("room"), 0);
  ASSERT_EQ(a.Join("room"), 0);
  ASSERT_TRUE(b.Expect(RTM__WIRE__FRAME__BODY_MEMBER_EVENT));

  a.Close();
  EXPECT_TRUE(b.QuietFor(500)) << "the member event came before the grace ended";
  FramePtr ev = b.Expect(RTM__WIRE__FRAME__BODY_MEMBER_EVENT, 10000);
  ASSERT_TRUE(ev);
  EXPECT_STREQ(ev->member_event->channel, "room");
  EXPECT_STREQ(ev->member_event->user, "alice");
  EXPECT_FALSE(ev->member_event->joined);
  EXPECT_TRUE(rtmd.WaitForLog("app/alice: not back within 1500 ms, session ended"));
  EXPECT_EQ(Members(b, "room"), (Strings{"bob"}));
  EXPECT_EQ(b.PeerSend("alice", "there?"), RTM_PEER_MESSAGE_ERR_PEER_UNREACHABLE);

  FramePtr r = Reconnect(a, rtmd, "alice", 7, {0, {{"room", 0}}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->login_result->code, 0);
  EXPECT_FALSE(r->login_result->resumed);
  FramePtr m = a.GetMembers("room");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->members->code, RTM_GET_MEMBERS_ERR_NOT_IN_CHANNEL);
  FramePtr done = a.Expect(RTM__WIRE__FRAME__BODY_REPLAY_DONE);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->replay_done->peer_messages, 0u);
  EXPECT_EQ(done->replay_done->peer_dropped, 0u);
  EXPECT_TRUE(a.QuietFor(300));
}

// S9, B1: peer messages sent to alice while she is in grace are answered
// OK and re-delivered on her resume, with their seq, replayed = true, in
// order, after the LoginResult and before the ReplayDone; the ones she
// acknowledged (PeerAck) or says she received (Login.peer_received) are not;
// none comes twice; live delivery continues after.
TEST(Replay, PeerMessagesAreRedeliveredInOrderOnce_S9_B1) {
  RtmdProcess rtmd({"--session-grace-ms", "10000"});
  ASSERT_TRUE(rtmd.started());
  TestClient a, b;
  ASSERT_TRUE(Online(a, rtmd, "alice", "app", 7));
  ASSERT_TRUE(Online(b, rtmd, "bob"));
  for (const char* text : {"m1", "m2", "m3"}) {
    ASSERT_EQ(b.PeerSend("alice", text), 0);
    ASSERT_TRUE(a.Expect(RTM__WIRE__FRAME__BODY_PEER_DELIVER));
  }
  ASSERT_TRUE(a.PeerAck(1));  // m1 acknowledged; m2 received; m3 lost on the way
  ASSERT_EQ(a.Join("sync"), 0);  // the ack is handled before this answer
  ASSERT_TRUE(DropLink(a, rtmd, "alice"));
  for (const char* text : {"m4", "m5", "m6"})
    EXPECT_EQ(b.PeerSend("alice", text), RTM_PEER_MESSAGE_ERR_OK) << text;

  FramePtr r = Reconnect(a, rtmd, "alice", 7, {2, {}});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->login_result->resumed);
  uint64_t seq = 2;
  for (const char* text : {"m3", "m4", "m5", "m6"}) {
    FramePtr d = Next(a);
    ASSERT_TRUE(d);
    ASSERT_EQ(d->body_case, RTM__WIRE__FRAME__BODY_PEER_DELIVER) << text;
    EXPECT_STREQ(d->peer_deliver->message->text, text);
    EXPECT_STREQ(d->peer_deliver->from, "bob");
    EXPECT_EQ(d->peer_deliver->seq, ++seq);
    EXPECT_TRUE(d->peer_deliver->replayed);
  }
  FramePtr done = Next(a);
  ASSERT_TRUE(done);
  ASSERT_EQ(done->body_case, RTM__WIRE__FRAME__BODY_REPLAY_DONE);
  EXPECT_EQ(done->replay_done->peer_messages, 4u);
  EXPECT_EQ(done->replay_done->channel_messages, 0u);
  EXPECT_EQ(done->replay_done->channel_skipped, 0u);
  EXPECT_EQ(done->replay_done->peer_dropped, 0u);

  ASSERT_EQ(b.PeerSend("alice", "m7"), 0);
  FramePtr d = Next(a);
  ASSERT_TRUE(d);
  ASSERT_EQ(d->body_case, RTM__WIRE__FRAME__BODY_PEER_DELIVER);
  EXPECT_STREQ(d->peer_deliver->message->text, "m7");
  EXPECT_EQ(d->peer_deliver->seq, 7u);
  EXPECT_FALSE(d->peer_deliver->replayed);
  EXPECT_TRUE(a.QuietFor(300)) << "something came twice";

  // Everything acknowledged: a second resume re-delivers nothing.
  ASSERT_TRUE(a.PeerAck(7));
  ASSERT_EQ(a.Join("sync2"), 0);
  ASSERT_TRUE(DropLink(a, rtmd, "alice", 2));
  r = Reconnect(a, rtmd, "alice", 7, {0, {}});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->login_result->resumed);
  done = Next(a);
  ASSERT_TRUE(done);
  ASSERT_EQ(done->body_case, RTM__WIRE__FRAME__BODY_REPLAY_DONE);
  EXPECT_EQ(done->replay_done->peer_messages, 0u);
}

// Issue 13, item 1: what the server chose to send at once (a resume's
// replay, the offline messages of a login) is paced by the link and never
// dropped by --max-output, which bounds only what a client fails to read.
// Before, 150 messages of 32 KB waiting (4.8 MB, over the 4 MiB default)
// made every resume drop the link: the user could never come back. Here
// the bound is 256 KiB, and 150 × 32 KB wait both ways.
TEST(Replay, AUserWithEverythingWaitingReceivesAllOfIt_Issue13Item1) {
  RtmdProcess rtmd({"--session-grace-ms", "20000", "--max-output", "262144", "--rate",
                    "messages=0/1"});
  ASSERT_TRUE(rtmd.started());
  constexpr int kMessages = 150;
  auto text = [](int i) { return std::to_string(i) + std::string(32000, 'x'); };
  auto receive_all = [&](TestClient& c, bool replayed) {
    for (int i = 0; i < kMessages; i++) {
      FramePtr d = c.Expect(RTM__WIRE__FRAME__BODY_PEER_DELIVER);
      if (!d) return ::testing::AssertionFailure() << "message " << i << " never came";
      if (text(i) != d->peer_deliver->message->text || d->peer_deliver->replayed != replayed)
        return ::testing::AssertionFailure() << "message " << i << " out of order";
    }
    return ::testing::AssertionSuccess();
  };
  TestClient a, b;
  ASSERT_TRUE(Online(a, rtmd, "alice"));
  // Queued during bob's grace, then his resume replays them.
  ASSERT_TRUE(Online(b, rtmd, "bob", "app", 3));
  ASSERT_TRUE(DropLink(b, rtmd, "bob"));
  for (int i = 0; i < kMessages; i++) ASSERT_EQ(a.PeerSend("bob", text(i)), 0) << i;
  FramePtr r = Reconnect(b, rtmd, "bob", 3);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->login_result->resumed);
  EXPECT_TRUE(receive_all(b, true));
  FramePtr done = b.Expect(RTM__WIRE__FRAME__BODY_REPLAY_DONE);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->replay_done->peer_messages, static_cast<uint32_t>(kMessages));
  EXPECT_EQ(done->replay_done->peer_dropped, 0u);
  // Offline messages to carol, who logs in for the first time.
  for (int i = 0; i < kMessages; i++)
    ASSERT_EQ(a.PeerSend("carol", text(i), true), RTM_PEER_MESSAGE_ERR_CACHED_BY_SERVER) << i;
  TestClient c;
  ASSERT_TRUE(Online(c, rtmd, "carol"));
  EXPECT_TRUE(receive_all(c, false));
  EXPECT_EQ(rtmd.Log().find("does not read"), std::string::npos);

  // The bound still holds for what a client fails to read: bob resumes
  // again with everything waiting and reads nothing; the live messages
  // behind the replay pass the bound, and his link is dropped.
  ASSERT_TRUE(DropLink(b, rtmd, "bob", 2));
  for (int i = 0; i < kMessages; i++) ASSERT_EQ(a.PeerSend("bob", text(i)), 0) << i;
  ASSERT_TRUE(b.Connect(rtmd.host(), rtmd.port()) && b.Hello());
  Rtm__Wire__Login lo = RTM__WIRE__LOGIN__INIT;  // sent, and never read again
  lo.app_id = const_cast<char*>("app");
  lo.user_id = const_cast<char*>("bob");
  lo.instance_id = 3;
  lo.session_id = r->login_result->session_id;
  lo.peer_received = 0;
  rtm__frame f = RTM__WIRE__FRAME__INIT;
  f.body_case = RTM__WIRE__FRAME__BODY_LOGIN;
  f.login = &lo;
  ASSERT_TRUE(b.SendFrame(f));
  for (int i = 0; i < 300; i++) {  // the second replay's line
    std::string log = rtmd.Log();
    size_t first = log.find("app/bob: replayed");
    if (first != std::string::npos && log.find("app/bob: replayed", first + 1) != std::string::npos)
      break;
    std::this_thread::sleep_for(milliseconds(10));
  }
  for (int i = 0; i < 40 && rtmd.Log().find("does not read") == std::string::npos; i++)
    a.PeerSend("bob", text(i));
  EXPECT_TRUE(rtmd.WaitForLog("of them a replay): the peer does not read; dropping the link"));
}

// B1, the sending side: a send re-sent with the same send_seq after a
// resume is answered with the first answer's code and not delivered again;
// send_seq is shared by PeerSend and ChannelSend; 0 is always processed.
TEST(Replay, ResentSendSeqIsAnsweredOnceDelivered_B1) {
  RtmdProcess rtmd({"--session-grace-ms", "10000"});
  ASSERT_TRUE(rtmd.started());
  TestClient a, b, c;
  ASSERT_TRUE(Online(a, rtmd, "alice", "app", 3));
  ASSERT_TRUE(Online(b, rtmd, "bob"));
  ASSERT_EQ(a.Join("room"), 0);
  ASSERT_EQ(b.Join("room"), 0);
  EXPECT_EQ(a.PeerSend("bob", "once", false, 1), RTM_PEER_MESSAGE_ERR_OK);
  EXPECT_EQ(a.PeerSend("carol", "not there", false, 2), RTM_PEER_MESSAGE_ERR_PEER_UNREACHABLE);
  EXPECT_EQ(a.ChannelSend("room", "to the room", 3), RTM_CHANNEL_MESSAGE_ERR_OK);
  FramePtr d = b.Expect(RTM__WIRE__FRAME__BODY_PEER_DELIVER);
  ASSERT_TRUE(d);
  EXPECT_STREQ(d->peer_deliver->message->text, "once");
  ASSERT_TRUE(b.Expect(RTM__WIRE__FRAME__BODY_CHANNEL_DELIVER));

  ASSERT_TRUE(DropLink(a, rtmd, "alice"));
  FramePtr r = Reconnect(a, rtmd, "alice", 3, {0, {{"room", 0}}});
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->login_result->resumed);
  ASSERT_TRUE(a.Expect(RTM__WIRE__FRAME__BODY_REPLAY_DONE));
  ASSERT_TRUE(Online(c, rtmd, "carol"));

  // Re-sent: the first codes, nothing delivered.
  EXPECT_EQ(a.PeerSend("bob", "once", false, 1), RTM_PEER_MESSAGE_ERR_OK);
  EXPECT_EQ(a.PeerSend("carol", "not there", false, 2), RTM_PEER_MESSAGE_ERR_PEER_UNREACHABLE);
  EXPECT_EQ(a.ChannelSend("room", "to the room", 3), RTM_CHANNEL_MESSAGE_ERR_OK);
  EXPECT_TRUE(b.QuietFor(300)) << "a re-sent message was delivered again";
  EXPECT_TRUE(c.QuietFor(100)) << "a re-sent message was processed again";
  // New ones go through; 0 means no de-duplication.
  EXPECT_EQ(a.PeerSend("carol", "now", false, 4), RTM_PEER_MESSAGE_ERR_OK);
  ASSERT_TRUE(c.Expect(RTM__WIRE__FRAME__BODY_PEER_DELIVER));
  EXPECT_EQ(a.PeerSend("carol", "plain"), 0);
  EXPECT_EQ(a.PeerSend("carol", "plain"), 0);
  ASSERT_TRUE(c.Expect(RTM__WIRE__FRAME__BODY_PEER_DELIVER));
  ASSERT_TRUE(c.Expect(RTM__WIRE__FRAME__BODY_PEER_DELIVER));
  // A re-send that is not valid now is still answered with its first code.
  EXPECT_EQ(a.Leave("room"), 0);
  EXPECT_EQ(a.ChannelSend("room", "to the room", 3), RTM_CHANNEL_MESSAGE_ERR_OK);
}

// S10, B2: on resume, for each cursor, the channel messages after it of the
// last --replay-window-ms, at most the latest --replay-max, oldest first,
// replayed = true; the rest is counted in channel_skipped.
TEST(Replay, ChannelWindowAndCount_S10_B2) {
  RtmdProcess rtmd(
      {"--session-grace-ms", "20000", "--replay-max", "3", "--replay-window-ms", "2000"});
  ASSERT_TRUE(rtmd.started());
  TestClient a, b;
  ASSERT_TRUE(Online(a, rtmd, "alice", "app", 5));
  ASSERT_TRUE(Online(b, rtmd, "bob"));
  ASSERT_EQ(a.Join("room"), 0);
  ASSERT_EQ(b.Join("room"), 0);
  ASSERT_EQ(b.ChannelSend("room", "c1"), 0);
  FramePtr d = a.Expect(RTM__WIRE__FRAME__BODY_CHANNEL_DELIVER);
  ASSERT_TRUE(d);
  const uint64_t c1 = d->channel_deliver->seq;  // the channel's seqs go on from it

  ASSERT_TRUE(DropLink(a, rtmd, "alice"));
  ASSERT_EQ(b.ChannelSend("room", "c2"), 0);                 // will be out of the window
  std::this_thread::sleep_for(milliseconds(2600));
  for (const char* text : {"c3", "c4", "c5", "c6", "c7"})  // c3, c4 beyond the count
    ASSERT_EQ(b.ChannelSend("room", text), 0);

  FramePtr r = Reconnect(a, rtmd, "alice", 5, {0, {{"room", c1}}});
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->login_result->resumed);
  uint64_t seq = c1 + 3;
  for (const char* text : {"c5", "c6", "c7"}) {
    d = Next(a);
    ASSERT_TRUE(d);
    ASSERT_EQ(d->body_case, RTM__WIRE__FRAME__BODY_CHANNEL_DELIVER) << text;
    EXPECT_STREQ(d->channel_deliver->channel, "room");
    EXPECT_STREQ(d->channel_deliver->from, "bob");
    EXPECT_STREQ(d->channel_deliver->message->text, text);
    EXPECT_EQ(d->channel_deliver->seq, ++seq);
    EXPECT_TRUE(d->channel_deliver->replayed);
  }
  FramePtr done = Next(a);
  ASSERT_TRUE(done);
  ASSERT_EQ(done->body_case, RTM__WIRE__FRAME__BODY_REPLAY_DONE);
  EXPECT_EQ(done->replay_done->channel_messages, 3u);
  EXPECT_EQ(done->replay_done->channel_skipped, 3u);  // c2 (window), c3, c4 (count)
  EXPECT_EQ(done->replay_done->peer_messages, 0u);
  EXPECT_EQ(done->replay_done->peer_dropped, 0u);
}

// B2: a message the client already had (seq <= its cursor) is never
// re-delivered; a cursor at the channel's last seq replays nothing; a
// cursor of a channel the session is not in is ignored.
TEST(Replay, NothingTheClientHadIsReplayed_B2) {
  RtmdProcess rtmd({"--session-grace-ms", "20000"});
  ASSERT_TRUE(rtmd.started());
  TestClient a, b;
  ASSERT_TRUE(Online(a, rtmd, "alice", "app", 5));
  ASSERT_TRUE(Online(b, rtmd, "bob"));
  for (const char* ch : {"one", "two"}) {
    ASSERT_EQ(a.Join(ch), 0);
    ASSERT_EQ(b.Join(ch), 0);
  }
  for (const char* text : {"a1", "a2", "a3"}) ASSERT_EQ(b.ChannelSend("one", text), 0);
  ASSERT_EQ(b.ChannelSend("two", "b1"), 0);
  uint64_t last[2] = {0, 0};  // the seqs alice last received in "one" and "two"
  for (int i = 0; i < 4; i++) {
    FramePtr d = a.Expect(RTM__WIRE__FRAME__BODY_CHANNEL_DELIVER);
    ASSERT_TRUE(d);
    last[std::string(d->channel_deliver->channel) == "two"] = d->channel_deliver->seq;
  }
  ASSERT_TRUE(DropLink(a, rtmd, "alice"));
  ASSERT_EQ(b.ChannelSend("one", "a4"), 0);

  FramePtr r = Reconnect(a, rtmd, "alice", 5,
                         {0, {{"one", last[0]}, {"two", last[1]}, {"elsewhere", 0},
                              {"one", 0}}});
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->login_result->resumed);
  FramePtr d = Next(a);
  ASSERT_TRUE(d);
  ASSERT_EQ(d->body_case, RTM__WIRE__FRAME__BODY_CHANNEL_DELIVER);
  EXPECT_STREQ(d->channel_deliver->message->text, "a4");
  EXPECT_EQ(d->channel_deliver->seq, last[0] + 1);
  FramePtr done = Next(a);
  ASSERT_TRUE(done);
  ASSERT_EQ(done->body_case, RTM__WIRE__FRAME__BODY_REPLAY_DONE);
  EXPECT_EQ(done->replay_done->channel_messages, 1u);
  EXPECT_EQ(done->replay_done->channel_skipped, 0u);
  EXPECT_TRUE(a.QuietFor(300));
}

// S9: the queue of a session is bounded by --max-unacked: past it the oldest
// is dropped, and the resume reports how many in ReplayDone.peer_dropped.
TEST(Replay, PeerQueueOverflowIsReported_S9) {
  RtmdProcess rtmd({"--session-grace-ms", "10000", "--max-unacked", "3"});
  ASSERT_TRUE(rtmd.started());
  TestClient a, b;
  ASSERT_TRUE(Online(a, rtmd, "alice", "app", 9));
  ASSERT_TRUE(Online(b, rtmd, "bob"));
  ASSERT_TRUE(DropLink(a, rtmd, "alice"));
  for (const char* text : {"p1", "p2", "p3", "p4", "p5"})
    EXPECT_EQ(b.PeerSend("alice", text), RTM_PEER_MESSAGE_ERR_OK) << text;
  FramePtr r = Reconnect(a, rtmd, "alice", 9);
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->login_result->resumed);
  for (const char* text : {"p3", "p4", "p5"}) {
    FramePtr d = Next(a);
    ASSERT_TRUE(d);
    ASSERT_EQ(d->body_case, RTM__WIRE__FRAME__BODY_PEER_DELIVER);
    EXPECT_STREQ(d->peer_deliver->message->text, text);
    EXPECT_TRUE(d->peer_deliver->replayed);
  }
  FramePtr done = Next(a);
  ASSERT_TRUE(done);
  ASSERT_EQ(done->body_case, RTM__WIRE__FRAME__BODY_REPLAY_DONE);
  EXPECT_EQ(done->replay_done->peer_messages, 3u);
  EXPECT_EQ(done->replay_done->peer_dropped, 2u);
}

// S16 during grace: another instance logs in as alice while her session is
// in grace: it replaces the session as a kick would (no link to send the
// Kick to): resumed = false, no channels, the other members see no event;
// what the old session had not acknowledged is the user's, and comes to
// the new instance (S9).
TEST(Grace, AnotherInstanceReplacesASessionInGrace_S16) {
  RtmdProcess rtmd({"--session-grace-ms", "10000"});
  ASSERT_TRUE(rtmd.started());
  TestClient a, b, a2;
  ASSERT_TRUE(Online(a, rtmd, "alice", "app", 1));
  ASSERT_TRUE(Online(b, rtmd, "bob"));
  ASSERT_EQ(b.Join("room"), 0);
  ASSERT_EQ(a.Join("room"), 0);
  ASSERT_TRUE(b.Expect(RTM__WIRE__FRAME__BODY_MEMBER_EVENT));
  ASSERT_TRUE(DropLink(a, rtmd, "alice"));
  ASSERT_EQ(b.PeerSend("alice", "for the old one"), 0);

  FramePtr r = Reconnect(a2, rtmd, "alice", 2, {0, {{"room", 0}}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->login_result->code, 0);
  EXPECT_FALSE(r->login_result->resumed);
  EXPECT_TRUE(rtmd.WaitForLog("(in grace) replaced by instance"));
  FramePtr d = a2.Expect(RTM__WIRE__FRAME__BODY_PEER_DELIVER);
  ASSERT_TRUE(d);
  EXPECT_STREQ(d->peer_deliver->message->text, "for the old one");
  EXPECT_TRUE(d->peer_deliver->replayed);
  EXPECT_FALSE(d->peer_deliver->message->offline);
  a2.PeerAck(d->peer_deliver->seq);
  EXPECT_TRUE(a2.QuietFor(300)) << "more than the old session's one message";
  FramePtr m = a2.GetMembers("room");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->members->code, RTM_GET_MEMBERS_ERR_NOT_IN_CHANNEL);
  EXPECT_EQ(Members(b, "room"), (Strings{"bob"}));
  EXPECT_TRUE(b.QuietFor(300)) << "bob saw a member event";
  // And the old instance cannot resume what is gone.
  TestClient a3;
  r = Reconnect(a3, rtmd, "alice", 1);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->login_result->resumed);
}

// Logout ends the session at once, grace or not: member-left right away,
// and the next login of the same instance is a new session.
TEST(Grace, LogoutEndsTheSessionAtOnce) {
  RtmdProcess rtmd;  // the default grace, 30 s
  ASSERT_TRUE(rtmd.started());
  TestClient a, b;
  ASSERT_TRUE(Online(a, rtmd, "alice", "app", 4));
  ASSERT_TRUE(Online(b, rtmd, "bob"));
  ASSERT_EQ(b.Join("room"), 0);
  ASSERT_EQ(a.Join("room"), 0);
  ASSERT_TRUE(b.Expect(RTM__WIRE__FRAME__BODY_MEMBER_EVENT));
  ASSERT_EQ(a.Logout(), 0);
  FramePtr ev = b.Expect(RTM__WIRE__FRAME__BODY_MEMBER_EVENT);  // well before 30 s
  ASSERT_TRUE(ev);
  EXPECT_STREQ(ev->member_event->user, "alice");
  EXPECT_FALSE(ev->member_event->joined);
  EXPECT_EQ(b.PeerSend("alice", "gone"), RTM_PEER_MESSAGE_ERR_PEER_UNREACHABLE);
  TestClient again;
  FramePtr r = Reconnect(again, rtmd, "alice", 4);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->login_result->resumed);
}

// The memory a session in grace costs rtmd, measured (reported, loosely
// bounded): N users log in, join a channel and drop their links.
TEST(Grace, MemoryPerSessionInGrace) {
  // gcc defines __SANITIZE_ADDRESS__; clang 14 only has __has_feature.
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer's redzones make RSS meaningless";
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  GTEST_SKIP() << "AddressSanitizer's redzones make RSS meaningless";
#endif
#endif
  // 2,000 logins from one address in a few seconds; the per-address login
  // rate has its own test, Rates.LoginsPerAddress.
  RtmdProcess rtmd({"--session-grace-ms", "600000", "--rate", "login-per-address=0/1"});
  ASSERT_TRUE(rtmd.started());
  constexpr int kUsers = 2000;
  TestClient keeper;
  ASSERT_TRUE(Online(keeper, rtmd, "keeper"));
  ASSERT_EQ(keeper.Join("room"), 0);
  long before = rtmd.RssKb();
  ASSERT_GT(before, 0);
  for (int i = 0; i < kUsers; i++) {
    // The keeper stays alive through a slow loop (3 s idle timeout).
    if (i % 100 == 0) {
      ASSERT_TRUE(keeper.Ping());
    }
    TestClient c;
    ASSERT_TRUE(Online(c, rtmd, "user" + std::to_string(i)));
    ASSERT_EQ(c.Join("room"), 0);
    c.Close();
  }
  ASSERT_TRUE(rtmd.WaitForLog("app/user" + std::to_string(kUsers - 1) +
                              ": link lost, session kept", 10000));
  long after = rtmd.RssKb();
  double per = (after - before) * 1024.0 / kUsers;
  std::printf("rtmd RSS %ld KiB -> %ld KiB: %.0f bytes per session in grace "
              "(one channel, no queue, no attributes)\n", before, after, per);
  RecordProperty("bytes_per_session_in_grace", static_cast<int>(per));
  EXPECT_LT(per, 16384.0);
  // All are still members (getMembers would list 512 of them).
  FramePtr count = keeper.GetMemberCount({"room"});
  ASSERT_TRUE(count);
  ASSERT_EQ(count->member_counts->n_counts, 1u);
  EXPECT_EQ(count->member_counts->counts[0]->count, static_cast<uint32_t>(kUsers + 1));
}

// Reads a's frames until a ReplayDone: the texts of the PeerDelivers before
// it ("text" with "+" when replayed, "~" when offline), each acknowledged.
Strings PeersUntilReplayDone(TestClient& a, FramePtr* done) {
  Strings got;
  for (;;) {
    FramePtr f = Next(a);
    if (!f || f->body_case == RTM__WIRE__FRAME__BODY_REPLAY_DONE) {
      *done = std::move(f);
      return got;
    }
    if (f->body_case != RTM__WIRE__FRAME__BODY_PEER_DELIVER) continue;
    const Rtm__Wire__PeerDeliver* d = f->peer_deliver;
    got.push_back(std::string(d->message->text) + (d->replayed ? "+" : "") +
                  (d->message->offline ? "~" : ""));
    a.PeerAck(d->seq);
  }
}

// S13: the grace counts from the last data rtmd received on the lost link,
// not from when it noticed the loss: alice goes silent (no FIN), rtmd
// notices after its 3 s idle timeout, and bob still sees her leave 4 s
// after her last frame, not 7 s.
TEST(Grace, CountsFromTheLastDataReceived_S13) {
  RtmdProcess rtmd({"--session-grace-ms", "4000"});
  ASSERT_TRUE(rtmd.started());
  TestClient a, b;
  ASSERT_TRUE(Online(a, rtmd, "alice", "app", 3));
  ASSERT_TRUE(Online(b, rtmd, "bob"));
  ASSERT_EQ(b.Join("room"), 0);
  ASSERT_EQ(a.Join("room"), 0);  // alice's last frame: she sends nothing after it
  auto last = std::chrono::steady_clock::now();
  FramePtr ev;
  while (!ev && std::chrono::steady_clock::now() - last < milliseconds(9000)) {
    b.Ping();  // bob stays alive
    FramePtr f = b.ReadFrame(200);
    if (f && f->body_case == RTM__WIRE__FRAME__BODY_MEMBER_EVENT && !f->member_event->joined)
      ev = std::move(f);
  }
  ASSERT_TRUE(ev) << "alice never left";
  auto after = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - last);
  EXPECT_GE(after.count(), 3900);
  EXPECT_LE(after.count(), 4600);
}

// S9, B1: what rtmd answered OK for alice while she was in her grace is not
// lost when the grace ends first: it comes at her next login, after the
// messages delivered but not acknowledged and before those kept while she
// was offline (A6), oldest first, once; the same client is not given again
// what it says it received. ReplayDone counts them.
TEST(Grace, MessagesAcceptedDuringTheGraceComeAtTheNextLogin_S9) {
  RtmdProcess rtmd({"--session-grace-ms", "800"});
  ASSERT_TRUE(rtmd.started());
  TestClient a, b;
  ASSERT_TRUE(Online(a, rtmd, "alice", "app", 7));
  ASSERT_TRUE(Online(b, rtmd, "bob"));
  ASSERT_EQ(b.PeerSend("alice", "m1"), RTM_PEER_MESSAGE_ERR_OK);
  ASSERT_EQ(b.PeerSend("alice", "m2"), RTM_PEER_MESSAGE_ERR_OK);
  FramePtr d1 = a.Expect(RTM__WIRE__FRAME__BODY_PEER_DELIVER);
  FramePtr d2 = a.Expect(RTM__WIRE__FRAME__BODY_PEER_DELIVER);
  ASSERT_TRUE(d1 && d2);
  ASSERT_TRUE(a.PeerAck(d1->peer_deliver->seq));  // m2 received, its ack lost with the link
  ASSERT_TRUE(DropLink(a, rtmd, "alice"));
  EXPECT_EQ(b.PeerSend("alice", "m3"), RTM_PEER_MESSAGE_ERR_OK);
  EXPECT_EQ(b.PeerSend("alice", "m4"), RTM_PEER_MESSAGE_ERR_OK);
  ASSERT_TRUE(rtmd.WaitForLog("app/alice: not back within 800 ms, session ended"));
  EXPECT_TRUE(rtmd.WaitForLog("app/alice: session ended with 3 peer messages"));
  EXPECT_EQ(b.PeerSend("alice", "m5", true), RTM_PEER_MESSAGE_ERR_CACHED_BY_SERVER);
  EXPECT_EQ(b.PeerSend("alice", "m6"), RTM_PEER_MESSAGE_ERR_PEER_UNREACHABLE);

  FramePtr r = Reconnect(a, rtmd, "alice", 7, {d2->peer_deliver->seq, {}});
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->login_result->resumed);
  FramePtr done;
  EXPECT_EQ(PeersUntilReplayDone(a, &done), (Strings{"m3+", "m4+", "m5~"}));
  ASSERT_TRUE(done);
  EXPECT_EQ(done->replay_done->peer_messages, 2u);
  EXPECT_EQ(done->replay_done->peer_dropped, 0u);
  EXPECT_EQ(b.PeerSend("alice", "m7"), RTM_PEER_MESSAGE_ERR_OK);
  FramePtr d = a.Expect(RTM__WIRE__FRAME__BODY_PEER_DELIVER);
  ASSERT_TRUE(d);
  EXPECT_STREQ(d->peer_deliver->message->text, "m7");
  EXPECT_FALSE(d->peer_deliver->replayed);
}

// S9: a client that does not name the session it had (another instance, or
// an application that started again) gets every message that session had
// not acknowledged, the one received without an ack too.
TEST(Grace, AnEndedSessionsMessagesGoToAnyNextLogin_S9) {
  RtmdProcess rtmd({"--session-grace-ms", "500"});
  ASSERT_TRUE(rtmd.started());
  TestClient a, b;
  ASSERT_TRUE(Online(a, rtmd, "alice", "app", 7));
  ASSERT_TRUE(Online(b, rtmd, "bob"));
  ASSERT_EQ(b.PeerSend("alice", "m1"), RTM_PEER_MESSAGE_ERR_OK);
  ASSERT_TRUE(a.Expect(RTM__WIRE__FRAME__BODY_PEER_DELIVER));
  ASSERT_TRUE(DropLink(a, rtmd, "alice"));
  EXPECT_EQ(b.PeerSend("alice", "m2"), RTM_PEER_MESSAGE_ERR_OK);
  ASSERT_TRUE(rtmd.WaitForLog("app/alice: not back within 500 ms, session ended"));
  TestClient a2;
  ASSERT_TRUE(Online(a2, rtmd, "alice", "app", 8));
  FramePtr d1 = a2.Expect(RTM__WIRE__FRAME__BODY_PEER_DELIVER);
  FramePtr d2 = a2.Expect(RTM__WIRE__FRAME__BODY_PEER_DELIVER);
  ASSERT_TRUE(d1 && d2);
  EXPECT_STREQ(d1->peer_deliver->message->text, "m1");
  EXPECT_STREQ(d2->peer_deliver->message->text, "m2");
  a2.PeerAck(d2->peer_deliver->seq);
  EXPECT_TRUE(a2.QuietFor(300)) << "a ReplayDone after a login that named no session";
}

// S9: a bound that drops messages of an ended session is reported: the
// queue of the session (--max-unacked 2) overflowed in its grace, and the
// next login's ReplayDone says how many were dropped; rtmd logs it.
TEST(Grace, DropsOfAnEndedSessionAreReported_S9) {
  RtmdProcess rtmd({"--session-grace-ms", "500", "--max-unacked", "2"});
  ASSERT_TRUE(rtmd.started());
  TestClient a, b;
  ASSERT_TRUE(Online(a, rtmd, "alice", "app", 7));
  ASSERT_TRUE(Online(b, rtmd, "bob"));
  ASSERT_TRUE(DropLink(a, rtmd, "alice"));
  for (const char* text : {"p1", "p2", "p3", "p4", "p5"})
    EXPECT_EQ(b.PeerSend("alice", text), RTM_PEER_MESSAGE_ERR_OK) << text;
  ASSERT_TRUE(rtmd.WaitForLog("app/alice: session ended with 2 peer messages "
                              "unacknowledged: kept for the next login (3 dropped)"));
  FramePtr r = Reconnect(a, rtmd, "alice", 7);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->login_result->resumed);
  FramePtr done;
  EXPECT_EQ(PeersUntilReplayDone(a, &done), (Strings{"p4+", "p5+"}));
  ASSERT_TRUE(done);
  EXPECT_EQ(done->replay_done->peer_messages, 2u);
  EXPECT_EQ(done->replay_done->peer_dropped, 3u);
}

// S9 after a logout: what was delivered but not acknowledged when the
// user logged out comes at its next login.
TEST(Grace, UnacknowledgedAtLogoutComeAtTheNextLogin_S9) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient b;
  ASSERT_TRUE(Online(b, rtmd, "bob"));
  {
    TestClient a;
    ASSERT_TRUE(Online(a, rtmd, "alice", "app", 7));
    ASSERT_EQ(b.PeerSend("alice", "seen"), RTM_PEER_MESSAGE_ERR_OK);
    ASSERT_EQ(b.PeerSend("alice", "unseen"), RTM_PEER_MESSAGE_ERR_OK);
    FramePtr d = a.Expect(RTM__WIRE__FRAME__BODY_PEER_DELIVER);
    ASSERT_TRUE(d);
    ASSERT_TRUE(a.PeerAck(d->peer_deliver->seq));
    ASSERT_TRUE(a.Expect(RTM__WIRE__FRAME__BODY_PEER_DELIVER));  // read, not acknowledged
    ASSERT_EQ(a.Logout(), 0);
  }
  TestClient a;
  ASSERT_TRUE(Online(a, rtmd, "alice", "app", 7));
  FramePtr d = a.Expect(RTM__WIRE__FRAME__BODY_PEER_DELIVER);
  ASSERT_TRUE(d);
  EXPECT_STREQ(d->peer_deliver->message->text, "unseen");
  a.PeerAck(d->peer_deliver->seq);
  EXPECT_TRUE(a.QuietFor(300));
}

// S10 after S13, S14, B2: alice's grace ended while bob wrote in their
// channel; her client logs in again (a new session) and rejoins with her
// cursor: after the Join's Result come the messages she missed, those of
// the replay window before her login and since, at most --replay-max,
// replayed = true, then ReplayDone{channel counts} with the Join's id.
TEST(Grace, RejoinAfterTheGraceReplaysTheChannel_S10_S14) {
  RtmdProcess rtmd({"--session-grace-ms", "500", "--replay-max", "4",
                    "--replay-window-ms", "3000"});
  ASSERT_TRUE(rtmd.started());
  TestClient a, b;
  ASSERT_TRUE(Online(a, rtmd, "alice", "app", 7));
  ASSERT_TRUE(Online(b, rtmd, "bob"));
  ASSERT_EQ(a.Join("room"), 0);
  ASSERT_EQ(b.Join("room"), 0);
  ASSERT_EQ(b.ChannelSend("room", "c1"), 0);
  FramePtr d = a.Expect(RTM__WIRE__FRAME__BODY_CHANNEL_DELIVER);
  ASSERT_TRUE(d);
  const uint64_t cursor = d->channel_deliver->seq;
  ASSERT_TRUE(DropLink(a, rtmd, "alice"));
  ASSERT_EQ(b.ChannelSend("room", "c2"), 0);  // out of the window at her login
  for (int i = 0; i < 11; i++) {                // 3.3 s, bob's link kept alive
    b.Ping();
    std::this_thread::sleep_for(milliseconds(300));
  }
  ASSERT_TRUE(rtmd.WaitForLog("app/alice: not back within 500 ms, session ended"));
  FramePtr left = b.Expect(RTM__WIRE__FRAME__BODY_MEMBER_EVENT);
  ASSERT_TRUE(left);
  EXPECT_FALSE(left->member_event->joined);
  for (const char* text : {"c3", "c4", "c5"}) ASSERT_EQ(b.ChannelSend("room", text), 0);

  FramePtr r = Reconnect(a, rtmd, "alice", 7);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->login_result->resumed);
  FramePtr done = a.Expect(RTM__WIRE__FRAME__BODY_REPLAY_DONE);  // the login's (S9)
  ASSERT_TRUE(done);
  ASSERT_EQ(b.ChannelSend("room", "c6"), 0);  // after the login, before the rejoin
  ASSERT_EQ(b.ChannelSend("room", "c7"), 0);
  ASSERT_EQ(a.Rejoin("room", true, cursor), 0);
  const uint32_t join_id = a.last_request_id();
  Strings got;
  for (;;) {
    FramePtr f = Next(a);
    ASSERT_TRUE(f);
    if (f->body_case == RTM__WIRE__FRAME__BODY_REPLAY_DONE) {
      done = std::move(f);
      break;
    }
    if (f->body_case != RTM__WIRE__FRAME__BODY_CHANNEL_DELIVER) continue;  // member count
    EXPECT_TRUE(f->channel_deliver->replayed);
    got.push_back(f->channel_deliver->message->text);
  }
  EXPECT_EQ(got, (Strings{"c4", "c5", "c6", "c7"}));  // c3 beyond the count
  EXPECT_EQ(done->request_id, join_id);
  EXPECT_EQ(done->replay_done->channel_messages, 4u);
  EXPECT_EQ(done->replay_done->channel_skipped, 2u);  // c2 (window), c3 (count)
  FramePtr joined = b.Expect(RTM__WIRE__FRAME__BODY_MEMBER_EVENT);
  ASSERT_TRUE(joined);
  EXPECT_TRUE(joined->member_event->joined);
  // A plain join: no replay, no ReplayDone.
  ASSERT_EQ(a.Leave("room"), 0);
  ASSERT_EQ(a.Join("other"), 0);
  for (FramePtr f = a.ReadFrame(300); f; f = a.ReadFrame(300))
    EXPECT_EQ(f->body_case, RTM__WIRE__FRAME__BODY_MEMBER_COUNT_EVENT);
}

}  // namespace
}  // namespace rtm_test

// A login from a link the client already gave up can arrive late (its bytes
// were held up in the network) after a newer link of the same instance is
// in: its link_seq is not above the session's, so it is refused (REJECTED)
// and takes nothing over; a newer link still does.
TEST(Grace, LateLoginOfAnAbandonedLinkIsRefused_S7) {
  rtm_test::RtmdProcess rtmd({"--session-grace-ms", "10000"});
  ASSERT_TRUE(rtmd.started());
  uint64_t session = 0;
  auto login = [&](rtm_test::TestClient& c, uint32_t link_seq, bool* resumed) -> int {
    if (!c.Connect(rtmd.host(), rtmd.port()) || !c.Hello()) return -1;
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    Rtm__Wire__Login l = RTM__WIRE__LOGIN__INIT;
    l.app_id = const_cast<char*>("app");
    l.user_id = const_cast<char*>("alice");
    l.instance_id = 7;
    l.link_seq = link_seq;
    l.session_id = session;
    f.body_case = RTM__WIRE__FRAME__BODY_LOGIN;
    f.login = &l;
    rtm_test::FramePtr r = c.Request(f);
    if (!r || r->body_case != RTM__WIRE__FRAME__BODY_LOGIN_RESULT) return -1;
    *resumed = r->login_result->resumed;
    if (r->login_result->code == 0) session = r->login_result->session_id;
    return r->login_result->code;
  };
  rtm_test::TestClient live, older, same, newer;
  bool resumed = false;
  ASSERT_EQ(login(live, 5, &resumed), 0);
  EXPECT_EQ(login(older, 4, &resumed), RTM_LOGIN_ERR_REJECTED);
  EXPECT_EQ(login(same, 5, &resumed), RTM_LOGIN_ERR_REJECTED);
  EXPECT_EQ(live.Join("room"), 0) << "the live link was taken over";
  ASSERT_EQ(login(newer, 6, &resumed), 0);
  EXPECT_TRUE(resumed);
  EXPECT_TRUE(live.WaitClosed()) << "the newer link takes the session over";
}

// A session of the same instance is resumed only when the login names it:
// one made meanwhile by a late login of an abandoned link (after the grace
// ended the first) is taken over as new (resumed false: the client rejoins
// its channels and sets its attributes again, S14), and what it holds is
// re-delivered (S9).
TEST(Grace, OnlyTheSessionTheClientHadIsResumed_S14) {
  rtm_test::RtmdProcess rtmd({"--session-grace-ms", "10000"});
  ASSERT_TRUE(rtmd.started());
  rtm_test::TestClient first, other;
  ASSERT_TRUE(first.Connect(rtmd.host(), rtmd.port()) && first.Hello());
  ASSERT_EQ(first.Login("app", "alice", 7), 0);
  const uint64_t had = first.session_id();
  ASSERT_NE(had, 0u);
  rtm_test::TestClient bob;
  ASSERT_TRUE(rtm_test::Online(bob, rtmd, "bob"));
  ASSERT_EQ(bob.PeerSend("alice", "to the first link"), 0);
  ASSERT_TRUE(first.Expect(RTM__WIRE__FRAME__BODY_PEER_DELIVER));  // not acknowledged
  // The same instance logs in naming another session: not resumed, and
  // what the session holds is all new to it (S9): re-delivered, whatever
  // its cursor says, then counted in a ReplayDone.
  ASSERT_TRUE(other.Connect(rtmd.host(), rtmd.port()) && other.Hello());
  other.set_session_id(had + 1);
  bool resumed = true;
  ASSERT_EQ(other.Login("app", "alice", 7, "", &resumed), 0);
  EXPECT_FALSE(resumed);
  rtm_test::FramePtr d = other.Expect(RTM__WIRE__FRAME__BODY_PEER_DELIVER);
  ASSERT_TRUE(d);
  EXPECT_STREQ(d->peer_deliver->message->text, "to the first link");
  rtm_test::FramePtr done = other.Expect(RTM__WIRE__FRAME__BODY_REPLAY_DONE);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->replay_done->peer_messages, 1u);
  // Naming the session it has now resumes it.
  rtm_test::TestClient again;
  ASSERT_TRUE(again.Connect(rtmd.host(), rtmd.port()) && again.Hello());
  again.set_session_id(other.session_id());
  ASSERT_EQ(again.Login("app", "alice", 7, "", &resumed), 0);
  EXPECT_TRUE(resumed);
}
