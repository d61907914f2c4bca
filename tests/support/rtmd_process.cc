// rtmd_process.cc: see rtmd_process.h.
#include "rtmd_process.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include "redis_process.h"

#ifndef RTMD_PATH
#error "RTMD_PATH must be defined by the build"
#endif

namespace rtm_test {
namespace {

using Clock = std::chrono::steady_clock;

// With RTMD_TEST_REDIS set, every rtmd of the test process keeps its data in
// a redis-server of the process's own (a suite run again on the Redis
// engine): started before the first test, named in RTMD_TEST_ARGS as
// --store redis+unix://SOCKET (a test's own --store still wins), stopped
// after the last. ctest runs each test in a process of its own, so each
// test starts from an empty Redis, and an rtmd it restarts finds its data.
class RedisStoreEnvironment : public testing::Environment {
 public:
  void SetUp() override {
    if (!std::getenv("RTMD_TEST_REDIS")) return;
    redis_ = std::make_unique<RedisProcess>();
    ASSERT_TRUE(redis_->started()) << redis_->Log();
    const char* more = std::getenv("RTMD_TEST_ARGS");
    std::string args = std::string(more ? more : "") + " --store redis+unix://" + redis_->socket();
    setenv("RTMD_TEST_ARGS", args.c_str(), 1);
  }
  void TearDown() override { redis_.reset(); }

 private:
  std::unique_ptr<RedisProcess> redis_;
};

testing::Environment* const kRedisStore =
    testing::AddGlobalTestEnvironment(new RedisStoreEnvironment);

}  // namespace

std::string RtmdPath() {
  const char* env = std::getenv("RTMD_PATH");
  return env && *env ? env : RTMD_PATH;
}

RtmdProcess::RtmdProcess(const std::vector<std::string>& extra_args) {
  // The default store (sqlite), in the test's own directory; the extra
  // arguments may name another (a later flag wins).
  std::vector<std::string> args = {RtmdPath(), "--listen", "127.0.0.1:0",
                                   "--ready-file", child_.ready_path(),
                                   "--data-dir", child_.dir() + "/data"};
  if (const char* more = std::getenv("RTMD_TEST_ARGS")) {
    std::istringstream words(more);
    for (std::string w; words >> w;) args.push_back(w);
  }
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::string content = child_.Start(args);
  if (content.empty()) return;
  auto colon = content.rfind(':');
  host_ = content.substr(0, colon);
  port_ = static_cast<uint16_t>(std::atoi(content.c_str() + colon + 1));
}

uint16_t FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  uint16_t port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  close(fd);
  return port;
}

std::string RtmdProcess::address() const {
  return host_ + ":" + std::to_string(port_);
}

bool RtmdProcess::WaitForLog(const std::string& needle, int timeout_ms) const {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  do {
    if (Log().find(needle) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  } while (Clock::now() < deadline);
  return false;
}

long RtmdProcess::RssKb() const {
  std::ifstream f("/proc/" + std::to_string(pid()) + "/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  return -1;
}

}  // namespace rtm_test
