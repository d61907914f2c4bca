// Out of memory, end to end: every operation still gets its result exactly
// once (rtm.h "Results", docs/API.md rule C). Each test runs one operation
// against a real rtmd again and again, the first time with the client core's
// first allocation failing, then its second, and so on, until a run in which
// no allocation failed: every allocation on the operation's path, from the
// call to its callback, has failed once. Each run must end in one callback
// with 0 and the right data, or with the family's FAILURE code (SPEC A7: the
// deadline of every operation is bounded, so a lost result would show as a
// missing callback, never as a late one). An allocation failure for the
// operation record itself is the documented exception: the call returns the
// FAILURE code and no callback runs.
//
// The hook (alloc.h) is internal, so this links the static library.
#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "alloc.h"
#include "client_harness.h"
#include "rtmd_process.h"

namespace {

using namespace rtm_e2e;
using Waiter = Client::Waiter;

// Starts the operation with its result going to w; returns the call's value.
using Start = std::function<int(Waiter *w)>;
// What a successful run must report, as the Waiter records it.
using Check = std::function<void(const Waiter &w)>;

class OomE2E : public ::testing::Test {
  protected:
    void SetUp() override
    {
        ASSERT_TRUE(rtmd_.started());
        a_ = std::make_unique<Client>(rtmd_.address());
        b_ = std::make_unique<Client>(rtmd_.address());
        ASSERT_EQ(0, a_->Login("alice"));
        ASSERT_EQ(0, b_->Login("bob"));
    }
    void TearDown() override { rtm__alloc_fail_nth(0); }

    // Runs start with allocation n failing, for n = 1, 2, ..., until a run
    // with no failure; failure is the family's FAILURE code.
    void EveryAllocationFails(int failure, const Start &start, const Check &check)
    {
        std::vector<std::unique_ptr<Waiter>> runs; // alive until the end
        int failed_runs = 0;
        for (unsigned long n = 1;; n++) {
            ASSERT_LT(n, 500u) << "the operation never ran without a failure";
            runs.push_back(std::make_unique<Waiter>());
            Waiter *w = runs.back().get();
            unsigned long before = rtm__alloc_failures();
            rtm__alloc_fail_nth(n);
            int rc = start(w);
            // A refusal's callback comes at once; a queued operation's within
            // its deadline.
            bool done = w->WaitDone(rc == 0 ? kResultWait : milliseconds(500));
            rtm__alloc_fail_nth(0);
            bool injected = rtm__alloc_failures() != before;
            SCOPED_TRACE("allocation " + std::to_string(n) + " failing");
            if (!done) {
                // Only the operation record itself may fail without a
                // callback, and then the call says so.
                EXPECT_TRUE(injected) << "no result callback";
                EXPECT_EQ(failure, rc) << "no result callback";
                continue;
            }
            std::lock_guard<std::mutex> lk(w->mu);
            if (w->code == 0) {
                check(*w);
            } else {
                EXPECT_TRUE(injected) << "code " << w->code << " with no failure";
                EXPECT_EQ(failure, w->code);
                failed_runs++;
            }
            if (!injected) {
                EXPECT_EQ(0, w->code);
                break;
            }
        }
        EXPECT_GT(failed_runs, 0) << "no failure reached the callback";
        // Exactly once: no run's callback came twice, now that every late
        // event would have arrived.
        std::this_thread::sleep_for(milliseconds(200));
        for (size_t i = 0; i < runs.size(); i++)
            EXPECT_LE(runs[i]->Calls(), 1) << "run " << i + 1;
        std::printf("[ oom ] %zu runs, %d of them ended in FAILURE (%d)\n", runs.size(),
                    failed_runs, failure);
    }

