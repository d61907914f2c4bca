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

// Client timings, a quarter of the defaults: the interruption is reported
// after 1 s; a silent link is dead after 300 ms.
constexpr const char *kFastClient =
    "\"rtm.heartbeat_ms\":100,\"rtm.link_timeout_ms\":300,"
    "\"rtm.interrupt_report_ms\":1000,\"rtm.reconnect_min_ms\":50,"
    "\"rtm.reconnect_max_ms\":400";

// The server to match: heartbeats every 100 ms, a session kept 3 s.
std::vector<std::string> FastServer(std::vector<std::string> extra = {})
{
    std::vector<std::string> args = {"--heartbeat-ms", "100",
                                     "--idle-timeout-ms", "300",
                                     "--session-grace-ms", "3000"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

std::string Peer(const std::string &from, const std::string &text)
{
    return "peer " + from + ": " + text;
}

TEST(ResilienceE2E, S7_InterruptionShorterThanTheReportTimeIsNotReported)
{
    rtm_test::RtmdProcess rtmd(FastServer());
    ASSERT_TRUE(rtmd.started());
    rtm_test::FaultProxy proxy(rtmd.address());
    ASSERT_TRUE(proxy.started());
    Client alice(rtmd.address(), kFastClient), bob(proxy.address(), kFastClient);
    ASSERT_EQ(0, alice.Login("alice"));
    ASSERT_EQ(0, bob.Login("bob"));
    ASSERT_TRUE(proxy.Silent());
    std::this_thread::sleep_for(milliseconds(500));
    ASSERT_TRUE(proxy.Pass());
    // Well past the report time: nothing was reported, and messages flow.
    std::this_thread::sleep_for(milliseconds(1500));
    EXPECT_EQ((Strings{kConnecting, kConnected}), bob.States());
    EXPECT_EQ(0, alice.SendText("bob", "still here?"));
    EXPECT_TRUE(bob.WaitFor(Peer("alice", "still here?")));
    EXPECT_EQ(0, bob.SendText("alice", "yes"));
    EXPECT_TRUE(alice.WaitFor(Peer("bob", "yes")));
}

TEST(ResilienceE2E, S7_S8_LongInterruptionIsReportedThenReconnectsByItself)
{
    rtm_test::RtmdProcess rtmd(FastServer());
    ASSERT_TRUE(rtmd.started());
    rtm_test::FaultProxy proxy(rtmd.address());
    ASSERT_TRUE(proxy.started());
    Client bob(proxy.address(), kFastClient);
    ASSERT_EQ(0, bob.Login("bob"));
    auto silent_at = Clock::now();
    ASSERT_TRUE(proxy.Silent());
    ASSERT_TRUE(bob.WaitFor(kInterrupted));
    // Reported about 1 s (the scaled 4 s) after the last data, which came at
    // most one server heartbeat before the silence began.
    auto after = duration_cast<milliseconds>(bob.TimeOf(kInterrupted) - silent_at);
    EXPECT_GE(after.count(), 1000 - 100);
    EXPECT_LT(after.count(), 3000); // a bound for a noisy machine, not a timing
    // S8: it keeps trying; once the network is back it is CONNECTED again,
    // with no login result.
    std::this_thread::sleep_for(milliseconds(500));
    ASSERT_TRUE(proxy.Pass());
    ASSERT_TRUE(bob.WaitFor(kConnected, 2));
    EXPECT_EQ((Strings{kConnecting, kConnected, kInterrupted, kConnected}), bob.States());
}

TEST(ResilienceE2E, S7_ResetLinkIsRestoredSilently)
{
    rtm_test::RtmdProcess rtmd(FastServer());
    ASSERT_TRUE(rtmd.started());
    rtm_test::FaultProxy proxy(rtmd.address());
    ASSERT_TRUE(proxy.started());
    Client alice(rtmd.address(), kFastClient), bob(proxy.address(), kFastClient);
    ASSERT_EQ(0, alice.Login("alice"));
    ASSERT_EQ(0, bob.Login("bob"));
    for (int i = 0; i < 3; i++) {
        ASSERT_TRUE(proxy.Reset());
        std::this_thread::sleep_for(milliseconds(300));
    }
    EXPECT_EQ((Strings{kConnecting, kConnected}), bob.States());
    EXPECT_EQ(0, alice.SendText("bob", "after resets"));
    EXPECT_TRUE(bob.WaitFor(Peer("alice", "after resets")));
}

TEST(ResilienceE2E, S9_S10_B1_B2_WhatWasSentMeanwhileArrivesOnce)
{
    rtm_test::RtmdProcess rtmd(FastServer());
    ASSERT_TRUE(rtmd.started());
    rtm_test::FaultProxy proxy(rtmd.address());
    ASSERT_TRUE(proxy.started());
    Client alice(rtmd.address(), kFastClient), bob(proxy.address(), kFastClient);
    ASSERT_EQ(0, alice.Login("alice"));
    ASSERT_EQ(0, bob.Login("bob"));
    rtm_channel *ca = alice.Channel("room");
    rtm_channel *cb = bob.Channel("room");
    ASSERT_EQ(0, alice.Join(ca));
    ASSERT_EQ(0, bob.Join(cb));
    ASSERT_EQ(0, alice.ChannelSend(ca, "before"));
    ASSERT_TRUE(bob.WaitFor("channel room alice: before"));
    ASSERT_TRUE(proxy.Silent());
    ASSERT_TRUE(bob.WaitFor(kInterrupted));
    // Bob is away, but his session is kept: messages to him are accepted.
    for (int i = 1; i <= 5; i++) {
        EXPECT_EQ(RTM_PEER_MESSAGE_ERR_OK, alice.SendText("bob", "p" + std::to_string(i)));
        EXPECT_EQ(0, alice.ChannelSend(ca, "c" + std::to_string(i)));
    }
    ASSERT_TRUE(proxy.Pass());
    ASSERT_TRUE(bob.WaitFor(kConnected, 2));
    ASSERT_TRUE(bob.WaitFor("replay peer=5 channel=5 skipped=0 dropped=0"));
    Strings peers = bob.EventsWithPrefix("peer alice: ");
    Strings chans = bob.EventsWithPrefix("channel room alice: ");
    EXPECT_EQ((Strings{Peer("alice", "p1"), Peer("alice", "p2"), Peer("alice", "p3"),
                       Peer("alice", "p4"), Peer("alice", "p5")}),
              peers);
    EXPECT_EQ((Strings{"channel room alice: before", "channel room alice: c1",
                       "channel room alice: c2", "channel room alice: c3",
                       "channel room alice: c4", "channel room alice: c5"}),
              chans);
    // And nothing more comes later.
    std::this_thread::sleep_for(milliseconds(500));
    EXPECT_EQ(peers, bob.EventsWithPrefix("peer alice: "));
    EXPECT_EQ(chans, bob.EventsWithPrefix("channel room alice: "));
}

TEST(ResilienceE2E, S10_ReplayIsTheLatestMessagesOfTheWindowAtMostTheCount)
{
    // A window of 1.5 s and at most 3 messages, in place of 30 s and 32.
    rtm_test::RtmdProcess rtmd(FastServer({"--replay-window-ms", "1500",
                                           "--replay-max", "3",
                                           "--session-grace-ms", "10000"}));
    ASSERT_TRUE(rtmd.started());
    rtm_test::FaultProxy proxy(rtmd.address());
    ASSERT_TRUE(proxy.started());
    Client alice(rtmd.address(), kFastClient), bob(proxy.address(), kFastClient);
    ASSERT_EQ(0, alice.Login("alice"));
    ASSERT_EQ(0, bob.Login("bob"));
    rtm_channel *ca = alice.Channel("room");
    ASSERT_EQ(0, alice.Join(ca));
    ASSERT_EQ(0, bob.Join(bob.Channel("room")));
    ASSERT_TRUE(proxy.Silent());
    ASSERT_TRUE(bob.WaitFor(kInterrupted));
    ASSERT_EQ(0, alice.ChannelSend(ca, "old"));        // leaves the window
    std::this_thread::sleep_for(milliseconds(2000));
    for (int i = 1; i <= 5; i++)                      // only 3 are replayed
        ASSERT_EQ(0, alice.ChannelSend(ca, "new" + std::to_string(i)));
    ASSERT_TRUE(proxy.Pass());
    ASSERT_TRUE(bob.WaitFor("replay peer=0 channel=3 skipped=3 dropped=0"));
    EXPECT_EQ((Strings{"channel room alice: new3", "channel room alice: new4",
                       "channel room alice: new5"}),
              bob.EventsWithPrefix("channel room alice: "));
}

TEST(ResilienceE2E, S11_LogoutStopsReconnection)
{
    rtm_test::RtmdProcess rtmd(FastServer());
    ASSERT_TRUE(rtmd.started());
    rtm_test::FaultProxy proxy(rtmd.address());
    ASSERT_TRUE(proxy.started());
    Client bob(proxy.address(), kFastClient);
    ASSERT_EQ(0, bob.Login("bob"));
    ASSERT_TRUE(proxy.Refuse());
    ASSERT_TRUE(proxy.Reset());
    ASSERT_TRUE(bob.WaitFor(kInterrupted));
    EXPECT_EQ(RTM_LOGOUT_ERR_OK, bob.Logout());
    ASSERT_TRUE(bob.WaitFor(kLoggedOut));
    ASSERT_TRUE(proxy.Accept());
    std::this_thread::sleep_for(milliseconds(1000));
    EXPECT_EQ((Strings{kConnecting, kConnected, kInterrupted, kLoggedOut}), bob.States());
    EXPECT_EQ(0, proxy.OpenConnections());
}

TEST(ResilienceE2E, S12_BackWithinTheGraceIsInvisibleToOthers)
{
    rtm_test::RtmdProcess rtmd(FastServer());
    ASSERT_TRUE(rtmd.started());
    rtm_test::FaultProxy proxy(rtmd.address());
    ASSERT_TRUE(proxy.started());
    Client alice(rtmd.address(), kFastClient), bob(proxy.address(), kFastClient);
    ASSERT_EQ(0, alice.Login("alice"));
    ASSERT_EQ(0, bob.Login("bob"));
    rtm_channel *ca = alice.Channel("room");
    ASSERT_EQ(0, alice.Join(ca));
    ASSERT_EQ(0, bob.Join(bob.Channel("room")));
    ASSERT_TRUE(alice.WaitFor("joined room bob"));
    ASSERT_TRUE(proxy.Silent());
    ASSERT_TRUE(bob.WaitFor(kInterrupted));
    // Away, but still a member and online to the others.
    Strings members;
    EXPECT_EQ(0, alice.Members(ca, &members));
    EXPECT_EQ((Strings{"alice", "bob"}), members);
    ASSERT_TRUE(proxy.Pass());
    ASSERT_TRUE(bob.WaitFor(kConnected, 2));
    std::this_thread::sleep_for(milliseconds(500));
    EXPECT_EQ(0u, alice.Count("left room bob"));
    EXPECT_EQ(1u, alice.Count("joined room bob"));
}

TEST(ResilienceE2E, S13_S14_LateReturnRejoinsAndRestoresAttributes)
{
    rtm_test::RtmdProcess rtmd(FastServer());
    ASSERT_TRUE(rtmd.started());
    rtm_test::FaultProxy proxy(rtmd.address());
    ASSERT_TRUE(proxy.started());
    Client alice(rtmd.address(), kFastClient), bob(proxy.address(), kFastClient);
    ASSERT_EQ(0, alice.Login("alice"));
    ASSERT_EQ(0, bob.Login("bob"));
    rtm_channel *ca = alice.Channel("room");
    ASSERT_EQ(0, alice.Join(ca));
    ASSERT_EQ(0, bob.Join(bob.Channel("room")));
    ASSERT_EQ(0, bob.SetAttributes({{"mood", "happy"}, {"lang", "en"}}));
    int code = -1;
    EXPECT_EQ("lang=en,mood=happy", alice.GetAttributes("bob", &code));
    EXPECT_EQ(0, code);
    ASSERT_TRUE(proxy.Silent());
    // S13: past the grace (3 s), bob is removed: the others see him leave.
    ASSERT_TRUE(alice.WaitFor("left room bob", 1, seconds(15)));
    alice.GetAttributes("bob", &code);
    EXPECT_EQ(RTM_ATTRIBUTE_OPERATION_ERR_USER_NOT_FOUND, code);
    Strings members;
    EXPECT_EQ(0, alice.Members(ca, &members));
    EXPECT_EQ((Strings{"alice"}), members);
    // S14: when he comes back, CONNECTED, he is in the channel again and his
    // attributes are back, without the application doing anything.
    ASSERT_TRUE(proxy.Pass());
    ASSERT_TRUE(bob.WaitFor(kConnected, 2));
    EXPECT_TRUE(alice.WaitFor("joined room bob", 2));
    bool restored = false;
    for (int i = 0; i < 50 && !restored; i++) {
        restored = alice.GetAttributes("bob", &code) == "lang=en,mood=happy";
        if (!restored)
            std::this_thread::sleep_for(milliseconds(100));
    }
    EXPECT_TRUE(restored);
    EXPECT_EQ(0, alice.ChannelSend(ca, "welcome back"));
    EXPECT_TRUE(bob.WaitFor("channel room alice: welcome back"));
}

TEST(ResilienceE2E, B1_MessagesSentAcrossResetsArriveOnceInOrder)
{
    rtm_test::RtmdProcess rtmd(FastServer());
    ASSERT_TRUE(rtmd.started());
    rtm_test::FaultProxy proxy(rtmd.address());
    ASSERT_TRUE(proxy.started());
    Client alice(proxy.address(), kFastClient), bob(rtmd.address(), kFastClient);
    ASSERT_EQ(0, alice.Login("alice"));
    ASSERT_EQ(0, bob.Login("bob"));
    // Alice sends without waiting while her link is reset under her.
    constexpr int kCount = 200;
    std::vector<std::unique_ptr<Client::Waiter>> waiters;
    std::vector<std::string> texts;
    for (int i = 0; i < kCount; i++)
        texts.push_back("m" + std::to_string(i));
    for (int i = 0; i < kCount; i++) {
        rtm_message m = {};
        m.type = RTM_MESSAGE_TYPE_TEXT;
        m.text = texts[i].c_str();
        waiters.emplace_back(new Client::Waiter);
        ASSERT_EQ(0, rtm_send_peer_message(alice.get(), "bob", &m, Client::Waiter::Done,
                                           waiters.back().get()));
        if (i % 40 == 20) {
            ASSERT_TRUE(proxy.Reset());
        }
        std::this_thread::sleep_for(milliseconds(2));
    }
    for (auto &w : waiters)
        EXPECT_EQ(RTM_PEER_MESSAGE_ERR_OK, w->Wait());
    ASSERT_TRUE(bob.WaitFor(Peer("alice", texts.back())));
    Strings got = bob.EventsWithPrefix("peer alice: ");
    ASSERT_EQ(static_cast<size_t>(kCount), got.size());
    for (int i = 0; i < kCount; i++)
        EXPECT_EQ(Peer("alice", texts[i]), got[i]);
    EXPECT_EQ((Strings{kConnecting, kConnected}), alice.States());
}

// The documented defaults, once: the interruption reported between 4 and
// 5 s after the last data (S7), the replay (S9, S10), and removal after
// 30 s (S13).
TEST(ResilienceE2E, DefaultTimings_S7_S9_S10_S13)
{
    rtm_test::RtmdProcess rtmd;
    ASSERT_TRUE(rtmd.started());
    rtm_test::FaultProxy proxy(rtmd.address());
    ASSERT_TRUE(proxy.started());
    Client alice(rtmd.address()), bob(proxy.address());
    ASSERT_EQ(0, alice.Login("alice"));
    ASSERT_EQ(0, bob.Login("bob"));
    rtm_channel *ca = alice.Channel("room");
    ASSERT_EQ(0, alice.Join(ca));
    ASSERT_EQ(0, bob.Join(bob.Channel("room")));
    ASSERT_TRUE(alice.WaitFor("joined room bob"));
    // The server sends every second when idle: the last data came at most
    // 1 s before the silence.
    auto silent_at = Clock::now();
    ASSERT_TRUE(proxy.Silent());
    ASSERT_TRUE(bob.WaitFor(kInterrupted, 1, seconds(15)));
    auto after = duration_cast<milliseconds>(bob.TimeOf(kInterrupted) - silent_at);
    EXPECT_GE(after.count(), 4000 - 1000);
    EXPECT_LE(after.count(), 5000 + 1000);
    EXPECT_EQ(0, alice.SendText("bob", "while away"));
    EXPECT_EQ(0, alice.ChannelSend(ca, "to the room"));
    ASSERT_TRUE(proxy.Pass());
    ASSERT_TRUE(bob.WaitFor(kConnected, 2, seconds(15)));
    EXPECT_TRUE(bob.WaitFor(Peer("alice", "while away")));
    EXPECT_TRUE(bob.WaitFor("channel room alice: to the room"));
    EXPECT_TRUE(bob.WaitFor("replay peer=1 channel=1 skipped=0 dropped=0"));
    EXPECT_EQ(0u, alice.Count("left room bob"));
    // Now away for good: removed 30 s after the server lost him.
    silent_at = Clock::now();
    ASSERT_TRUE(proxy.Silent());
    ASSERT_TRUE(alice.WaitFor("left room bob", 1, seconds(60)));
    auto removed = duration_cast<seconds>(alice.TimeOf("left room bob") - silent_at);
    EXPECT_GE(removed.count(), 30);
    EXPECT_LE(removed.count(), 40);
}

} // namespace
