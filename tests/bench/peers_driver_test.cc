// The peers' drivers of rtm-bench (native/bench/drv_mosquitto.c,
// drv_nats.c) do what bench.h promises, against the real servers on
// loopback: endpoints log in, peer messages arrive once, intact and in order
// at 100 B and 4 KB both ways, a channel reaches every member but the
// sender, endpoints send from inside their callbacks (their own and another
// endpoint, on the same loop and on another), and everything closes.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <signal.h>

extern "C" {
#include "bench.h"
#include "proc.h"
}

namespace {

using namespace std::chrono_literals;

// A message: its sequence number, then bytes that depend on it.
void Fill(std::vector<unsigned char> &buf, size_t len, uint32_t seq)
{
    buf.resize(len);
    memcpy(buf.data(), &seq, sizeof(seq));
    for (size_t i = sizeof(seq); i < len; i++)
        buf[i] = (unsigned char)(seq + i);
}

bool Intact(const unsigned char *p, size_t len, uint32_t *seq)
{
    if (len < sizeof(*seq))
        return false;
    memcpy(seq, p, sizeof(*seq));
    for (size_t i = sizeof(*seq); i < len; i++)
        if (p[i] != (unsigned char)(*seq + i))
            return false;
    return true;
}

// What the callbacks saw; the test thread waits on it.
struct Seen {
    std::mutex mu;
    std::condition_variable cv;
    std::map<bench_ep *, int> ready, not_ready, joined, not_joined;
    std::map<bench_ep *, std::vector<uint32_t>> seqs;
    std::map<bench_ep *, std::vector<size_t>> lens;
    long messages = 0;
    long broken = 0;
};

class PeersDriverTest : public ::testing::TestWithParam<const bench_driver *> {
protected:
    static void OnReady(void *closure, bench_ep *ep, bool ok)
    {
        auto *t = static_cast<PeersDriverTest *>(closure);
        std::lock_guard<std::mutex> lk(t->seen_.mu);
        (ok ? t->seen_.ready : t->seen_.not_ready)[ep]++;
        t->seen_.cv.notify_all();
    }
    static void OnJoined(void *closure, bench_ep *ep, bool ok)
    {
        auto *t = static_cast<PeersDriverTest *>(closure);
        std::lock_guard<std::mutex> lk(t->seen_.mu);
        (ok ? t->seen_.joined : t->seen_.not_joined)[ep]++;
        t->seen_.cv.notify_all();
    }
    static void OnMessage(void *closure, bench_ep *ep, const void *data, size_t len)
    {
        auto *t = static_cast<PeersDriverTest *>(closure);
        uint32_t seq = 0;
        bool ok = Intact(static_cast<const unsigned char *>(data), len, &seq);
        {
            std::lock_guard<std::mutex> lk(t->seen_.mu);
            if (!ok)
                t->seen_.broken++;
            t->seen_.seqs[ep].push_back(seq);
            t->seen_.lens[ep].push_back(len);
            t->seen_.messages++;
            t->seen_.cv.notify_all();
        }
        // Outside the lock: the driver may call back on this thread.
        if (t->on_message_)
            t->on_message_(ep, seq);
    }

    void SetUp() override
    {
        d_ = GetParam();
        work_ = ::testing::TempDir();
        env_.build_dir = ".";
        env_.work_dir = work_.c_str();
        port_ = bench_free_port();
        ASSERT_GT(port_, 0);
        ASSERT_EQ(0, d_->server_start(&env_, port_, &server_));
        events_ = {OnReady, OnJoined, OnMessage};
        ASSERT_EQ(0, d_->client_open(&env_, port_, 2, &events_, this, &clients_));
    }
    void TearDown() override
    {
        if (clients_ != nullptr)
            d_->client_close(clients_);
        if (server_ != nullptr)
            d_->server_stop(server_);
    }

    // Connects u0..u(n-1) (spread over 127.0.0.1 and .2) and waits for all.
    // The endpoints stay in eps_ until TearDown closed the client side: the
    // callbacks of the last messages may still be reading them.
    const std::vector<bench_ep *> &Connect(int n)
    {
        std::vector<bench_ep *> &eps = eps_;
        for (int i = 0; i < n; i++) {
            std::string user = "u" + std::to_string(i);
            bench_ep *ep = d_->connect(clients_, user.c_str(),
                                       i % 2 ? "127.0.0.2" : "127.0.0.1");
            EXPECT_NE(nullptr, ep);
            eps.push_back(ep);
        }
        std::unique_lock<std::mutex> lk(seen_.mu);
        bool all = seen_.cv.wait_for(lk, 20s, [&] {
            return seen_.ready.size() + seen_.not_ready.size() == (size_t)n;
        });
        EXPECT_TRUE(all);
        for (bench_ep *ep : eps)
            EXPECT_EQ(1, seen_.ready[ep]) << "on_ready(ok) once";
        EXPECT_TRUE(seen_.not_ready.empty());
        return eps;
    }

