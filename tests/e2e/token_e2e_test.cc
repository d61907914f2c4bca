// End-to-end tests of tokens with the C API against a real rtmd that has an
// app certificate: login refusals (SPEC S4), expiry at login and while
// reconnecting, renewToken (S15), the expiry warning. Tokens are built with
// the library's rtm_token_build, as an application server would.
#include <gtest/gtest.h>

#include "client_harness.h"
#include "fault_proxy.h"
#include "rtm/rtm_token.h"
#include "rtmd_process.h"

namespace {

using namespace rtm_e2e;
using namespace std::chrono;

constexpr const char *kApp = "e2e-app";
constexpr const char *kCert = "5CFd2fd1755d40ecb72977518be15d3b";

std::string Token(const char *user, uint32_t expire_seconds, int legacy = 0,
                  const char *cert = kCert)
{
    char buf[RTM_TOKEN_MAX];
    EXPECT_EQ(RTM_OK, rtm_token_build(kApp, cert, user, expire_seconds, legacy, buf,
                                      sizeof(buf)));
    return buf;
}

std::vector<std::string> Server(std::vector<std::string> extra = {})
{
    std::vector<std::string> args = {"--app-id", kApp, "--app-cert", kCert,
                                     "--heartbeat-ms", "100", "--idle-timeout-ms", "300"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

TEST(TokenE2E, S3_S4_OnlyAValidTokenLogsIn)
{
    rtm_test::RtmdProcess rtmd(Server());
    ASSERT_TRUE(rtmd.started());
    Client a(rtmd.address(), kFastClient, kApp);
    EXPECT_EQ(RTM_LOGIN_ERR_INVALID_TOKEN, a.Login("alice"));         // none
    EXPECT_EQ(RTM_LOGIN_ERR_INVALID_TOKEN,
              a.Login("alice", Token("bob", 600).c_str()));            // someone else's
    std::this_thread::sleep_for(milliseconds(1100)); // A2: 2 logins a second
    EXPECT_EQ(RTM_LOGIN_ERR_INVALID_TOKEN,
              a.Login("alice", Token("alice", 600, 0, "0123456789abcdef0123456789abcdef")
                                   .c_str()));                         // another certificate
    EXPECT_EQ((Strings{kConnecting, kRefused, kConnecting, kRefused, kConnecting, kRefused}),
              a.States());
    std::this_thread::sleep_for(milliseconds(1100)); // A2: 2 logins a second
    EXPECT_EQ(RTM_LOGIN_ERR_OK, a.Login("alice", Token("alice", 600).c_str()));
}

TEST(TokenE2E, S4_S15_ExpiredTokenIsRefusedAtLogin)
{
    rtm_test::RtmdProcess rtmd(Server());
    ASSERT_TRUE(rtmd.started());
    Client a(rtmd.address(), kFastClient, kApp);
    std::string token = Token("alice", 1);
    std::this_thread::sleep_for(milliseconds(2100));
    EXPECT_EQ(RTM_LOGIN_ERR_TOKEN_EXPIRED, a.Login("alice", token.c_str()));
    EXPECT_EQ((Strings{kConnecting, kRefused}), a.States());
}

// S15: the token expires while the link is down; the reconnection attempt
// is refused: onTokenExpired, once, and the state stays RECONNECTING; after
// renewToken the next attempt logs in with the new token.
TEST(TokenE2E, S15_ExpiryWhileReconnectingThenRenewToken)
{
    rtm_test::RtmdProcess rtmd(Server({"--session-grace-ms", "30000"}));
    ASSERT_TRUE(rtmd.started());
    rtm_test::FaultProxy proxy(rtmd.address());
    ASSERT_TRUE(proxy.started());
    Client bob(proxy.address(), kFastClient, kApp);
    auto issued = Clock::now();
    ASSERT_EQ(0, bob.Login("bob", Token("bob", 2).c_str()));
    ASSERT_TRUE(proxy.Silent());
    ASSERT_TRUE(bob.WaitFor(kInterrupted));
    std::this_thread::sleep_until(issued + milliseconds(3100)); // expired now
    ASSERT_TRUE(proxy.Pass());
    ASSERT_TRUE(bob.WaitFor("token expired"));
    std::this_thread::sleep_for(milliseconds(1500));
    EXPECT_EQ(1u, bob.Count("token expired"));
    EXPECT_EQ((Strings{kConnecting, kConnected, kInterrupted}), bob.States());
    EXPECT_EQ(RTM_RENEW_TOKEN_ERR_OK, bob.Renew(Token("bob", 600)));
    ASSERT_TRUE(bob.WaitFor(kConnected, 2));
    EXPECT_EQ((Strings{kConnecting, kConnected, kInterrupted, kConnected}), bob.States());
    // The session was kept through all this: a replay report came.
    EXPECT_TRUE(bob.WaitFor("replay peer=0 channel=0 skipped=0 dropped=0"));
}

TEST(TokenE2E, S15_RenewTokenWhenConnectedAndTheWarning)
{
    rtm_test::RtmdProcess rtmd(Server({"--token-warn-s", "2"}));
    ASSERT_TRUE(rtmd.started());
    Client a(rtmd.address(), kFastClient, kApp);
    ASSERT_EQ(0, a.Login("alice", Token("alice", 3).c_str()));
    // onTokenPrivilegeWillExpire about 2 s before the expiry.
    ASSERT_TRUE(a.WaitFor("token will expire 2", 1, seconds(5)) ||
                a.WaitFor("token will expire 1", 1, seconds(1)))
        << "no warning";
    EXPECT_EQ(RTM_RENEW_TOKEN_ERR_INVALID_TOKEN, a.Renew(Token("bob", 600)));
    EXPECT_EQ(RTM_RENEW_TOKEN_ERR_OK, a.Renew(Token("alice", 600)));
    // By default a connected session whose token expires goes on.
    std::this_thread::sleep_for(milliseconds(1500));
    EXPECT_EQ((Strings{kConnecting, kConnected}), a.States());
}

} // namespace
