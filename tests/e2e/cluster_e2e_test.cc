// End-to-end tests of several rtmd nodes on one Redis (SPEC B7, issue 16):
// the C API against real rtmd nodes sharing a real redis-server (AOF,
// appendfsync always), one of them killed with SIGKILL mid-conversation.
#include <gtest/gtest.h>

#include <signal.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "client_harness.h"
#include "redis_process.h"
#include "rtmd_process.h"

namespace {

using namespace rtm_e2e;
using namespace std::chrono;

// A node on the test's Redis, on an address fixed before it starts (so
// that a client can list it), with kFastClient's timings.
struct Node {
    Node(const rtm_test::RedisProcess &redis)
        : port(rtm_test::FreeLoopbackPort()), socket(redis.socket())
    {
    }
    std::string address() const { return "127.0.0.1:" + std::to_string(port); }
    testing::AssertionResult Start()
    {
        rtmd = std::make_unique<rtm_test::RtmdProcess>(std::vector<std::string>{
            "--listen", address(), "--store", "redis+unix://" + socket, "--heartbeat-ms",
            "100", "--idle-timeout-ms", "300", "--session-grace-ms", "3000", "--offline-max",
            "10000"});
        if (!rtmd->started())
            return testing::AssertionFailure() << "rtmd did not start on " << address();
        return testing::AssertionSuccess();
    }
    uint16_t port;
    std::string socket;
    std::unique_ptr<rtm_test::RtmdProcess> rtmd;
};

// B7: the node of alice (who lists both nodes) is killed while alice and
// bob (on the other node) send each other numbered peer messages and alice
// sends the channel numbered messages. Alice's client comes back through
// the other node within its reconnection backoff cap (400 ms) + 1 s, takes
// its session up there (resumed, S14), and every message the system
// accepted arrives exactly once, in order; bob never sees alice leave the
// channel (S12).
TEST(ClusterE2E, B7_ANodeKilledMidConversationLosesNothing)
{
    rtm_test::RedisProcess redis;
    ASSERT_TRUE(redis.started()) << redis.Log();
    Node n1(redis), n2(redis);
    ASSERT_TRUE(n1.Start());
    ASSERT_TRUE(n2.Start());
    Client alice(n1.address() + "," + n2.address(), kFastClient);
    Client bob(n2.address(), kFastClient);
    ASSERT_EQ(0, alice.Login("alice"));
    ASSERT_EQ(0, bob.Login("bob"));
    rtm_channel *room = alice.Channel("room");
    ASSERT_EQ(0, alice.Join(room));
    ASSERT_EQ(0, bob.Join(bob.Channel("room")));
    ASSERT_TRUE(alice.WaitFor("joined room bob")) << "a member event from the other node";

    Sender to_bob([&](int n) { return alice.SendText("bob", "a" + std::to_string(n)); }, 3);
    Sender to_alice([&](int n) { return bob.SendText("alice", "b" + std::to_string(n)); }, 3);
    Sender to_room([&](int n) { return alice.ChannelSend(room, "c" + std::to_string(n)); }, 10);
    std::this_thread::sleep_for(milliseconds(500));
    size_t replays = alice.EventsWithPrefix("replay ").size();
    auto killed = Clock::now();
    EXPECT_EQ(128 + SIGKILL, n1.rtmd->Kill());
    // Back through n2: its resume's ReplayDone.
    auto deadline = killed + milliseconds(400) + seconds(1);
    while (alice.EventsWithPrefix("replay ").size() == replays &&
           Clock::now() < deadline + seconds(5))
        std::this_thread::sleep_for(milliseconds(5));
    auto back = Clock::now();
    EXPECT_GT(alice.EventsWithPrefix("replay ").size(), replays) << "alice resumed on n2";
    EXPECT_LE(back, deadline) << "back within the backoff cap + 1 s: took "
                              << duration_cast<milliseconds>(back - killed).count() << " ms";
    std::printf("alice back through the other node %lld ms after the kill\n",
                static_cast<long long>(duration_cast<milliseconds>(back - killed).count()));

    std::this_thread::sleep_for(milliseconds(700));
    std::vector<int> a = to_bob.Finish(), b = to_alice.Finish(), c = to_room.Finish();
    ASSERT_FALSE(a.empty());
    ASSERT_FALSE(b.empty());
    ASSERT_FALSE(c.empty());
    ASSERT_TRUE(bob.WaitFor("peer alice: a" + std::to_string(a.back())));
    ASSERT_TRUE(alice.WaitFor("peer bob: b" + std::to_string(b.back())));
    ASSERT_TRUE(bob.WaitFor("channel room alice: c" + std::to_string(c.back())));
    // B1, S9: each accepted peer message exactly once, in order, both ways.
    EXPECT_EQ(a, Numbers(bob, "peer alice: a"));
    EXPECT_EQ(b, Numbers(alice, "peer bob: b"));
    // S10, B2: every accepted channel message once, in order.
    EXPECT_EQ(c, Numbers(bob, "channel room alice: c"));
    // S12: the session went on; nobody left, nobody rejoined.
    EXPECT_EQ(0u, bob.Count("left room alice"));
    EXPECT_EQ(1u, alice.Count("joined room bob"));
    EXPECT_EQ(0u, alice.Count(Client::StateText(RTM_CONNECTION_STATE_ABORTED,
                                                 RTM_CONNECTION_CHANGE_REASON_LOGIN_FAILURE)));
    std::printf("accepted: %zu + %zu peer and %zu channel messages across the kill\n", a.size(),
                b.size(), c.size());
}

} // namespace