    void Join(const std::vector<bench_ep *> &eps, const char *channel)
    {
        for (bench_ep *ep : eps)
            ASSERT_EQ(0, d_->join(ep, channel));
        std::unique_lock<std::mutex> lk(seen_.mu);
        ASSERT_TRUE(seen_.cv.wait_for(lk, 20s, [&] {
            return seen_.joined.size() + seen_.not_joined.size() >= eps.size();
        }));
        EXPECT_TRUE(seen_.not_joined.empty());
    }

    // Waits until `n` messages arrived in all, then a little more, so that
    // a surplus shows.
    void WaitMessages(long n)
    {
        std::unique_lock<std::mutex> lk(seen_.mu);
        ASSERT_TRUE(seen_.cv.wait_for(lk, 20s, [&] { return seen_.messages >= n; }))
            << seen_.messages << " of " << n;
        seen_.cv.wait_for(lk, 200ms, [&] { return seen_.messages > n; });
        EXPECT_EQ(n, seen_.messages);
        EXPECT_EQ(0, seen_.broken);
    }

    std::vector<uint32_t> Seqs(bench_ep *ep)
    {
        std::lock_guard<std::mutex> lk(seen_.mu);
        return seen_.seqs[ep];
    }

    const bench_driver *d_ = nullptr;
    bench_env env_{};
    std::string work_;
    int port_ = 0;
    bench_server *server_ = nullptr;
    bench_events events_{};
    bench_clients *clients_ = nullptr;
    Seen seen_;
    std::vector<bench_ep *> eps_;
    std::function<void(bench_ep *, uint32_t)> on_message_;
};

// bench.h: messages from one endpoint to one peer arrive in order, here both
// ways at once, from two threads, alternating 100 B and 4 KB.
TEST_P(PeersDriverTest, PeerMessagesArriveOnceIntactAndInOrderBothWays)
{
    const std::vector<bench_ep *> &eps = Connect(3);
    auto send = [&](bench_ep *from, const char *to) {
        std::vector<unsigned char> buf;
        for (uint32_t i = 0; i < 1000; i++) {
            Fill(buf, i % 2 ? 4096 : 100, i);
            ASSERT_EQ(0, d_->send_peer(from, to, buf.data(), buf.size()));
        }
    };
    std::thread there(send, eps[0], "u1");
    std::thread back(send, eps[1], "u0");
    there.join();
    back.join();
    WaitMessages(2000);
    for (int m = 0; m < 2; m++) {
        std::vector<uint32_t> got = Seqs(eps[m]);
        ASSERT_EQ(1000u, got.size());
        for (uint32_t i = 0; i < 1000; i++)
            ASSERT_EQ(i, got[i]) << "endpoint " << m;
        std::lock_guard<std::mutex> lk(seen_.mu);
        EXPECT_EQ(100u, seen_.lens[eps[m]][0]);
        EXPECT_EQ(4096u, seen_.lens[eps[m]][1]);
    }
    EXPECT_TRUE(Seqs(eps[2]).empty());
}

// bench.h: a channel message reaches everybody in the channel but the sender.
TEST_P(PeersDriverTest, AChannelReachesEveryMemberButTheSender)
{
    const std::vector<bench_ep *> &eps = Connect(4);
    Join({eps[0], eps[1], eps[2]}, "room"); // eps[3] stays out
    std::vector<unsigned char> buf;
    for (uint32_t i = 0; i < 20; i++) {
        Fill(buf, 100, i);
        ASSERT_EQ(0, d_->publish(eps[0], "room", buf.data(), buf.size()));
    }
    WaitMessages(40);
    for (int m = 1; m <= 2; m++) {
        std::vector<uint32_t> got = Seqs(eps[m]);
        ASSERT_EQ(20u, got.size()) << "member " << m;
        for (uint32_t i = 0; i < 20; i++)
            EXPECT_EQ(i, got[i]);
    }
    EXPECT_TRUE(Seqs(eps[0]).empty()) << "the sender got its own message";
    EXPECT_TRUE(Seqs(eps[3]).empty());
}

// bench.h: send_peer may be called from inside on_message. A ball goes back
// and forth 500 times, each hit sent by the receiver from its callback.
TEST_P(PeersDriverTest, PingPongFromInsideTheCallbacks)
{
    const std::vector<bench_ep *> &eps = Connect(2);
    on_message_ = [&](bench_ep *ep, uint32_t seq) {
        if (seq >= 999)
            return;
        std::vector<unsigned char> buf;
        Fill(buf, 100, seq + 1);
        EXPECT_EQ(0, d_->send_peer(ep, ep == eps[0] ? "u1" : "u0",
                                   buf.data(), buf.size()));
    };
    std::vector<unsigned char> buf;
    Fill(buf, 100, 0);
    ASSERT_EQ(0, d_->send_peer(eps[0], "u1", buf.data(), buf.size()));
    WaitMessages(1000);
    std::vector<uint32_t> odd = Seqs(eps[0]);
    ASSERT_EQ(500u, odd.size());
    for (uint32_t i = 0; i < 500; i++)
        EXPECT_EQ(2 * i + 1, odd[i]);
}

// A callback sends through other endpoints: one on its own loop thread and
// one on another (endpoints are spread round robin over the two threads).
TEST_P(PeersDriverTest, ACallbackSendsThroughOtherEndpoints)
{
    const std::vector<bench_ep *> &eps = Connect(4);
    on_message_ = [&](bench_ep *ep, uint32_t seq) {
        if (ep != eps[1])
            return;
        std::vector<unsigned char> buf;
        Fill(buf, 4096, seq);
        EXPECT_EQ(0, d_->send_peer(eps[2], "u0", buf.data(), buf.size()));
        EXPECT_EQ(0, d_->send_peer(eps[3], "u0", buf.data(), buf.size()));
    };
    std::vector<unsigned char> buf;
    for (uint32_t i = 0; i < 100; i++) {
        Fill(buf, 100, i);
        ASSERT_EQ(0, d_->send_peer(eps[0], "u1", buf.data(), buf.size()));
    }
    WaitMessages(300);
    std::vector<uint32_t> got = Seqs(eps[0]);
    ASSERT_EQ(200u, got.size());
    // From each sender in order; the two interleave.
    std::vector<uint32_t> expect(200);
    for (uint32_t i = 0; i < 100; i++)
        expect[2 * i] = expect[2 * i + 1] = i;
    std::vector<uint32_t> sorted = got;
    std::stable_sort(sorted.begin(), sorted.end());
    EXPECT_EQ(expect, sorted);
}

// Beyond bench.h (which closes after the traffic stopped), as a scenario
// that timed out might: closing while endpoints still answer each other from
// their callbacks, on both loops, is safe, and no callback runs after it.
TEST_P(PeersDriverTest, ClosingWhileMessagesStillFlowIsSafe)
{
    const std::vector<bench_ep *> &eps = Connect(4);
    on_message_ = [&](bench_ep *ep, uint32_t seq) {
        std::vector<unsigned char> buf;
        Fill(buf, 100, seq + 1);
        const char *to = ep == eps[0] ? "u1" : "u0";
        d_->send_peer(ep, to, buf.data(), buf.size());
        d_->send_peer(ep == eps[0] ? eps[2] : eps[3], to, buf.data(), buf.size());
    };
    std::vector<unsigned char> buf;
    Fill(buf, 100, 0);
    ASSERT_EQ(0, d_->send_peer(eps[0], "u1", buf.data(), buf.size()));
    {
        std::unique_lock<std::mutex> lk(seen_.mu);
        ASSERT_TRUE(seen_.cv.wait_for(lk, 20s, [&] { return seen_.messages >= 2000; }));
    }
    d_->client_close(clients_);
    clients_ = nullptr;
    long at_close;
    {
        std::lock_guard<std::mutex> lk(seen_.mu);
        at_close = seen_.messages;
    }
    std::this_thread::sleep_for(100ms);
    std::lock_guard<std::mutex> lk(seen_.mu);
    EXPECT_EQ(at_close, seen_.messages) << "a callback after client_close";
}

// Nothing listens: the endpoint says it gave up, once.
TEST_P(PeersDriverTest, AnEndpointWithoutAServerIsNotReady)
{
    bench_clients *other = nullptr;
    int port = bench_free_port();
    ASSERT_EQ(0, d_->client_open(&env_, port, 1, &events_, this, &other));
    bench_ep *ep = d_->connect(other, "lost", nullptr);
    ASSERT_NE(nullptr, ep);
    {
        std::unique_lock<std::mutex> lk(seen_.mu);
        EXPECT_TRUE(seen_.cv.wait_for(lk, 20s, [&] { return seen_.not_ready[ep] > 0; }));
        EXPECT_EQ(0, seen_.ready[ep]);
    }
    d_->client_close(other);
    std::lock_guard<std::mutex> lk(seen_.mu);
    EXPECT_EQ(1, seen_.not_ready[ep]);
}

std::string Name(const ::testing::TestParamInfo<const bench_driver *> &info)
{
    std::string n = info.param->name;
    for (char &c : n)
        if (c == '-')
            c = '_';
    return n;
}

INSTANTIATE_TEST_SUITE_P(Peers, PeersDriverTest,
                         ::testing::Values(&bench_driver_mosquitto0,
                                           &bench_driver_mosquitto1,
                                           &bench_driver_nats),
                         Name);

} // namespace

int main(int argc, char **argv)
{
    // A write to a socket the server reset fails with EPIPE (rtm-bench does
    // the same).
    signal(SIGPIPE, SIG_IGN);
    bench_raise_nofile();
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
