// End-to-end tests of the durable store (SPEC B6, with S9, A1, A5, A6 and
// S12 across restarts): the C API against a real rtmd on its default store,
// killed with SIGKILL or stopped with SIGTERM mid-conversation and started
// again on the same data directory and address.
#include <gtest/gtest.h>

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>

#include "admin_client.h"
#include "client_harness.h"
#include "rtmd_process.h"

namespace {

using namespace rtm_e2e;
using namespace std::chrono;

// A directory for rtmd's data that outlives each of its processes.
struct DataDir {
    DataDir()
    {
        char tmpl[] = "/tmp/rtmd-durable-XXXXXX";
        EXPECT_NE(nullptr, mkdtemp(tmpl));
        path = tmpl;
    }
    ~DataDir() { EXPECT_EQ(0, std::system(("rm -rf '" + path + "'").c_str())); }
    std::string path;
};

// A small tmpfs mounted for a test (root only; the test skips without it).
struct Tmpfs {
    explicit Tmpfs(const char *opts)
    {
        mounted = geteuid() == 0 &&
                  std::system(("mount -t tmpfs -o " + std::string(opts) + " tmpfs '" +
                               dir.path + "' 2>/dev/null")
                                  .c_str()) == 0;
    }
    ~Tmpfs()
    {
        if (mounted) {
            EXPECT_EQ(0, std::system(("umount '" + dir.path + "'").c_str()));
        }
    }
    bool Remount(const char *opts)
    {
        return std::system(("mount -o remount," + std::string(opts) + " '" + dir.path + "'")
                               .c_str()) == 0;
    }
    DataDir dir;
    bool mounted = false;
};

// rtmd on the same data and address at each start: the timings of
// kFastClient (client_harness.h), offline messages kept.
struct Server {
    explicit Server(const std::string &dir = "")
        : port(rtm_test::FreeLoopbackPort()), path(dir.empty() ? data.path : dir)
    {
    }
    std::string address() const { return "127.0.0.1:" + std::to_string(port); }
    testing::AssertionResult Start()
    {
        rtmd = std::make_unique<rtm_test::AdminRtmd>(std::vector<std::string>{
            "--listen", address(), "--data-dir", path, "--heartbeat-ms", "100",
            "--idle-timeout-ms", "300", "--session-grace-ms", "3000", "--offline-max", "10000"});
        if (!rtmd->started())
            return testing::AssertionFailure() << "rtmd did not start on " << address();
        return testing::AssertionSuccess();
    }
    void Kill()
    {
        EXPECT_EQ(128 + SIGKILL, rtmd->rtmd().Kill());
        rtmd.reset();
    }
    void Stop()
    {
        EXPECT_EQ(0, rtmd->rtmd().Stop());
        rtmd.reset();
    }
    DataDir data;
    uint16_t port;
    std::string path; // the data directory: data's, or one given
    std::unique_ptr<rtm_test::AdminRtmd> rtmd;
};

// B6: rtmd killed (SIGKILL) 20 times at random moments while alice and bob
// send each other numbered peer messages, alice sends carol (who is away)
// offline messages and the channel numbered messages, and attributes and a
// ban exist. After each crash rtmd starts again on the same data. Every
// message the system accepted arrives exactly once, in order (S9, B1, A6,
// S10 within its window); the attributes (A5) and the ban (A1) are back;
// alice and bob resume their sessions every time, so neither ever sees the
// other leave the channel (S12).
TEST(DurabilityE2E, B6_KilledTwentyTimesWhileMessagesFlowLosesNothing)
{
    Server srv;
    ASSERT_TRUE(srv.Start());
    Client alice(srv.address(), kFastClient), bob(srv.address(), kFastClient);
    ASSERT_EQ(0, alice.Login("alice"));
    ASSERT_EQ(0, bob.Login("bob"));
    rtm_channel *room = alice.Channel("room");
    ASSERT_EQ(0, alice.Join(room));
    ASSERT_EQ(0, bob.Join(bob.Channel("room")));
    ASSERT_TRUE(alice.WaitFor("joined room bob"));
    ASSERT_EQ(0, alice.SetAttributes({{"mood", "calm"}}));
    ASSERT_EQ(0, alice.ChangeChannelAttributes("room", 0, {{"topic", "durability"}}, false));
    ASSERT_EQ(200, srv.rtmd->Call("POST", "/users/mallory/ban?app=e2e-app").status);

    Sender to_bob([&](int n) { return alice.SendText("bob", "a" + std::to_string(n)); }, 3);
    Sender to_alice([&](int n) { return bob.SendText("alice", "b" + std::to_string(n)); }, 3);
    Sender to_carol(
        [&](int n) { return alice.SendText("carol", "o" + std::to_string(n), true); }, 20);
    Sender to_room([&](int n) { return alice.ChannelSend(room, "c" + std::to_string(n)); }, 25);

    std::mt19937 rng(12);
    for (int k = 0; k < 20; k++) {
        std::this_thread::sleep_for(milliseconds(150 + rng() % 450));
        srv.Kill();
        ASSERT_TRUE(srv.Start()) << "start " << k + 2;
    }
    std::this_thread::sleep_for(milliseconds(500));
    std::vector<int> a = to_bob.Finish(), b = to_alice.Finish(), o = to_carol.Finish(),
                     c = to_room.Finish();
    ASSERT_FALSE(a.empty());
    ASSERT_FALSE(b.empty());
    ASSERT_FALSE(o.empty());
    ASSERT_FALSE(c.empty());
    ASSERT_TRUE(bob.WaitFor("peer alice: a" + std::to_string(a.back())));
    ASSERT_TRUE(alice.WaitFor("peer bob: b" + std::to_string(b.back())));
    ASSERT_TRUE(bob.WaitFor("channel room alice: c" + std::to_string(c.back())));

    // S9, B1: each accepted peer message exactly once, in order.
    EXPECT_EQ(a, Numbers(bob, "peer alice: a"));
    EXPECT_EQ(b, Numbers(alice, "peer bob: b"));
    // S10, B2: every accepted channel message once, in order (no outage
    // here outlasts the replay's 32 messages).
    EXPECT_EQ(c, Numbers(bob, "channel room alice: c"));
    // S12: sessions resumed after every crash; nobody left, nobody rejoined.
    EXPECT_EQ(0u, alice.Count("left room bob"));
    EXPECT_EQ(0u, bob.Count("left room alice"));
    EXPECT_EQ(1u, alice.Count("joined room bob"));
    EXPECT_EQ(0u, alice.Count(Client::StateText(RTM_CONNECTION_STATE_ABORTED,
                                                 RTM_CONNECTION_CHANGE_REASON_LOGIN_FAILURE)));

    // A5: the attributes are back.
    int code = -1;
    EXPECT_EQ("mood=calm", bob.GetAttributes("alice", &code));
    EXPECT_EQ(0, code);
    EXPECT_EQ("topic=durability@alice", bob.GetChannelAttributes("room", &code));
    // A1: the ban holds.
    Client mallory(srv.address(), kFastClient);
    EXPECT_EQ(RTM_LOGIN_ERR_REJECTED, mallory.Login("mallory"));
    // A6: carol, away all along, gets every cached message once, in order.
    Client carol(srv.address(), kFastClient);
    ASSERT_EQ(0, carol.Login("carol"));
    ASSERT_TRUE(carol.WaitFor("peer alice: o" + std::to_string(o.back()) + " (offline)"));
    EXPECT_EQ(o, Numbers(carol, "peer alice: o"));
    std::printf("accepted: %zu + %zu peer, %zu offline, %zu channel messages across 20 "
                "crashes\n", a.size(), b.size(), o.size(), c.size());
}

// B6: a graceful restart (SIGTERM) flushes what it holds: the same checks
// across three restarts, with offline messages sent the moment before.
TEST(DurabilityE2E, B6_GracefulRestartsLoseNothing)
{
    Server srv;
    ASSERT_TRUE(srv.Start());
    Client alice(srv.address(), kFastClient), bob(srv.address(), kFastClient);
    ASSERT_EQ(0, alice.Login("alice"));
    ASSERT_EQ(0, bob.Login("bob"));
    ASSERT_EQ(0, bob.Subscribe({"alice"}));
    std::vector<int> offline;
    int n = 0;
    for (int k = 0; k < 3; k++) {
        for (int i = 0; i < 50; i++) {
            n++;
            ASSERT_EQ(RTM_PEER_MESSAGE_ERR_CACHED_BY_SERVER,
                      alice.SendText("carol", "o" + std::to_string(n), true));
            offline.push_back(n);
        }
        srv.Stop();
        ASSERT_TRUE(srv.Start());
        ASSERT_EQ(0, alice.SendText("bob", "after restart " + std::to_string(k)));
        ASSERT_TRUE(bob.WaitFor("peer alice: after restart " + std::to_string(k)));
    }
    // A8: bob's subscription came back with his session.
    std::vector<std::string> subs;
    EXPECT_EQ(0, bob.Subscribed(&subs));
    ASSERT_EQ(1u, subs.size());
    EXPECT_EQ("alice=", subs[0].substr(0, 6));
    Client carol(srv.address(), kFastClient);
    ASSERT_EQ(0, carol.Login("carol"));
    ASSERT_TRUE(carol.WaitFor("peer alice: o" + std::to_string(n) + " (offline)"));
    EXPECT_EQ(offline, Numbers(carol, "peer alice: o"));
}

// B6 with C3, C5, C7: rtmd is killed (SIGKILL) while an invitation to a
// callee who is away is kept, and again while an accept is on its way; each
// time it starts again on the same data. The kept invitation rings the
// callee at its login, and the accept reaches the caller: both sides end
// ACCEPTED, each event once.
TEST(DurabilityE2E, B6_C7_AnInvitationLivesThroughACrashOfTheServer)
{
    const std::string params = std::string(kFastClient) +
                               ",\"rtm.invitation_receive_timeout_ms\":20000"
                               ",\"rtm.invitation_expire_ms\":30000"
                               ",\"rtm.invitation_accept_ack_ms\":10000";
    Server srv;
    ASSERT_TRUE(srv.Start());
    Client alice(srv.address(), params.c_str()), bob(srv.address(), params.c_str());
    ASSERT_EQ(0, alice.Login("alice"));
    rtm_local_invitation *inv = alice.Invitation("bob", "survive this");
    ASSERT_EQ(0, alice.SendInvitation(inv)); // bob is away: kept
    srv.Kill();
    ASSERT_TRUE(srv.Start());
    ASSERT_EQ(0, bob.Login("bob"));
    ASSERT_TRUE(bob.WaitFor("remote received alice: survive this@ #1"));
    ASSERT_TRUE(alice.WaitFor("local received bob #2", 1, seconds(15)));
    // Bob's accept is taken; the server dies before or after delivering it.
    ASSERT_EQ(0, bob.Accept(bob.LastRemote(), "yes"));
    srv.Kill();
    ASSERT_TRUE(srv.Start());
    EXPECT_TRUE(alice.WaitFor("local accepted bob: yes #3", 1, seconds(15)));
    EXPECT_TRUE(bob.WaitFor("remote accepted alice #4", 1, seconds(15)));
    std::this_thread::sleep_for(milliseconds(500));
    EXPECT_EQ(1u, alice.EventsWithPrefix("local accepted").size());
    EXPECT_EQ(1u, bob.EventsWithPrefix("remote received").size());
    EXPECT_EQ(1u, bob.EventsWithPrefix("remote accepted").size());
}

// B6 at run time: the disk fills up under rtmd. The requests whose writes
// could not be made durable are answered FAILURE (and their messages are
// never delivered); rtmd goes on, its clients come back and resume, and
// once there is room again everything works. Nothing answered OK is lost.
TEST(DurabilityE2E, B6_AFullDiskAnswersFailureAndLosesNothingAnswered)
{
    Tmpfs mnt("size=3m");
    if (!mnt.mounted)
        GTEST_SKIP() << "needs root, to mount a small file system";
    {
        Server srv(mnt.dir.path);
        ASSERT_TRUE(srv.Start());
        Client alice(srv.address(), kFastClient), bob(srv.address(), kFastClient);
        ASSERT_EQ(0, alice.Login("alice"));
        ASSERT_EQ(0, bob.Login("bob"));
        std::vector<int> ok, failed;
        int n = 0;
        auto send = [&] {
            n++;
            // Large messages, so that the WAL must grow.
            int code = alice.SendText("bob", "f" + std::to_string(n) + " " +
                                                 std::string(30000, 'x'));
            if (code == RTM_PEER_MESSAGE_ERR_OK)
                ok.push_back(n);
            else
                failed.push_back(n);
        };
        for (int i = 0; i < 5; i++)
            send();
        ASSERT_EQ(5u, ok.size());
        std::string filler = mnt.dir.path + "/filler";
        std::system(("dd if=/dev/zero of='" + filler + "' bs=64k 2>/dev/null").c_str());
        for (int i = 0; i < 300 && failed.empty(); i++)
            send();
        ASSERT_FALSE(failed.empty()) << "no write failed on a full disk";
        EXPECT_TRUE(srv.rtmd->rtmd().WaitForLog("store: a write failed"));
        // A while on a full disk: the clients come back, their logins fail
        // too, they try again; rtmd stays up.
        std::this_thread::sleep_for(seconds(1));
        EXPECT_TRUE(srv.rtmd->rtmd().Running());
        unlink(filler.c_str());
        // Room again: the clients are back (resumed) and it all works.
        ASSERT_TRUE(alice.WaitFor(kConnected, 1, seconds(10)));
        int code = -1;
        for (int i = 0; i < 100 && code != 0; i++) {
            code = alice.SendText("bob", "after");
            if (code != 0)
                std::this_thread::sleep_for(milliseconds(100));
        }
        ASSERT_EQ(0, code);
        ASSERT_TRUE(bob.WaitFor("peer alice: after"));
        // Those answered OK arrived once each, in order; those answered
        // FAILURE never did.
        std::vector<int> got;
        for (const std::string &e : bob.EventsWithPrefix("peer alice: f"))
            got.push_back(std::stoi(e.substr(13)));
        EXPECT_EQ(ok, got);
        std::printf("%zu answered OK, %zu FAILURE or otherwise\n", ok.size(), failed.size());
        // A store that keeps failing is not stormed: the reloads back off.
        std::string log = srv.rtmd->rtmd().Log();
        size_t reloads = 0;
        for (size_t at = log.find("store: a write failed"); at != std::string::npos;
             at = log.find("store: a write failed", at + 1))
            reloads++;
        EXPECT_LE(reloads, 8u) << "a second on a full disk";
        EXPECT_NE(std::string::npos, log.find("failed again within")) << log;
        srv.Stop();
    }
}

// What rtmd says when it cannot use its data: a clear error and exit code 1
// at the start, never a crash.
struct RunResult {
    int code;
    std::string out;
};

RunResult RunRtmd(const std::string &args)
{
    char path[] = "/tmp/rtmd-out-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    int st = std::system((rtm_test::RtmdPath() + " --listen 127.0.0.1:0 " + args + " >" +
                          path + " 2>&1 </dev/null")
                             .c_str());
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    unlink(path);
    return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, ss.str()};
}

