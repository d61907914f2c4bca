// server_test.h: small helpers shared by rtmd's protocol tests.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "rtmd_process.h"
#include "test_client.h"

namespace rtm_test {

// Connects c to rtmd and logs user in (Hello + Login, any app id accepted).
inline ::testing::AssertionResult Online(TestClient& c, const RtmdProcess& rtmd,
                                         const std::string& user,
                                         const std::string& app = "app",
                                         uint64_t instance = 1) {
  if (!c.Connect(rtmd.host(), rtmd.port()))
    return ::testing::AssertionFailure() << "cannot connect to " << rtmd.address();
  int code = c.HelloLogin(app, user, instance);
  if (code != 0)
    return ::testing::AssertionFailure() << "login of " << user << " answered " << code;
  return ::testing::AssertionSuccess();
}

// The server sends Close{code} and then closes the link.
inline ::testing::AssertionResult ClosedWith(TestClient& c, int code) {
  FramePtr f = c.Expect(RTM__WIRE__FRAME__BODY_CLOSE);
  if (!f) return ::testing::AssertionFailure() << "no Close frame";
  if (f->close->code != code)
    return ::testing::AssertionFailure()
           << "Close code " << f->close->code << " (" << f->close->detail << "), expected "
           << code;
  if (!c.WaitClosed()) return ::testing::AssertionFailure() << "link not closed after Close";
  return ::testing::AssertionSuccess();
}

struct RunResult {
  int code;         // the exit code, -1 if rtmd died of a signal
  std::string out;  // stdout and stderr
};

// Runs rtmd with args (a shell word list) until it exits.
inline RunResult RunRtmd(const std::string& args) {
  char path[] = "/tmp/rtmd-args-XXXXXX";
  int fd = mkstemp(path);
  close(fd);
  // Memory only: these runs test flags and exits, and share no data dir.
  int status = std::system(
      (RtmdPath() + " --store mem " + args + " >" + path + " 2>&1").c_str());
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  unlink(path);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, ss.str()};
}

}  // namespace rtm_test
