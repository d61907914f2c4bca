// Link timers: heartbeats, idle timeout, login deadline (SPEC S7 on the
// server's side, B4: every timing is configurable).
#include <chrono>
#include <thread>

#include "rtm/rtm_codes.h"
#include "server_test.h"

namespace rtm_test {
namespace {

using std::chrono::milliseconds;

// The server sends Ping when it has sent nothing for --heartbeat-ms.
TEST(Link, ServerPingsWhenIdle_S7) {
  RtmdProcess rtmd({"--heartbeat-ms", "100"});
  ASSERT_TRUE(rtmd.started());
  TestClient c;
  ASSERT_TRUE(Online(c, rtmd, "alice"));
  for (int i = 0; i < 3; i++) {
    FramePtr p = c.Expect(RTM__WIRE__FRAME__BODY_PING);
    ASSERT_TRUE(p) << "no Ping " << i;
    EXPECT_EQ(p->request_id, 0u);
    c.Ping();
  }
}

// A link that sends nothing for --idle-timeout-ms gets Close{IDLE}. Run
// with --session-grace-ms 0 so that its session ends with the link and the
// member-left event shows it (with a grace, S12, nobody would be told).
TEST(Link, SilentClientIsClosedAsIdle_S7) {
  RtmdProcess rtmd(
      {"--idle-timeout-ms", "600", "--heartbeat-ms", "100", "--session-grace-ms", "0"});
  ASSERT_TRUE(rtmd.started());
  TestClient c, other;
  ASSERT_TRUE(Online(c, rtmd, "alice"));
  ASSERT_TRUE(Online(other, rtmd, "bob"));
  ASSERT_EQ(other.Join("room"), 0);
  ASSERT_EQ(c.Join("room"), 0);
  // c now says nothing; other keeps pinging.
  FramePtr close;
  auto end = std::chrono::steady_clock::now() + milliseconds(kWaitMs);
  while (!close && std::chrono::steady_clock::now() < end) {
    ASSERT_TRUE(other.Ping());
    close = c.Expect(RTM__WIRE__FRAME__BODY_CLOSE, 50);
  }
  ASSERT_TRUE(close);
  EXPECT_EQ(close->close->code, RTM__WIRE__CLOSE__CODE__CLOSE_IDLE);
  EXPECT_TRUE(c.WaitClosed());
  EXPECT_TRUE(rtmd.WaitForLog("nothing received for 600 ms"));
  // Its session ended: bob saw it join, then leave.
  FramePtr ev = other.Expect(RTM__WIRE__FRAME__BODY_MEMBER_EVENT);
  ASSERT_TRUE(ev);
  EXPECT_TRUE(ev->member_event->joined);
  ev = other.Expect(RTM__WIRE__FRAME__BODY_MEMBER_EVENT);
  ASSERT_TRUE(ev);
  EXPECT_FALSE(ev->member_event->joined);
}

// A client that pings keeps its link well past the idle timeout.
TEST(Link, PingingClientStaysConnected_S7) {
  RtmdProcess rtmd({"--idle-timeout-ms", "800"});
  ASSERT_TRUE(rtmd.started());
  TestClient c;
  ASSERT_TRUE(Online(c, rtmd, "alice"));
  auto end = std::chrono::steady_clock::now() + milliseconds(2000);
  while (std::chrono::steady_clock::now() < end) {
    ASSERT_TRUE(c.Ping());
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_EQ(c.Join("room"), 0);
}

// Without --idle-timeout-ms the timeout is 3 x the client's heartbeat, at
// least 3000 ms: a client announcing 100 ms and silent for 1.5 s stays.
TEST(Link, IdleTimeoutDefaultsToAtLeastThreeSeconds) {
  RtmdProcess rtmd({"--heartbeat-ms", "100"});
  ASSERT_TRUE(rtmd.started());
  TestClient c;
  ASSERT_TRUE(c.Connect(rtmd.host(), rtmd.port()));
  ASSERT_TRUE(c.Hello(1, 100));
  ASSERT_EQ(c.Login("app", "alice"), 0);
  std::this_thread::sleep_for(milliseconds(1500));
  EXPECT_EQ(c.Join("room"), 0);
}

// No successful login within --login-deadline-ms: Close{LOGIN_DEADLINE}.
TEST(Link, NoLoginInTimeIsClosed) {
  RtmdProcess rtmd({"--login-deadline-ms", "300", "--heartbeat-ms", "100"});
  ASSERT_TRUE(rtmd.started());
  TestClient hello_only, nothing, refused;
  ASSERT_TRUE(hello_only.Connect(rtmd.host(), rtmd.port()));
  ASSERT_TRUE(hello_only.Hello());
  ASSERT_TRUE(nothing.Connect(rtmd.host(), rtmd.port()));
  ASSERT_TRUE(refused.Connect(rtmd.host(), rtmd.port()));
  ASSERT_EQ(refused.HelloLogin("app", "null"), RTM_LOGIN_ERR_INVALID_ARGUMENT);
  // hello_only and refused keep pinging: it is the login that is missing.
  auto end = std::chrono::steady_clock::now() + milliseconds(200);
  while (std::chrono::steady_clock::now() < end) {
    hello_only.Ping();
    refused.Ping();
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_TRUE(ClosedWith(hello_only, RTM__WIRE__CLOSE__CODE__CLOSE_LOGIN_DEADLINE));
  EXPECT_TRUE(ClosedWith(nothing, RTM__WIRE__CLOSE__CODE__CLOSE_LOGIN_DEADLINE));
  EXPECT_TRUE(ClosedWith(refused, RTM__WIRE__CLOSE__CODE__CLOSE_LOGIN_DEADLINE));
}

// The login deadline no longer applies once logged in.
TEST(Link, LoginDeadlineStopsAtLogin) {
  RtmdProcess rtmd({"--login-deadline-ms", "200"});
  ASSERT_TRUE(rtmd.started());
  TestClient c;
  ASSERT_TRUE(Online(c, rtmd, "alice"));
  auto end = std::chrono::steady_clock::now() + milliseconds(700);
  while (std::chrono::steady_clock::now() < end) {
    ASSERT_TRUE(c.Ping());
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_EQ(c.Join("room"), 0);
}

}  // namespace
}  // namespace rtm_test