TEST(DurabilityE2E, B6_ACorruptDatabaseIsAClearErrorAtStart)
{
    DataDir dir;
    std::ofstream(dir.path + "/rtmd.db") << std::string(8192, 'x');
    auto r = RunRtmd("--data-dir " + dir.path);
    EXPECT_EQ(1, r.code) << r.out;
    EXPECT_NE(std::string::npos, r.out.find(dir.path + "/rtmd.db")) << r.out;
    EXPECT_NE(std::string::npos, r.out.find("not a database")) << r.out;
    // The offline check says the same, and exits 1.
    r = RunRtmd("--check-data " + dir.path);
    EXPECT_EQ(1, r.code) << r.out;
    EXPECT_NE(std::string::npos, r.out.find("not an SQLite database")) << r.out;
}

// rtmd --check-data: a data directory in use, then stopped, is sound.
TEST(DurabilityE2E, B6_CheckDataSaysADataDirectoryIsSound)
{
    Server srv;
    ASSERT_TRUE(srv.Start());
    {
        Client alice(srv.address(), kFastClient);
        ASSERT_EQ(0, alice.Login("alice"));
        ASSERT_EQ(RTM_PEER_MESSAGE_ERR_CACHED_BY_SERVER, alice.SendText("bob", "hi", true));
        auto r = RunRtmd("--check-data " + srv.path); // while it runs
        EXPECT_EQ(0, r.code) << r.out;
        EXPECT_NE(std::string::npos, r.out.find("ok (schema 3")) << r.out;
    }
    srv.Stop();
    auto r = RunRtmd("--check-data " + srv.path + "/rtmd.db");
    EXPECT_EQ(0, r.code) << r.out;
    EXPECT_NE(std::string::npos, r.out.find("ok (schema 3")) << r.out;
}

