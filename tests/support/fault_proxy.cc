// fault_proxy.cc: see fault_proxy.h.
#include "fault_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#ifndef RTM_FAULTPROXY_PATH
#error "RTM_FAULTPROXY_PATH must be defined by the build"
#endif

namespace rtm_test {
namespace {

using Clock = std::chrono::steady_clock;

std::string ReadWhole(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

int ExitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// "HOST:PORT" -> host, port.
bool SplitAddress(const std::string& text, std::string* host, uint16_t* port) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  *host = text.substr(0, colon);
  *port = static_cast<uint16_t>(std::atoi(text.c_str() + colon + 1));
  return *port != 0;
}

int RemainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

}  // namespace

std::string FaultProxyPath() {
  const char* env = std::getenv("RTM_FAULTPROXY_PATH");
  return env && *env ? env : RTM_FAULTPROXY_PATH;
}

FaultProxy::FaultProxy(const std::string& upstream,
                       const std::vector<std::string>& extra_args) {
  char tmpl[] = "/tmp/rtm-faultproxy-test-XXXXXX";
  if (!mkdtemp(tmpl)) {
    ADD_FAILURE() << "mkdtemp: " << std::strerror(errno);
    return;
  }
  dir_ = tmpl;
  log_path_ = dir_ + "/proxy.log";
  std::string ready = dir_ + "/ready";

  std::vector<std::string> args = {FaultProxyPath(), "--upstream", upstream,
                                   "--listen", "127.0.0.1:0",
                                   "--control", "127.0.0.1:0",
                                   "--ready-file", ready};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);

  int log_fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    ADD_FAILURE() << "open " << log_path_ << ": " << std::strerror(errno);
    return;
  }
  pid_ = fork();
  if (pid_ == 0) {
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    execv(argv[0], argv.data());
    std::fprintf(stderr, "exec %s: %s\n", argv[0], std::strerror(errno));
    _exit(127);
  }
  close(log_fd);
  if (pid_ < 0) {
    ADD_FAILURE() << "fork: " << std::strerror(errno);
    return;
  }

  auto deadline = Clock::now() + std::chrono::seconds(5);
  while (Clock::now() < deadline) {
    std::string content = ReadWhole(ready);
    if (!content.empty() && content.back() == '\n') {
      content.pop_back();
      auto space = content.find(' ');
      uint16_t port = 0;
      if (space == std::string::npos ||
          !SplitAddress(content.substr(0, space), &host_, &port) ||
          !SplitAddress(content.substr(space + 1), &control_host_, &control_port_)) {
        ADD_FAILURE() << "bad ready file: '" << content << "'";
        return;
      }
      port_ = port;
      return;
    }
    if (!Running()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ADD_FAILURE() << "rtm-faultproxy did not become ready within 5 s; its log:\n" << Log();
}

FaultProxy::~FaultProxy() {
  if (pid_ > 0 && !stopped_) {
    int rc = Stop();
    EXPECT_EQ(rc, 0) << "rtm-faultproxy did not exit cleanly on SIGTERM";
  }
  if (::testing::Test::HasFailure() && !log_path_.empty())
    std::fprintf(stderr, "---- rtm-faultproxy log ----\n%s---- end of rtm-faultproxy log ----\n",
                 Log().c_str());
  if (!dir_.empty()) {
    unlink((dir_ + "/ready").c_str());
    unlink((dir_ + "/ready.tmp").c_str());
    unlink(log_path_.c_str());
    rmdir(dir_.c_str());
  }
}

std::string FaultProxy::address() const {
  return host_ + ":" + std::to_string(port_);
}

bool FaultProxy::Command(const std::string& line, std::string* reply, int timeout_ms) {
  if (reply) reply->clear();
  if (control_port_ == 0) return false;
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(control_port_);
  inet_pton(AF_INET, control_host_.c_str(), &sa.sin_addr);
  // Loopback connects complete at once (or fail at once).
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    close(fd);
    return false;
  }
  std::string out = line + "\n";
  if (send(fd, out.data(), out.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(out.size())) {
    close(fd);
    return false;
  }
  std::string got;
  while (got.find('\n') == std::string::npos) {
    pollfd p{fd, POLLIN, 0};
    int left = RemainingMs(deadline);
    if (left == 0 || poll(&p, 1, left) <= 0) break;
    char buf[512];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  auto nl = got.find('\n');
  if (nl == std::string::npos) return false;
  got.resize(nl);
  if (!got.empty() && got.back() == '\r') got.pop_back();
  if (reply) *reply = got;
  return got.rfind("ok", 0) == 0;
}

std::string FaultProxy::Status() {
  std::string reply;
  return Command("status", &reply) ? reply : std::string();
}

long long FaultProxy::StatusField(const std::string& key) {
  std::string status = " " + Status();
  auto at = status.find(" " + key + "=");
  if (at == std::string::npos) return -1;
  return std::atoll(status.c_str() + at + key.size() + 2);
}

bool FaultProxy::Running() {
  if (pid_ <= 0 || stopped_) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    stopped_ = true;
    return false;
  }
  return r == 0;
}

int FaultProxy::Stop(int timeout_ms) {
  if (pid_ <= 0 || stopped_) return -1;
  stopped_ = true;
  kill(pid_, SIGTERM);
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  int status = 0;
  while (Clock::now() < deadline) {
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) return ExitStatus(status);
    if (r < 0) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, &status, 0);
  return -1;
}

std::string FaultProxy::Log() const {
  return log_path_.empty() ? std::string() : ReadWhole(log_path_);
}

}  // namespace rtm_test
