// End-to-end tests of interruption and reconnection (SPEC S7-S14, B1, B2):
// the C API against a real rtmd, through rtm-faultproxy, which makes the
// link go silent, reset or close on command. Timings are shortened (x 1/4)
// except in DefaultTimings, which proves the documented 4 s and 30 s.
#include <gtest/gtest.h>

#include "client_harness.h"
#include "fault_proxy.h"
#include "rtmd_process.h"

namespace {

using namespace rtm_e2e;
using namespace std::chrono;

// The server to match kFastClient (client_harness.h): heartbeats every
// 100 ms, a session kept 3 s.
std::vector<std::string> FastServer(std::vector<std::string> extra = {})
{
    std::vector<std::string> args = {"--heartbeat-ms", "100",
                                     "--idle-timeout-ms", "300",
                                     "--session-grace-ms", "3000"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

// A real rtmd and a fault proxy in front of it; alice talks to rtmd
// directly, bob through the proxy, so the proxy's faults hit bob's link.
struct Scene {
    explicit Scene(std::vector<std::string> server_args = FastServer(),
                   const char *client_params = kFastClient)
        : rtmd(server_args), proxy(rtmd.address()),
          alice(rtmd.address(), client_params), bob(proxy.address(), client_params)
    {
    }
    // Both log in; with a channel, both join it (alice's handle in room).
    testing::AssertionResult Ready(const char *channel = nullptr)
    {
        if (!rtmd.started() || !proxy.started())
            return testing::AssertionFailure() << "rtmd or the proxy did not start";
        if (alice.Login("alice") != 0 || bob.Login("bob") != 0)
            return testing::AssertionFailure() << "login failed";
        if (channel == nullptr)
            return testing::AssertionSuccess();
        room = alice.Channel(channel);
        if (alice.Join(room) != 0 || bob.Join(bob.Channel(channel)) != 0 ||
            !alice.WaitFor(std::string("joined ") + channel + " bob"))
            return testing::AssertionFailure() << "join failed";
        return testing::AssertionSuccess();
    }
    rtm_test::RtmdProcess rtmd;
    rtm_test::FaultProxy proxy;
    Client alice;
    Client bob;
    rtm_channel *room = nullptr;
};

std::string Peer(const std::string &from, const std::string &text)
{
    return "peer " + from + ": " + text;
}

TEST(ResilienceE2E, S7_InterruptionShorterThanTheReportTimeIsNotReported)
{
    Scene sc;
    ASSERT_TRUE(sc.Ready());
    ASSERT_TRUE(sc.proxy.Silent());
    std::this_thread::sleep_for(milliseconds(500));
    ASSERT_TRUE(sc.proxy.Pass());
    // Well past the report time: nothing was reported, and messages flow.
    std::this_thread::sleep_for(milliseconds(1500));
    EXPECT_EQ((Strings{kConnecting, kConnected}), sc.bob.States());
    EXPECT_EQ(0, sc.alice.SendText("bob", "still here?"));
    EXPECT_TRUE(sc.bob.WaitFor(Peer("alice", "still here?")));
    EXPECT_EQ(0, sc.bob.SendText("alice", "yes"));
    EXPECT_TRUE(sc.alice.WaitFor(Peer("bob", "yes")));
}

TEST(ResilienceE2E, S7_S8_LongInterruptionIsReportedThenReconnectsByItself)
{
    Scene sc;
    ASSERT_TRUE(sc.Ready());
    auto silent_at = Clock::now();
    ASSERT_TRUE(sc.proxy.Silent());
    ASSERT_TRUE(sc.bob.WaitFor(kInterrupted));
    // Reported about 1 s (the scaled 4 s) after the last data, which came at
    // most one server heartbeat before the silence began.
    auto after = duration_cast<milliseconds>(sc.bob.TimeOf(kInterrupted) - silent_at);
    EXPECT_GE(after.count(), 1000 - 100);
    EXPECT_LT(after.count(), 3000); // a bound for a noisy machine, not a timing
    // S8: it keeps trying; once the network is back it is CONNECTED again,
    // with no login result.
    std::this_thread::sleep_for(milliseconds(500));
    ASSERT_TRUE(sc.proxy.Pass());
    ASSERT_TRUE(sc.bob.WaitFor(kConnected, 2));
    EXPECT_EQ((Strings{kConnecting, kConnected, kInterrupted, kConnected}),
              sc.bob.States());
}

TEST(ResilienceE2E, S7_ResetLinkIsRestoredSilently)
{
    Scene sc;
    ASSERT_TRUE(sc.Ready());
    for (int i = 0; i < 3; i++) {
        ASSERT_TRUE(sc.proxy.Reset());
        std::this_thread::sleep_for(milliseconds(300));
    }
    EXPECT_EQ((Strings{kConnecting, kConnected}), sc.bob.States());
    EXPECT_EQ(0, sc.alice.SendText("bob", "after resets"));
    EXPECT_TRUE(sc.bob.WaitFor(Peer("alice", "after resets")));
}

TEST(ResilienceE2E, S9_S10_B1_B2_WhatWasSentMeanwhileArrivesOnce)
{
    Scene sc;
    ASSERT_TRUE(sc.Ready("room"));
    ASSERT_EQ(0, sc.alice.ChannelSend(sc.room, "before"));
    ASSERT_TRUE(sc.bob.WaitFor("channel room alice: before"));
    ASSERT_TRUE(sc.proxy.Silent());
    ASSERT_TRUE(sc.bob.WaitFor(kInterrupted));
    // Bob is away, but his session is kept: messages to him are accepted.
    for (int i = 1; i <= 5; i++) {
        EXPECT_EQ(RTM_PEER_MESSAGE_ERR_OK,
                  sc.alice.SendText("bob", "p" + std::to_string(i)));
        EXPECT_EQ(0, sc.alice.ChannelSend(sc.room, "c" + std::to_string(i)));
    }
    ASSERT_TRUE(sc.proxy.Pass());
    ASSERT_TRUE(sc.bob.WaitFor(kConnected, 2));
    ASSERT_TRUE(sc.bob.WaitFor("replay peer=5 channel=5 skipped=0 dropped=0"));
    Strings peers = sc.bob.EventsWithPrefix("peer alice: ");
    Strings chans = sc.bob.EventsWithPrefix("channel room alice: ");
    EXPECT_EQ((Strings{Peer("alice", "p1"), Peer("alice", "p2"), Peer("alice", "p3"),
                       Peer("alice", "p4"), Peer("alice", "p5")}),
              peers);
    EXPECT_EQ((Strings{"channel room alice: before", "channel room alice: c1",
                       "channel room alice: c2", "channel room alice: c3",
                       "channel room alice: c4", "channel room alice: c5"}),
              chans);
    // And nothing more comes later.
    std::this_thread::sleep_for(milliseconds(500));
    EXPECT_EQ(peers, sc.bob.EventsWithPrefix("peer alice: "));
    EXPECT_EQ(chans, sc.bob.EventsWithPrefix("channel room alice: "));
}

// S10, B2: a sender is never sent its own channel messages, so a resume
// does not replay them to it either: only the others' messages it missed
// come, and the ReplayDone counts none of its own as skipped.
TEST(ResilienceE2E, S10_B2_ASendersOwnChannelMessagesAreNotReplayedToIt)
{
    Scene sc;
    ASSERT_TRUE(sc.Ready());
    sc.room = sc.alice.Channel("room");
    rtm_channel *bobs = sc.bob.Channel("room");
    ASSERT_EQ(0, sc.alice.Join(sc.room));
    ASSERT_EQ(0, sc.bob.Join(bobs));
    ASSERT_EQ(0, sc.bob.ChannelSend(bobs, "mine1"));
    ASSERT_EQ(0, sc.bob.ChannelSend(bobs, "mine2"));
    ASSERT_TRUE(sc.alice.WaitFor("channel room bob: mine2"));
    ASSERT_TRUE(sc.proxy.Silent());
    ASSERT_TRUE(sc.bob.WaitFor(kInterrupted));
    ASSERT_EQ(0, sc.alice.ChannelSend(sc.room, "theirs"));
    ASSERT_TRUE(sc.proxy.Pass());
    ASSERT_TRUE(sc.bob.WaitFor(kConnected, 2));
    ASSERT_TRUE(sc.bob.WaitFor("replay peer=0 channel=1 skipped=0 dropped=0"));
    EXPECT_EQ((Strings{"channel room alice: theirs"}), sc.bob.EventsWithPrefix("channel room "));
}

TEST(ResilienceE2E, S10_ReplayIsTheLatestMessagesOfTheWindowAtMostTheCount)
{
    // A window of 1.5 s and at most 3 messages, in place of 30 s and 32.
    Scene sc(FastServer({"--replay-window-ms", "1500", "--replay-max", "3",
                         "--session-grace-ms", "10000"}));
    ASSERT_TRUE(sc.Ready("room"));
    ASSERT_TRUE(sc.proxy.Silent());
    ASSERT_TRUE(sc.bob.WaitFor(kInterrupted));
    ASSERT_EQ(0, sc.alice.ChannelSend(sc.room, "old")); // leaves the window
    std::this_thread::sleep_for(milliseconds(2000));
    for (int i = 1; i <= 5; i++) // only the latest 3 are replayed
        ASSERT_EQ(0, sc.alice.ChannelSend(sc.room, "new" + std::to_string(i)));
    ASSERT_TRUE(sc.proxy.Pass());
    ASSERT_TRUE(sc.bob.WaitFor("replay peer=0 channel=3 skipped=3 dropped=0"));
    EXPECT_EQ((Strings{"channel room alice: new3", "channel room alice: new4",
                       "channel room alice: new5"}),
              sc.bob.EventsWithPrefix("channel room alice: "));
}

TEST(ResilienceE2E, S11_LogoutStopsReconnection)
{
    Scene sc;
    ASSERT_TRUE(sc.Ready());
    ASSERT_TRUE(sc.proxy.Refuse());
    ASSERT_TRUE(sc.proxy.Reset());
    ASSERT_TRUE(sc.bob.WaitFor(kInterrupted));
    EXPECT_EQ(RTM_LOGOUT_ERR_OK, sc.bob.Logout());
    ASSERT_TRUE(sc.bob.WaitFor(kLoggedOut));
    ASSERT_TRUE(sc.proxy.Accept());
    std::this_thread::sleep_for(milliseconds(1000));
    EXPECT_EQ((Strings{kConnecting, kConnected, kInterrupted, kLoggedOut}),
              sc.bob.States());
    EXPECT_EQ(0, sc.proxy.OpenConnections());
}

TEST(ResilienceE2E, S12_BackWithinTheGraceIsInvisibleToOthers)
{
    Scene sc;
    ASSERT_TRUE(sc.Ready("room"));
    ASSERT_TRUE(sc.proxy.Silent());
    ASSERT_TRUE(sc.bob.WaitFor(kInterrupted));
    // Away, but still a member and online to the others.
    Strings members;
    EXPECT_EQ(0, sc.alice.Members(sc.room, &members));
    EXPECT_EQ((Strings{"alice", "bob"}), members);
    ASSERT_TRUE(sc.proxy.Pass());
    ASSERT_TRUE(sc.bob.WaitFor(kConnected, 2));
    std::this_thread::sleep_for(milliseconds(500));
    EXPECT_EQ(0u, sc.alice.Count("left room bob"));
    EXPECT_EQ(1u, sc.alice.Count("joined room bob"));
}

TEST(ResilienceE2E, S13_S14_LateReturnRejoinsAndRestoresAttributes)
{
    Scene sc;
    ASSERT_TRUE(sc.Ready("room"));
    ASSERT_EQ(0, sc.bob.SetAttributes({{"mood", "happy"}, {"lang", "en"}}));
    int code = -1;
    EXPECT_EQ("lang=en,mood=happy", sc.alice.GetAttributes("bob", &code));
    EXPECT_EQ(0, code);
    ASSERT_TRUE(sc.proxy.Silent());
    // S13: past the grace (3 s), bob is removed: the others see him leave.
    ASSERT_TRUE(sc.alice.WaitFor("left room bob", 1, seconds(15)));
    sc.alice.GetAttributes("bob", &code);
    EXPECT_EQ(RTM_ATTRIBUTE_OPERATION_ERR_USER_NOT_FOUND, code);
    Strings members;
    EXPECT_EQ(0, sc.alice.Members(sc.room, &members));
    EXPECT_EQ((Strings{"alice"}), members);
    // S14: when he comes back, CONNECTED, he is in the channel again and his
    // attributes are back, without the application doing anything.
    ASSERT_TRUE(sc.proxy.Pass());
    ASSERT_TRUE(sc.bob.WaitFor(kConnected, 2));
    EXPECT_TRUE(sc.alice.WaitFor("joined room bob", 2));
    bool restored = false;
    for (int i = 0; i < 50 && !restored; i++) {
        restored = sc.alice.GetAttributes("bob", &code) == "lang=en,mood=happy";
        if (!restored)
            std::this_thread::sleep_for(milliseconds(100));
    }
    EXPECT_TRUE(restored);
    EXPECT_EQ(0, sc.alice.ChannelSend(sc.room, "welcome back"));
    EXPECT_TRUE(sc.bob.WaitFor("channel room alice: welcome back"));
}

TEST(ResilienceE2E, B1_MessagesSentAcrossResetsArriveOnceInOrder)
{
    Scene sc;
    ASSERT_TRUE(sc.Ready());
    // Bob sends without waiting while his link is reset under him.
    constexpr int kCount = 200;
    std::vector<std::unique_ptr<Client::Waiter>> waiters;
    for (int i = 0; i < kCount; i++) {
        std::string text = "m" + std::to_string(i);
        rtm_message m = {};
        m.type = RTM_MESSAGE_TYPE_TEXT;
        m.text = text.c_str();
        waiters.emplace_back(new Client::Waiter);
        ASSERT_EQ(0, rtm_send_peer_message(sc.bob.get(), "alice", &m,
                                           Client::Waiter::Done,
                                           waiters.back().get()));
        if (i % 40 == 20) {
            ASSERT_TRUE(sc.proxy.Reset());
        }
        std::this_thread::sleep_for(milliseconds(2));
    }
    for (auto &w : waiters)
        EXPECT_EQ(RTM_PEER_MESSAGE_ERR_OK, w->Wait());
    ASSERT_TRUE(sc.alice.WaitFor(Peer("bob", "m" + std::to_string(kCount - 1))));
    Strings got = sc.alice.EventsWithPrefix("peer bob: ");
    ASSERT_EQ(static_cast<size_t>(kCount), got.size());
    for (int i = 0; i < kCount; i++)
        EXPECT_EQ(Peer("bob", "m" + std::to_string(i)), got[i]);
    EXPECT_EQ((Strings{kConnecting, kConnected}), sc.bob.States());
}

// The documented defaults, once: the interruption reported between 4 and
// 5 s after the last data (S7), the replay (S9, S10), and removal 30 s
// after the last data (S13).
TEST(ResilienceE2E, DefaultTimings_S7_S9_S10_S13)
{
    Scene sc({}, nullptr);
    ASSERT_TRUE(sc.Ready("room"));
    // The server sends every second when idle: the last data came at most
    // 1 s before the silence.
    auto silent_at = Clock::now();
    ASSERT_TRUE(sc.proxy.Silent());
    ASSERT_TRUE(sc.bob.WaitFor(kInterrupted, 1, seconds(15)));
    auto after = duration_cast<milliseconds>(sc.bob.TimeOf(kInterrupted) - silent_at);
    EXPECT_GE(after.count(), 4000 - 1000);
    EXPECT_LE(after.count(), 5000 + 1000);
    EXPECT_EQ(0, sc.alice.SendText("bob", "while away"));
    EXPECT_EQ(0, sc.alice.ChannelSend(sc.room, "to the room"));
    ASSERT_TRUE(sc.proxy.Pass());
    ASSERT_TRUE(sc.bob.WaitFor(kConnected, 2, seconds(15)));
    EXPECT_TRUE(sc.bob.WaitFor(Peer("alice", "while away")));
    EXPECT_TRUE(sc.bob.WaitFor("channel room alice: to the room"));
    EXPECT_TRUE(sc.bob.WaitFor("replay peer=1 channel=1 skipped=0 dropped=0"));
    EXPECT_EQ(0u, sc.alice.Count("left room bob"));
    // Now away for good: removed 30 s after the last data rtmd had from
    // him (his heartbeat, at most 1 s before the silence).
    silent_at = Clock::now();
    ASSERT_TRUE(sc.proxy.Silent());
    ASSERT_TRUE(sc.alice.WaitFor("left room bob", 1, seconds(60)));
    auto removed =
        duration_cast<milliseconds>(sc.alice.TimeOf("left room bob") - silent_at);
    EXPECT_GE(removed.count(), 30000 - 1000);
    EXPECT_LE(removed.count(), 30000 + 500);
}

// The outage, with the documented defaults: bob is away 40 s while
// alice sends him a numbered peer message (offline messaging on) and a
// numbered channel message every 100 ms. His session ends 30 s after the
// last data rtmd had from him (S13: alice sees him leave then, not 3 s
// later); every peer message answered OK or CACHED arrives once, in order
// (S9, B1, A6); his client rejoins the channel and gets the latest 32 of
// the 30 s before the reconnection, none it had (S10, S14, B2).
TEST(ResilienceE2E, DefaultTimings_S9_S10_S13_FortySecondOutageLosesNothing)
{
    Scene sc({}, nullptr);
    ASSERT_TRUE(sc.Ready("room"));
    std::vector<int> accepted; // peer messages answered OK or CACHED_BY_SERVER
    int n = 0;
    auto send = [&] {
        n++;
        int code = sc.alice.SendText("bob", "p" + std::to_string(n), true);
        if (code == RTM_PEER_MESSAGE_ERR_OK || code == RTM_PEER_MESSAGE_ERR_CACHED_BY_SERVER)
            accepted.push_back(n);
        EXPECT_EQ(0, sc.alice.ChannelSend(sc.room, "c" + std::to_string(n)));
        std::this_thread::sleep_for(milliseconds(100));
    };
    for (int i = 0; i < 20; i++)
        send();
    ASSERT_TRUE(sc.bob.WaitFor("channel room alice: c20"));
    auto silent_at = Clock::now();
    ASSERT_TRUE(sc.proxy.Silent());
    while (Clock::now() - silent_at < seconds(40))
        send();
    ASSERT_TRUE(sc.proxy.Pass());
    ASSERT_TRUE(sc.bob.WaitFor(kConnected, 2, seconds(20)));
    ASSERT_TRUE(sc.alice.WaitFor("joined room bob", 2, seconds(10)));
    for (int i = 0; i < 10; i++)
        send();
    ASSERT_TRUE(sc.bob.WaitFor("peer alice: p" + std::to_string(n)));
    ASSERT_TRUE(sc.bob.WaitFor("channel room alice: c" + std::to_string(n)));

    // S13: removed 30 s after his last data (acks every 100 ms at most
    // before the silence), give or take the 0.5 s the issue allows.
    auto left = duration_cast<milliseconds>(sc.alice.TimeOf("left room bob") - silent_at);
    EXPECT_GE(left.count(), 30000 - 500);
    EXPECT_LE(left.count(), 30000 + 500);

    // S9, B1, A6: every accepted peer message once, in order; those after
    // the grace were kept offline (the rest of the outage: ~10 s of them).
    EXPECT_EQ(accepted, Numbers(sc.bob, "peer alice: p"));
    EXPECT_GT(accepted.size(), 400u);
    size_t offline = 0;
    for (const std::string &e : sc.bob.EventsWithPrefix("peer alice: p"))
        offline += e.size() > 10 && e.compare(e.size() - 10, 10, " (offline)") == 0;
    EXPECT_GT(offline, 50u) << "the messages after the grace were not kept offline";

    // S10, S14, B2: after c20, the channel's replay is one run of the latest
    // 32 before the rejoin, then the live messages, each once, in order.
    std::vector<int> chans = Numbers(sc.bob, "channel room alice: c");
    ASSERT_GE(chans.size(), 20u + 32u);
    for (int i = 0; i < 20; i++)
        EXPECT_EQ(i + 1, chans[i]);
    for (size_t i = 21; i < chans.size(); i++)
        EXPECT_EQ(chans[i - 1] + 1, chans[i]) << "a gap or a repeat after c" << chans[i - 1];
    EXPECT_GT(chans[20], 21) << "nothing was left out, yet the window holds more than 32";
    EXPECT_EQ(n, chans.back());
    EXPECT_EQ(1u, sc.bob.EventsWithPrefix("replay peer=0 channel=32 ").size());
}

} // namespace
