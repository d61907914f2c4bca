// fault_proxy.cc: see fault_proxy.h.
#include "fault_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>

#include <gtest/gtest.h>

#ifndef RTM_FAULTPROXY_PATH
#error "RTM_FAULTPROXY_PATH must be defined by the build"
#endif

namespace rtm_test {
namespace {

using Clock = std::chrono::steady_clock;

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
  std::vector<std::string> args = {FaultProxyPath(), "--upstream", upstream,
                                   "--listen", "127.0.0.1:0",
                                   "--control", "127.0.0.1:0",
                                   "--ready-file", child_.ready_path()};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::string content = child_.Start(args);
  if (content.empty()) return;
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

}  // namespace rtm_test
