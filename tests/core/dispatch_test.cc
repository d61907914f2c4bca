// Tests of the dispatchers (dispatch.h): each client's callbacks are a serial
// queue on one callback pool that all clients share. What a client sees: its
// callbacks in order, one at a time; what the process sees: a handful of
// threads for any number of clients; and SPEC B3, a callback that blocks
// delays no other client's callbacks.
#include <gtest/gtest.h>

#include <dirent.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

extern "C" {
#include "dispatch.h"
}

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Threads of this process, from /proc/self/task.
int TaskCount()
{
    DIR *d = opendir("/proc/self/task");
    if (d == nullptr)
        return -1;
    int n = 0;
    while (struct dirent *e = readdir(d))
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

rtm__pool_stats Stats()
{
    rtm__pool_stats s;
    rtm__dispatch_pool_stats(&s);
    return s;
}

// Polls cond every 5 ms until it holds or timeout passes.
template <typename F> bool Eventually(F cond, milliseconds timeout = milliseconds(10000))
{
    auto end = Clock::now() + timeout;
    while (!cond()) {
        if (Clock::now() > end)
            return false;
        std::this_thread::sleep_for(milliseconds(5));
    }
    return true;
}

// A final(arg) that counts.
void CountFinal(void *arg)
{
    static_cast<std::atomic<int> *>(arg)->fetch_add(1);
}

void Close(rtm__dispatch *d)
{
    std::atomic<int> finals{0};
    rtm__dispatch_close(d, CountFinal, &finals);
    EXPECT_EQ(1, finals.load());
}

// Every test leaves the pool as it found it: stopped, the defaults restored.
class Dispatch : public ::testing::Test {
  protected:
    void SetUp() override
    {
        rtm__dispatch_pool_tune(0, 0);
        // A thread first, so that a sanitizer's own (TSan starts one with
        // the first thread) is in the count before the pool starts.
        std::thread([] {}).join();
        base_tasks_ = TaskCount();
    }
    void TearDown() override
    {
        rtm__dispatch_pool_tune(0, 0);
        EXPECT_TRUE(Eventually([] { return Stats().threads == 0; }))
            << "the pool did not stop after its last dispatcher";
    }
    int base_tasks_ = 0;
};

// ------------------------------------------------------------------
// Order and exclusion

struct Sequence {
    std::atomic<int> inside{0};      // callbacks of this dispatcher running now
    std::atomic<int> overlaps{0};
    std::atomic<int> done{0};
    std::vector<int> last;           // per producer: the last number seen
    bool in_order = true;            // written by its callbacks only
};

struct Item {
    Sequence *seq;
    int producer;
    int number;
    int spin;                        // microseconds of work inside
};

void RunItem(void *arg, bool closing)
{
    auto *it = static_cast<Item *>(arg);
    Sequence *s = it->seq;
    if (s->inside.fetch_add(1) != 0)
        s->overlaps.fetch_add(1);
    if (it->number != s->last[it->producer] + 1)
        s->in_order = false;
    s->last[it->producer] = it->number;
    if (it->spin > 0)
        std::this_thread::sleep_for(std::chrono::microseconds(it->spin));
    s->inside.fetch_sub(1);
    s->done.fetch_add(1);
    delete it;
}

// Each producer's events to a dispatcher run in the order it posted them,
// with 8 producers on 16 dispatchers at once.
TEST_F(Dispatch, EventsRunInTheOrderPostedWithManyProducers)
{
    const int kDispatchers = 16, kProducers = 8, kEach = 2000;
    std::vector<rtm__dispatch *> ds(kDispatchers);
    std::vector<Sequence> seqs(kDispatchers);
    for (int i = 0; i < kDispatchers; i++) {
        ds[i] = rtm__dispatch_new();
        ASSERT_NE(nullptr, ds[i]);
        seqs[i].last.assign(kProducers, 0);
    }
    std::vector<std::thread> producers;
    for (int p = 0; p < kProducers; p++) {
        producers.emplace_back([&, p] {
            for (int n = 1; n <= kEach; n++)
                for (int i = 0; i < kDispatchers; i++)
                    ASSERT_EQ(0, rtm__dispatch_post(ds[i], RunItem,
                                                    new Item{&seqs[i], p, n, 0}));
        });
    }
    for (auto &t : producers)
        t.join();
    for (int i = 0; i < kDispatchers; i++) {
        Close(ds[i]); // waits for the rest
        EXPECT_EQ(kProducers * kEach, seqs[i].done.load());
        EXPECT_TRUE(seqs[i].in_order) << "dispatcher " << i;
        EXPECT_EQ(0, seqs[i].overlaps.load());
        for (int p = 0; p < kProducers; p++)
            EXPECT_EQ(kEach, seqs[i].last[p]);
    }
}

// Never two callbacks of one dispatcher at once, though the pool has many
// threads: some callbacks block long enough for it to grow.
TEST_F(Dispatch, NeverTwoCallbacksOfOneDispatcherAtOnce)
{
    rtm__dispatch_pool_tune(10, 0);
    const int kDispatchers = 8, kProducers = 4, kEach = 300;
    std::vector<rtm__dispatch *> ds(kDispatchers);
    std::vector<Sequence> seqs(kDispatchers);
    for (int i = 0; i < kDispatchers; i++) {
        ds[i] = rtm__dispatch_new();
        ASSERT_NE(nullptr, ds[i]);
        seqs[i].last.assign(kProducers, 0);
    }
    unsigned long grown0 = Stats().grown;
    std::vector<std::thread> producers;
    for (int p = 0; p < kProducers; p++) {
        producers.emplace_back([&, p] {
            for (int n = 1; n <= kEach; n++)
                for (int i = 0; i < kDispatchers; i++) {
                    int spin = n % 100 == 0 ? 30000 : 20; // now and then 30 ms
                    ASSERT_EQ(0, rtm__dispatch_post(ds[i], RunItem,
                                                    new Item{&seqs[i], p, n, spin}));
                }
        });
    }
    for (auto &t : producers)
        t.join();
    ASSERT_TRUE(Eventually([&] {
        for (auto &s : seqs)
            if (s.done.load() < kProducers * kEach)
                return false;
        return true;
    }, milliseconds(60000)));
    EXPECT_GT(Stats().grown, grown0) << "the pool never had more than its minimum";
    for (int i = 0; i < kDispatchers; i++) {
        Close(ds[i]);
        EXPECT_EQ(0, seqs[i].overlaps.load()) << "dispatcher " << i;
        EXPECT_TRUE(seqs[i].in_order) << "dispatcher " << i;
    }
}

// ------------------------------------------------------------------
// Threads

void CountEvent(void *arg, bool)
{
    static_cast<std::atomic<int> *>(arg)->fetch_add(1);
}

// 10,000 dispatchers with events flowing: a handful of threads, not 10,000.
TEST_F(Dispatch, TenThousandDispatchersUseAHandfulOfThreads)
{
    const int kDispatchers = 10000, kRounds = 5;
    std::vector<rtm__dispatch *> ds(kDispatchers);
    for (auto &d : ds) {
        d = rtm__dispatch_new();
        ASSERT_NE(nullptr, d);
    }
    std::atomic<int> ran{0};
    int peak = 0;
    unsigned long grown0 = Stats().grown;
    for (int r = 0; r < kRounds; r++) {
        for (auto d : ds)
            ASSERT_EQ(0, rtm__dispatch_post(d, CountEvent, &ran));
        peak = std::max(peak, TaskCount());
    }
    ASSERT_TRUE(Eventually([&] { return ran.load() == kDispatchers * kRounds; }));
    peak = std::max(peak, TaskCount());
    rtm__pool_stats s = Stats();
    // The pool's minimum, its monitor, and room for one thread more.
    std::printf("10000 dispatchers: %d threads in the process at most (%d before the "
                "pool), pool %u, grown by %lu\n",
                peak, base_tasks_, s.threads, s.grown - grown0);
    EXPECT_LE(peak, base_tasks_ + (int)s.min + 1 + 1);
    EXPECT_EQ(s.min, s.threads);
    for (auto d : ds)
        Close(d);
}

// SPEC B3: a callback that sleeps 2 s does not delay another dispatcher's
// events.
struct Latency {
    std::mutex mu;
    std::vector<Clock::time_point> posted, ran;
};

struct Stamp {
    Latency *l;
    size_t i;
};

void RunStamp(void *arg, bool)
{
    auto *s = static_cast<Stamp *>(arg);
    std::lock_guard<std::mutex> lk(s->l->mu);
    s->l->ran[s->i] = Clock::now();
    delete s;
}

void Sleep2s(void *arg, bool)
{
    static_cast<std::atomic<int> *>(arg)->fetch_add(1);
    std::this_thread::sleep_for(milliseconds(2000));
}

// Posts kEvents to d, one every 20 ms, and returns the longest time one
// waited before it ran.
milliseconds WorstLatency(rtm__dispatch *d)
{
    const size_t kEvents = 40;
    Latency l;
    l.posted.resize(kEvents);
    l.ran.resize(kEvents);
    for (size_t i = 0; i < kEvents; i++) {
        {
            std::lock_guard<std::mutex> lk(l.mu);
            l.posted[i] = Clock::now();
        }
        EXPECT_EQ(0, rtm__dispatch_post(d, RunStamp, new Stamp{&l, i}));
        std::this_thread::sleep_for(milliseconds(20));
    }
    EXPECT_TRUE(Eventually([&] {
        std::lock_guard<std::mutex> lk(l.mu);
        return l.ran[kEvents - 1] != Clock::time_point();
    }));
    std::lock_guard<std::mutex> lk(l.mu);
    milliseconds worst(0);
    for (size_t i = 0; i < kEvents; i++)
        worst = std::max(worst, std::chrono::duration_cast<milliseconds>(l.ran[i] - l.posted[i]));
    return worst;
}

void BlockersDelayNobody(int blockers)
{
    std::vector<rtm__dispatch *> slow(blockers);
    std::atomic<int> started{0};
    unsigned long grown0 = Stats().grown;
    for (auto &d : slow) {
        d = rtm__dispatch_new();
        ASSERT_NE(nullptr, d);
        ASSERT_EQ(0, rtm__dispatch_post(d, Sleep2s, &started));
    }
    rtm__dispatch *other = rtm__dispatch_new();
    ASSERT_NE(nullptr, other);
    auto t0 = Clock::now();
    milliseconds worst = WorstLatency(other);
    auto took = Clock::now() - t0;
    rtm__pool_stats s = Stats();
    std::printf("%d blocked callbacks: another dispatcher's events waited %lld ms at most; "
                "pool %u threads, grown by %lu\n",
                blockers, (long long)worst.count(), s.threads, s.grown - grown0);
    EXPECT_LT(worst, milliseconds(500));
    EXPECT_LT(took, milliseconds(2000)) << "the events ran only after the blockers";
    EXPECT_EQ(blockers, started.load()) << "the blocked dispatchers did not all start";
    if ((unsigned)blockers >= s.min) {
        EXPECT_GE(s.grown - grown0, (unsigned long)(blockers - s.min + 1));
    }
    Close(other);
    for (auto d : slow)
        Close(d);
}

TEST_F(Dispatch, B3_ABlockedCallbackDelaysNoOtherDispatcher)
{
    BlockersDelayNobody(1);
}

// More blocked callbacks than the pool's minimum of threads: it grows.
TEST_F(Dispatch, B3_MoreBlockedCallbacksThanThreadsGrowThePool)
{
    BlockersDelayNobody((int)Stats().min + 3);
}

// Blocks until the flag it points to is set.
void BlockUntil(void *arg, bool)
{
    auto *go = static_cast<std::atomic<bool> *>(arg);
    while (!go->load())
        std::this_thread::sleep_for(milliseconds(5));
}

// Issue 14: with 16 callbacks blocked at once, the pool gives each waiting
// dispatcher a thread in one step, not one thread per starvation period
// (then the last of them, and whoever queued behind it, waited 14 x 50 ms).
// And a 17th dispatcher's events still run while the 16 are blocked.
TEST_F(Dispatch, B3_SixteenBlockedCallbacksGetTheirThreadsAtOnce)
{
    const unsigned kBlocked = 16;
    std::atomic<bool> go{false};
    unsigned long grown0 = Stats().grown;
    unsigned min = Stats().min;
    std::vector<rtm__dispatch *> ds(kBlocked);
    for (auto &d : ds) {
        d = rtm__dispatch_new();
        ASSERT_NE(nullptr, d);
    }
    for (auto d : ds)
        ASSERT_EQ(0, rtm__dispatch_post(d, BlockUntil, &go));
    ASSERT_TRUE(Eventually([&] { return Stats().grown > grown0; }));
    EXPECT_EQ(kBlocked - min, Stats().grown - grown0)
        << "the pool grew by fewer threads than dispatchers were waiting";
    rtm__dispatch *other = rtm__dispatch_new();
    ASSERT_NE(nullptr, other);
    std::atomic<int> ran{0};
    for (int i = 0; i < 10; i++)
        ASSERT_EQ(0, rtm__dispatch_post(other, CountEvent, &ran));
    EXPECT_TRUE(Eventually([&] { return ran.load() == 10; }));
    EXPECT_FALSE(go.load());
    go = true;
    Close(other);
    for (auto d : ds)
        Close(d);
}

void SleepMs(void *arg, bool)
{
    std::this_thread::sleep_for(milliseconds(*static_cast<int *>(arg)));
}

// After the blockers return, the threads added for them exit once idle for
// the idle timeout (300 ms here, 5 s by default), down to the minimum.
TEST_F(Dispatch, ExtraThreadsExitOnceIdle)
{
    rtm__dispatch_pool_tune(20, 300);
    int ms = 400;
    const int kBlockers = 6;
    std::vector<rtm__dispatch *> ds(kBlockers + 1);
    for (auto &d : ds) {
        d = rtm__dispatch_new();
        ASSERT_NE(nullptr, d);
    }
    unsigned min = Stats().min;
    for (int i = 0; i < kBlockers; i++)
        ASSERT_EQ(0, rtm__dispatch_post(ds[i], SleepMs, &ms));
    ASSERT_TRUE(Eventually([&] { return Stats().threads >= (unsigned)kBlockers; },
                           milliseconds(5000)));
    int grown_tasks = TaskCount();
    EXPECT_GE(grown_tasks, base_tasks_ + kBlockers);
    auto t0 = Clock::now();
    ASSERT_TRUE(Eventually([&] { return Stats().threads == min; }, milliseconds(10000)));
    // The threads are gone from the process, not just from the count.
    ASSERT_TRUE(Eventually([&] { return TaskCount() <= base_tasks_ + (int)min + 1; },
                           milliseconds(5000)));
    std::printf("pool back to %u threads %lld ms after it had %d tasks\n", min,
                (long long)std::chrono::duration_cast<milliseconds>(Clock::now() - t0).count(),
                grown_tasks);
    // And the pool still works.
    std::atomic<int> ran{0};
    ASSERT_EQ(0, rtm__dispatch_post(ds[kBlockers], CountEvent, &ran));
    ASSERT_TRUE(Eventually([&] { return ran.load() == 1; }));
    for (auto d : ds)
        Close(d);
}

// Many short callbacks are load, not starvation: thousands of events a
// second across 2 dispatchers do not grow the pool.
TEST_F(Dispatch, ManyShortCallbacksDoNotGrowThePool)
{
    rtm__dispatch *ds[2] = {rtm__dispatch_new(), rtm__dispatch_new()};
    ASSERT_NE(nullptr, ds[0]);
    ASSERT_NE(nullptr, ds[1]);
    unsigned long grown0 = Stats().grown;
    std::atomic<int> ran{0};
    std::atomic<bool> stop{false};
    std::atomic<int> posted{0};
    std::vector<std::thread> producers;
    for (int p = 0; p < 2; p++) {
        producers.emplace_back([&, p] {
            while (!stop.load()) {
                for (int i = 0; i < 200; i++)
                    if (rtm__dispatch_post(ds[(p + i) % 2], CountEvent, &ran) == 0)
                        posted.fetch_add(1);
                std::this_thread::sleep_for(milliseconds(1));
            }
        });
    }
    unsigned most = 0;
    auto end = Clock::now() + milliseconds(1500);
    while (Clock::now() < end) {
        most = std::max(most, Stats().threads);
        std::this_thread::sleep_for(milliseconds(10));
    }
    stop = true;
    for (auto &t : producers)
        t.join();
    ASSERT_TRUE(Eventually([&] { return ran.load() == posted.load(); }));
    rtm__pool_stats s = Stats();
    std::printf("%d short callbacks in 1.5 s: pool %u threads at most, grown by %lu\n",
                ran.load(), most, s.grown - grown0);
    EXPECT_GT(ran.load(), 10000);
    EXPECT_EQ(grown0, s.grown);
    EXPECT_EQ(s.min, most);
    Close(ds[0]);
    Close(ds[1]);
}

// ------------------------------------------------------------------
// Close

struct Trace {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<std::string> log;
    bool gate_open = false;
    bool first_started = false;
    rtm__dispatch *d = nullptr;
    std::atomic<bool> final_ran{false};

    void Add(const std::string &s)
    {
        std::lock_guard<std::mutex> lk(mu);
        log.push_back(s);
        cv.notify_all();
    }
};

struct TraceEvent {
    Trace *t;
    int n;
};

void RunTrace(void *arg, bool closing)
{
    auto *e = static_cast<TraceEvent *>(arg);
    Trace *t = e->t;
    EXPECT_TRUE(rtm__dispatch_on_thread(t->d));
    if (e->n == 1) { // waits at the gate
        std::unique_lock<std::mutex> lk(t->mu);
        t->first_started = true;
        t->cv.notify_all();
        t->cv.wait(lk, [&] { return t->gate_open; });
    }
    t->Add(std::to_string(e->n) + (closing ? " closing" : ""));
    delete e;
}

void TraceFinal(void *arg)
{
    auto *t = static_cast<Trace *>(arg);
    EXPECT_FALSE(rtm__dispatch_on_thread(t->d));
    t->Add("final");
    t->final_ran = true;
}

// Closed from another thread with events pending: they run with closing =
// true, then final, and only then does close return.
TEST_F(Dispatch, CloseFromAnotherThreadRunsThePendingEventsThenFinal)
{
    Trace t;
    t.d = rtm__dispatch_new();
    ASSERT_NE(nullptr, t.d);
    EXPECT_FALSE(rtm__dispatch_on_thread(t.d));
    for (int n = 1; n <= 4; n++)
        ASSERT_EQ(0, rtm__dispatch_post(t.d, RunTrace, new TraceEvent{&t, n}));
    {
        std::unique_lock<std::mutex> lk(t.mu);
        ASSERT_TRUE(t.cv.wait_for(lk, milliseconds(10000), [&] { return t.first_started; }));
    }
    std::atomic<bool> returned{false};
    std::thread closer([&] {
        rtm__dispatch_close(t.d, TraceFinal, &t);
        EXPECT_TRUE(t.final_ran.load()) << "close returned before final";
        returned = true;
    });
    std::this_thread::sleep_for(milliseconds(200)); // close is waiting now
    EXPECT_FALSE(returned.load()) << "close did not wait for the pending events";
    {
        std::lock_guard<std::mutex> lk(t.mu);
        t.gate_open = true;
        t.cv.notify_all();
    }
    closer.join();
    std::vector<std::string> want = {"1", "2 closing", "3 closing", "4 closing", "final"};
    EXPECT_EQ(want, t.log);
}

// Closed with nothing pending: final runs on the closing thread at once.
TEST_F(Dispatch, CloseOfAnIdleDispatcherRunsFinalAtOnce)
{
    Trace t;
    t.d = rtm__dispatch_new();
    ASSERT_NE(nullptr, t.d);
    rtm__dispatch_close(t.d, TraceFinal, &t);
    std::vector<std::string> want = {"final"};
    EXPECT_EQ(want, t.log);
}

void CloseSelf(void *arg, bool closing)
{
    auto *t = static_cast<Trace *>(arg);
    EXPECT_FALSE(closing);
    rtm__dispatch_close(t->d, TraceFinal, t);
    // Returned at once; the rest comes after this callback.
    EXPECT_FALSE(t->final_ran.load());
    t->Add("closed itself");
}

// Closed from inside its own callback: close returns at once, then the
// events still queued run with closing = true, then final, on a pool
// thread. It was the last dispatcher: the pool stops (TearDown), its
// threads joined but the one that ran final (detached).
TEST_F(Dispatch, CloseFromInsideItsOwnCallback)
{
    for (int round = 0; round < 3; round++) { // the pool restarts each time
        Trace t;
        t.d = rtm__dispatch_new();
        ASSERT_NE(nullptr, t.d);
        // All posted before the close (event 1 waits at the gate): d is
        // not to be used once closed.
        ASSERT_EQ(0, rtm__dispatch_post(t.d, RunTrace, new TraceEvent{&t, 1}));
        ASSERT_EQ(0, rtm__dispatch_post(t.d, CloseSelf, &t));
        ASSERT_EQ(0, rtm__dispatch_post(t.d, RunTrace, new TraceEvent{&t, 2}));
        ASSERT_EQ(0, rtm__dispatch_post(t.d, RunTrace, new TraceEvent{&t, 3}));
        {
            std::lock_guard<std::mutex> lk(t.mu);
            t.gate_open = true;
            t.cv.notify_all();
        }
        ASSERT_TRUE(Eventually([&] { return t.final_ran.load(); }));
        std::lock_guard<std::mutex> lk(t.mu);
        std::vector<std::string> want = {"1", "closed itself", "2 closing", "3 closing",
                                         "final"};
        EXPECT_EQ(want, t.log);
        ASSERT_TRUE(Eventually([] { return Stats().threads == 0; }));
    }
}

struct Pair {
    rtm__dispatch *a, *b;
    std::atomic<int> checked{0};
};

void CheckOnThread(void *arg, bool)
{
    auto *p = static_cast<Pair *>(arg);
    EXPECT_TRUE(rtm__dispatch_on_thread(p->a));
    EXPECT_FALSE(rtm__dispatch_on_thread(p->b));
    p->checked++;
}

// on_thread: true only inside a callback of that very dispatcher.
TEST_F(Dispatch, OnThreadOnlyInsideItsOwnCallbacks)
{
    Pair p{rtm__dispatch_new(), rtm__dispatch_new()};
    ASSERT_NE(nullptr, p.a);
    ASSERT_NE(nullptr, p.b);
    for (int i = 0; i < 100; i++)
        ASSERT_EQ(0, rtm__dispatch_post(p.a, CheckOnThread, &p));
    ASSERT_TRUE(Eventually([&] { return p.checked.load() == 100; }));
    EXPECT_FALSE(rtm__dispatch_on_thread(p.a));
    Close(p.a);
    Close(p.b);
}

} // namespace
