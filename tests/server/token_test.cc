// Tokens end to end against a real rtmd (issue 5 tokens; SPEC S4: the
// LoginError codes a refused login reports; SPEC S15: expiry, renewal,
// TokenWillExpire). Tokens are built with native/common/token.c, whose
// output the vendor-vector tests (tests/common/token_test.cc) tie to the
// vendor's builders.
#include <chrono>
#include <ctime>
#include <string>

#include "rtm/rtm_codes.h"
#include "server_test.h"

extern "C" {
#include "token.h"
}

namespace rtm_test {
namespace {

const char kApp[] = "970CA35de60c44645bbae8a215061b33";
const char kCert[] = "5CFd2fd1755d40ecb72977518be15d3b";
const char kApp2[] = "app-two";
const char kCert2[] = "second-certificate";
const char kOpenApp[] = "app-open";  // no certificate: app id only

uint32_t Now() { return (uint32_t)time(nullptr); }

// A 007 token issued at `issue` whose token and privilege expire `expire` s later.
std::string T007(const char* app, const char* cert, const std::string& user, uint32_t expire,
                 uint32_t issue = Now()) {
  char out[RTM__TOKEN_BUILD_MAX];
  EXPECT_EQ(rtm__token_build007(app, cert, user.c_str(), issue, 12345, expire, out, sizeof out),
            RTM__TOKEN_OK);
  return out;
}

// A 006 token whose login privilege ends at `at` (0: never).
std::string T006(const char* app, const char* cert, const std::string& user, uint32_t at) {
  char out[RTM__TOKEN_BUILD_MAX];
  EXPECT_EQ(rtm__token_build006(app, cert, user.c_str(), 777, Now() + 86400, at, out,
                                sizeof out),
            RTM__TOKEN_OK);
  return out;
}

std::vector<std::string> CertArgs(std::vector<std::string> more = {}) {
  std::vector<std::string> a = {"--app-id", kApp, "--app-cert", kCert};
  a.insert(a.end(), more.begin(), more.end());
  return a;
}

int LoginWithToken(TestClient& c, const RtmdProcess& rtmd, const std::string& app,
                   const std::string& user, const std::string& token, uint64_t instance = 1) {
  if (!c.Connect(rtmd.host(), rtmd.port()) || !c.Hello()) return -1;
  return c.Login(app, user, instance, token);
}

// ---- login (S4 codes) ----

TEST(Tokens, Valid007And006TokensLogIn) {
  RtmdProcess rtmd(CertArgs());
  ASSERT_TRUE(rtmd.started());
  TestClient a, b;
  EXPECT_EQ(LoginWithToken(a, rtmd, kApp, "alice", T007(kApp, kCert, "alice", 600)),
            RTM_LOGIN_ERR_OK);
  EXPECT_EQ(LoginWithToken(b, rtmd, kApp, "bob", T006(kApp, kCert, "bob", Now() + 600)),
            RTM_LOGIN_ERR_OK);
  EXPECT_EQ(a.PeerSend("bob", "hi"), 0);
}

TEST(Tokens, S4EachRefusalHasItsCode) {
  RtmdProcess rtmd(CertArgs({"--app-id", kApp2, "--app-cert", kCert2}));
  ASSERT_TRUE(rtmd.started());
  struct {
    const char* what;
    std::string token;
    int code;
  } cases[] = {
      {"no token", "", RTM_LOGIN_ERR_INVALID_TOKEN},
      {"garbage", "hello", RTM_LOGIN_ERR_INVALID_TOKEN},
      {"another certificate", T007(kApp, kCert2, "alice", 600), RTM_LOGIN_ERR_INVALID_TOKEN},
      {"another user", T007(kApp, kCert, "bob", 600), RTM_LOGIN_ERR_INVALID_TOKEN},
      {"another user (006)", T006(kApp, kCert, "bob", 0), RTM_LOGIN_ERR_INVALID_TOKEN},
      {"another app id", T007(kApp2, kCert, "alice", 600), RTM_LOGIN_ERR_INVALID_APP_ID},
      {"expired", T007(kApp, kCert, "alice", 10, Now() - 100), RTM_LOGIN_ERR_TOKEN_EXPIRED},
      {"privilege expired (006)", T006(kApp, kCert, "alice", Now() - 1),
       RTM_LOGIN_ERR_TOKEN_EXPIRED},
  };
  std::string tampered = T006(kApp, kCert, "alice", 0);
  tampered[3 + 32 + 8] = tampered[3 + 32 + 8] == 'A' ? 'B' : 'A';
  for (const auto& c : cases) {
    TestClient cl;
    EXPECT_EQ(LoginWithToken(cl, rtmd, kApp, "alice", c.token), c.code) << c.what;
  }
  TestClient cl;
  EXPECT_EQ(LoginWithToken(cl, rtmd, kApp, "alice", tampered), RTM_LOGIN_ERR_INVALID_TOKEN);
  EXPECT_TRUE(rtmd.WaitForLog("LOGIN_ERR_TOKEN_EXPIRED"));
}

TEST(Tokens, SeveralAppsEachWithItsCertificate) {
  RtmdProcess rtmd(CertArgs({"--app-id", kApp2, "--app-cert", kCert2, "--app-id", kOpenApp}));
  ASSERT_TRUE(rtmd.started());
  TestClient a, b, c, d, e;
  EXPECT_EQ(LoginWithToken(a, rtmd, kApp, "u1", T007(kApp, kCert, "u1", 600)), 0);
  EXPECT_EQ(LoginWithToken(b, rtmd, kApp2, "u2", T007(kApp2, kCert2, "u2", 600)), 0);
  // app two's id signed with app one's certificate.
  EXPECT_EQ(LoginWithToken(c, rtmd, kApp2, "u3", T007(kApp2, kCert, "u3", 600)),
            RTM_LOGIN_ERR_INVALID_TOKEN);
  // The app without a certificate: any token, or none.
  EXPECT_EQ(LoginWithToken(d, rtmd, kOpenApp, "u4", ""), 0);
  EXPECT_EQ(LoginWithToken(e, rtmd, kOpenApp, "u5", "not a token"), 0);
}

TEST(Tokens, S15LoginAndResumeWithAnExpiredTokenAreTokenExpired) {
  RtmdProcess rtmd(CertArgs());
  ASSERT_TRUE(rtmd.started());
  TestClient a;
  ASSERT_EQ(LoginWithToken(a, rtmd, kApp, "alice", T007(kApp, kCert, "alice", 600)), 0);
  a.Close();  // the session waits in its grace for the same instance
  TestClient again;
  again.set_session_id(a.session_id());
  EXPECT_EQ(LoginWithToken(again, rtmd, kApp, "alice", T007(kApp, kCert, "alice", 5,
                                                           Now() - 60)),
            RTM_LOGIN_ERR_TOKEN_EXPIRED);
  // A renewed token then resumes it.
  bool resumed = false;
  EXPECT_EQ(again.Login(kApp, "alice", 1, T007(kApp, kCert, "alice", 600), &resumed), 0);
  EXPECT_TRUE(resumed);
}

// The login rate of a user (A2; here 2 a minute) counts only logins whose
// token is good: without one, nobody can use up another user's logins.
TEST(Tokens, RefusedTokensDoNotUseUpTheUsersLogins_A2) {
  RtmdProcess rtmd(CertArgs({"--rate", "login=2/60"}));
  ASSERT_TRUE(rtmd.started());
  for (int i = 0; i < 5; i++) {
    TestClient bad;
    EXPECT_EQ(LoginWithToken(bad, rtmd, kApp, "alice", "007garbage", 10 + i),
              RTM_LOGIN_ERR_INVALID_TOKEN) << i;
  }
  TestClient a, b, c;
  EXPECT_EQ(LoginWithToken(a, rtmd, kApp, "alice", T007(kApp, kCert, "alice", 600), 1), 0);
  EXPECT_EQ(LoginWithToken(b, rtmd, kApp, "alice", T007(kApp, kCert, "alice", 600), 2), 0);
  EXPECT_EQ(LoginWithToken(c, rtmd, kApp, "alice", T007(kApp, kCert, "alice", 600), 3),
            RTM_LOGIN_ERR_TOO_OFTEN);
}

// ---- RenewToken (S15) ----

TEST(Tokens, S15RenewTokenCodes) {
  // Eight renewals in a row: the codes, not the renew-token rate (2 a second,
  // Rates.EveryRequestTypeHasARate_Issue13Item9).
  RtmdProcess rtmd(CertArgs({"--app-id", kOpenApp, "--rate", "renew-token=0/1"}));
  ASSERT_TRUE(rtmd.started());
  TestClient a;
  ASSERT_EQ(LoginWithToken(a, rtmd, kApp, "alice", T007(kApp, kCert, "alice", 600)), 0);
  EXPECT_EQ(a.RenewToken(T007(kApp, kCert, "alice", 1200)), RTM_RENEW_TOKEN_ERR_OK);
  EXPECT_EQ(a.RenewToken(T006(kApp, kCert, "alice", Now() + 1200)), RTM_RENEW_TOKEN_ERR_OK);
  EXPECT_EQ(a.RenewToken(""), RTM_RENEW_TOKEN_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(a.RenewToken("007garbage"), RTM_RENEW_TOKEN_ERR_INVALID_TOKEN);
  EXPECT_EQ(a.RenewToken(T007(kApp, kCert, "bob", 600)), RTM_RENEW_TOKEN_ERR_INVALID_TOKEN);
  EXPECT_EQ(a.RenewToken(T007(kApp, kCert, "alice", 10, Now() - 100)),
            RTM_RENEW_TOKEN_ERR_TOKEN_EXPIRED);
  // Still logged in after refused renewals.
  EXPECT_EQ(a.Join("room"), 0);
  // An app without certificate: any non-empty token is fine.
  TestClient b;
  ASSERT_EQ(LoginWithToken(b, rtmd, kOpenApp, "bob", ""), 0);
  EXPECT_EQ(b.RenewToken("anything"), RTM_RENEW_TOKEN_ERR_OK);
  EXPECT_EQ(b.RenewToken(""), RTM_RENEW_TOKEN_ERR_INVALID_ARGUMENT);
}

TEST(Tokens, RenewTokenBeforeLoginIsAProtocolError) {
  RtmdProcess rtmd(CertArgs());
  ASSERT_TRUE(rtmd.started());
  TestClient a;
  ASSERT_TRUE(a.Connect(rtmd.host(), rtmd.port()));
  ASSERT_TRUE(a.Hello());
  Rtm__Wire__RenewToken r = RTM__WIRE__RENEW_TOKEN__INIT;
  r.token = const_cast<char*>("x");
  rtm__frame f = RTM__WIRE__FRAME__INIT;
  f.body_case = RTM__WIRE__FRAME__BODY_RENEW_TOKEN;
  f.renew_token = &r;
  ASSERT_TRUE(a.SendFrame(f));
  EXPECT_TRUE(ClosedWith(a, RTM__WIRE__CLOSE__CODE__CLOSE_PROTOCOL));
}

// ---- TokenWillExpire and the expiry policy (S15) ----

using Clock = std::chrono::steady_clock;

// QuietFor(ms), pinging every 500 ms so that the link is not idle-closed.
bool QuietPinging(TestClient& c, int ms) {
  for (int done = 0; done < ms; done += 500) {
    if (!c.Ping() || !c.QuietFor(ms - done < 500 ? ms - done : 500)) return false;
  }
  return true;
}

double SecondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

TEST(Tokens, S15TokenWillExpireOnceWarnSecondsBeforeExpiry) {
  RtmdProcess rtmd(CertArgs({"--token-warn-s", "2"}));
  ASSERT_TRUE(rtmd.started());
  TestClient a;
  uint32_t issue = Now();
  auto t0 = Clock::now();
  ASSERT_EQ(LoginWithToken(a, rtmd, kApp, "alice", T007(kApp, kCert, "alice", 5, issue)), 0);
  // Expires at issue + 5, i.e. 4..5 s from t0; the warning 2 s before it.
  FramePtr w = a.Expect(RTM__WIRE__FRAME__BODY_TOKEN_WILL_EXPIRE, 6000);
  ASSERT_TRUE(w);
  double at = SecondsSince(t0);
  EXPECT_GE(at, 1.8);
  EXPECT_LE(at, 3.5);
  EXPECT_EQ(w->token_will_expire->seconds_left, 2u);
  // Once: nothing more, and under the default policy (continue) the session
  // goes on after the expiry.
  EXPECT_TRUE(QuietPinging(a, 3500));
  EXPECT_EQ(a.Join("room"), 0);
}

TEST(Tokens, S15TokenWillExpireAtOnceWhenLoginIsInsideTheWindow) {
  RtmdProcess rtmd(CertArgs());  // default: 30 s
  ASSERT_TRUE(rtmd.started());
  TestClient a;
  ASSERT_EQ(LoginWithToken(a, rtmd, kApp, "alice", T007(kApp, kCert, "alice", 20)), 0);
  FramePtr w = a.Expect(RTM__WIRE__FRAME__BODY_TOKEN_WILL_EXPIRE, 1000);
  ASSERT_TRUE(w);
  EXPECT_LE(w->token_will_expire->seconds_left, 20u);
  EXPECT_GE(w->token_will_expire->seconds_left, 18u);
  // A renewed token far from expiry: no new warning.
  EXPECT_EQ(a.RenewToken(T007(kApp, kCert, "alice", 3600)), 0);
  EXPECT_TRUE(a.QuietFor(500));
  // A renewed token inside the window again: a new warning (a new token).
  EXPECT_EQ(a.RenewToken(T007(kApp, kCert, "alice", 25)), 0);
  EXPECT_TRUE(a.Expect(RTM__WIRE__FRAME__BODY_TOKEN_WILL_EXPIRE, 1000));
}

TEST(Tokens, S15RenewedTokenPostponesTheWarning) {
  RtmdProcess rtmd(CertArgs({"--token-warn-s", "2"}));
  ASSERT_TRUE(rtmd.started());
  TestClient a;
  ASSERT_EQ(LoginWithToken(a, rtmd, kApp, "alice", T007(kApp, kCert, "alice", 4)), 0);
  EXPECT_EQ(a.RenewToken(T007(kApp, kCert, "alice", 600)), 0);
  EXPECT_TRUE(QuietPinging(a, 4500));
}

TEST(Tokens, S15AbortPolicyKicksWithTokenExpired) {
  RtmdProcess rtmd(CertArgs({"--token-expiry-policy", "abort", "--token-warn-s", "1"}));
  ASSERT_TRUE(rtmd.started());
  TestClient a, b;
  ASSERT_EQ(LoginWithToken(b, rtmd, kApp, "bob", T007(kApp, kCert, "bob", 600)), 0);
  ASSERT_EQ(b.Join("room"), 0);
  auto t0 = Clock::now();
  ASSERT_EQ(LoginWithToken(a, rtmd, kApp, "alice", T007(kApp, kCert, "alice", 3)), 0);
  ASSERT_EQ(a.Join("room"), 0);
  ASSERT_TRUE(b.Expect(RTM__WIRE__FRAME__BODY_MEMBER_EVENT));
  ASSERT_EQ(b.Subscribe({"alice"}), 0);
  ASSERT_TRUE(b.Expect(RTM__WIRE__FRAME__BODY_PEER_STATE_EVENT));
  EXPECT_TRUE(a.Expect(RTM__WIRE__FRAME__BODY_TOKEN_WILL_EXPIRE, 4000));
  FramePtr k = a.Expect(RTM__WIRE__FRAME__BODY_KICK, 4000);
  ASSERT_TRUE(k);
  EXPECT_EQ(k->kick->reason, RTM_CONNECTION_CHANGE_REASON_TOKEN_EXPIRED);
  EXPECT_GE(SecondsSince(t0), 1.8);
  EXPECT_TRUE(a.WaitClosed());
  // The session ended: the other member sees it leave at once.
  FramePtr left = b.Expect(RTM__WIRE__FRAME__BODY_MEMBER_EVENT, 2000);
  ASSERT_TRUE(left);
  EXPECT_FALSE(left->member_event->joined);
  // ... and its presence subscribers see it OFFLINE (SPEC A8).
  FramePtr gone = b.Expect(RTM__WIRE__FRAME__BODY_PEER_STATE_EVENT, 2000);
  ASSERT_TRUE(gone);
  ASSERT_EQ(gone->peer_state_event->n_peers, 1u);
  EXPECT_STREQ(gone->peer_state_event->peers[0]->user, "alice");
  EXPECT_EQ(gone->peer_state_event->peers[0]->state, 2);  // OFFLINE
  // A new login with a fresh token starts a new session.
  TestClient again;
  again.set_session_id(a.session_id());
  bool resumed = true;
  ASSERT_TRUE(again.Connect(rtmd.host(), rtmd.port()));
  ASSERT_TRUE(again.Hello());
  EXPECT_EQ(again.Login(kApp, "alice", 1, T007(kApp, kCert, "alice", 600), &resumed), 0);
  EXPECT_FALSE(resumed);
}

}  // namespace
}  // namespace rtm_test
