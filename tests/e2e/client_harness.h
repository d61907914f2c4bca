// client_harness.h: a C API client for end-to-end tests that records every
// event it reports, in order, and waits for them with generous timeouts.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "rtm/rtm.h"

namespace rtm_e2e {


using namespace std::chrono;
using Clock = steady_clock;
constexpr auto kWait = seconds(10);
// How long a result callback is waited for: longer than the client's own
// timeouts (rtm.peer_message_timeout_ms is 10 s), so that a lost answer is
// reported as the client's TIMEOUT code, and the waiter outlives the call.
constexpr auto kResultWait = seconds(15);

// Client timings, a quarter of the defaults, for the interruption tests: the
// interruption is reported after 1 s; a silent link is dead after 300 ms.
constexpr const char *kFastClient =
    "\"rtm.heartbeat_ms\":100,\"rtm.link_timeout_ms\":300,"
    "\"rtm.interrupt_report_ms\":1000,\"rtm.reconnect_min_ms\":50,"
    "\"rtm.reconnect_max_ms\":400";

// One client and everything it reported, in order.
class Client {
  public:
    explicit Client(const std::string &server, const char *extra_params = nullptr,
                    const char *app_id = "e2e-app")
    {
        rtm_config cfg;
        rtm_config_init(&cfg);
        rtm_client_callbacks cbs;
        rtm_client_callbacks_init(&cbs);
        cfg.app_id = app_id;
        cbs.on_connection_state_changed = OnState;
        cbs.on_message_received = OnPeerMessage;
        cbs.on_replay_done = OnReplayDone;
        cbs.on_token_expired = OnTokenExpired;
        cbs.on_token_privilege_will_expire = OnTokenWillExpire;
        cbs.on_peers_online_status_changed = OnPeersStatus;
        cbs.on_local_invitation_received_by_peer = OnLocalReceived;
        cbs.on_local_invitation_accepted = OnLocalAccepted;
        cbs.on_local_invitation_refused = OnLocalRefused;
        cbs.on_local_invitation_canceled = OnLocalCanceled;
        cbs.on_local_invitation_failure = OnLocalFailure;
        cbs.on_remote_invitation_received = OnRemoteReceived;
        cbs.on_remote_invitation_accepted = OnRemoteAccepted;
        cbs.on_remote_invitation_refused = OnRemoteRefused;
        cbs.on_remote_invitation_canceled = OnRemoteCanceled;
        cbs.on_remote_invitation_failure = OnRemoteFailure;
        cfg.closure = this;
        std::string params = "{\"rtm.server\":\"" + server + "\"";
        if (extra_params != nullptr)
            params += std::string(",") + extra_params;
        params += "}";
        cfg.parameters = params.c_str();
        cfg.callbacks = &cbs;
        EXPECT_EQ(RTM_OK, rtm_client_create(&cfg, &c_));
    }
    ~Client()
    {
        for (auto *ch : channels_)
            rtm_channel_release(ch);
        if (c_ != nullptr)
            rtm_client_destroy(c_);
        // Invitations outlive their client (rtm.h).
        for (auto *i : locals_)
            rtm_local_invitation_release(i);
        for (auto *i : remotes_)
            rtm_remote_invitation_release(i);
    }

    // Destroys the client now (its events stay recorded).
    void Destroy()
    {
        for (auto *ch : channels_)
            rtm_channel_release(ch);
        channels_.clear();
        rtm_client_destroy(c_);
        c_ = nullptr;
    }

