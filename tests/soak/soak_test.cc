// Soak: two clients exchange numbered peer and channel messages through
// rtm-faultproxy while it injects random faults (silence, reset, close,
// delay). Afterwards every peer message arrived exactly once and in order
// (SPEC B1), and the channel messages arrived in order, none twice (B2),
// with every one missing accounted for by the replay reports' skipped
// counts (S10: at most the latest 32 of the last 30 s are replayed).
//
// RTM_SOAK_FAULTS sets the number of faults (default 200), RTM_SOAK_SEED
// the random seed (default: from the clock, printed).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <random>
#include <regex>

#include "client_harness.h"
#include "fault_proxy.h"
#include "rtmd_process.h"

namespace {

using namespace rtm_e2e;
using namespace std::chrono;

long EnvOr(const char *name, long fallback)
{
    const char *v = getenv(name);
    return v && *v ? strtol(v, nullptr, 10) : fallback;
}

// The number in "...: p17" or "...: c17".
long Index(const std::string &event)
{
    size_t colon = event.rfind(": ");
    return strtol(event.c_str() + colon + 3, nullptr, 10);
}

TEST(Soak, B1_B2_S10_MessagesSurviveRandomFaults)
{
    const long faults = EnvOr("RTM_SOAK_FAULTS", 200);
    const unsigned seed =
        static_cast<unsigned>(EnvOr("RTM_SOAK_SEED", static_cast<long>(time(nullptr))));
    std::cout << "soak: " << faults << " faults, seed " << seed << std::endl;
    std::mt19937 rng(seed);

    // The grace (30 s) outlasts every outage: the sessions are always kept.
    rtm_test::RtmdProcess rtmd({"--heartbeat-ms", "100", "--idle-timeout-ms", "300"});
    ASSERT_TRUE(rtmd.started());
    rtm_test::FaultProxy proxy(rtmd.address());
    ASSERT_TRUE(proxy.started());
    Client alice(proxy.address(), kFastClient), bob(proxy.address(), kFastClient);
    ASSERT_EQ(0, alice.Login("alice"));
    ASSERT_EQ(0, bob.Login("bob"));
    rtm_channel *ca = alice.Channel("soak");
    ASSERT_EQ(0, alice.Join(ca));
    ASSERT_EQ(0, bob.Join(bob.Channel("soak")));

    // The sender: alice, a peer and a channel message every few ms.
    std::atomic<bool> stop{false};
    std::vector<std::unique_ptr<Client::Waiter>> peer_results, channel_results;
    std::thread sender([&] {
        for (long i = 0; !stop.load(); i++) {
            rtm_message m = {};
            m.type = RTM_MESSAGE_TYPE_TEXT;
            std::string p = "p" + std::to_string(i); // copied by the call
            m.text = p.c_str();
            peer_results.emplace_back(new Client::Waiter);
            rtm_send_peer_message(alice.get(), "bob", &m, Client::Waiter::Done,
                                  peer_results.back().get());
            std::string c = "c" + std::to_string(i);
            m.text = c.c_str();
            channel_results.emplace_back(new Client::Waiter);
            rtm_channel_send_message(ca, &m, Client::Waiter::Done,
                                     channel_results.back().get());
            std::this_thread::sleep_for(milliseconds(10));
        }
    });

    std::uniform_int_distribution<int> kind(0, 3);
    for (long f = 0; f < faults; f++) {
        switch (kind(rng)) {
        case 0:
            ASSERT_TRUE(proxy.Silent());
            std::this_thread::sleep_for(milliseconds(50 + rng() % 1200));
            break;
        case 1:
            ASSERT_TRUE(proxy.Reset());
            break;
        case 2:
            ASSERT_TRUE(proxy.Close());
            break;
        default:
            ASSERT_TRUE(proxy.Delay(50 + rng() % 150));
            std::this_thread::sleep_for(milliseconds(300 + rng() % 500));
            break;
        }
        ASSERT_TRUE(proxy.Pass());
        std::this_thread::sleep_for(milliseconds(100 + rng() % 300));
    }
    stop = true;
    sender.join();
    const size_t sent = peer_results.size();

    // B1: every peer message is accepted, and arrives once, in order.
    size_t ok = 0;
    for (auto &w : peer_results)
        ok += w->Wait() == RTM_PEER_MESSAGE_ERR_OK;
    EXPECT_EQ(sent, ok);
    ASSERT_TRUE(bob.WaitFor("peer alice: p" + std::to_string(sent - 1), 1, seconds(30)));
    std::this_thread::sleep_for(milliseconds(1000));
    Strings peers = bob.EventsWithPrefix("peer alice: ");
    ASSERT_EQ(sent, peers.size());
    for (size_t i = 0; i < peers.size(); i++)
        ASSERT_EQ(static_cast<long>(i), Index(peers[i])) << "at " << i;

    // B2: channel messages in order, none twice; S10: what is missing was
    // reported as skipped by the replays.
    size_t channel_ok = 0;
    for (auto &w : channel_results)
        channel_ok += w->Wait() == RTM_CHANNEL_MESSAGE_ERR_OK;
    EXPECT_EQ(sent, channel_ok);
    Strings chans = bob.EventsWithPrefix("channel soak alice: ");
    for (size_t i = 1; i < chans.size(); i++)
        ASSERT_LT(Index(chans[i - 1]), Index(chans[i])) << "at " << i;
    long skipped = 0;
    const std::regex report("replay peer=\\d+ channel=\\d+ skipped=(\\d+) dropped=0");
    for (auto &e : bob.EventsWithPrefix("replay ")) {
        std::smatch m;
        ASSERT_TRUE(std::regex_match(e, m, report)) << e;
        skipped += std::stol(m[1]);
    }
    EXPECT_EQ(static_cast<long>(channel_ok - chans.size()), skipped);
    std::cout << "soak: " << sent << " peer and " << channel_ok
              << " channel messages; bob got " << chans.size()
              << " channel messages, " << skipped << " skipped by replay limits; "
              << bob.EventsWithPrefix("replay ").size() << " replays, "
              << bob.EventsWithPrefix("state RECONNECTING").size()
              << " reported interruptions" << std::endl;
}

} // namespace
