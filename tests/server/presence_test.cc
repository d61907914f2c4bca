// Presence (SPEC A8): QueryPeers, Subscribe, GetSubscribed, PeerStateEvent,
// with the grace of S12/S13 and the takeover of S16.
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "rtm/rtm_codes.h"
#include "server_test.h"

namespace rtm_test {
namespace {

using std::chrono::milliseconds;
using States = std::vector<std::pair<std::string, int>>;

constexpr int kOnline = 0, kUnreachable = 1, kOffline = 2;  // PeerOnlineState

States Of(size_t n, Rtm__Wire__PeerState** peers) {
  States out;
  for (size_t i = 0; i < n; i++) out.emplace_back(peers[i]->user, peers[i]->state);
  return out;
}

// The peers of the next PeerStateEvent (request_id 0), or {"<none>", -1}.
States NextEvent(TestClient& c, int timeout_ms = kWaitMs) {
  FramePtr f = c.Expect(RTM__WIRE__FRAME__BODY_PEER_STATE_EVENT, timeout_ms);
  if (!f) return {{"<none>", -1}};
  EXPECT_EQ(f->request_id, 0u);
  return Of(f->peer_state_event->n_peers, f->peer_state_event->peers);
}

// PeerStates{code, peers} of a QueryPeers or GetSubscribed; code -1 when
// no answer came.
std::pair<int, States> Answer(FramePtr f) {
  if (!f) return {-1, {}};
  return {f->peer_states->code, Of(f->peer_states->n_peers, f->peer_states->peers)};
}

std::vector<std::string> Users(const std::string& prefix, int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; i++) out.push_back(prefix + std::to_string(i));
  return out;
}

// alice (on a, with instance) and bob (on b) log in; bob follows alice and
// sees her ONLINE.
::testing::AssertionResult BobFollowsAlice(const RtmdProcess& rtmd, TestClient& a,
                                           TestClient& b, uint64_t instance) {
  ::testing::AssertionResult online = Online(a, rtmd, "alice", "app", instance);
  if (!online) return online;
  if (!(online = Online(b, rtmd, "bob"))) return online;
  if (b.Subscribe({"alice"}) != 0) return ::testing::AssertionFailure() << "subscribe failed";
  States first = NextEvent(b);
  if (first != States{{"alice", kOnline}})
    return ::testing::AssertionFailure() << "no PeerStateEvent{alice ONLINE} first";
  return ::testing::AssertionSuccess();
}

// Connects, Hello, Login naming the session c had: a resume within the grace.
FramePtr Resume(TestClient& c, const RtmdProcess& rtmd, const std::string& user,
                uint64_t instance) {
  if (!c.Connect(rtmd.host(), rtmd.port()) || !c.Hello()) return nullptr;
  return c.LoginWith("app", user, instance, {});
}

// A8: the states of the users asked, in the order asked: ONLINE with a
// session, OFFLINE without one (never seen, or logged out).
TEST(Presence, QueryAnswersEachUserInTheOrderAsked_A8) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient a, b, c;
  ASSERT_TRUE(Online(a, rtmd, "alice"));
  ASSERT_TRUE(Online(b, rtmd, "bob"));
  ASSERT_TRUE(Online(c, rtmd, "carol"));
  ASSERT_EQ(c.Logout(), 0);
  EXPECT_EQ(Answer(b.QueryPeers({"zed", "alice", "carol", "bob", "alice"})),
            (std::pair<int, States>{0, {{"zed", kOffline}, {"alice", kOnline},
                                        {"carol", kOffline}, {"bob", kOnline},
                                        {"alice", kOnline}}}));
  // Another app's alice is another user.
  TestClient o;
  ASSERT_TRUE(Online(o, rtmd, "olga", "other-app"));
  EXPECT_EQ(Answer(o.QueryPeers({"alice"})),
            (std::pair<int, States>{0, {{"alice", kOffline}}}));
}

// A8, S12: a session whose link is lost stays ONLINE for --unreachable-ms
// after the last data received on that link.
TEST(Presence, LostLinkIsOnlineWithinTheUnreachableTime_A8_S12) {
  RtmdProcess rtmd({"--session-grace-ms", "20000", "--unreachable-ms", "10000"});
  ASSERT_TRUE(rtmd.started());
  TestClient a, b;
  ASSERT_TRUE(Online(a, rtmd, "alice", "app", 7));
  ASSERT_TRUE(Online(b, rtmd, "bob"));
  a.Close();
  ASSERT_TRUE(rtmd.WaitForLog("app/alice: link lost, session kept"));
  EXPECT_EQ(Answer(b.QueryPeers({"alice"})),
            (std::pair<int, States>{0, {{"alice", kOnline}}}));
}

