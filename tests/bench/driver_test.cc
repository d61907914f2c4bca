// Every system of rtm-bench does the work the scenarios count on
// (native/bench/bench.h): its server starts, endpoints log in, peer messages
// arrive once and in order at 100 B and 4 KB, a channel reaches every
// member but the sender, a receiver can answer from inside its callback,
// and everything closes. Against the real servers, on loopback.
#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

extern "C" {
#include "bench.h"
#include "proc.h"
#include "world.h"
}

namespace {

// What each endpoint received, in order (the seq of each message).
struct Received {
    std::mutex mu;
    std::map<bench_ep *, std::vector<uint32_t>> seqs;
    std::map<bench_ep *, std::vector<size_t>> lens;
    long total = 0;           // under the world's lock, for world_wait
    bench_ep *echo = nullptr; // answers every message it gets to "p0"
};

void OnMessage(world *w, bench_ep *ep, const void *data, size_t len)
{
    auto *r = static_cast<Received *>(w->scenario);
    bench_msg h;
    if (!bench_msg_read(data, len, &h))
        return;
    {
        std::lock_guard<std::mutex> lk(r->mu);
        r->seqs[ep].push_back(h.seq);
        r->lens[ep].push_back(len);
    }
    if (ep == r->echo) {
        char buf[100];
        bench_msg_fill(buf, sizeof(buf), h.seq);
        w->d->send_peer(ep, "p0", buf, sizeof(buf));
    }
    pthread_mutex_lock(&w->lock);
    r->total++;
    pthread_cond_broadcast(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

class DriverTest : public ::testing::TestWithParam<const bench_driver *> {
protected:
    void SetUp() override
    {
        env_.build_dir = RTM_BUILD_DIR;
        work_ = ::testing::TempDir();
        env_.work_dir = work_.c_str();
        env_.heartbeat_s = 1;
        ASSERT_EQ(0, world_open(&w_, GetParam(), &env_, true, 0, 2, OnMessage, &r_));
        open_ = true;
    }
    void TearDown() override
    {
        if (open_)
            world_close(&w_);
    }
    long Total()
    {
        pthread_mutex_lock(&w_.lock);
        long t = r_.total;
        pthread_mutex_unlock(&w_.lock);
        return t;
    }
    std::vector<uint32_t> Seqs(bench_ep *ep)
    {
        std::lock_guard<std::mutex> lk(r_.mu);
        return r_.seqs[ep];
    }

    bench_env env_{};
    std::string work_;
    world w_{};
    bool open_ = false;
    Received r_;
};

TEST_P(DriverTest, PeerMessagesArriveOnceAndInOrder)
{
    bench_ep *eps[3];
    ASSERT_EQ(0, world_connect(&w_, "p", 0, 3, 2, 0, eps, 20000));
    const bench_driver *d = GetParam();
    std::vector<char> buf(4096);
    for (uint32_t i = 0; i < 1000; i++) {
        size_t len = i % 2 ? 4096 : 100;
        bench_msg_fill(buf.data(), len, i);
        ASSERT_EQ(0, d->send_peer(eps[0], "p1", buf.data(), len));
    }
    for (uint32_t i = 0; i < 10; i++) {
        bench_msg_fill(buf.data(), 100, i);
        ASSERT_EQ(0, d->send_peer(eps[1], "p0", buf.data(), 100));
    }
    ASSERT_EQ(1010, world_wait(&w_, &r_.total, 1010, 10000));
    std::vector<uint32_t> got = Seqs(eps[1]);
    ASSERT_EQ(1000u, got.size());
    for (uint32_t i = 0; i < 1000; i++)
        ASSERT_EQ(i, got[i]);
    {
        std::lock_guard<std::mutex> lk(r_.mu);
        EXPECT_EQ(4096u, r_.lens[eps[1]][1]);
        EXPECT_EQ(100u, r_.lens[eps[1]][2]);
    }
    EXPECT_EQ(10u, Seqs(eps[0]).size());
    EXPECT_TRUE(Seqs(eps[2]).empty());
}

TEST_P(DriverTest, AChannelReachesEveryMemberButTheSender)
{
    bench_ep *eps[4];
    ASSERT_EQ(0, world_connect(&w_, "c", 0, 4, 1, 0, eps, 20000));
    ASSERT_EQ(0, world_join(&w_, eps, 3, "room", 20000)); // eps[3] stays out
    char buf[100];
    for (uint32_t i = 0; i < 20; i++) {
        bench_msg_fill(buf, sizeof(buf), i);
        ASSERT_EQ(0, GetParam()->publish(eps[0], "room", buf, sizeof(buf)));
    }
    ASSERT_EQ(40, world_wait(&w_, &r_.total, 40, 10000));
    for (int m = 1; m <= 2; m++) {
        std::vector<uint32_t> got = Seqs(eps[m]);
        ASSERT_EQ(20u, got.size()) << "member " << m;
        for (uint32_t i = 0; i < 20; i++)
            EXPECT_EQ(i, got[i]);
    }
    // Nothing more comes: not to the sender, not to the one outside.
    usleep(200 * 1000);
    EXPECT_EQ(40, Total());
    EXPECT_TRUE(Seqs(eps[0]).empty());
    EXPECT_TRUE(Seqs(eps[3]).empty());
}

TEST_P(DriverTest, AReceiverAnswersFromInsideItsCallback)
{
    bench_ep *eps[2];
    ASSERT_EQ(0, world_connect(&w_, "p", 0, 2, 1, 0, eps, 20000));
    r_.echo = eps[1];
    char buf[100];
    for (uint32_t i = 0; i < 200; i++) {
        bench_msg_fill(buf, sizeof(buf), i);
        ASSERT_EQ(0, GetParam()->send_peer(eps[0], "p1", buf, sizeof(buf)));
    }
    // 200 to p1, and its 200 answers to p0.
    ASSERT_EQ(400, world_wait(&w_, &r_.total, 400, 10000));
    std::vector<uint32_t> back = Seqs(eps[0]);
    ASSERT_EQ(200u, back.size());
    for (uint32_t i = 0; i < 200; i++)
        EXPECT_EQ(i, back[i]);
}

// A system with a shared store reports what the store ran: rtm-cluster's
// peer messages cross Redis (its two users are on different nodes), at
// least one function call and several commands each; the others have none.
TEST_P(DriverTest, AStoreSharedByTheServersCountsWhatItRan)
{
    const bench_driver *d = GetParam();
    world_store_mark before = world_store_mark_now(&w_);
    EXPECT_EQ(d == &bench_driver_rtm_cluster, before.ok);
    if (!before.ok)
        return;
    bench_ep *eps[2];
    ASSERT_EQ(0, world_connect(&w_, "p", 0, 2, 1, 0, eps, 20000));
    world_store_mark connected = world_store_mark_now(&w_);
    ASSERT_TRUE(connected.ok);
    char buf[100];
    for (uint32_t i = 0; i < 100; i++) {
        bench_msg_fill(buf, sizeof(buf), i);
        ASSERT_EQ(0, d->send_peer(eps[0], "p1", buf, sizeof(buf)));
    }
    ASSERT_EQ(100, world_wait(&w_, &r_.total, 100, 10000));
    world_store_mark after = world_store_mark_now(&w_);
    ASSERT_TRUE(after.ok);
    EXPECT_GE(after.fcalls - connected.fcalls, 100);
    EXPECT_GT(after.commands - connected.commands, after.fcalls - connected.fcalls);
    EXPECT_GT(connected.fcalls, before.fcalls) << "the logins ran in Redis";
}

std::string Name(const ::testing::TestParamInfo<const bench_driver *> &info)
{
    std::string n = info.param->name;
    for (char &c : n)
        if (c == '-')
            c = '_';
    return n;
}

INSTANTIATE_TEST_SUITE_P(Systems, DriverTest,
                         ::testing::Values(&bench_driver_rtm, &bench_driver_rtm_sqlite,
                                           &bench_driver_rtm_cluster, &bench_driver_relay,
                                           &bench_driver_mosquitto0,
                                           &bench_driver_mosquitto1,
                                           &bench_driver_nats),
                         Name);

} // namespace
