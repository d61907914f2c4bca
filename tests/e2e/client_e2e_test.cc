// End-to-end tests of the public C API (librtm.so) against a real rtmd on a
// free loopback port. Each test names the SPEC rule it proves. Waits are
// generous (a noisy machine) and end as soon as the awaited event comes.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "rtm/rtm.h"
#include "rtmd_process.h"
#include "silent_listener.h"

namespace {

using namespace std::chrono;
using Clock = steady_clock;
constexpr auto kWait = seconds(10);

// One client and everything it reported, in order.
class Client {
  public:
    explicit Client(const std::string &server, const char *extra_params = nullptr,
                    const char *app_id = "e2e-app")
    {
        rtm_config cfg;
        rtm_config_init(&cfg);
        cfg.app_id = app_id;
        cfg.callbacks.on_connection_state_changed = OnState;
        cfg.callbacks.on_message_received = OnPeerMessage;
        cfg.closure = this;
        std::string params = "{\"rtm.server\":\"" + server + "\"";
        if (extra_params != nullptr)
            params += std::string(",") + extra_params;
        params += "}";
        cfg.parameters = params.c_str();
        EXPECT_EQ(RTM_OK, rtm_client_create(&cfg, &c_));
    }
    ~Client()
    {
        for (auto *ch : channels_)
            rtm_channel_release(ch);
        if (c_ != nullptr)
            rtm_client_destroy(c_);
    }

    rtm_client *get() { return c_; }

    // Runs an operation and waits for its result code.
    template <typename F> int Op(F start)
    {
        Waiter w;
        int rc = start(&w);
        int code = w.Wait();
        if (rc != 0) {
            EXPECT_EQ(rc, code) << "return value and callback disagree";
        }
        return code;
    }
    int Login(const std::string &user, const char *token = nullptr)
    {
        return Op([&](Waiter *w) {
            return rtm_login(c_, token, user.c_str(), Waiter::Done, w);
        });
    }
    int Logout()
    {
        return Op([&](Waiter *w) { return rtm_logout(c_, Waiter::Done, w); });
    }
    int SendText(const std::string &peer, const std::string &text)
    {
        rtm_message m = {};
        m.type = RTM_MESSAGE_TYPE_TEXT;
        m.text = text.c_str();
        return Op([&](Waiter *w) {
            return rtm_send_peer_message(c_, peer.c_str(), &m, Waiter::Done, w);
        });
    }
    rtm_channel *Channel(const std::string &id)
    {
        rtm_channel_callbacks cb = {OnChannelMessage, OnMemberJoined, OnMemberLeft};
        rtm_channel *ch = rtm_channel_create(c_, id.c_str(), &cb, this);
        if (ch != nullptr)
            channels_.push_back(ch);
        return ch;
    }
    int Join(rtm_channel *ch)
    {
        return Op([&](Waiter *w) { return rtm_channel_join(ch, Waiter::Done, w); });
    }
    int Leave(rtm_channel *ch)
    {
        return Op([&](Waiter *w) { return rtm_channel_leave(ch, Waiter::Done, w); });
    }
    int ChannelSend(rtm_channel *ch, const std::string &text)
    {
        rtm_message m = {};
        m.type = RTM_MESSAGE_TYPE_TEXT;
        m.text = text.c_str();
        return Op([&](Waiter *w) {
            return rtm_channel_send_message(ch, &m, Waiter::Done, w);
        });
    }
    int Members(rtm_channel *ch, std::vector<std::string> *out)
    {
        Waiter w;
        rtm_channel_get_members(ch, Waiter::MembersDone, &w);
        int code = w.Wait();
        *out = w.users;
        return code;
    }

    // Waits until the events recorded so far include `n` of this text.
    bool WaitFor(const std::string &event, size_t n = 1)
    {
        std::unique_lock<std::mutex> lk(mu_);
        return cv_.wait_for(lk, kWait, [&] { return CountLocked(event) >= n; });
    }
    // Waits for the state transition "STATE/REASON".
    bool WaitState(int state, int reason)
    {
        return WaitFor(StateText(state, reason));
    }
    std::vector<std::string> Events()
    {
        std::lock_guard<std::mutex> lk(mu_);
        return events_;
    }
    std::vector<std::string> States()
    {
        std::lock_guard<std::mutex> lk(mu_);
        std::vector<std::string> v;
        for (auto &e : events_)
            if (e.rfind("state ", 0) == 0)
                v.push_back(e);
        return v;
    }
    Clock::time_point LastEventTime()
    {
        std::lock_guard<std::mutex> lk(mu_);
        return last_event_;
    }

