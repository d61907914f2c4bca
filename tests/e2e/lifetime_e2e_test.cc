// The lifetime rule of rtm.h ("Lifetime", after libuv's uv_close), end to
// end against a real rtmd: rtm_client_close and rtm_channel_release are
// asynchronous; every operation in flight gets its result exactly once,
// then the channel's on_closed, then the client's close callback, which is
// the last callback the client ever gets. Closed from outside and from
// inside every kind of callback, with operations in flight.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "client_harness.h"
#include "rtmd_process.h"

namespace {

using namespace std::chrono;
using rtm_e2e::Client;
using Strings = std::vector<std::string>;

// A bare C client of rtmd (not the harness's Client, which destroys its
// own), with callbacks (may be null) and their closure; null on failure.
rtm_client *NewClient(const rtm_test::RtmdProcess &rtmd, const rtm_client_callbacks *cbs = nullptr,
                      void *closure = nullptr)
{
    rtm_config cfg;
    rtm_config_init(&cfg);
    cfg.app_id = "e2e-app";
    std::string params = "{\"rtm.server\":\"" + rtmd.address() + "\"}";
    cfg.parameters = params.c_str();
    cfg.callbacks = cbs;
    cfg.closure = closure;
    rtm_client *c = nullptr;
    EXPECT_EQ(RTM_OK, rtm_client_create(&cfg, &c));
    return c;
}

// Where the client under test is closed from.
enum class From {
    Outside,          // another thread
    StateCallback,    // on_connection_state_changed (CONNECTED)
    PeerMessage,      // on_message_received
    ResultCallback,   // a login's result
    ChannelMessage,   // the channel's on_message_received
    MemberJoined,     // the channel's on_member_joined
    ChannelClosed,    // the channel's on_closed, after rtm_channel_release
};

const char *Name(From f)
{
    switch (f) {
    case From::Outside: return "Outside";
    case From::StateCallback: return "StateCallback";
    case From::PeerMessage: return "PeerMessage";
    case From::ResultCallback: return "ResultCallback";
    case From::ChannelMessage: return "ChannelMessage";
    case From::MemberJoined: return "MemberJoined";
    case From::ChannelClosed: return "ChannelClosed";
    }
    return "?";
}

// The client under test and everything it was told, in order.
struct Subject {
    From from;
    rtm_client *c = nullptr;
    rtm_channel *room = nullptr;
    std::mutex mu;
    std::condition_variable cv;
    Strings log;             // every callback, in order
    bool closed = false;     // the close callback ran
    int after_close = 0;     // callbacks after it: must stay 0
    bool triggered = false;
    int late_call = -1;      // what a call made after the close returned
    int in_flight = 0;       // operations started just before the close

    void Record(const std::string &what)
    {
        std::lock_guard<std::mutex> lk(mu);
        if (closed)
            after_close++;
        log.push_back(what);
        cv.notify_all();
    }
    bool WaitClosed(milliseconds timeout = milliseconds(15000))
    {
        std::unique_lock<std::mutex> lk(mu);
        return cv.wait_for(lk, timeout, [&] { return closed; });
    }

    // Starts operations that cannot be answered before the close, then
    // closes, then tries one call more: refused with 101, no callback.
    void CloseWithOperationsInFlight()
    {
        {
            std::lock_guard<std::mutex> lk(mu);
            if (triggered)
                return;
            triggered = true;
        }
        static const rtm_message text = {RTM_MESSAGE_TYPE_TEXT, "in flight", nullptr, 0,
                                         nullptr, 0, false};
        int started = 0;
        started += rtm_send_peer_message(c, "bob", &text, OnResult, this) == 0;
        started += rtm_get_user_attributes(c, "bob", OnAttributes, this) == 0;
        started += rtm_channel_get_members(room, OnMembers, this) == 0;
        started += rtm_channel_send_message(room, &text, OnResult, this) == 0;
        {
            std::lock_guard<std::mutex> lk(mu);
            in_flight = started;
        }
        EXPECT_EQ(RTM_OK, rtm_client_close(c, OnClosed, this));
        EXPECT_EQ(RTM_ECLOSED, rtm_client_close(c, OnClosed, this)); // once only
        int late = rtm_send_peer_message(c, "bob", &text, OnResult, this);
        std::lock_guard<std::mutex> lk(mu);
        late_call = late;
    }

