// End-to-end tests of several rtmd nodes on one Redis (SPEC B7, issue 16):
// the C API against real rtmd nodes sharing a real redis-server (AOF,
// appendfsync always). The scenarios of one node, with the two users on
// different nodes; then a node killed with SIGKILL, the same login on two
// nodes at once, and Redis's connections and Redis itself killed
// mid-conversation.
#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "admin_client.h"
#include "client_harness.h"
#include "fault_proxy.h"
#include "redis_process.h"
#include "rtm/rtm_token.h"
#include "rtmd_process.h"

namespace {

using namespace rtm_e2e;
using namespace std::chrono;

// The flags of a node on the test's Redis with kFastClient's timings.
std::vector<std::string> NodeFlags(const rtm_test::RedisProcess &redis, const std::string &id,
                                   std::vector<std::string> extra = {})
{
    std::vector<std::string> args = {"--store", "redis+unix://" + redis.socket(),
                                     "--node-id", id, "--heartbeat-ms", "100",
                                     "--idle-timeout-ms", "300", "--session-grace-ms",
                                     "3000", "--offline-max", "10000"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

// A node on the test's Redis, on an address fixed before it starts (so
// that a client can list it).
struct Node {
    Node(const rtm_test::RedisProcess &redis, const std::string &node_id = "",
         const std::vector<std::string> &extra = {})
        : port(rtm_test::FreeLoopbackPort()),
          id(node_id.empty() ? "node" + std::to_string(port) : node_id),
          flags(NodeFlags(redis, id, extra))
    {
    }
    std::string address() const { return "127.0.0.1:" + std::to_string(port); }
    testing::AssertionResult Start()
    {
        std::vector<std::string> args = {"--listen", address()};
        args.insert(args.end(), flags.begin(), flags.end());
        rtmd = std::make_unique<rtm_test::RtmdProcess>(args);
        if (!rtmd->started())
            return testing::AssertionFailure() << "rtmd did not start on " << address();
        return testing::AssertionSuccess();
    }
    uint16_t port;
    std::string id;
    std::vector<std::string> flags;
    std::unique_ptr<rtm_test::RtmdProcess> rtmd;
};

// Redis and two nodes, started; alice's client on n1, bob's on n2.
struct Pair {
    explicit Pair(std::vector<std::string> extra = {}, const char *app = "e2e-app")
        : n1(redis, "n1", extra), n2(redis, "n2", extra)
    {
        ok = redis.started() && n1.Start() && n2.Start();
        alice = std::make_unique<Client>(n1.address(), kFastClient, app);
        bob = std::make_unique<Client>(n2.address(), kFastClient, app);
    }
    rtm_test::RedisProcess redis;
    Node n1, n2;
    bool ok = false;
    std::unique_ptr<Client> alice, bob;
};

Strings Sorted(Strings v)
{
    std::sort(v.begin(), v.end());
    return v;
}

// S9, S10, A6, member events and counts, with alice and bob on different
// nodes: what one node does for two of its users, two nodes do for theirs.
TEST(ClusterE2E, S9_S10_A6_MessagesMembersAndCountsBetweenNodes)
{
    Pair p;
    ASSERT_TRUE(p.ok);
    Client &alice = *p.alice, &bob = *p.bob;
    ASSERT_EQ(0, alice.Login("alice"));
    ASSERT_EQ(0, bob.Login("bob"));
    EXPECT_EQ(RTM_PEER_MESSAGE_ERR_OK, alice.SendText("bob", "hello bob"));
    EXPECT_EQ(RTM_PEER_MESSAGE_ERR_OK, bob.SendText("alice", "hello alice"));
    EXPECT_TRUE(bob.WaitFor("peer alice: hello bob"));
    EXPECT_TRUE(alice.WaitFor("peer bob: hello alice"));

    // A6: carol is nowhere; kept for her, had at her login on the other node.
    EXPECT_EQ(RTM_PEER_MESSAGE_ERR_PEER_UNREACHABLE, alice.SendText("carol", "lost"));
    EXPECT_EQ(RTM_PEER_MESSAGE_ERR_CACHED_BY_SERVER, alice.SendText("carol", "kept", true));
    {
        Client carol(p.n2.address(), kFastClient);
        ASSERT_EQ(0, carol.Login("carol"));
        EXPECT_TRUE(carol.WaitFor("peer alice: kept (offline)"));
        std::this_thread::sleep_for(milliseconds(300));
        EXPECT_EQ((Strings{"peer alice: kept (offline)"}), carol.EventsWithPrefix("peer "));
    }

    rtm_channel *ra = alice.Channel("room");
    rtm_channel *rb = bob.Channel("room");
    ASSERT_EQ(RTM_JOIN_CHANNEL_ERR_OK, alice.Join(ra));
    EXPECT_TRUE(alice.WaitFor("count room 1"));
    ASSERT_EQ(RTM_JOIN_CHANNEL_ERR_OK, bob.Join(rb));
    EXPECT_TRUE(alice.WaitFor("joined room bob"));
    EXPECT_TRUE(alice.WaitFor("count room 2"));
    EXPECT_TRUE(bob.WaitFor("count room 2"));
    Strings members, counts;
    EXPECT_EQ(0, bob.Members(rb, &members));
    EXPECT_EQ((Strings{"alice", "bob"}), Sorted(members));
    EXPECT_EQ(RTM_GET_CHANNEL_MEMBER_COUNT_ERR_OK, alice.MemberCounts({"room", "none"}, &counts));
    EXPECT_EQ((Strings{"room=2", "none=0"}), counts);
    EXPECT_EQ(0, alice.ChannelSend(ra, "from n1"));
    EXPECT_EQ(0, bob.ChannelSend(rb, "from n2"));
    EXPECT_TRUE(bob.WaitFor("channel room alice: from n1"));
    EXPECT_TRUE(alice.WaitFor("channel room bob: from n2"));
    ASSERT_EQ(RTM_LEAVE_CHANNEL_ERR_OK, bob.Leave(rb));
    EXPECT_TRUE(alice.WaitFor("left room bob"));
    EXPECT_TRUE(alice.WaitFor("count room 1", 2));
    // S17: a logout on one node is seen by the members on the other.
    ASSERT_EQ(RTM_JOIN_CHANNEL_ERR_OK, bob.Join(rb));
    EXPECT_TRUE(alice.WaitFor("joined room bob", 2));
    ASSERT_EQ(0, bob.Logout());
    EXPECT_TRUE(alice.WaitFor("left room bob", 2));
    // Each once: nothing came twice through the two nodes.
    EXPECT_EQ(1u, bob.Count("channel room alice: from n1"));
    EXPECT_EQ(1u, alice.Count("channel room bob: from n2"));
    EXPECT_EQ(0u, alice.Count("channel room alice: from n1")) << "not sent its own";
}

// S9, S10: bob's link (to n2, through a fault proxy) goes silent while
// alice, on n1, sends; back, bob is replayed what he missed, once, in order.
TEST(ClusterE2E, S9_S10_WhatAUserOnAnotherNodeSentMeanwhileIsReplayed)
{
    Pair p;
    ASSERT_TRUE(p.ok);
    rtm_test::FaultProxy proxy(p.n2.address());
    ASSERT_TRUE(proxy.started());
    Client &alice = *p.alice;
    Client bob(proxy.address(), kFastClient);
    ASSERT_EQ(0, alice.Login("alice"));
    ASSERT_EQ(0, bob.Login("bob"));
    rtm_channel *room = alice.Channel("room");
    ASSERT_EQ(0, alice.Join(room));
    ASSERT_EQ(0, bob.Join(bob.Channel("room")));
    ASSERT_TRUE(alice.WaitFor("joined room bob"));
    ASSERT_TRUE(proxy.Silent());
    ASSERT_TRUE(bob.WaitFor(kInterrupted));
    for (int i = 1; i <= 5; i++) {
        EXPECT_EQ(RTM_PEER_MESSAGE_ERR_OK, alice.SendText("bob", "p" + std::to_string(i)));
        EXPECT_EQ(0, alice.ChannelSend(room, "c" + std::to_string(i)));
    }
    ASSERT_TRUE(proxy.Pass());
    ASSERT_TRUE(bob.WaitFor(kConnected, 2));
    ASSERT_TRUE(bob.WaitFor("replay peer=5 channel=5 skipped=0 dropped=0"));
    std::this_thread::sleep_for(milliseconds(300));
    EXPECT_EQ((std::vector<int>{1, 2, 3, 4, 5}), Numbers(bob, "peer alice: p"));
    EXPECT_EQ((std::vector<int>{1, 2, 3, 4, 5}), Numbers(bob, "channel room alice: c"));
    EXPECT_EQ(0u, alice.Count("left room bob")) << "S12: back within the grace";
}

// A5, A8: user and channel attributes and presence, set on one node, read
// and notified on the other.
TEST(ClusterE2E, A5_A8_AttributesAndPresenceBetweenNodes)
{
    Pair p;
    ASSERT_TRUE(p.ok);
    Client &alice = *p.alice, &bob = *p.bob;
    ASSERT_EQ(0, alice.Login("alice"));
    EXPECT_EQ(RTM_PEER_SUBSCRIPTION_STATUS_ERR_OK, alice.Subscribe({"bob"}));
    EXPECT_TRUE(alice.WaitFor("presence bob=2"));
    ASSERT_EQ(0, bob.Login("bob"));
    EXPECT_TRUE(alice.WaitFor("presence bob=0"));
    Strings states;
    EXPECT_EQ(RTM_QUERY_PEERS_ONLINE_STATUS_ERR_OK,
              bob.QueryPeers({"carol", "alice", "bob"}, &states));
    EXPECT_EQ((Strings{"carol=2", "alice=0", "bob=0"}), states);

    ASSERT_EQ(0, bob.SetAttributes({{"mood", "fine"}, {"city", "Oslo"}}));
    int code = -1;
    EXPECT_EQ("city=Oslo,mood=fine", alice.GetAttributes("bob", &code));
    EXPECT_EQ(0, code);

    rtm_channel *ra = alice.Channel("room");
    ASSERT_EQ(0, alice.Join(ra));
    ASSERT_EQ(0, bob.Join(bob.Channel("room")));
    ASSERT_EQ(0, bob.ChangeChannelAttributes("room", 0, {{"topic", "news"}}, true));
    EXPECT_TRUE(alice.WaitFor("attributes room topic=news@bob"));
    EXPECT_EQ("topic=news@bob", alice.GetChannelAttributes("room", &code));
    ASSERT_EQ(0, alice.ChangeChannelAttributes("room", 1, {{"k", "v"}}, true));
    EXPECT_TRUE(bob.WaitFor("attributes room k=v@alice,topic=news@bob"));

    ASSERT_EQ(0, bob.Logout());
    EXPECT_TRUE(alice.WaitFor("presence bob=2", 2));
    EXPECT_EQ(RTM_QUERY_PEERS_ONLINE_STATUS_ERR_OK, alice.QueryPeers({"bob"}, &states));
    EXPECT_EQ((Strings{"bob=2"}), states);
}

// S16: the same user logs in on two nodes at the same moment, ten times:
// each time exactly one instance stays CONNECTED, the other is
// ABORTED/REMOTE_LOGIN and does not come back, and messages to the user
// reach the one that stayed.
TEST(ClusterE2E, S16_TheSameLoginOnTwoNodesAtOnceHasOneWinner)
{
    Pair p;
    ASSERT_TRUE(p.ok);
    Client &watcher = *p.alice;
    ASSERT_EQ(0, watcher.Login("watcher"));
    for (int round = 0; round < 10; round++) {
        std::string user = "twin" + std::to_string(round);
        Client a(p.n1.address(), kFastClient), b(p.n2.address(), kFastClient);
        std::atomic<int> ready{0};
        int code_a = -1, code_b = -1;
        auto login = [&](Client &c, int *code) {
            ready++;
            while (ready.load() < 2)
                std::this_thread::yield();
            *code = c.Login(user);
        };
        std::thread ta(login, std::ref(a), &code_a), tb(login, std::ref(b), &code_b);
        ta.join();
        tb.join();
        EXPECT_TRUE(code_a == 0 || code_b == 0) << round << ": " << code_a << " " << code_b;
        auto end = Clock::now() + seconds(5);
        while (a.Count(kKicked) + b.Count(kKicked) == 0 && Clock::now() < end)
            std::this_thread::sleep_for(milliseconds(5));
        std::this_thread::sleep_for(milliseconds(500)); // a second kick, a reconnection
        Client &loser = a.Count(kKicked) ? a : b, &winner = a.Count(kKicked) ? b : a;
        ASSERT_EQ(1u, loser.Count(kKicked)) << round;
        EXPECT_EQ(0u, winner.Count(kKicked)) << round << ": both were kicked";
        EXPECT_EQ(kKicked, loser.States().back()) << round << ": it came back";
        EXPECT_EQ(kConnected, winner.States().back()) << round;
        EXPECT_EQ(RTM_PEER_MESSAGE_ERR_OK, watcher.SendText(user, "to the winner"));
        EXPECT_TRUE(winner.WaitFor("peer watcher: to the winner")) << round;
        EXPECT_EQ(0u, loser.Count("peer watcher: to the winner")) << round;
        Strings states;
        EXPECT_EQ(RTM_QUERY_PEERS_ONLINE_STATUS_ERR_OK, watcher.QueryPeers({user.c_str()}, &states));
        EXPECT_EQ((Strings{user + "=0"}), states);
    }
}

// A1 through the admin API of another node: n2's lists alice (on n1) with
// her node, kicks her and bans her (each ABORTED/BANNED_BY_SERVER, with no
// reconnection), and n1's lifts the ban; each reaches her where she is.
// GET /nodes shows both nodes, then n1 dead once killed.
TEST(ClusterE2E, A1_TheAdminOfOneNodeKicksAndBansAUserOfAnother)
{
    rtm_test::RedisProcess redis;
    ASSERT_TRUE(redis.started());
    rtm_test::AdminRtmd n1(NodeFlags(redis, "n1", {"--node-timeout-ms", "1500"})),
        n2(NodeFlags(redis, "n2", {"--node-timeout-ms", "1500"}));
    ASSERT_TRUE(n1.started() && n2.started());
    Client alice(n1.rtmd().address(), kFastClient);
    ASSERT_EQ(0, alice.Login("alice"));
    rtm_test::HttpResponse users = n2.Call("GET", "/users?app=e2e-app");
    EXPECT_EQ(200, users.status);
    EXPECT_NE(std::string::npos, users.body.find("\"alice\"")) << users.body;
    EXPECT_NE(std::string::npos, users.body.find("\"n1\"")) << users.body;

    const std::string banned = Client::StateText(
        RTM_CONNECTION_STATE_ABORTED, RTM_CONNECTION_CHANGE_REASON_BANNED_BY_SERVER);
    ASSERT_EQ(200, n2.Call("POST", "/users/alice/kick?app=e2e-app").status);
    ASSERT_TRUE(alice.WaitFor(banned));
    ASSERT_EQ(0, alice.Logout());
    std::this_thread::sleep_for(milliseconds(600)); // A2: 2 logins a second
    ASSERT_EQ(0, alice.Login("alice")) << "a kick is not a ban";

    ASSERT_EQ(200, n2.Call("POST", "/users/alice/ban?app=e2e-app").status);
    ASSERT_TRUE(alice.WaitFor(banned, 2));
    std::this_thread::sleep_for(milliseconds(1000));
    EXPECT_EQ((Strings{kConnecting, kConnected, banned, kLoggedOut, kConnecting, kConnected,
                       banned}),
              alice.States())
        << "no reconnection";
    EXPECT_EQ(0, alice.Logout());
    Client again(n2.rtmd().address(), kFastClient);
    EXPECT_EQ(RTM_LOGIN_ERR_REJECTED, again.Login("alice")) << "banned on every node";
    ASSERT_EQ(200, n1.Call("DELETE", "/users/alice/ban?app=e2e-app").status);
    std::this_thread::sleep_for(milliseconds(600));
    EXPECT_EQ(RTM_LOGIN_ERR_OK, again.Login("alice"));

    // GET /nodes: both alive, each with its sessions; n1 killed with
    // carol's session on it: dead once past its timeout (1.5 s), and
    // carol's session waits in its grace (3 s) as an orphan.
    Client carol(n1.rtmd().address(), kFastClient);
    ASSERT_EQ(0, carol.Login("carol"));
    rtm_test::HttpResponse nodes = n2.Call("GET", "/nodes");
    EXPECT_EQ(200, nodes.status);
    EXPECT_NE(std::string::npos,
              nodes.body.find("{\"node\":\"n1\",\"self\":false,\"state\":\"alive\""))
        << nodes.body;
    EXPECT_NE(std::string::npos, nodes.body.find("\"sessions\":1},{\"node\":\"n2\",\"self\":"
                                                 "true,\"state\":\"alive\""))
        << nodes.body;
    EXPECT_EQ(128 + SIGKILL, n1.rtmd().Kill());
    auto end = Clock::now() + seconds(5);
    while (Clock::now() < end &&
           n2.Call("GET", "/nodes").body.find("\"state\":\"dead\"") == std::string::npos)
        std::this_thread::sleep_for(milliseconds(50));
    nodes = n2.Call("GET", "/nodes");
    EXPECT_NE(std::string::npos,
              nodes.body.find("{\"node\":\"n1\",\"self\":false,\"state\":\"dead\","
                              "\"deadline_ms\":null,\"sessions\":0}"))
        << nodes.body;
    EXPECT_NE(std::string::npos, nodes.body.find("\"orphaned_sessions\":1}")) << nodes.body;
}

constexpr const char *kCert = "5CFd2fd1755d40ecb72977518be15d3b";

std::string Token(const char *user, uint32_t expire_seconds)
{
    char buf[RTM_TOKEN_MAX];
    EXPECT_EQ(RTM_OK,
              rtm_token_build("e2e-app", kCert, user, expire_seconds, 0, buf, sizeof(buf)));
    return buf;
}

// S15 across nodes: alice's node is killed after her token expired; the
// attempt through the other node is refused, onTokenExpired once while
// RECONNECTING; renewToken, and she is back through that node with her
// session (resumed: a replay report).
TEST(ClusterE2E, S15_TokenExpiryIsReportedWhileReconnectingThroughAnotherNode)
{
    Pair p({"--app-id", "e2e-app", "--app-cert", kCert, "--session-grace-ms", "30000"});
    ASSERT_TRUE(p.ok);
    Client alice(p.n1.address() + "," + p.n2.address(), kFastClient);
    auto issued = Clock::now();
    ASSERT_EQ(0, alice.Login("alice", Token("alice", 2).c_str()));
    std::this_thread::sleep_until(issued + milliseconds(3100)); // expired now
    EXPECT_EQ(128 + SIGKILL, p.n1.rtmd->Kill());
    ASSERT_TRUE(alice.WaitFor("token expired"));
    std::this_thread::sleep_for(milliseconds(1500));
    EXPECT_EQ(1u, alice.Count("token expired"));
    EXPECT_EQ((Strings{kConnecting, kConnected, kInterrupted}), alice.States());
    EXPECT_EQ(RTM_RENEW_TOKEN_ERR_OK, alice.Renew(Token("alice", 600)));
    ASSERT_TRUE(alice.WaitFor(kConnected, 2));
    EXPECT_TRUE(alice.WaitFor("replay peer=0 channel=0 skipped=0 dropped=0"));
}

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

// Numbered messages flow while Redis goes: alice (n1) sends bob (n2) peer
// messages, bob sends the channel; the check: every message the system
// accepted (answered OK) arrives, none twice, each sender's in order. A
// message whose answer was lost with its connection may still arrive
// (Redis ran it): the accepted ones are a subset of those received.
struct Traffic {
    explicit Traffic(Pair &pair) : p(pair) {}
    testing::AssertionResult Start()
    {
        if (p.alice->Login("alice") != 0 || p.bob->Login("bob") != 0)
            return testing::AssertionFailure() << "login failed";
        ra = p.alice->Channel("room");
        rb = p.bob->Channel("room");
        if (p.alice->Join(ra) != 0 || p.bob->Join(rb) != 0 ||
            !p.alice->WaitFor("joined room bob"))
            return testing::AssertionFailure() << "join failed";
        to_bob = std::make_unique<Sender>(
            [this](int n) { return p.alice->SendText("bob", "a" + std::to_string(n)); }, 3);
        to_room = std::make_unique<Sender>(
            [this](int n) { return p.bob->ChannelSend(rb, "c" + std::to_string(n)); }, 5);
        return testing::AssertionSuccess();
    }
    size_t Accepted()
    {
        std::lock_guard<std::mutex> lk(to_bob->mu);
        return to_bob->accepted.size();
    }
    // Stops the senders and checks what came.
    void Check()
    {
        std::vector<int> a = to_bob->Finish(), c = to_room->Finish();
        ASSERT_FALSE(a.empty());
        ASSERT_FALSE(c.empty());
        ASSERT_TRUE(p.bob->WaitFor("peer alice: a" + std::to_string(a.back())));
        ASSERT_TRUE(p.alice->WaitFor("channel room bob: c" + std::to_string(c.back())));
        std::this_thread::sleep_for(milliseconds(300));
        CheckStream("peer", a, Numbers(*p.bob, "peer alice: a"));
        CheckStream("channel", c, Numbers(*p.alice, "channel room bob: c"));
        std::printf("peer: %zu accepted, %zu refused; channel: %zu accepted, %zu refused\n",
                    a.size(), to_bob->refused.size(), c.size(), to_room->refused.size());
    }
    static void CheckStream(const char *what, const std::vector<int> &accepted,
                            const std::vector<int> &got)
    {
        EXPECT_TRUE(std::is_sorted(got.begin(), got.end()) &&
                    std::adjacent_find(got.begin(), got.end()) == got.end())
            << what << ": each once, in order";
        std::vector<int> lost;
        std::set_difference(accepted.begin(), accepted.end(), got.begin(), got.end(),
                            std::back_inserter(lost));
        EXPECT_TRUE(lost.empty()) << what << ": " << lost.size() << " accepted, not received";
    }
    Pair &p;
    rtm_channel *ra = nullptr, *rb = nullptr;
    std::unique_ptr<Sender> to_bob, to_room;
};

// Waits until n has logged "store: redis ready" `times` times.
bool ReadyTimes(rtm_test::RtmdProcess &n, size_t times)
{
    auto end = Clock::now() + seconds(10);
    while (Clock::now() < end) {
        std::string log = n.Log();
        size_t count = 0;
        for (size_t at = log.find("store: redis ready"); at != std::string::npos;
             at = log.find("store: redis ready", at + 1))
            count++;
        if (count >= times)
            return true;
        std::this_thread::sleep_for(milliseconds(10));
    }
    return false;
}

// B7: the nodes' connections to Redis (each node's operations and inbox,
// named rtmd:NODE:ops and rtmd:NODE:inbox) are closed by Redis, one after
// the other, eight times, mid-traffic: nothing accepted is lost or doubled,
// and the links to the clients stay (no state change).
TEST(ClusterE2E, B7_RedisConnectionsKilledMidTrafficLoseNothing)
{
    Pair p;
    ASSERT_TRUE(p.ok);
    Traffic t(p);
    ASSERT_TRUE(t.Start());
    const char *names[] = {"rtmd:n2:inbox", "rtmd:n1:ops", "rtmd:n1:inbox", "rtmd:n2:ops"};
    for (int i = 0; i < 8; i++) {
        size_t before = t.Accepted();
        auto until = Clock::now() + seconds(5);
        while (t.Accepted() < before + 20 && Clock::now() < until)
            std::this_thread::sleep_for(milliseconds(10));
        EXPECT_EQ(1, p.redis.KillClients(names[i % 4])) << names[i % 4];
    }
    std::this_thread::sleep_for(milliseconds(500));
    t.Check();
    EXPECT_EQ((Strings{kConnecting, kConnected}), p.alice->States());
    EXPECT_EQ((Strings{kConnecting, kConnected}), p.bob->States());
}

// B6, B7: Redis itself is killed (SIGKILL) mid-traffic and started again on
// its AOF 300 ms later: what it had acknowledged is all delivered, nothing
// twice; the nodes come back without a restart, and the traffic with them.
TEST(ClusterE2E, B6_B7_RedisKilledAndRestartedMidTrafficLosesNothingAcknowledged)
{
    Pair p;
    ASSERT_TRUE(p.ok);
    Traffic t(p);
    ASSERT_TRUE(t.Start());
    std::this_thread::sleep_for(milliseconds(500));
    ASSERT_EQ(128 + SIGKILL, p.redis.Kill());
    std::this_thread::sleep_for(milliseconds(300));
    size_t at_restart = t.Accepted();
    ASSERT_TRUE(p.redis.Restart());
    ASSERT_TRUE(ReadyTimes(*p.n1.rtmd, 2));
    ASSERT_TRUE(ReadyTimes(*p.n2.rtmd, 2));
    auto until = Clock::now() + seconds(5);
    while (t.Accepted() < at_restart + 50 && Clock::now() < until)
        std::this_thread::sleep_for(milliseconds(10));
    EXPECT_GE(t.Accepted(), at_restart + 50) << "the traffic came back";
    t.Check();
    EXPECT_EQ(0u, p.bob->Count(kKicked));
}

} // namespace