    static std::string StateText(int state, int reason)
    {
        return std::string("state ") + rtm_state_name(state) + "/" +
               rtm_reason_name(reason);
    }

    // A result callback that wakes a waiting test.
    struct Waiter {
        std::mutex mu;
        std::condition_variable cv;
        bool done = false;
        int code = -1;
        std::vector<std::string> users;
        static void Done(rtm_client *, int code, void *closure)
        {
            auto *w = static_cast<Waiter *>(closure);
            std::lock_guard<std::mutex> lk(w->mu);
            w->code = code;
            w->done = true;
            w->cv.notify_all();
        }
        static void MembersDone(rtm_channel *, int code, const char *const *u,
                                size_t n, void *closure)
        {
            auto *w = static_cast<Waiter *>(closure);
            std::lock_guard<std::mutex> lk(w->mu);
            for (size_t i = 0; i < n; i++)
                w->users.emplace_back(u[i]);
            w->code = code;
            w->done = true;
            w->cv.notify_all();
        }
        int Wait()
        {
            std::unique_lock<std::mutex> lk(mu);
            if (!cv.wait_for(lk, kWait, [&] { return done; }))
                ADD_FAILURE() << "no result callback";
            return code;
        }
    };

    void Record(const std::string &e)
    {
        std::lock_guard<std::mutex> lk(mu_);
        events_.push_back(e);
        last_event_ = Clock::now();
        cv_.notify_all();
    }

    // Set by a test to block inside the state callback (SPEC B3).
    std::atomic<int> block_state_ms{0};

  private:
    size_t CountLocked(const std::string &e)
    {
        size_t n = 0;
        for (auto &x : events_)
            n += x == e;
        return n;
    }
    static void OnState(rtm_client *, int state, int reason, void *closure)
    {
        auto *self = static_cast<Client *>(closure);
        self->Record(StateText(state, reason));
        if (int ms = self->block_state_ms.load())
            std::this_thread::sleep_for(milliseconds(ms));
    }
    static void OnPeerMessage(rtm_client *, const rtm_message *m, const char *from,
                              void *closure)
    {
        std::string body = m->type == RTM_MESSAGE_TYPE_TEXT
                               ? std::string(m->text)
                               : "raw:" + std::string(static_cast<const char *>(m->raw),
                                                      m->raw_len) +
                                     "/" + m->description;
        static_cast<Client *>(closure)->Record(std::string("peer ") + from + ": " + body);
    }
    static void OnChannelMessage(rtm_channel *ch, const rtm_message *m,
                                 const char *from, void *closure)
    {
        static_cast<Client *>(closure)->Record(std::string("channel ") +
                                               rtm_channel_id(ch) + " " + from +
                                               ": " + m->text);
    }
    static void OnMemberJoined(rtm_channel *ch, const char *user, void *closure)
    {
        static_cast<Client *>(closure)->Record(std::string("joined ") +
                                               rtm_channel_id(ch) + " " + user);
    }
    static void OnMemberLeft(rtm_channel *ch, const char *user, void *closure)
    {
        static_cast<Client *>(closure)->Record(std::string("left ") +
                                               rtm_channel_id(ch) + " " + user);
    }