// A8, S12, S13: past --unreachable-ms a session kept in its grace is
// UNREACHABLE; when the grace ends it is OFFLINE.
TEST(Presence, LostLinkIsUnreachableThenOfflineAtGraceEnd_A8_S13) {
  RtmdProcess rtmd({"--session-grace-ms", "1500", "--unreachable-ms", "300"});
  ASSERT_TRUE(rtmd.started());
  TestClient a, b;
  ASSERT_TRUE(Online(a, rtmd, "alice", "app", 7));
  ASSERT_TRUE(Online(b, rtmd, "bob"));
  a.Close();
  ASSERT_TRUE(rtmd.WaitForLog("app/alice: nothing received for 300 ms: unreachable"));
  EXPECT_EQ(Answer(b.QueryPeers({"alice"})),
            (std::pair<int, States>{0, {{"alice", kUnreachable}}}));
  ASSERT_TRUE(rtmd.WaitForLog("app/alice: not back within 1500 ms, session ended"));
  EXPECT_EQ(Answer(b.QueryPeers({"alice"})),
            (std::pair<int, States>{0, {{"alice", kOffline}}}));
}

// A8 (queryPeersOnlineStatus): 1 to 256 valid user ids, else
// INVALID_ARGUMENT with no peers.
TEST(Presence, QueryCodesForBadArguments_A8) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient b;
  ASSERT_TRUE(Online(b, rtmd, "bob"));
  const int invalid = RTM_QUERY_PEERS_ONLINE_STATUS_ERR_INVALID_ARGUMENT;
  EXPECT_EQ(Answer(b.QueryPeers({})), (std::pair<int, States>{invalid, {}}));
  EXPECT_EQ(Answer(b.QueryPeers({"alice", "null"})), (std::pair<int, States>{invalid, {}}));
  EXPECT_EQ(Answer(b.QueryPeers({"alice", ""})), (std::pair<int, States>{invalid, {}}));
  EXPECT_EQ(Answer(b.QueryPeers({"bad/id"})), (std::pair<int, States>{invalid, {}}));
  EXPECT_EQ(Answer(b.QueryPeers({std::string(65, 'x')})),
            (std::pair<int, States>{invalid, {}}));
  EXPECT_EQ(Answer(b.QueryPeers(Users("u", 257))), (std::pair<int, States>{invalid, {}}));
  std::pair<int, States> most = Answer(b.QueryPeers(Users("u", 256)));
  EXPECT_EQ(most.first, 0);
  EXPECT_EQ(most.second.size(), 256u);
}

// A8, limits: queryPeersOnlineStatus is held to the query-peers rate;
// over it, TOO_OFTEN. Refused bad arguments do not count.
TEST(Presence, QueryOverTheRateIsTooOften_A8) {
  RtmdProcess rtmd({"--rate", "query-peers=2/60"});
  ASSERT_TRUE(rtmd.started());
  TestClient b;
  ASSERT_TRUE(Online(b, rtmd, "bob"));
  EXPECT_EQ(Answer(b.QueryPeers({})).first,
            RTM_QUERY_PEERS_ONLINE_STATUS_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(Answer(b.QueryPeers({"alice"})).first, 0);
  EXPECT_EQ(Answer(b.QueryPeers({"alice"})).first, 0);
  EXPECT_EQ(Answer(b.QueryPeers({"alice"})),
            (std::pair<int, States>{RTM_QUERY_PEERS_ONLINE_STATUS_ERR_TOO_OFTEN, {}}));
}

// A8: Subscribe is answered OK, then one PeerStateEvent gives the current
// state of the users it added, in the order asked (not those followed
// already).
TEST(Presence, SubscribeAnswersThenSendsTheCurrentStateOfThoseAdded_A8) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient a, b;
  ASSERT_TRUE(Online(a, rtmd, "alice"));
  ASSERT_TRUE(Online(b, rtmd, "bob"));
  EXPECT_EQ(b.Subscribe({"zed", "alice", "zed"}), 0);
  EXPECT_EQ(NextEvent(b), (States{{"zed", kOffline}, {"alice", kOnline}}));
  EXPECT_EQ(b.Subscribe({"alice", "yan"}), 0);
  EXPECT_EQ(NextEvent(b), (States{{"yan", kOffline}}));
  EXPECT_EQ(b.Subscribe({"alice"}), 0);
  EXPECT_TRUE(b.QuietFor(300)) << "an event for a user followed already";
}