    rtm_test::RtmdProcess rtmd_;
    std::unique_ptr<Client> a_, b_;
};

void NoData(const Waiter &) {}

TEST_F(OomE2E, ExactlyOnce_PeerMessage)
{
    rtm_message m = {};
    m.type = RTM_MESSAGE_TYPE_TEXT;
    m.text = "hello";
    EveryAllocationFails(
        RTM_PEER_MESSAGE_ERR_FAILURE,
        [&](Waiter *w) {
            return rtm_send_peer_message(a_->get(), "bob", &m, Waiter::Done, w);
        },
        NoData);
}

TEST_F(OomE2E, ExactlyOnce_JoinAndGetMembers)
{
    ASSERT_EQ(0, b_->Join(b_->Channel("room")));
    rtm_channel *ch = a_->Channel("room");
    ASSERT_EQ(0, a_->Join(ch));
    EveryAllocationFails(
        RTM_GET_MEMBERS_ERR_FAILURE,
        [&](Waiter *w) { return rtm_channel_get_members(ch, Waiter::MembersDone, w); },
        [](const Waiter &w) {
            std::vector<std::string> got = w.users;
            std::sort(got.begin(), got.end());
            EXPECT_EQ((Strings{"alice", "bob"}), got);
        });
}

TEST_F(OomE2E, ExactlyOnce_ChannelMessage)
{
    rtm_channel *ch = a_->Channel("room");
    ASSERT_EQ(0, a_->Join(ch));
    rtm_message m = {};
    m.type = RTM_MESSAGE_TYPE_TEXT;
    m.text = "hello";
    EveryAllocationFails(
        RTM_CHANNEL_MESSAGE_ERR_FAILURE,
        [&](Waiter *w) { return rtm_channel_send_message(ch, &m, Waiter::Done, w); },
        NoData);
}

TEST_F(OomE2E, ExactlyOnce_UserAttributes)
{
    rtm_attribute kv = {"k", "v"};
    EveryAllocationFails(
        RTM_ATTRIBUTE_OPERATION_ERR_FAILURE,
        [&](Waiter *w) {
            return rtm_set_local_user_attributes(a_->get(), &kv, 1, Waiter::Done, w);
        },
        NoData);
    EveryAllocationFails(
        RTM_ATTRIBUTE_OPERATION_ERR_FAILURE,
        [&](Waiter *w) {
            return rtm_get_user_attributes(b_->get(), "alice", Waiter::AttributesDone, w);
        },
        [](const Waiter &w) { EXPECT_EQ((Strings{"k=v"}), w.users); });
}

TEST_F(OomE2E, ExactlyOnce_ChannelAttributes)
{
    rtm_attribute kv = {"topic", "news"};
    rtm_channel_attribute_options o = {false};
    EveryAllocationFails(
        RTM_ATTRIBUTE_OPERATION_ERR_FAILURE,
        [&](Waiter *w) {
            return rtm_set_channel_attributes(a_->get(), "room", &kv, 1, &o, Waiter::Done, w);
        },
        NoData);
    EveryAllocationFails(
        RTM_ATTRIBUTE_OPERATION_ERR_FAILURE,
        [&](Waiter *w) {
            return rtm_get_channel_attributes(b_->get(), "room", Waiter::ChannelAttributesDone,
                                              w);
        },
        [](const Waiter &w) { EXPECT_EQ((Strings{"topic=news@alice"}), w.users); });
}

TEST_F(OomE2E, ExactlyOnce_PresenceAndMemberCounts)
{
    const char *peers[] = {"bob", "carol"};
    EveryAllocationFails(
        RTM_QUERY_PEERS_ONLINE_STATUS_ERR_FAILURE,
        [&](Waiter *w) {
            return rtm_query_peers_online_status(a_->get(), peers, 2, Waiter::StatesDone, w);
        },
        [](const Waiter &w) {
            std::vector<std::string> got = w.users;
            std::sort(got.begin(), got.end());
            EXPECT_EQ((Strings{"bob=0", "carol=2"}), got);
        });
    EveryAllocationFails(
        RTM_PEER_SUBSCRIPTION_STATUS_ERR_FAILURE,
        [&](Waiter *w) {
            return rtm_subscribe_peers_online_status(a_->get(), peers, 2, Waiter::Done, w);
        },
        NoData);
    ASSERT_EQ(0, b_->Join(b_->Channel("room")));
    const char *channels[] = {"room"};
    EveryAllocationFails(
        RTM_GET_CHANNEL_MEMBER_COUNT_ERR_FAILURE,
        [&](Waiter *w) {
            return rtm_get_channel_member_count(a_->get(), channels, 1, Waiter::CountsDone, w);
        },
        [](const Waiter &w) { EXPECT_EQ((Strings{"room=1"}), w.users); });
}

// rtm.h: destroy completes every pending operation (101). Destroying needs
// no memory: with the next allocation failing it still does, and frees the
// client (it used to post its shutdown with an allocation, and with that
// failing freed the client under its armed timer).
// C1: an invitation's send, each run with a fresh invitation (made before
// the failure is armed). InvitationApiCallError has no FAILURE: out of
// memory is 1 (INVALID_ARGUMENT), as rtm.h says.
TEST_F(OomE2E, ExactlyOnce_InvitationSend)
{
    std::vector<rtm_local_invitation *> pool;
    for (int i = 0; i < 100; i++)
        pool.push_back(a_->Invitation("bob", "ring"));
    size_t next = 0;
    EveryAllocationFails(
        RTM_INVITATION_API_CALL_ERR_INVALID_ARGUMENT,
        [&](Waiter *w) {
            return rtm_send_local_invitation(a_->get(), pool.at(next++), Waiter::Done, w);
        },
        NoData);
}

// M1, M2: an upload and a download (to memory) get exactly one result
// with each allocation of their path failing in turn: 0 with the media, or
// FAILURE.
static void UploadDone(rtm_client *, int code, const rtm_media_message *m, uint64_t,
                       void *closure)
{
    static_cast<Client::Waiter *>(closure)->Finish(code, {m != nullptr ? m->media_id : ""});
}

static void DownloadDone(rtm_client *, int code, const void *, size_t len, uint64_t,
                         void *closure)
{
    static_cast<Client::Waiter *>(closure)->Finish(code, {std::to_string(len)});
}

TEST_F(OomE2E, ExactlyOnce_UploadAndDownload)
{
    char path[] = "/tmp/rtm-oom-media-XXXXXX";
    int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    std::string data(100 * 1024 + 3, 'q');
    ASSERT_EQ(static_cast<ssize_t>(data.size()), write(fd, data.data(), data.size()));
    close(fd);
    std::string id;
    EveryAllocationFails(
        RTM_UPLOAD_MEDIA_ERR_FAILURE,
        [&](Waiter *w) {
            return rtm_upload_media(a_->get(), path, RTM_MESSAGE_TYPE_FILE, UploadDone, w,
                                    nullptr);
        },
        [&](const Waiter &w) {
            ASSERT_EQ(1u, w.users.size());
            EXPECT_EQ(32u, w.users[0].size());
            id = w.users[0];
        });
    unlink(path);
    ASSERT_FALSE(id.empty());
    EveryAllocationFails(
        RTM_DOWNLOAD_MEDIA_ERR_FAILURE,
        [&](Waiter *w) {
            return rtm_download_media_to_memory(a_->get(), id.c_str(), DownloadDone, w,
                                                nullptr);
        },
        [&](const Waiter &w) { EXPECT_EQ(std::to_string(data.size()), w.users.at(0)); });
}

TEST(OomE2EDestroy, DestroyNeedsNoMemory)
{
    rtm_test::RtmdProcess rtmd;
    ASSERT_TRUE(rtmd.started());
    for (int i = 0; i < 5; i++) {
        auto a = std::make_unique<Client>(rtmd.address());
        ASSERT_EQ(0, a->Login("alice"));
        Waiter w;
        rtm_message m = {};
        m.type = RTM_MESSAGE_TYPE_TEXT;
        m.text = "hello";
        ASSERT_EQ(0, rtm_send_peer_message(a->get(), "bob", &m, Waiter::Done, &w));
        if (i % 2 == 1) // the loop idle: the allocation is destroy's, if any
            std::this_thread::sleep_for(milliseconds(50));
        rtm__alloc_fail_nth(1);
        a.reset(); // rtm_client_destroy
        rtm__alloc_fail_nth(0);
        ASSERT_TRUE(w.WaitDone(milliseconds(0))) << "destroy returned before the result";
        EXPECT_EQ(1, w.Calls());
        // Answered in time (unreachable: bob is not there), cut short by
        // destroy, or failed by the allocation (when the loop thread took
        // it, sending the message).
        EXPECT_TRUE(w.code == RTM_PEER_MESSAGE_ERR_PEER_UNREACHABLE ||
                    w.code == RTM_PEER_MESSAGE_ERR_NOT_INITIALIZED ||
                    w.code == RTM_PEER_MESSAGE_ERR_FAILURE)
            << w.code;
    }
}

} // namespace
