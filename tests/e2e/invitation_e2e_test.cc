// End-to-end tests of call invitations (SPEC C1-C7): the C API of two
// clients against a real rtmd; bob's link goes through rtm-faultproxy, so
// that it can go silent mid-invitation. Timings are shortened: a callee
// acknowledges within 3 s, an invitation expires after 6 s, an accept waits
// 1.5 s for its acknowledgement (the defaults, 30 s, 60 s and 5 s, are
// proved on the virtual clock in tests/core/calls_test.cc).
#include <gtest/gtest.h>

#include "client_harness.h"
#include "fault_proxy.h"
#include "rtmd_process.h"

namespace {

using namespace rtm_e2e;
using namespace std::chrono;

const std::string kParams = std::string(kFastClient) +
                            ",\"rtm.invitation_receive_timeout_ms\":3000"
                            ",\"rtm.invitation_expire_ms\":6000"
                            ",\"rtm.invitation_accept_ack_ms\":1500";

std::vector<std::string> FastServer()
{
    return {"--heartbeat-ms", "100", "--idle-timeout-ms", "300", "--session-grace-ms", "3000"};
}

struct Scene {
    Scene()
        : rtmd(FastServer()), proxy(rtmd.address()), alice(rtmd.address(), kParams.c_str()),
          bob(proxy.address(), kParams.c_str())
    {
    }
    testing::AssertionResult Ready(bool bob_too = true)
    {
        if (!rtmd.started() || !proxy.started())
            return testing::AssertionFailure() << "rtmd or the proxy did not start";
        if (alice.Login("alice") != 0 || (bob_too && bob.Login("bob") != 0))
            return testing::AssertionFailure() << "login failed";
        return testing::AssertionSuccess();
    }
    // Alice rings bob and both see it (C2).
    rtm_local_invitation *Ring(const char *content = "call me", const char *channel = "room")
    {
        rtm_local_invitation *inv = alice.Invitation("bob", content, channel);
        EXPECT_EQ(0, alice.SendInvitation(inv));
        EXPECT_TRUE(bob.WaitFor(std::string("remote received alice: ") + content + "@" +
                                channel + " #1"));
        EXPECT_TRUE(alice.WaitFor("local received bob #2"));
        return inv;
    }
    rtm_test::RtmdProcess rtmd;
    rtm_test::FaultProxy proxy;
    Client alice;
    Client bob;
};

Strings Calls(Client &c)
{
    Strings v = c.EventsWithPrefix("local ");
    Strings r = c.EventsWithPrefix("remote ");
    v.insert(v.end(), r.begin(), r.end());
    return v;
}

TEST(InvitationE2E, C2_C5_AcceptedCall)
{
    Scene sc;
    ASSERT_TRUE(sc.Ready());
    rtm_local_invitation *inv = sc.Ring("video?", "room-1");
    EXPECT_EQ(RTM_LOCAL_INVITATION_STATE_RECEIVED_BY_REMOTE, rtm_local_invitation_get_state(inv));
    rtm_remote_invitation *r = sc.bob.LastRemote();
    ASSERT_NE(nullptr, r);
    EXPECT_STREQ("alice", rtm_remote_invitation_get_caller_id(r));
    EXPECT_STREQ("video?", rtm_remote_invitation_get_content(r));
    EXPECT_STREQ("room-1", rtm_remote_invitation_get_channel_id(r));
    EXPECT_EQ(0, sc.bob.Accept(r, "on my way"));
    EXPECT_TRUE(sc.alice.WaitFor("local accepted bob: on my way #3"));
    EXPECT_TRUE(sc.bob.WaitFor("remote accepted alice #4"));
    EXPECT_STREQ("on my way", rtm_local_invitation_get_response(inv));
    EXPECT_EQ(RTM_REMOTE_INVITATION_STATE_ACCEPTED, rtm_remote_invitation_get_state(r));
    // Nothing after an answer: no expiry.
    std::this_thread::sleep_for(milliseconds(7000));
    EXPECT_EQ((Strings{"local received bob #2", "local accepted bob: on my way #3"}),
              Calls(sc.alice));
    EXPECT_EQ((Strings{"remote received alice: video?@room-1 #1", "remote accepted alice #4"}),
              Calls(sc.bob));
    // The invitation is no message: nothing reached the message callbacks.
    EXPECT_TRUE(sc.alice.EventsWithPrefix("peer ").empty());
    EXPECT_TRUE(sc.bob.EventsWithPrefix("peer ").empty());
}

// The state read in a callback is the one that event made, even when the
// other side has moved on meanwhile: bob accepts while alice is still inside
// her "received" callback.
TEST(InvitationE2E, C2_TheStateInACallbackIsThatOfItsEvent)
{
    Scene sc;
    ASSERT_TRUE(sc.Ready());
    sc.alice.block_invitation_ms = 500;
    rtm_local_invitation *inv = sc.alice.Invitation("bob");
    EXPECT_EQ(0, sc.alice.SendInvitation(inv));
    EXPECT_EQ(RTM_LOCAL_INVITATION_STATE_SENT_TO_REMOTE, rtm_local_invitation_get_state(inv))
        << "the send's result left it SENT_TO_REMOTE";
    ASSERT_TRUE(sc.bob.WaitFor("remote received alice: @ #1"));
    EXPECT_EQ(0, sc.bob.Accept(sc.bob.LastRemote()));
    EXPECT_EQ(RTM_REMOTE_INVITATION_STATE_ACCEPT_SENT_TO_LOCAL,
              rtm_remote_invitation_get_state(sc.bob.LastRemote()));
    EXPECT_TRUE(sc.alice.WaitFor("local received bob #2"));
    EXPECT_TRUE(sc.alice.WaitFor("local accepted bob:  #3"));
}

// C1, C6: calls made back to back, none waiting for the one before, get the
// codes they would get one after the other.
TEST(InvitationE2E, C1_C6_CallsBackToBackGetTheirCodes)
{
    Scene sc;
    ASSERT_TRUE(sc.Ready());
    rtm_local_invitation *inv = sc.alice.Invitation("bob", "one");
    Client::Waiter s1, s2;
    rtm_send_local_invitation(sc.alice.get(), inv, Client::Waiter::Done, &s1);
    // A set racing the send: OK or ESTATE, but what the getter shows after
    // the result is what went.
    int set = rtm_local_invitation_set_content(inv, "two");
    EXPECT_TRUE(set == RTM_OK || set == RTM_ESTATE) << set;
    rtm_send_local_invitation(sc.alice.get(), inv, Client::Waiter::Done, &s2);
    EXPECT_EQ(0, s1.Wait());
    EXPECT_EQ(RTM_INVITATION_API_CALL_ERR_ALREADY_SENT, s2.Wait());
    EXPECT_STREQ("one", rtm_local_invitation_get_content(inv));
    ASSERT_TRUE(sc.bob.WaitFor("remote received alice: one@ #1"));
    rtm_remote_invitation *r = sc.bob.LastRemote();
    Client::Waiter a1, a2, a3;
    rtm_accept_remote_invitation(sc.bob.get(), r, Client::Waiter::Done, &a1);
    rtm_accept_remote_invitation(sc.bob.get(), r, Client::Waiter::Done, &a2);
    rtm_refuse_remote_invitation(sc.bob.get(), r, Client::Waiter::Done, &a3);
    EXPECT_EQ(0, a1.Wait());
    EXPECT_EQ(RTM_INVITATION_API_CALL_ERR_ALREADY_ACCEPT, a2.Wait());
    EXPECT_EQ(RTM_INVITATION_API_CALL_ERR_ALREADY_ACCEPT, a3.Wait());
    EXPECT_TRUE(sc.alice.WaitFor("local accepted bob:  #3"));
}

TEST(InvitationE2E, C5_RefusedCall)
{
    Scene sc;
    ASSERT_TRUE(sc.Ready());
    rtm_local_invitation *inv = sc.Ring();
    EXPECT_EQ(0, sc.bob.Refuse(sc.bob.LastRemote(), "busy"));
    EXPECT_TRUE(sc.bob.WaitFor("remote refused alice #3"));
    EXPECT_TRUE(sc.alice.WaitFor("local refused bob: busy #4"));
    EXPECT_EQ(RTM_INVITATION_API_CALL_ERR_ALREADY_END, sc.alice.CancelInvitation(inv));
    EXPECT_EQ(RTM_INVITATION_API_CALL_ERR_ALREADY_END, sc.bob.Accept(sc.bob.LastRemote()));
}

TEST(InvitationE2E, C6_CanceledCallAndTheCallErrors)
{
    Scene sc;
    ASSERT_TRUE(sc.Ready());
    rtm_local_invitation *idle = sc.alice.Invitation("bob");
    EXPECT_EQ(RTM_INVITATION_API_CALL_ERR_NOT_STARTED, sc.alice.CancelInvitation(idle));
    rtm_local_invitation *inv = sc.Ring();
    EXPECT_EQ(RTM_INVITATION_API_CALL_ERR_ALREADY_SENT, sc.alice.SendInvitation(inv));
    // Sent: its content is what went.
    EXPECT_EQ(RTM_ESTATE, rtm_local_invitation_set_content(inv, "other"));
    EXPECT_STREQ("call me", rtm_local_invitation_get_content(inv));
    EXPECT_EQ(0, sc.alice.CancelInvitation(inv));
    EXPECT_TRUE(sc.alice.WaitFor("local canceled bob #5"));
    EXPECT_TRUE(sc.bob.WaitFor("remote canceled alice #5"));
    EXPECT_EQ(RTM_INVITATION_API_CALL_ERR_ALREADY_END, sc.alice.CancelInvitation(inv));
    EXPECT_EQ(RTM_INVITATION_API_CALL_ERR_ALREADY_END, sc.alice.SendInvitation(inv));
    EXPECT_EQ(RTM_INVITATION_API_CALL_ERR_ALREADY_END, sc.bob.Accept(sc.bob.LastRemote()));
    EXPECT_EQ(RTM_INVITATION_API_CALL_ERR_ALREADY_END, sc.bob.Refuse(sc.bob.LastRemote()));

    // Accepting twice; refusing what was accepted.
    sc.Ring("again", "room");
    rtm_remote_invitation *r = sc.bob.LastRemote();
    EXPECT_EQ(0, sc.bob.Accept(r));
    EXPECT_EQ(RTM_INVITATION_API_CALL_ERR_ALREADY_ACCEPT, sc.bob.Accept(r));
    EXPECT_EQ(RTM_INVITATION_API_CALL_ERR_ALREADY_ACCEPT, sc.bob.Refuse(r));
    EXPECT_EQ(RTM_ESTATE, rtm_remote_invitation_set_response(r, "late"));

    // Bad arguments: none, another client's, oneself (C6, INVALID_ARGUMENT).
    EXPECT_EQ(RTM_INVITATION_API_CALL_ERR_INVALID_ARGUMENT, sc.alice.SendInvitation(nullptr));
    EXPECT_EQ(RTM_INVITATION_API_CALL_ERR_INVALID_ARGUMENT, sc.bob.SendInvitation(idle));
    EXPECT_EQ(RTM_INVITATION_API_CALL_ERR_INVALID_ARGUMENT, sc.alice.Accept(r));
    rtm_local_invitation *self = sc.alice.Invitation("alice");
    EXPECT_EQ(RTM_INVITATION_API_CALL_ERR_INVALID_ARGUMENT, sc.alice.SendInvitation(self));
    // Refused, it was never sent: it may still be changed.
    EXPECT_EQ(RTM_LOCAL_INVITATION_STATE_IDLE, rtm_local_invitation_get_state(self));
    EXPECT_EQ(RTM_OK, rtm_local_invitation_set_content(self, "changed"));
    EXPECT_EQ(nullptr, rtm_local_invitation_create(sc.alice.get(), "bad/id"));
    rtm_local_invitation *big = sc.alice.Invitation("bob");
    EXPECT_EQ(RTM_EINVAL, rtm_local_invitation_set_content(big, std::string(8193, 'x').c_str()));
    EXPECT_EQ(RTM_OK, rtm_local_invitation_set_content(big, std::string(8192, 'x').c_str()));
    EXPECT_EQ(RTM_EINVAL, rtm_local_invitation_set_channel_id(big, "bad/channel"));
    // An 8 KB content rings like any other.
    EXPECT_EQ(0, sc.alice.SendInvitation(big));
    EXPECT_TRUE(sc.bob.WaitFor("remote received alice: " + std::string(8192, 'x') + "@ #1"));
}

TEST(InvitationE2E, C1_ACallerNotLoggedInGetsNotLoggedIn)
{
    Scene sc;
    ASSERT_TRUE(sc.Ready(false));
    rtm_local_invitation *inv = sc.bob.Invitation("alice");
    EXPECT_EQ(0, sc.bob.SendInvitation(inv));
    EXPECT_TRUE(sc.bob.WaitFor("local failure alice 4 #6"));
    std::this_thread::sleep_for(milliseconds(300));
    EXPECT_TRUE(Calls(sc.alice).empty());
}

TEST(InvitationE2E, C3_CalleeOfflineIsPeerOfflineAndNeverRung)
{
    Scene sc;
    ASSERT_TRUE(sc.Ready(false)); // bob never logged in
    rtm_local_invitation *inv = sc.alice.Invitation("bob");
    auto sent = Clock::now();
    EXPECT_EQ(0, sc.alice.SendInvitation(inv));
    ASSERT_TRUE(sc.alice.WaitFor("local failure bob 1 #6"));
    auto took = sc.alice.TimeOf("local failure bob 1 #6") - sent;
    EXPECT_GE(took, milliseconds(2900));
    EXPECT_LE(took, milliseconds(4500));
    // Bob logs in after: the server kept it, but it is stale, and dropped.
    // Well after the boundary: the age a callee sees is the server's, less
    // the latencies (PROTOCOL.md), so 3 s itself is a race.
    std::this_thread::sleep_for(milliseconds(500));
    ASSERT_EQ(0, sc.bob.Login("bob"));
    std::this_thread::sleep_for(milliseconds(1000));
    EXPECT_TRUE(Calls(sc.bob).empty());
}

TEST(InvitationE2E, C3_CalleeBackInTimeIsRung)
{
    Scene sc;
    ASSERT_TRUE(sc.Ready(false));
    rtm_local_invitation *inv = sc.alice.Invitation("bob", "wake up");
    EXPECT_EQ(0, sc.alice.SendInvitation(inv));
    std::this_thread::sleep_for(milliseconds(500));
    ASSERT_EQ(0, sc.bob.Login("bob"));
    EXPECT_TRUE(sc.bob.WaitFor("remote received alice: wake up@ #1"));
    EXPECT_TRUE(sc.alice.WaitFor("local received bob #2"));
}

TEST(InvitationE2E, C3_CalleeSilentIsPeerNoResponse)
{
    Scene sc;
    ASSERT_TRUE(sc.Ready());
    // Bob's link goes silent: the server holds his session (online), but
    // his client hears nothing for longer than the caller waits.
    ASSERT_TRUE(sc.proxy.Silent());
    rtm_local_invitation *inv = sc.alice.Invitation("bob");
    EXPECT_EQ(0, sc.alice.SendInvitation(inv));
    EXPECT_TRUE(sc.alice.WaitFor("local failure bob 2 #6"));
    std::this_thread::sleep_for(milliseconds(500)); // well past the boundary (above)
    ASSERT_TRUE(sc.proxy.Pass());
    std::this_thread::sleep_for(milliseconds(1500));
    EXPECT_TRUE(Calls(sc.bob).empty()) << "a stale invitation is not rung";
}

TEST(InvitationE2E, C4_UnansweredExpiresOnBothSides)
{
    Scene sc;
    ASSERT_TRUE(sc.Ready());
    auto sent = Clock::now();
    sc.Ring();
    EXPECT_TRUE(sc.alice.WaitFor("local failure bob 3 #6"));
    EXPECT_TRUE(sc.bob.WaitFor("remote failure alice 3 #6"));
    auto took = sc.alice.TimeOf("local failure bob 3 #6") - sent;
    EXPECT_GE(took, milliseconds(5500));
    EXPECT_LE(took, milliseconds(7500));
}

TEST(InvitationE2E, C5_AnAcceptWhoseAcknowledgementCannotComeIsAcceptFailure)
{
    Scene sc;
    ASSERT_TRUE(sc.Ready());
    // Bob (behind the proxy) is the caller here: his link goes silent
    // after alice has the invitation, for longer than her accept waits.
    rtm_local_invitation *inv = sc.bob.Invitation("alice");
    EXPECT_EQ(0, sc.bob.SendInvitation(inv));
    ASSERT_TRUE(sc.bob.WaitFor("local received alice #2"));
    ASSERT_TRUE(sc.proxy.Silent());
    EXPECT_EQ(0, sc.alice.Accept(sc.alice.LastRemote(), "yes"));
    EXPECT_TRUE(sc.alice.WaitFor("remote failure bob 2 #6"));
    ASSERT_TRUE(sc.proxy.Pass());
    // Back, bob gets the stale accept and alice's end: not accepted.
    EXPECT_TRUE(sc.bob.WaitFor("local failure alice 2 #6", 1, seconds(10)));
    EXPECT_EQ(0u, sc.bob.EventsWithPrefix("local accepted").size());
}

TEST(InvitationE2E, C6_CancelRacingAcceptEndsBothCanceledOrBothAccepted)
{
    Scene sc;
    ASSERT_TRUE(sc.Ready());
    for (int round = 0; round < 5; round++) {
        rtm_local_invitation *inv = sc.Ring();
        rtm_remote_invitation *r = sc.bob.LastRemote();
        Client::Waiter wa, wc;
        std::thread t([&] { rtm_accept_remote_invitation(sc.bob.get(), r, Client::Waiter::Done, &wa); });
        rtm_cancel_local_invitation(sc.alice.get(), inv, Client::Waiter::Done, &wc);
        t.join();
        wa.Wait();
        wc.Wait();
        // However they crossed, both sides agree.
        auto settled = [&] {
            int l = rtm_local_invitation_get_state(inv), m = rtm_remote_invitation_get_state(r);
            return (l == RTM_LOCAL_INVITATION_STATE_CANCELED &&
                    m == RTM_REMOTE_INVITATION_STATE_CANCELED) ||
                   (l == RTM_LOCAL_INVITATION_STATE_ACCEPTED_BY_REMOTE &&
                    m == RTM_REMOTE_INVITATION_STATE_ACCEPTED);
        };
        auto until = Clock::now() + seconds(5);
        while (!settled() && Clock::now() < until)
            std::this_thread::sleep_for(milliseconds(10));
        EXPECT_TRUE(settled()) << "round " << round << ": caller "
                               << rtm_local_invitation_get_state(inv) << ", callee "
                               << rtm_remote_invitation_get_state(r);
    }
}

TEST(InvitationE2E, C7_TheCalleeInterruptedGetsTheCancelOnceAfterwards)
{
    Scene sc;
    ASSERT_TRUE(sc.Ready());
    rtm_local_invitation *inv = sc.Ring();
    ASSERT_TRUE(sc.proxy.Silent()); // bob hears nothing for 1.5 s
    EXPECT_EQ(0, sc.alice.CancelInvitation(inv));
    EXPECT_TRUE(sc.alice.WaitFor("local canceled bob #5"));
    std::this_thread::sleep_for(milliseconds(1500));
    EXPECT_EQ(0u, sc.bob.Count("remote canceled alice #5"));
    ASSERT_TRUE(sc.proxy.Pass());
    EXPECT_TRUE(sc.bob.WaitFor("remote canceled alice #5"));
    std::this_thread::sleep_for(milliseconds(500));
    EXPECT_EQ(1u, sc.bob.Count("remote canceled alice #5"));
}

TEST(InvitationE2E, C7_AnInvitationSentWhileTheCalleeIsInterruptedRingsOnce)
{
    Scene sc;
    ASSERT_TRUE(sc.Ready());
    ASSERT_TRUE(sc.proxy.Reset()); // bob's link is gone; he reconnects
    rtm_local_invitation *inv = sc.alice.Invitation("bob", "hello");
    EXPECT_EQ(0, sc.alice.SendInvitation(inv));
    EXPECT_TRUE(sc.bob.WaitFor("remote received alice: hello@ #1"));
    EXPECT_TRUE(sc.alice.WaitFor("local received bob #2"));
    EXPECT_EQ(0, sc.bob.Accept(sc.bob.LastRemote()));
    EXPECT_TRUE(sc.alice.WaitFor("local accepted bob:  #3"));
    EXPECT_TRUE(sc.bob.WaitFor("remote accepted alice #4"));
    EXPECT_EQ(1u, sc.bob.EventsWithPrefix("remote received").size());
}

TEST(InvitationE2E, C7_LogoutEndsOpenInvitationsOnBothSides)
{
    Scene sc;
    ASSERT_TRUE(sc.Ready());
    sc.Ring();
    EXPECT_EQ(0, sc.alice.Logout());
    EXPECT_TRUE(sc.alice.WaitFor("local failure bob 4 #6"));
    EXPECT_TRUE(sc.bob.WaitFor("remote failure alice 1 #6"));
    // Her failure came before her state change.
    Strings ev = sc.alice.Events();
    auto fail = std::find(ev.begin(), ev.end(), "local failure bob 4 #6");
    auto out = std::find(ev.begin(), ev.end(), kLoggedOut);
    EXPECT_LT(fail, out);
}

TEST(InvitationE2E, C7_ReleaseEndsOpenInvitationsBeforeTheClose)
{
    Scene sc;
    ASSERT_TRUE(sc.Ready());
    sc.Ring();
    sc.bob.Destroy(); // the callee goes away
    EXPECT_EQ(1u, sc.bob.Count("remote failure alice 1 #6")) << "before destroy returned";
    EXPECT_TRUE(sc.alice.WaitFor("local failure bob 1 #6"));
}

TEST(InvitationE2E, C7_KickedCallerEndsItsInvitations)
{
    Scene sc;
    ASSERT_TRUE(sc.Ready());
    sc.Ring();
    Client again(sc.rtmd.address(), kParams.c_str());
    ASSERT_EQ(0, again.Login("alice")); // S16: the older alice is kicked
    EXPECT_TRUE(sc.alice.WaitFor(kKicked));
    EXPECT_TRUE(sc.alice.WaitFor("local failure bob 4 #6"));
    // Bob's invitation ends too: at its expiry, or at once if what alice
    // had not acknowledged went to her new instance, which has no such
    // invitation and says so (END_GONE: PEER_OFFLINE).
    auto ended = [&] {
        return sc.bob.Count("remote failure alice 3 #6") + sc.bob.Count("remote failure alice 1 #6");
    };
    auto until = Clock::now() + seconds(10);
    while (ended() == 0 && Clock::now() < until)
        std::this_thread::sleep_for(milliseconds(20));
    EXPECT_EQ(1u, ended()) << testing::PrintToString(Calls(sc.bob));
}

} // namespace