TEST(DurabilityE2E, B6_ADataDirectoryThatCannotBeWrittenIsAClearErrorAtStart)
{
    if (geteuid() == 0) {
        // root writes through modes; a read-only mount is what stops it.
        // A file where the directory should be stops everyone.
        DataDir dir;
        std::ofstream(dir.path + "/file") << "x";
        auto r = RunRtmd("--data-dir " + dir.path + "/file/data");
        EXPECT_EQ(1, r.code) << r.out;
        EXPECT_NE(std::string::npos, r.out.find("cannot create the data directory")) << r.out;
        return;
    }
    DataDir dir;
    ASSERT_EQ(0, chmod(dir.path.c_str(), 0500));
    auto r = RunRtmd("--data-dir " + dir.path);
    EXPECT_EQ(1, r.code) << r.out;
    chmod(dir.path.c_str(), 0700);
}

// B6: a data directory on a file system mounted read-only, and one on a
// full disk, stop rtmd at its start with a line naming the file.
TEST(DurabilityE2E, B6_AReadOnlyOrFullFileSystemIsAClearErrorAtStart)
{
    Tmpfs ro("size=4m");
    if (!ro.mounted)
        GTEST_SKIP() << "needs root, to mount a small file system";
    {
        Server srv(ro.dir.path);
        ASSERT_TRUE(srv.Start());
        srv.Stop();
    }
    ASSERT_TRUE(ro.Remount("ro"));
    auto r = RunRtmd("--data-dir " + ro.dir.path);
    EXPECT_EQ(1, r.code) << r.out;
    EXPECT_NE(std::string::npos, r.out.find(ro.dir.path)) << r.out;
    EXPECT_NE(std::string::npos, r.out.find("Read-only file system")) << r.out;
    ASSERT_TRUE(ro.Remount("rw"));

    Tmpfs full("size=1m");
    ASSERT_TRUE(full.mounted);
    std::system(("dd if=/dev/zero of='" + full.dir.path + "/filler' bs=64k 2>/dev/null").c_str());
    r = RunRtmd("--data-dir " + full.dir.path);
    EXPECT_EQ(1, r.code) << r.out;
    EXPECT_NE(std::string::npos, r.out.find(full.dir.path + "/rtmd.db")) << r.out;
}

TEST(DurabilityE2E, B6_TwoServersCannotShareOneDataDirectory)
{
    Server srv;
    ASSERT_TRUE(srv.Start());
    auto r = RunRtmd("--data-dir " + srv.data.path);
    EXPECT_EQ(1, r.code) << r.out;
    EXPECT_NE(std::string::npos, r.out.find("in use by another rtmd (pid ")) << r.out;
}

} // namespace