    static Subject *Of(void *closure) { return static_cast<Subject *>(closure); }
    static void OnState(rtm_client *, int state, int reason, void *closure)
    {
        auto *s = Of(closure);
        s->Record(std::string("state ") + rtm_state_name(state));
        if (s->from == From::StateCallback && state == RTM_CONNECTION_STATE_CONNECTED &&
            s->room != nullptr)
            s->CloseWithOperationsInFlight();
    }
    static void OnPeer(rtm_client *, const rtm_message *, const char *, void *closure)
    {
        auto *s = Of(closure);
        s->Record("peer message");
        if (s->from == From::PeerMessage)
            s->CloseWithOperationsInFlight();
    }
    static void OnLogin(rtm_client *, int code, void *closure)
    {
        auto *s = Of(closure);
        s->Record("login " + std::to_string(code));
    }
    static void OnRelogin(rtm_client *, int code, void *closure)
    {
        auto *s = Of(closure);
        s->Record("relogin " + std::to_string(code));
        if (s->from == From::ResultCallback)
            s->CloseWithOperationsInFlight();
    }
    static void OnResult(rtm_client *, int code, void *closure)
    {
        Of(closure)->Record("result " + std::to_string(code));
    }
    static void OnAttributes(rtm_client *, int code, const char *, const rtm_attribute *,
                             size_t, void *closure)
    {
        Of(closure)->Record("result " + std::to_string(code));
    }
    static void OnMembers(rtm_channel *, int code, const char *const *, size_t, void *closure)
    {
        Of(closure)->Record("result " + std::to_string(code));
    }
    static void OnChannelMessage(rtm_channel *, const rtm_message *, const char *,
                                 void *closure)
    {
        auto *s = Of(closure);
        s->Record("channel message");
        if (s->from == From::ChannelMessage)
            s->CloseWithOperationsInFlight();
    }
    static void OnJoined(rtm_channel *, const char *user, void *closure)
    {
        auto *s = Of(closure);
        s->Record(std::string("joined ") + user);
        if (s->from == From::MemberJoined)
            s->CloseWithOperationsInFlight();
    }
    static void OnChannelClosed(rtm_channel *ch, void *closure)
    {
        auto *s = Of(closure);
        s->Record(std::string("channel closed ") + rtm_channel_id(ch));
        if (s->from == From::ChannelClosed && std::string(rtm_channel_id(ch)) == "lobby") {
            // The lobby is gone; the room is still open: close from here.
            s->CloseWithOperationsInFlight();
        }
    }
    static void OnClosed(rtm_client *, void *closure)
    {
        auto *s = Of(closure);
        s->Record("closed");
        std::lock_guard<std::mutex> lk(s->mu);
        s->closed = true;
        s->cv.notify_all();
    }
};

class LifetimeE2E : public ::testing::TestWithParam<From> {};

TEST_P(LifetimeE2E, CloseCallbackIsLastAfterEveryResult)
{
    rtm_test::RtmdProcess rtmd;
    ASSERT_TRUE(rtmd.started());
    Client bob(rtmd.address());
    ASSERT_EQ(0, bob.Login("bob"));
    rtm_channel *bob_room = bob.Channel("room");
    ASSERT_EQ(0, bob.Join(bob_room));

    Subject s;
    s.from = GetParam();
    rtm_client_callbacks cbs;
    rtm_client_callbacks_init(&cbs);
    cbs.on_connection_state_changed = Subject::OnState;
    cbs.on_message_received = Subject::OnPeer;
    s.c = NewClient(rtmd, &cbs, &s);
    ASSERT_NE(nullptr, s.c);
    rtm_channel_callbacks chcb;
    rtm_channel_callbacks_init(&chcb);
    chcb.on_message_received = Subject::OnChannelMessage;
    chcb.on_member_joined = Subject::OnJoined;
    chcb.on_closed = Subject::OnChannelClosed;
    rtm_channel *lobby = rtm_channel_create(s.c, "lobby", &chcb, &s);
    ASSERT_NE(nullptr, lobby);

    Client::Waiter login, join;
    rtm_login(s.c, nullptr, "alice", Client::Waiter::Done, &login);
    ASSERT_EQ(0, login.Wait());
    rtm_channel *room = rtm_channel_create(s.c, "room", &chcb, &s);
    ASSERT_NE(nullptr, room);
    rtm_channel_join(room, Client::Waiter::Done, &join);
    ASSERT_EQ(0, join.Wait());
    s.room = room; // from now on the triggers may fire

    switch (s.from) {
    case From::Outside:
        s.CloseWithOperationsInFlight();
        break;
    case From::StateCallback: {
        // A logout and a login again: CONNECTED comes once more.
        Client::Waiter out;
        rtm_logout(s.c, Client::Waiter::Done, &out);
        ASSERT_EQ(0, out.Wait());
        std::this_thread::sleep_for(milliseconds(1100)); // A2
        rtm_login(s.c, nullptr, "alice", Subject::OnLogin, &s);
        break;
    }
    case From::PeerMessage:
        EXPECT_EQ(0, bob.SendText("alice", "hi"));
        break;
    case From::ResultCallback: {
        // ALREADY_LOGIN, at once: a result callback that closes.
        rtm_login(s.c, nullptr, "alice", Subject::OnRelogin, &s);
        break;
    }
    case From::ChannelMessage:
        EXPECT_EQ(0, bob.ChannelSend(bob_room, "to the room"));
        break;
    case From::MemberJoined: {
        Client carol(rtmd.address());
        ASSERT_EQ(0, carol.Login("carol"));
        ASSERT_EQ(0, carol.Join(carol.Channel("room")));
        ASSERT_TRUE(s.WaitClosed());
        break;
    }
    case From::ChannelClosed:
        rtm_channel_release(lobby);
        break;
    }
    ASSERT_TRUE(s.WaitClosed()) << Name(s.from);
    std::this_thread::sleep_for(milliseconds(300)); // anything late would show

    std::lock_guard<std::mutex> lk(s.mu);
    SCOPED_TRACE(Name(s.from));
    EXPECT_EQ(0, s.after_close) << "callbacks after the close callback";
    ASSERT_FALSE(s.log.empty());
    EXPECT_EQ("closed", s.log.back());
    EXPECT_EQ(RTM_PEER_MESSAGE_ERR_NOT_INITIALIZED, s.late_call);
    // Every operation in flight: one result, 101 (cut short by the close)
    // or an answer that came first, and all before the close callback.
    size_t results = 0;
    for (auto &e : s.log)
        results += e.rfind("result ", 0) == 0;
    EXPECT_EQ((size_t)s.in_flight, results);
    EXPECT_EQ(4, s.in_flight);
    // Each channel's on_closed once, after its results, before the end.
    size_t room_closed = 0, lobby_closed = 0;
    for (auto &e : s.log) {
        room_closed += e == "channel closed room";
        lobby_closed += e == "channel closed lobby";
    }
    EXPECT_EQ(1u, room_closed);
    EXPECT_EQ(1u, lobby_closed);
    long last_result = -1, room_at = -1, lobby_at = -1;
    for (size_t i = 0; i < s.log.size(); i++) {
        if (s.log[i].rfind("result ", 0) == 0)
            last_result = (long)i;
        if (s.log[i] == "channel closed room")
            room_at = (long)i;
        if (s.log[i] == "channel closed lobby")
            lobby_at = (long)i;
    }
    long end = (long)s.log.size() - 1;
    EXPECT_LT(last_result, room_at); // the room had operations in flight
    EXPECT_LT(room_at, end);
    EXPECT_LT(lobby_at, end);
}

INSTANTIATE_TEST_SUITE_P(From, LifetimeE2E,
                         ::testing::Values(From::Outside, From::StateCallback,
                                           From::PeerMessage, From::ResultCallback,
                                           From::ChannelMessage, From::MemberJoined,
                                           From::ChannelClosed),
                         [](const ::testing::TestParamInfo<From> &i) {
                             return std::string(Name(i.param));
                         });

// Calls from other threads racing the close: each is either queued before
// it (one result, before the close callback) or refused with 101 and never
// called back; none runs after the close callback. Fixed after a review: a
// call that checked the flag before the close and posted after it ran with
// no session, or answered after the close callback.
struct Racer {
    std::atomic<bool> closing{false};
    std::atomic<int> threads_done{0};
    std::atomic<int> results{0};
    std::atomic<int> late_results{0}; // after the close callback
    std::atomic<int> queued{0};
    std::atomic<bool> closed{false};
    int threads = 0;
    static void OnResult(rtm_client *, int, void *closure)
    {
        auto *r = static_cast<Racer *>(closure);
        r->results++;
        if (r->closed)
            r->late_results++;
    }
    static void OnMembers(rtm_channel *, int, const char *const *, size_t, void *closure)
    {
        OnResult(nullptr, 0, closure);
    }
    // A close callback (or on_closed) that holds the handle alive until the
    // racing threads have stopped: they must not call a freed handle.
    void WaitForThreads()
    {
        while (threads_done.load() < threads)
            std::this_thread::sleep_for(milliseconds(1));
    }
    static void OnClosed(rtm_client *, void *closure)
    {
        auto *r = static_cast<Racer *>(closure);
        r->WaitForThreads();
        r->closed = true;
    }
    static void OnChannelClosed(rtm_channel *, void *closure)
    {
        auto *r = static_cast<Racer *>(closure);
        r->WaitForThreads();
        r->closed = true;
    }
    // A channel's on_closed that only holds it alive for the racing threads
    // (its client's close is what the test waits for).
    static void HoldChannel(rtm_channel *, void *closure)
    {
        static_cast<Racer *>(closure)->WaitForThreads();
    }
};

TEST(LifetimeE2ERace, CallsRacingTheCloseFromOtherThreads)
{
    rtm_test::RtmdProcess rtmd;
    ASSERT_TRUE(rtmd.started());
    for (int round = 0; round < 10; round++) {
        Racer r;
        r.threads = 2;
        rtm_client *c = NewClient(rtmd);
        ASSERT_NE(nullptr, c);
        Client::Waiter login;
        rtm_login(c, nullptr, ("racer" + std::to_string(round)).c_str(), Client::Waiter::Done,
                  &login);
        ASSERT_EQ(0, login.Wait());
        // The channel is freed after its on_closed, which the client's close
        // calls before its own: it too must outlive the racing threads.
        rtm_channel_callbacks chcb;
        rtm_channel_callbacks_init(&chcb);
        chcb.on_closed = Racer::HoldChannel;
        rtm_channel *ch = rtm_channel_create(c, "room", &chcb, &r);
        ASSERT_NE(nullptr, ch);
        static const rtm_message text = {RTM_MESSAGE_TYPE_TEXT, "race", nullptr, 0, nullptr,
                                         0, false};
        std::vector<std::thread> ts;
        for (int t = 0; t < r.threads; t++) {
            ts.emplace_back([&, t] {
                for (;;) {
                    int rc = t == 0 ? rtm_send_peer_message(c, "nobody", &text, Racer::OnResult,
                                                            &r)
                                    : rtm_channel_get_members(ch, Racer::OnMembers, &r);
                    if (rc == RTM_PEER_MESSAGE_ERR_NOT_INITIALIZED)
                        break;
                    if (rc == 0)
                        r.queued++;
                }
                r.threads_done++;
            });
        }
        // Close while the calls are coming: once some are queued (a slow
        // machine, ASan, starts the threads late), a little later each round.
        for (int i = 0; i < 5000 && r.queued.load() < 2; i++)
            std::this_thread::sleep_for(milliseconds(1));
        std::this_thread::sleep_for(milliseconds(round * 3));
        ASSERT_EQ(RTM_OK, rtm_client_close(c, Racer::OnClosed, &r));
        for (auto &t : ts)
            t.join();
        for (int i = 0; i < 1000 && !r.closed; i++)
            std::this_thread::sleep_for(milliseconds(10));
        ASSERT_TRUE(r.closed);
        std::this_thread::sleep_for(milliseconds(100));
        EXPECT_EQ(r.queued.load(), r.results.load()) << "round " << round;
        EXPECT_EQ(0, r.late_results.load()) << "round " << round;
        EXPECT_GT(r.queued.load(), 0);
    }
}

TEST(LifetimeE2ERace, ChannelCallsRacingItsReleaseFromAnotherThread)
{
    rtm_test::RtmdProcess rtmd;
    ASSERT_TRUE(rtmd.started());
    Client a(rtmd.address());
    ASSERT_EQ(0, a.Login("alice"));
    for (int round = 0; round < 10; round++) {
        Racer r;
        r.threads = 1;
        rtm_channel_callbacks cb;
        rtm_channel_callbacks_init(&cb);
        cb.on_closed = Racer::OnChannelClosed;
        rtm_channel *ch = rtm_channel_create(a.get(), "room", &cb, &r);
        ASSERT_NE(nullptr, ch);
        std::thread t([&] {
            for (;;) {
                int rc = rtm_channel_get_members(ch, Racer::OnMembers, &r);
                if (rc == RTM_GET_MEMBERS_ERR_NOT_INITIALIZED)
                    break;
                if (rc == 0)
                    r.queued++;
            }
            r.threads_done++;
        });
        for (int i = 0; i < 5000 && r.queued.load() < 1; i++)
            std::this_thread::sleep_for(milliseconds(1));
        std::this_thread::sleep_for(milliseconds(round * 3));
        rtm_channel_release(ch);
        t.join();
        for (int i = 0; i < 1000 && !r.closed; i++)
            std::this_thread::sleep_for(milliseconds(10));
        ASSERT_TRUE(r.closed);
        std::this_thread::sleep_for(milliseconds(100));
        EXPECT_EQ(r.queued.load(), r.results.load()) << "round " << round;
        EXPECT_EQ(0, r.late_results.load()) << "round " << round;
    }
}

// rtm_client_destroy stays the blocking form: when it returns, the client's
// results have all run and nothing of it runs any more.
TEST(LifetimeE2EDestroy, DestroyWaitsForTheEnd)
{
    rtm_test::RtmdProcess rtmd;
    ASSERT_TRUE(rtmd.started());
    for (int i = 0; i < 20; i++) {
        auto a = std::make_unique<Client>(rtmd.address());
        ASSERT_EQ(0, a->Login("user" + std::to_string(i))); // A2: per user rates
        Client::Waiter w;
        rtm_get_user_attributes(a->get(), "nobody", Client::Waiter::AttributesDone, &w);
        a.reset(); // destroy
        EXPECT_TRUE(w.WaitDone(milliseconds(0))) << "a result after destroy returned";
        EXPECT_EQ(1, w.Calls());
    }
}

// A destroy while a close is under way (another thread's) waits for the
// end all the same.
TEST(LifetimeE2EDestroy, DestroyAfterACloseWaitsForTheEnd)
{
    rtm_test::RtmdProcess rtmd;
    ASSERT_TRUE(rtmd.started());
    rtm_client *c = NewClient(rtmd);
    ASSERT_NE(nullptr, c);
    std::atomic<bool> closed{false};
    auto on_closed = [](rtm_client *, void *closure) {
        std::this_thread::sleep_for(milliseconds(100)); // a slow close callback
        static_cast<std::atomic<bool> *>(closure)->store(true);
    };
    ASSERT_EQ(RTM_OK, rtm_client_close(c, on_closed, &closed));
    rtm_client_destroy(c);
    EXPECT_TRUE(closed.load()) << "destroy returned before the close callback had run";
}

} // namespace