// A8 (PeerSubscriptionStatusError): an empty list or an invalid id is
// INVALID_ARGUMENT and changes nothing, for subscribe and unsubscribe.
TEST(Presence, SubscribeCodesForBadArgumentsChangeNothing_A8) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient b;
  ASSERT_TRUE(Online(b, rtmd, "bob"));
  const int invalid = RTM_PEER_SUBSCRIPTION_STATUS_ERR_INVALID_ARGUMENT;
  EXPECT_EQ(b.Subscribe({}), invalid);
  EXPECT_EQ(b.Subscribe({"alice", "null"}), invalid);
  EXPECT_EQ(b.Subscribe({"alice", std::string(65, 'x')}), invalid);
  EXPECT_TRUE(b.QuietFor(300)) << "an event after a refused subscribe";
  EXPECT_EQ(Answer(b.GetSubscribed()), (std::pair<int, States>{0, {}}));
  ASSERT_EQ(b.Subscribe({"alice"}), 0);
  EXPECT_EQ(NextEvent(b), (States{{"alice", kOffline}}));
  EXPECT_EQ(b.Subscribe({"alice", "bad/id"}, true), invalid);
  EXPECT_EQ(b.Subscribe({}, true), invalid);
  EXPECT_EQ(Answer(b.GetSubscribed()), (std::pair<int, States>{0, {{"alice", kOffline}}}));
}

// A8, limits: 512 subscriptions per session; a subscribe that would go past
// them is OVERFLOW and adds none of its users.
TEST(Presence, SubscribePastFiveHundredTwelveIsOverflow_A8) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient b;
  ASSERT_TRUE(Online(b, rtmd, "bob"));
  ASSERT_EQ(b.Subscribe(Users("u", 511)), 0);
  EXPECT_EQ(NextEvent(b).size(), 511u);
  EXPECT_EQ(b.Subscribe({"x", "y"}), RTM_PEER_SUBSCRIPTION_STATUS_ERR_OVERFLOW);
  EXPECT_EQ(Answer(b.GetSubscribed()).second.size(), 511u);
  EXPECT_EQ(b.Subscribe({"u0", "x", "x"}), 0);  // one new: 512
  EXPECT_EQ(NextEvent(b), (States{{"x", kOffline}}));
  EXPECT_EQ(b.Subscribe({"y"}), RTM_PEER_SUBSCRIPTION_STATUS_ERR_OVERFLOW);
  EXPECT_EQ(b.Subscribe({"u0"}), 0);  // followed already: still 512
  ASSERT_EQ(b.Subscribe({"u0"}, true), 0);
  EXPECT_EQ(b.Subscribe({"y"}), 0);
  EXPECT_EQ(Answer(b.GetSubscribed()).second.size(), 512u);
}

// A8 (queryPeersBySubscriptionOption): the subscriptions, sorted bytewise,
// with their states.
TEST(Presence, GetSubscribedIsSortedWithStates_A8) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient a, b;
  ASSERT_TRUE(Online(a, rtmd, "alice"));
  ASSERT_TRUE(Online(b, rtmd, "bob"));
  ASSERT_EQ(b.Subscribe({"zed", "alice", "Mia"}), 0);
  EXPECT_EQ(Answer(b.GetSubscribed()),
            (std::pair<int, States>{0, {{"Mia", kOffline}, {"alice", kOnline},
                                        {"zed", kOffline}}}));
}

