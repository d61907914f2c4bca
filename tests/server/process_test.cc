// The rtmd process: arguments, ready file, signals.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "rtm/rtm_codes.h"
#include "server_test.h"

namespace rtm_test {
namespace {

// SIGTERM: every link gets Close{SHUTDOWN} and is closed; exit code 0.
TEST(Process, SigtermClosesLinksAndExitsZero) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient a, b, fresh;
  ASSERT_TRUE(Online(a, rtmd, "alice"));
  ASSERT_TRUE(Online(b, rtmd, "bob"));
  ASSERT_EQ(a.Join("room"), 0);
  ASSERT_EQ(b.Join("room"), 0);
  ASSERT_TRUE(fresh.Connect(rtmd.host(), rtmd.port()));  // not even a Hello
  EXPECT_EQ(rtmd.Stop(), 0);
  EXPECT_TRUE(ClosedWith(a, RTM__WIRE__CLOSE__CODE__CLOSE_SHUTDOWN));
  EXPECT_TRUE(ClosedWith(b, RTM__WIRE__CLOSE__CODE__CLOSE_SHUTDOWN));
  EXPECT_TRUE(ClosedWith(fresh, RTM__WIRE__CLOSE__CODE__CLOSE_SHUTDOWN));
  EXPECT_NE(rtmd.Log().find("stopped"), std::string::npos);
}

TEST(Process, ReadyFileGivesTheBoundAddress) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  EXPECT_NE(rtmd.port(), 0);
  EXPECT_EQ(rtmd.host(), "127.0.0.1");
  EXPECT_TRUE(rtmd.WaitForLog("listening on " + rtmd.address()));
  TestClient c;
  EXPECT_TRUE(c.Connect(rtmd.host(), rtmd.port()));
}

TEST(Process, BadArgumentsExitTwo) {
  for (const char* args : {"--bogus", "--heartbeat-ms", "--heartbeat-ms abc",
                           "--heartbeat-ms 0", "--listen nocolon", "--log-level loud",
                           "--max-frame 10", "extra", "--app-id ''"}) {
    RunResult r = RunRtmd(args);
    EXPECT_EQ(r.code, 2) << args << ": " << r.out;
    EXPECT_NE(r.out.find("rtmd: "), std::string::npos) << args;
  }
}

TEST(Process, HelpAndVersionExitZero) {
  RunResult help = RunRtmd("--help");
  EXPECT_EQ(help.code, 0);
  for (const char* flag : {"--listen", "--app-id", "--heartbeat-ms", "--idle-timeout-ms",
                           "--login-deadline-ms", "--max-frame", "--max-unacked",
                           "--max-output", "--ready-file", "--log-level", "--store",
                           "--data-dir", "--fsync", "--version"})
    EXPECT_NE(help.out.find(flag), std::string::npos) << flag;
  RunResult version = RunRtmd("--version");
  EXPECT_EQ(version.code, 0);
  EXPECT_EQ(version.out.rfind("rtmd ", 0), 0u) << version.out;
}

TEST(Process, AddressInUseExitsOne) {
  RtmdProcess first;
  ASSERT_TRUE(first.started());
  RunResult r = RunRtmd("--listen " + first.address());
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("cannot listen"), std::string::npos) << r.out;
}

// Log lines: "2026-11-25T21:58:21.123Z INFO  message".
TEST(Process, LogLinesHaveTimeAndLevel) {
  RtmdProcess rtmd({"--log-level", "debug"});
  ASSERT_TRUE(rtmd.started());
  TestClient c;
  ASSERT_TRUE(Online(c, rtmd, "alice"));
  ASSERT_TRUE(rtmd.WaitForLog("logged in"));
  std::istringstream lines(rtmd.Log());
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    ASSERT_GE(line.size(), 31u) << line;
    EXPECT_EQ(line[4], '-');
    EXPECT_EQ(line[10], 'T');
    EXPECT_EQ(line[19], '.');
    EXPECT_EQ(line[23], 'Z');
    std::string level = line.substr(25, 5);
    EXPECT_TRUE(level == "DEBUG" || level == "INFO " || level == "WARN " || level == "ERROR")
        << line;
    n++;
  }
  EXPECT_GT(n, 3);
  EXPECT_TRUE(rtmd.WaitForLog("app/alice: logged in"));
}

}  // namespace
}  // namespace rtm_test