    // ---- call invitations (SPEC C1-C7) ----
    // A new local invitation, kept until the client goes.
    rtm_local_invitation *Invitation(const std::string &callee, const char *content = nullptr,
                                     const char *channel = nullptr)
    {
        rtm_local_invitation *i = rtm_local_invitation_create(c_, callee.c_str());
        if (i == nullptr)
            return nullptr;
        EXPECT_EQ(RTM_OK, rtm_local_invitation_set_content(i, content));
        EXPECT_EQ(RTM_OK, rtm_local_invitation_set_channel_id(i, channel));
        std::lock_guard<std::mutex> lk(mu_);
        locals_.push_back(i);
        return i;
    }
    int SendInvitation(rtm_local_invitation *i)
    {
        return Op([&](Waiter *w) { return rtm_send_local_invitation(c_, i, Waiter::Done, w); });
    }
    int CancelInvitation(rtm_local_invitation *i)
    {
        return Op(
            [&](Waiter *w) { return rtm_cancel_local_invitation(c_, i, Waiter::Done, w); });
    }
    int Accept(rtm_remote_invitation *i, const char *response = nullptr)
    {
        if (response != nullptr) {
            EXPECT_EQ(RTM_OK, rtm_remote_invitation_set_response(i, response));
        }
        return Op(
            [&](Waiter *w) { return rtm_accept_remote_invitation(c_, i, Waiter::Done, w); });
    }
    int Refuse(rtm_remote_invitation *i, const char *response = nullptr)
    {
        if (response != nullptr) {
            EXPECT_EQ(RTM_OK, rtm_remote_invitation_set_response(i, response));
        }
        return Op(
            [&](Waiter *w) { return rtm_refuse_remote_invitation(c_, i, Waiter::Done, w); });
    }
    // The remote invitations received, in order (retained).
    std::vector<rtm_remote_invitation *> Remotes()
    {
        std::lock_guard<std::mutex> lk(mu_);
        return remotes_;
    }
    rtm_remote_invitation *LastRemote()
    {
        std::lock_guard<std::mutex> lk(mu_);
        return remotes_.empty() ? nullptr : remotes_.back();
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
    int Renew(const std::string &token)
    {
        return Op([&](Waiter *w) {
            return rtm_renew_token(c_, token.c_str(), Waiter::Done, w);
        });
    }
    int Logout()
    {
        return Op([&](Waiter *w) { return rtm_logout(c_, Waiter::Done, w); });
    }
    int SendText(const std::string &peer, const std::string &text, bool offline = false)
    {
        rtm_message m = {};
        m.type = RTM_MESSAGE_TYPE_TEXT;
        m.text = text.c_str();
        rtm_send_options opts = {};
        opts.enable_offline_messaging = offline;
        return Op([&](Waiter *w) {
            return rtm_send_peer_message_with_options(c_, peer.c_str(), &m, &opts,
                                                      Waiter::Done, w);
        });
    }
    int SetAttributes(const std::vector<std::pair<std::string, std::string>> &kv)
    {
        std::vector<rtm_attribute> attrs;
        for (auto &p : kv)
            attrs.push_back({p.first.c_str(), p.second.c_str()});
        return Op([&](Waiter *w) {
            return rtm_set_local_user_attributes(c_, attrs.data(), attrs.size(),
                                                 Waiter::Done, w);
        });
    }
    // "k=v,k2=v2" sorted by key, or "" for none; the code in *code.
    std::string GetAttributes(const std::string &user, int *code)
    {
        Waiter w;
        rtm_get_user_attributes(c_, user.c_str(), Waiter::AttributesDone, &w);
        *code = w.Wait();
        std::string out;
        for (auto &u : w.users)
            out += (out.empty() ? "" : ",") + u;
        return out;
    }
    // getChannelMemberCount / queryPeersOnlineStatus / subscribe: the code,
    // and the "id=number" entries in *out.
    int MemberCounts(std::vector<const char *> channels, std::vector<std::string> *out)
    {
        Waiter w;
        rtm_get_channel_member_count(c_, channels.data(), channels.size(), Waiter::CountsDone,
                                     &w);
        int code = w.Wait();
        *out = w.users;
        return code;
    }
    int QueryPeers(std::vector<const char *> peers, std::vector<std::string> *out)
    {
        Waiter w;
        rtm_query_peers_online_status(c_, peers.data(), peers.size(), Waiter::StatesDone, &w);
        int code = w.Wait();
        *out = w.users;
        return code;
    }
    int Subscribed(std::vector<std::string> *out)
    {
        Waiter w;
        rtm_query_peers_by_subscription_option(c_, RTM_PEER_SUBSCRIPTION_OPTION_ONLINE,
                                               Waiter::StatesDone, &w);
        int code = w.Wait();
        *out = w.users;
        return code;
    }
    int Subscribe(std::vector<const char *> peers, bool unsubscribe = false)
    {
        return Op([&](Waiter *w) {
            return unsubscribe
                       ? rtm_unsubscribe_peers_online_status(c_, peers.data(), peers.size(),
                                                             Waiter::Done, w)
                       : rtm_subscribe_peers_online_status(c_, peers.data(), peers.size(),
                                                           Waiter::Done, w);
        });
    }
    // A change of a channel's attributes: op 0 set, 1 add or update, 2 delete
    // (the keys of kv), 3 clear.
    int ChangeChannelAttributes(const std::string &channel, int op,
                                const std::vector<std::pair<std::string, std::string>> &kv,
                                bool notify)
    {
        std::vector<rtm_attribute> attrs;
        std::vector<const char *> keys;
        for (auto &p : kv) {
            attrs.push_back({p.first.c_str(), p.second.c_str()});
            keys.push_back(p.first.c_str());
        }
        rtm_channel_attribute_options o = {notify};
        const char *ch = channel.c_str();
        return Op([&](Waiter *w) {
            switch (op) {
            case 0:
                return rtm_set_channel_attributes(c_, ch, attrs.data(), attrs.size(), &o,
                                                  Waiter::Done, w);
            case 1:
                return rtm_add_or_update_channel_attributes(c_, ch, attrs.data(), attrs.size(),
                                                            &o, Waiter::Done, w);
            case 2:
                return rtm_delete_channel_attributes_by_keys(c_, ch, keys.data(), keys.size(),
                                                             &o, Waiter::Done, w);
            default:
                return rtm_clear_channel_attributes(c_, ch, &o, Waiter::Done, w);
            }
        });
    }
    // "k=v@user,..." sorted by key, or "" for none; the code in *code, the
    // last-update times in *ts when not null.
    std::string GetChannelAttributes(const std::string &channel, int *code,
                                     const std::vector<const char *> &keys = {},
                                     std::vector<int64_t> *ts = nullptr)
    {
        Waiter w;
        if (keys.empty())
            rtm_get_channel_attributes(c_, channel.c_str(), Waiter::ChannelAttributesDone, &w);
        else
            rtm_get_channel_attributes_by_keys(c_, channel.c_str(), keys.data(), keys.size(),
                                               Waiter::ChannelAttributesDone, &w);
        *code = w.Wait();
        if (ts != nullptr)
            *ts = w.ts;
        std::string out;
        for (auto &u : w.users)
            out += (out.empty() ? "" : ",") + u;
        return out;
    }
    rtm_channel *Channel(const std::string &id)
    {
        rtm_channel_callbacks cb;
        rtm_channel_callbacks_init(&cb);
        cb.on_message_received = OnChannelMessage;
        cb.on_member_joined = OnMemberJoined;
        cb.on_member_left = OnMemberLeft;
        cb.on_member_count_updated = OnMemberCount;
        cb.on_attributes_updated = OnAttributesUpdated;
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
    bool WaitFor(const std::string &event, size_t n = 1,
                 Clock::duration timeout = kWait)
    {
        std::unique_lock<std::mutex> lk(mu_);
        return cv_.wait_for(lk, timeout, [&] { return CountLocked(event) >= n; });
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

    // A result callback that wakes a waiting test. Every callback shape ends
    // in Finish, which counts the calls (rtm.h: exactly once).
    struct Waiter {
        std::mutex mu;
        std::condition_variable cv;
        bool done = false;
        int calls = 0;
        int code = -1;
        std::vector<std::string> users;
        std::vector<int64_t> ts;
        // entries: ids, "key=value", "id=number" (presence states, member
        // counts) or "key=value@user"; times: last-update times.
        void Finish(int c, std::vector<std::string> entries,
                    std::vector<int64_t> times = {})
        {
            std::lock_guard<std::mutex> lk(mu);
            users = std::move(entries);
            ts = std::move(times);
            code = c;
            done = true;
            calls++;
            cv.notify_all();
        }
        static void Done(rtm_client *, int code, void *closure)
        {
            static_cast<Waiter *>(closure)->Finish(code, {});
        }
        static void AttributesDone(rtm_client *, int code, const char *,
                                   const rtm_attribute *a, size_t n, void *closure)
        {
            std::vector<std::string> kv;
            for (size_t i = 0; i < n; i++)
                kv.push_back(std::string(a[i].key) + "=" + a[i].value);
            std::sort(kv.begin(), kv.end());
            static_cast<Waiter *>(closure)->Finish(code, kv);
        }
        static void StatesDone(rtm_client *, int code, const rtm_peer_status *p, size_t n,
                               void *closure)
        {
            std::vector<std::string> v;
            for (size_t i = 0; i < n; i++)
                v.push_back(std::string(p[i].peer_id) + "=" + std::to_string(p[i].state));
            static_cast<Waiter *>(closure)->Finish(code, v);
        }
        static void CountsDone(rtm_client *, int code, const rtm_channel_member_count *m,
                               size_t n, void *closure)
        {
            std::vector<std::string> v;
            for (size_t i = 0; i < n; i++)
                v.push_back(std::string(m[i].channel_id) + "=" + std::to_string(m[i].count));
            static_cast<Waiter *>(closure)->Finish(code, v);
        }
        static void ChannelAttributesDone(rtm_client *, int code, const char *,
                                          const rtm_channel_attribute *a, size_t n,
                                          void *closure)
        {
            std::vector<std::string> v;
            std::vector<int64_t> times;
            for (size_t i = 0; i < n; i++) {
                v.push_back(std::string(a[i].key) + "=" + a[i].value + "@" +
                            a[i].last_update_user_id);
                times.push_back(a[i].last_update_ts);
            }
            static_cast<Waiter *>(closure)->Finish(code, v, times);
        }
        static void MembersDone(rtm_channel *, int code, const char *const *u,
                                size_t n, void *closure)
        {
            static_cast<Waiter *>(closure)->Finish(code,
                                                   std::vector<std::string>(u, u + n));
        }
        // Waits for the result; false after `timeout` without one.
        bool WaitDone(Clock::duration timeout = kResultWait)
        {
            std::unique_lock<std::mutex> lk(mu);
            return cv.wait_for(lk, timeout, [&] { return done; });
        }
        int Wait()
        {
            if (!WaitDone())
                ADD_FAILURE() << "no result callback";
            std::lock_guard<std::mutex> lk(mu);
            return code;
        }
        int Calls()
        {
            std::lock_guard<std::mutex> lk(mu);
            return calls;
        }
    };

    void Record(const std::string &e)
    {
        std::lock_guard<std::mutex> lk(mu_);
        events_.push_back(e);
        times_.push_back(Clock::now());
        last_event_ = times_.back();
        cv_.notify_all();
    }
    // When the first event equal to e was recorded, or time_point::max().
    Clock::time_point TimeOf(const std::string &e)
    {
        std::lock_guard<std::mutex> lk(mu_);
        for (size_t i = 0; i < events_.size(); i++)
            if (events_[i] == e)
                return times_[i];
        return Clock::time_point::max();
    }
    size_t Count(const std::string &e)
    {
        std::lock_guard<std::mutex> lk(mu_);
        return CountLocked(e);
    }
    // The events that start with prefix, in order.
    std::vector<std::string> EventsWithPrefix(const std::string &prefix)
    {
        std::lock_guard<std::mutex> lk(mu_);
        std::vector<std::string> v;
        for (auto &e : events_)
            if (e.rfind(prefix, 0) == 0)
                v.push_back(e);
        return v;
    }

    // Set by a test to block inside the state callback (SPEC B3); set back
    // to 0, it lets a blocked callback return.
    std::atomic<int> block_state_ms{0};
    // Set by a test to sleep in on_local_invitation_received_by_peer before
    // it reads the invitation's state.
    std::atomic<int> block_invitation_ms{0};

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
        // Blocks for block_state_ms, or until a test sets it to 0.
        if (int ms = self->block_state_ms.load()) {
            auto until = Clock::now() + milliseconds(ms);
            while (self->block_state_ms.load() != 0 && Clock::now() < until)
                std::this_thread::sleep_for(milliseconds(5));
        }
    }
    static void OnPeerMessage(rtm_client *, const rtm_message *m, const char *from,
                              void *closure)
    {
        std::string body = m->type == RTM_MESSAGE_TYPE_TEXT
                               ? std::string(m->text)
                               : "raw:" + std::string(static_cast<const char *>(m->raw),
                                                      m->raw_len) +
                                     "/" + m->description;
        static_cast<Client *>(closure)->Record(std::string("peer ") + from + ": " + body +
                                               (m->offline ? " (offline)" : ""));
    }
    static void OnTokenExpired(rtm_client *, void *closure)
    {
        static_cast<Client *>(closure)->Record("token expired");
    }
    static void OnTokenWillExpire(rtm_client *, uint32_t left, void *closure)
    {
        static_cast<Client *>(closure)->Record("token will expire " +
                                               std::to_string(left));
    }
    static void OnReplayDone(rtm_client *, const rtm_replay_info *r, void *closure)
    {
        static_cast<Client *>(closure)->Record(
            "replay peer=" + std::to_string(r->peer_messages) +
            " channel=" + std::to_string(r->channel_messages) +
            " skipped=" + std::to_string(r->channel_skipped) +
            " dropped=" + std::to_string(r->peer_dropped));
    }
    // "attributes ROOM k=v@user,..." per on_attributes_updated.
    static void OnAttributesUpdated(rtm_channel *ch, const rtm_channel_attribute *a, size_t n,
                                    void *closure)
    {
        std::string line = std::string("attributes ") + rtm_channel_id(ch) + " ";
        for (size_t i = 0; i < n; i++)
            line += std::string(i ? "," : "") + a[i].key + "=" + a[i].value + "@" +
                    a[i].last_update_user_id;
        static_cast<Client *>(closure)->Record(line);
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
    static void OnMemberCount(rtm_channel *ch, int count, void *closure)
    {
        static_cast<Client *>(closure)->Record(std::string("count ") + rtm_channel_id(ch) +
                                               " " + std::to_string(count));
    }
    static void OnPeersStatus(rtm_client *, const rtm_peer_status *p, size_t n, void *closure)
    {
        for (size_t i = 0; i < n; i++)
            static_cast<Client *>(closure)->Record(std::string("presence ") + p[i].peer_id +
                                                   "=" + std::to_string(p[i].state));
    }

    // Invitation events: "local received CALLEE", "local accepted CALLEE:
    // RESPONSE", "local refused CALLEE: RESPONSE", "local canceled CALLEE",
    // "local failure CALLEE CODE", "remote received CALLER: CONTENT@CHANNEL",
    // "remote accepted CALLER", "remote refused CALLER", "remote canceled
    // CALLER", "remote failure CALLER CODE"; each with the state it saw
    // after "#" ("local received bob #2").
    static std::string L(rtm_local_invitation *i, const std::string &what)
    {
        return "local " + what + " #" + std::to_string(rtm_local_invitation_get_state(i));
    }
    static std::string R(rtm_remote_invitation *i, const std::string &what)
    {
        return "remote " + what + " #" + std::to_string(rtm_remote_invitation_get_state(i));
    }
    static void OnLocalReceived(rtm_client *, rtm_local_invitation *i, void *closure)
    {
        auto *self = static_cast<Client *>(closure);
        if (int ms = self->block_invitation_ms.load()) // the state must not move meanwhile
            std::this_thread::sleep_for(milliseconds(ms));
        self->Record(L(i, std::string("received ") + rtm_local_invitation_get_callee_id(i)));
    }
    static void OnLocalAccepted(rtm_client *, rtm_local_invitation *i, const char *response,
                                void *closure)
    {
        EXPECT_STREQ(response, rtm_local_invitation_get_response(i));
        static_cast<Client *>(closure)->Record(L(
            i, std::string("accepted ") + rtm_local_invitation_get_callee_id(i) + ": " + response));
    }
    static void OnLocalRefused(rtm_client *, rtm_local_invitation *i, const char *response,
                               void *closure)
    {
        EXPECT_STREQ(response, rtm_local_invitation_get_response(i));
        static_cast<Client *>(closure)->Record(L(
            i, std::string("refused ") + rtm_local_invitation_get_callee_id(i) + ": " + response));
    }
    static void OnLocalCanceled(rtm_client *, rtm_local_invitation *i, void *closure)
    {
        static_cast<Client *>(closure)->Record(
            L(i, std::string("canceled ") + rtm_local_invitation_get_callee_id(i)));
    }
    static void OnLocalFailure(rtm_client *, rtm_local_invitation *i, int code, void *closure)
    {
        static_cast<Client *>(closure)->Record(L(i, std::string("failure ") +
                                                        rtm_local_invitation_get_callee_id(i) +
                                                        " " + std::to_string(code)));
    }
    static void OnRemoteReceived(rtm_client *, rtm_remote_invitation *i, void *closure)
    {
        auto *self = static_cast<Client *>(closure);
        rtm_remote_invitation_retain(i);
        {
            std::lock_guard<std::mutex> lk(self->mu_);
            self->remotes_.push_back(i);
        }
        self->Record(R(i, std::string("received ") + rtm_remote_invitation_get_caller_id(i) +
                              ": " + rtm_remote_invitation_get_content(i) + "@" +
                              rtm_remote_invitation_get_channel_id(i)));
    }
    static void OnRemoteAccepted(rtm_client *, rtm_remote_invitation *i, void *closure)
    {
        static_cast<Client *>(closure)->Record(
            R(i, std::string("accepted ") + rtm_remote_invitation_get_caller_id(i)));
    }
    static void OnRemoteRefused(rtm_client *, rtm_remote_invitation *i, void *closure)
    {
        static_cast<Client *>(closure)->Record(
            R(i, std::string("refused ") + rtm_remote_invitation_get_caller_id(i)));
    }
    static void OnRemoteCanceled(rtm_client *, rtm_remote_invitation *i, void *closure)
    {
        static_cast<Client *>(closure)->Record(
            R(i, std::string("canceled ") + rtm_remote_invitation_get_caller_id(i)));
    }
    static void OnRemoteFailure(rtm_client *, rtm_remote_invitation *i, int code, void *closure)
    {
        static_cast<Client *>(closure)->Record(R(i, std::string("failure ") +
                                                        rtm_remote_invitation_get_caller_id(i) +
                                                        " " + std::to_string(code)));
    }

    rtm_client *c_ = nullptr;
    std::vector<rtm_local_invitation *> locals_;
    std::vector<rtm_remote_invitation *> remotes_;
    std::vector<rtm_channel *> channels_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::vector<std::string> events_;
    std::vector<Clock::time_point> times_;
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
const std::string kInterrupted = Client::StateText(
    RTM_CONNECTION_STATE_RECONNECTING, RTM_CONNECTION_CHANGE_REASON_INTERRUPTED);

using Strings = std::vector<std::string>;
// The numbers n of the events "<prefix><n>[ (offline)]", in order.
inline std::vector<int> Numbers(Client &c, const std::string &prefix)
{
    std::vector<int> v;
    for (const std::string &e : c.EventsWithPrefix(prefix))
        v.push_back(std::stoi(e.substr(prefix.size())));
    return v;
}

// A thread that sends numbered messages until told to stop and keeps the
// numbers the system accepted (answered OK, or CACHED_BY_SERVER for an
// offline receiver).
struct Sender {
    Sender(std::function<int(int)> send_one, int pause_ms)
        : thread([this, send_one, pause_ms] {
              for (int n = 1; !stop; n++) {
                  int code = send_one(n);
                  if (code == 0 || code == RTM_PEER_MESSAGE_ERR_CACHED_BY_SERVER) {
                      std::lock_guard<std::mutex> lk(mu);
                      accepted.push_back(n);
                  } else {
                      std::lock_guard<std::mutex> lk(mu);
                      refused.push_back(code);
                  }
                  std::this_thread::sleep_for(milliseconds(pause_ms));
              }
          })
    {
    }
    // A test that returns early (an ASSERT) stops it too.
    ~Sender()
    {
        stop = true;
        if (thread.joinable())
            thread.join();
    }
    std::vector<int> Finish()
    {
        stop = true;
        thread.join();
        return accepted;
    }
    std::atomic<bool> stop{false};
    std::mutex mu;
    std::vector<int> accepted;
    std::vector<int> refused;
    std::thread thread;
};

} // namespace rtm_e2e