// A8, S12, S13: a subscriber sees OFFLINE -> ONLINE at login, ONLINE ->
// UNREACHABLE --unreachable-ms after the last data of a lost link (not
// before), UNREACHABLE -> ONLINE on a resume, and -> OFFLINE at the end of
// the grace.
TEST(Presence, EventsThroughLoginLossResumeAndGraceEnd_A8_S12_S13) {
  RtmdProcess rtmd({"--session-grace-ms", "1500", "--unreachable-ms", "300"});
  ASSERT_TRUE(rtmd.started());
  TestClient a, b;
  ASSERT_TRUE(Online(b, rtmd, "bob"));
  ASSERT_EQ(b.Subscribe({"alice"}), 0);
  EXPECT_EQ(NextEvent(b), (States{{"alice", kOffline}}));

  ASSERT_TRUE(Online(a, rtmd, "alice", "app", 7));
  EXPECT_EQ(NextEvent(b), (States{{"alice", kOnline}}));

  ASSERT_TRUE(a.Ping());
  a.Close();
  auto lost = std::chrono::steady_clock::now();
  EXPECT_EQ(NextEvent(b), (States{{"alice", kUnreachable}}));
  EXPECT_GE(std::chrono::steady_clock::now() - lost, milliseconds(250));
  ASSERT_TRUE(b.Ping());

  FramePtr r = Resume(a, rtmd, "alice", 7);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->login_result->resumed);
  EXPECT_EQ(NextEvent(b), (States{{"alice", kOnline}}));
  ASSERT_TRUE(b.Ping());

  a.Close();
  EXPECT_EQ(NextEvent(b), (States{{"alice", kUnreachable}}));
  ASSERT_TRUE(b.Ping());
  EXPECT_EQ(NextEvent(b), (States{{"alice", kOffline}}));
}

// A8, S12: a link lost and taken back within --unreachable-ms is invisible
// to subscribers.
TEST(Presence, ResumeWithinTheUnreachableTimeSendsNothing_A8_S12) {
  RtmdProcess rtmd({"--session-grace-ms", "20000", "--unreachable-ms", "10000"});
  ASSERT_TRUE(rtmd.started());
  TestClient a, b;
  ASSERT_TRUE(BobFollowsAlice(rtmd, a, b, 7));
  a.Close();
  ASSERT_TRUE(rtmd.WaitForLog("app/alice: link lost, session kept"));
  FramePtr r = Resume(a, rtmd, "alice", 7);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->login_result->resumed);
  EXPECT_TRUE(b.QuietFor(500)) << "bob was told of a loss within the unreachable time";
}

// A8, S13: without a grace (--session-grace-ms 0) a lost link ends the
// session: OFFLINE at once.
TEST(Presence, LostLinkWithoutGraceIsOffline_A8_S13) {
  RtmdProcess rtmd({"--session-grace-ms", "0"});
  ASSERT_TRUE(rtmd.started());
  TestClient a, b;
  ASSERT_TRUE(BobFollowsAlice(rtmd, a, b, 1));
  a.Close();
  EXPECT_EQ(NextEvent(b), (States{{"alice", kOffline}}));
}

// A8: a logout is OFFLINE at once; a new login is ONLINE.
TEST(Presence, LogoutIsOfflineAndLoginOnline_A8) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient a, b;
  ASSERT_TRUE(BobFollowsAlice(rtmd, a, b, 1));
  ASSERT_EQ(a.Logout(), 0);
  EXPECT_EQ(NextEvent(b), (States{{"alice", kOffline}}));
  TestClient a2;
  ASSERT_TRUE(Online(a2, rtmd, "alice", "app", 2));
  EXPECT_EQ(NextEvent(b), (States{{"alice", kOnline}}));
}

// S16, A8: another instance of the same user taking over keeps the user
// online: its subscribers are told nothing.
TEST(Presence, TakeoverByAnotherInstanceSendsNothing_S16) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient a1, a2, b;
  ASSERT_TRUE(BobFollowsAlice(rtmd, a1, b, 1));
  ASSERT_TRUE(Online(a2, rtmd, "alice", "app", 2));
  FramePtr k = a1.Expect(RTM__WIRE__FRAME__BODY_KICK);
  ASSERT_TRUE(k);
  EXPECT_EQ(k->kick->reason, RTM_CONNECTION_CHANGE_REASON_REMOTE_LOGIN);
  EXPECT_TRUE(b.QuietFor(500)) << "bob was told of a takeover";
  EXPECT_EQ(Answer(b.QueryPeers({"alice"})),
            (std::pair<int, States>{0, {{"alice", kOnline}}}));
}