    rtm_client *c_ = nullptr;
    std::vector<rtm_channel *> channels_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::vector<std::string> events_;
    Clock::time_point last_event_;
};

const std::string kConnecting =
    Client::StateText(RTM_CONNECTION_STATE_CONNECTING, RTM_CONNECTION_CHANGE_REASON_LOGIN);
const std::string kConnected = Client::StateText(
    RTM_CONNECTION_STATE_CONNECTED, RTM_CONNECTION_CHANGE_REASON_LOGIN_SUCCESS);
const std::string kLoggedOut = Client::StateText(RTM_CONNECTION_STATE_DISCONNECTED,
                                                 RTM_CONNECTION_CHANGE_REASON_LOGOUT);
const std::string kKicked = Client::StateText(RTM_CONNECTION_STATE_ABORTED,
                                              RTM_CONNECTION_CHANGE_REASON_REMOTE_LOGIN);
const std::string kTimedOut = Client::StateText(
    RTM_CONNECTION_STATE_DISCONNECTED, RTM_CONNECTION_CHANGE_REASON_LOGIN_TIMEOUT);
const std::string kRefused = Client::StateText(
    RTM_CONNECTION_STATE_DISCONNECTED, RTM_CONNECTION_CHANGE_REASON_LOGIN_FAILURE);

using Strings = std::vector<std::string>;

TEST(ClientE2E, S2_S3_S17_LoginThenLogout)
{
    rtm_test::RtmdProcess rtmd;
    ASSERT_TRUE(rtmd.started());
    Client a(rtmd.address());
    EXPECT_EQ(RTM_LOGIN_ERR_OK, a.Login("alice"));
    ASSERT_TRUE(a.WaitFor(kConnected));
    EXPECT_EQ(RTM_LOGOUT_ERR_OK, a.Logout());
    ASSERT_TRUE(a.WaitFor(kLoggedOut));
    EXPECT_EQ((Strings{kConnecting, kConnected, kLoggedOut}), a.States());
    // S1: a logout when already out changes nothing.
    EXPECT_EQ(RTM_LOGOUT_ERR_USER_NOT_LOGGED_IN, a.Logout());
    EXPECT_EQ(3u, a.States().size());
}

TEST(ClientE2E, S4_LoginWithAnUnknownAppIdIsRefused)
{
    rtm_test::RtmdProcess rtmd({"--app-id", "only-this-app"});
    ASSERT_TRUE(rtmd.started());
    Client a(rtmd.address(), nullptr, "another-app");
    EXPECT_EQ(RTM_LOGIN_ERR_INVALID_APP_ID, a.Login("alice"));
    ASSERT_TRUE(a.WaitFor(kRefused));
    EXPECT_EQ((Strings{kConnecting, kRefused}), a.States());
    Client b(rtmd.address(), nullptr, "only-this-app");
    EXPECT_EQ(RTM_LOGIN_ERR_OK, b.Login("alice"));
}

TEST(ClientE2E, A2_SecondLoginIsAlreadyLogin)
{
    rtm_test::RtmdProcess rtmd;
    ASSERT_TRUE(rtmd.started());
    Client a(rtmd.address());
    ASSERT_EQ(RTM_LOGIN_ERR_OK, a.Login("alice"));
    EXPECT_EQ(RTM_LOGIN_ERR_ALREADY_LOGIN, a.Login("alice"));
    EXPECT_EQ((Strings{kConnecting, kConnected}), a.States());
}

TEST(ClientE2E, S16_DuplicateLoginKicksTheOlderInstance)
{
    rtm_test::RtmdProcess rtmd;
    ASSERT_TRUE(rtmd.started());
    Client first(rtmd.address());
    Client second(rtmd.address());
    ASSERT_EQ(RTM_LOGIN_ERR_OK, first.Login("alice"));
    ASSERT_EQ(RTM_LOGIN_ERR_OK, second.Login("alice"));
    ASSERT_TRUE(first.WaitFor(kKicked));
    EXPECT_EQ((Strings{kConnecting, kConnected, kKicked}), first.States());
    // No reconnection from ABORTED, and the newer instance stays in.
    std::this_thread::sleep_for(milliseconds(1500));
    EXPECT_EQ(3u, first.States().size());
    EXPECT_EQ((Strings{kConnecting, kConnected}), second.States());
    Client bob(rtmd.address());
    ASSERT_EQ(RTM_LOGIN_ERR_OK, bob.Login("bob"));
    EXPECT_EQ(RTM_PEER_MESSAGE_ERR_OK, bob.SendText("alice", "to the new one"));
    EXPECT_TRUE(second.WaitFor("peer bob: to the new one"));
    // The kicked one logs out, then logs in again, kicking the other.
    EXPECT_EQ(RTM_LOGOUT_ERR_OK, first.Logout());
    EXPECT_TRUE(first.WaitFor(kLoggedOut));
    EXPECT_EQ(RTM_LOGIN_ERR_OK, first.Login("alice"));
    EXPECT_TRUE(second.WaitFor(kKicked));
}

TEST(ClientE2E, PeerMessagesBothWays)
{
    rtm_test::RtmdProcess rtmd;
    ASSERT_TRUE(rtmd.started());
    Client a(rtmd.address()), b(rtmd.address());
    ASSERT_EQ(0, a.Login("alice"));
    ASSERT_EQ(0, b.Login("bob"));
    EXPECT_EQ(RTM_PEER_MESSAGE_ERR_OK, a.SendText("bob", "hi bob"));
    EXPECT_EQ(RTM_PEER_MESSAGE_ERR_OK, b.SendText("alice", "hi alice"));
    EXPECT_TRUE(b.WaitFor("peer alice: hi bob"));
    EXPECT_TRUE(a.WaitFor("peer bob: hi alice"));
    // Raw bytes with a description, and in the order sent.
    rtm_message raw = {};
    raw.type = RTM_MESSAGE_TYPE_RAW;
    raw.raw = "\x01\x02";
    raw.raw_len = 2;
    raw.description = "two bytes";
    EXPECT_EQ(0, a.Op([&](Client::Waiter *w) {
        return rtm_send_peer_message(a.get(), "bob", &raw, Client::Waiter::Done, w);
    }));
    EXPECT_TRUE(b.WaitFor("peer alice: raw:\x01\x02/two bytes"));
    for (int i = 0; i < 20; i++)
        EXPECT_EQ(0, a.SendText("bob", "n" + std::to_string(i)));
    ASSERT_TRUE(b.WaitFor("peer alice: n19"));
    Strings got;
    for (auto &e : b.Events())
        if (e.rfind("peer alice: n", 0) == 0)
            got.push_back(e.substr(12));
    ASSERT_EQ(20u, got.size());
    for (int i = 0; i < 20; i++)
        EXPECT_EQ("n" + std::to_string(i), got[i]);
}

TEST(ClientE2E, A6_MessageToAnOfflinePeerIsUnreachable)
{
    rtm_test::RtmdProcess rtmd;
    ASSERT_TRUE(rtmd.started());
    Client a(rtmd.address());
    ASSERT_EQ(0, a.Login("alice"));
    EXPECT_EQ(RTM_PEER_MESSAGE_ERR_PEER_UNREACHABLE, a.SendText("nobody", "hello?"));
}

TEST(ClientE2E, ChannelsMembershipMessagesAndMemberEvents)
{
    rtm_test::RtmdProcess rtmd;
    ASSERT_TRUE(rtmd.started());
    Client a(rtmd.address()), b(rtmd.address());
    ASSERT_EQ(0, a.Login("alice"));
    ASSERT_EQ(0, b.Login("bob"));
    rtm_channel *ca = a.Channel("room");
    rtm_channel *cb = b.Channel("room");
    ASSERT_NE(nullptr, ca);
    ASSERT_NE(nullptr, cb);
    EXPECT_EQ(nullptr, a.Channel("room")); // one handle per id
    EXPECT_EQ(RTM_JOIN_CHANNEL_ERR_OK, a.Join(ca));
    EXPECT_EQ(RTM_JOIN_CHANNEL_ERR_OK, b.Join(cb));
    EXPECT_TRUE(a.WaitFor("joined room bob"));
    EXPECT_EQ(RTM_JOIN_CHANNEL_ERR_ALREADY_JOINED, a.Join(ca));
    Strings members;
    EXPECT_EQ(RTM_GET_MEMBERS_ERR_OK, a.Members(ca, &members));
    EXPECT_EQ((Strings{"alice", "bob"}), members);
    EXPECT_EQ(RTM_CHANNEL_MESSAGE_ERR_OK, b.ChannelSend(cb, "hello room"));
    EXPECT_TRUE(a.WaitFor("channel room bob: hello room"));
    EXPECT_EQ(RTM_LEAVE_CHANNEL_ERR_OK, b.Leave(cb));
    EXPECT_TRUE(a.WaitFor("left room bob"));
    EXPECT_EQ(RTM_LEAVE_CHANNEL_ERR_NOT_IN_CHANNEL, b.Leave(cb));
    EXPECT_EQ(RTM_GET_MEMBERS_ERR_OK, a.Members(ca, &members));
    EXPECT_EQ((Strings{"alice"}), members);
    // The sender never receives its own channel message.
    for (auto &e : b.Events())
        EXPECT_EQ(std::string::npos, e.find("hello room")) << e;
}

TEST(ClientE2E, S17_LogoutIsSeenByTheOtherMembers)
{
    rtm_test::RtmdProcess rtmd;
    ASSERT_TRUE(rtmd.started());
    Client a(rtmd.address()), b(rtmd.address());
    ASSERT_EQ(0, a.Login("alice"));
    ASSERT_EQ(0, b.Login("bob"));
    ASSERT_EQ(0, a.Join(a.Channel("room")));
    ASSERT_EQ(0, b.Join(b.Channel("room")));
    ASSERT_EQ(0, b.Logout());
    EXPECT_TRUE(a.WaitFor("left room bob"));
}

TEST(ClientE2E, A3_A4_InvalidArgumentsAreRefusedBeforeAnythingIsSent)
{
    rtm_test::SilentListener server;
    ASSERT_TRUE(server.ok());
    Client a(server.address());
    for (const char *bad : {"", "null", "has/slash", "quote\"", "ümlaut"})
        EXPECT_EQ(RTM_LOGIN_ERR_INVALID_ARGUMENT, a.Login(bad)) << bad;
    EXPECT_EQ(RTM_PEER_MESSAGE_ERR_INVALID_USERID, a.SendText("null", "x"));
    EXPECT_EQ(RTM_PEER_MESSAGE_ERR_INVALID_USERID,
              a.SendText(std::string(65, 'p'), "x"));
    EXPECT_EQ(RTM_PEER_MESSAGE_ERR_INVALID_MESSAGE, a.SendText("bob", ""));
    EXPECT_EQ(RTM_PEER_MESSAGE_ERR_INVALID_MESSAGE,
              a.SendText("bob", std::string(32 * 1024 + 1, 'm')));
    EXPECT_EQ(nullptr, a.Channel("bad/channel"));
    EXPECT_EQ(nullptr, a.Channel(std::string(65, 'c')));
    rtm_channel *ch = a.Channel(std::string(64, 'c'));
    ASSERT_NE(nullptr, ch);
    rtm_message big = {};
    big.type = RTM_MESSAGE_TYPE_TEXT;
    std::string text(32 * 1024 + 1, 'm');
    big.text = text.c_str();
    EXPECT_EQ(RTM_CHANNEL_MESSAGE_ERR_INVALID_MESSAGE, a.Op([&](Client::Waiter *w) {
        return rtm_channel_send_message(ch, &big, Client::Waiter::Done, w);
    }));
    std::this_thread::sleep_for(milliseconds(200));
    EXPECT_EQ(0, server.accepted());
    EXPECT_TRUE(a.States().empty());
}

TEST(ClientE2E, S5_LoginAgainstASilentServerTimesOut)
{
    rtm_test::SilentListener server;
    ASSERT_TRUE(server.ok());
    Client a(server.address(), "\"rtm.login_timeout_ms\":1500");
    auto t0 = Clock::now();
    EXPECT_EQ(RTM_LOGIN_ERR_TIMEOUT, a.Login("alice"));
    auto took = Clock::now() - t0;
    EXPECT_EQ((Strings{kConnecting, kTimedOut}), a.States());
    EXPECT_GE(took, milliseconds(1500));
    EXPECT_GE(server.accepted(), 1);
}

TEST(ClientE2E, S5_DefaultLoginTimeoutIs6s)
{
    rtm_test::SilentListener server;
    ASSERT_TRUE(server.ok());
    Client a(server.address());
    auto t0 = Clock::now();
    EXPECT_EQ(RTM_LOGIN_ERR_TIMEOUT, a.Login("alice"));
    auto took = duration_cast<milliseconds>(Clock::now() - t0).count();
    EXPECT_EQ((Strings{kConnecting, kTimedOut}), a.States());
    EXPECT_GE(took, 6000);
    EXPECT_LT(took, 9000); // bounded by a margin, not timed
}

TEST(ClientE2E, S5_LoginWithNoServerListeningTimesOut)
{
    // A port that refuses: bind one, learn its number, close it.
    std::string address;
    {
        rtm_test::SilentListener probe;
        address = probe.address();
    }
    Client a(address, "\"rtm.login_timeout_ms\":1200,\"rtm.reconnect_min_ms\":50");
    EXPECT_EQ(RTM_LOGIN_ERR_TIMEOUT, a.Login("alice"));
    EXPECT_EQ((Strings{kConnecting, kTimedOut}), a.States());
}

TEST(ClientE2E, B3_ABlockingCallbackDelaysNoOtherClient)
{
    rtm_test::RtmdProcess rtmd;
    ASSERT_TRUE(rtmd.started());
    Client slow(rtmd.address()), a(rtmd.address()), b(rtmd.address());
    slow.block_state_ms = 2500; // every state callback blocks for 2.5 s
    Client::Waiter w;
    ASSERT_EQ(0, rtm_login(slow.get(), nullptr, "slow", Client::Waiter::Done, &w));
    ASSERT_TRUE(slow.WaitFor(kConnecting)); // now blocked in its callback
    auto t0 = Clock::now();
    ASSERT_EQ(0, a.Login("alice"));
    ASSERT_EQ(0, b.Login("bob"));
    ASSERT_EQ(0, a.SendText("bob", "not held up"));
    ASSERT_TRUE(b.WaitFor("peer alice: not held up"));
    EXPECT_LT(Clock::now() - t0, milliseconds(2000));
    // The blocked client's own login went through meanwhile.
    EXPECT_EQ(0, w.Wait());
}

// Destroying a client from inside its own callback is safe, and nothing is
// called after destroy returns.
struct DestroyInCallback {
    rtm_client *client = nullptr;
    std::mutex mu;
    std::condition_variable cv;
    bool destroyed = false;
    int calls_after = 0;
};

void DestroyOnConnected(rtm_client *c, int state, int, void *closure)
{
    auto *d = static_cast<DestroyInCallback *>(closure);
    std::lock_guard<std::mutex> lk(d->mu);
    if (d->destroyed) {
        d->calls_after++;
        return;
    }
    if (state == RTM_CONNECTION_STATE_CONNECTED) {
        rtm_client_destroy(c);
        d->destroyed = true;
        d->cv.notify_all();
    }
}

TEST(ClientE2E, DestroyFromInsideACallback)
{
    rtm_test::RtmdProcess rtmd;
    ASSERT_TRUE(rtmd.started());
    DestroyInCallback d;
    rtm_config cfg;
    rtm_config_init(&cfg);
    cfg.app_id = "e2e-app";
    cfg.callbacks.on_connection_state_changed = DestroyOnConnected;
    cfg.closure = &d;
    std::string params = "{\"rtm.server\":\"" + rtmd.address() + "\"}";
    cfg.parameters = params.c_str();
    ASSERT_EQ(RTM_OK, rtm_client_create(&cfg, &d.client));
    ASSERT_EQ(0, rtm_login(d.client, nullptr, "alice", nullptr, nullptr));
    std::unique_lock<std::mutex> lk(d.mu);
    ASSERT_TRUE(d.cv.wait_for(lk, kWait, [&] { return d.destroyed; }));
    lk.unlock();
    std::this_thread::sleep_for(milliseconds(300));
    lk.lock();
    EXPECT_EQ(0, d.calls_after);
    // The server saw the user go: another login of alice is not a kick of
    // anybody, and works.
    lk.unlock();
    Client again(rtmd.address());
    EXPECT_EQ(0, again.Login("alice"));
}

TEST(ClientE2E, BadParametersAreRefused)
{
    rtm_config cfg;
    rtm_config_init(&cfg);
    cfg.app_id = "e2e-app";
    cfg.parameters = "{\"rtm.no_such_key\":1}";
    rtm_client *c = nullptr;
    EXPECT_EQ(RTM_EINVAL, rtm_client_create(&cfg, &c));
    EXPECT_EQ(nullptr, c);
    cfg.parameters = nullptr;
    cfg.app_id = "";
    EXPECT_EQ(RTM_EINVAL, rtm_client_create(&cfg, &c));
    cfg.app_id = "e2e-app";
    ASSERT_EQ(RTM_OK, rtm_client_create(&cfg, &c));
    EXPECT_EQ(RTM_EINVAL, rtm_client_set_parameters(c, "{\"rtm.login_timeout_ms\":0}"));
    EXPECT_EQ(RTM_OK, rtm_client_set_parameters(c, "{\"rtm.login_timeout_ms\":100}"));
    rtm_client_destroy(c);
}

TEST(ClientE2E, ManyClientsShareOneLoop)
{
    rtm_test::RtmdProcess rtmd;
    ASSERT_TRUE(rtmd.started());
    std::vector<std::unique_ptr<Client>> clients;
    for (int i = 0; i < 50; i++) {
        clients.emplace_back(new Client(rtmd.address()));
        ASSERT_EQ(0, clients.back()->Login("user" + std::to_string(i)));
    }
    for (int i = 0; i < 50; i++)
        EXPECT_EQ(0, clients[i]->SendText("user" + std::to_string((i + 1) % 50),
                                          "from " + std::to_string(i)));
    for (int i = 0; i < 50; i++)
        EXPECT_TRUE(clients[i]->WaitFor("peer user" + std::to_string((i + 49) % 50) +
                                        ": from " + std::to_string((i + 49) % 50)));
}

} // namespace