// S16, A8: a takeover of a session that was UNREACHABLE brings the user
// back ONLINE.
TEST(Presence, TakeoverOfAnUnreachableSessionIsOnline_S16) {
  RtmdProcess rtmd({"--session-grace-ms", "20000", "--unreachable-ms", "200"});
  ASSERT_TRUE(rtmd.started());
  TestClient a1, a2, b;
  ASSERT_TRUE(BobFollowsAlice(rtmd, a1, b, 1));
  a1.Close();
  EXPECT_EQ(NextEvent(b), (States{{"alice", kUnreachable}}));
  ASSERT_TRUE(Online(a2, rtmd, "alice", "app", 2));
  EXPECT_EQ(NextEvent(b), (States{{"alice", kOnline}}));
}

// A8: after an unsubscribe no event comes for that user; others still do.
TEST(Presence, UnsubscribeStopsTheEvents_A8) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient a, c, b;
  ASSERT_TRUE(Online(a, rtmd, "alice"));
  ASSERT_TRUE(Online(c, rtmd, "carol"));
  ASSERT_TRUE(Online(b, rtmd, "bob"));
  ASSERT_EQ(b.Subscribe({"alice", "carol"}), 0);
  EXPECT_EQ(NextEvent(b), (States{{"alice", kOnline}, {"carol", kOnline}}));
  EXPECT_EQ(b.Subscribe({"alice", "nobody"}, true), 0);
  ASSERT_EQ(a.Logout(), 0);
  ASSERT_EQ(c.Logout(), 0);
  EXPECT_EQ(NextEvent(b), (States{{"carol", kOffline}}));
  EXPECT_TRUE(b.QuietFor(300)) << "an event for alice after the unsubscribe";
  EXPECT_EQ(Answer(b.GetSubscribed()), (std::pair<int, States>{0, {{"carol", kOffline}}}));
}

// A8, S12: subscriptions belong to the session: kept through a resume, after
// whose ReplayDone one PeerStateEvent gives the current state of them all
// (the changes missed meanwhile); a new session starts with none.
TEST(Presence, SubscriptionsAreKeptThroughAResumeWithTheirStates_A8_S12) {
  RtmdProcess rtmd({"--session-grace-ms", "10000"});
  ASSERT_TRUE(rtmd.started());
  TestClient a, b;
  ASSERT_TRUE(Online(a, rtmd, "alice"));
  ASSERT_TRUE(Online(b, rtmd, "bob", "app", 5));
  ASSERT_EQ(b.Subscribe({"carol", "alice"}), 0);
  EXPECT_EQ(NextEvent(b), (States{{"carol", kOffline}, {"alice", kOnline}}));
  b.Close();
  ASSERT_TRUE(rtmd.WaitForLog("app/bob: link lost, session kept"));
  ASSERT_EQ(a.Logout(), 0);  // bob misses it

  FramePtr r = Resume(b, rtmd, "bob", 5);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->login_result->resumed);
  FramePtr next;
  do next = b.ReadFrame(); while (next && next->body_case == RTM__WIRE__FRAME__BODY_PING);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body_case, RTM__WIRE__FRAME__BODY_REPLAY_DONE);
  EXPECT_EQ(NextEvent(b), (States{{"alice", kOffline}, {"carol", kOffline}}));
  EXPECT_EQ(Answer(b.GetSubscribed()),
            (std::pair<int, States>{0, {{"alice", kOffline}, {"carol", kOffline}}}));

  ASSERT_EQ(b.Logout(), 0);
  TestClient b2;
  ASSERT_TRUE(Online(b2, rtmd, "bob", "app", 5));
  EXPECT_EQ(Answer(b2.GetSubscribed()), (std::pair<int, States>{0, {}}));
}

// The presence requests need a login: before it they are protocol errors.
TEST(Presence, RequestsBeforeLoginAreProtocolErrors) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient c;
  ASSERT_TRUE(c.Connect(rtmd.host(), rtmd.port()));
  ASSERT_TRUE(c.Hello());
  Rtm__Wire__GetSubscribed g = RTM__WIRE__GET_SUBSCRIBED__INIT;
  rtm__frame f = RTM__WIRE__FRAME__INIT;
  f.request_id = 1;
  f.body_case = RTM__WIRE__FRAME__BODY_GET_SUBSCRIBED;
  f.get_subscribed = &g;
  ASSERT_TRUE(c.SendFrame(f));
  EXPECT_TRUE(ClosedWith(c, RTM__WIRE__CLOSE__CODE__CLOSE_PROTOCOL));
}

}  // namespace
}  // namespace rtm_test
