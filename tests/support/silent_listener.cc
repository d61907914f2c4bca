// silent_listener.cc: see silent_listener.h.
#include "silent_listener.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace rtm_test {

SilentListener::SilentListener() {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0 || pipe(wake_) != 0) return;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
      listen(listen_fd_, 64) != 0 ||
      getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&sa), &len) != 0)
    return;
  port_ = ntohs(sa.sin_port);
  thread_ = std::thread([this] { Run(); });
}

SilentListener::~SilentListener() {
  if (thread_.joinable()) {
    char c = 0;
    (void)!write(wake_[1], &c, 1);
    thread_.join();
  }
  DropConnections();
  for (int fd : {listen_fd_, wake_[0], wake_[1]})
    if (fd >= 0) close(fd);
}

std::string SilentListener::address() const {
  return host() + ":" + std::to_string(port_);
}

void SilentListener::DropConnections() {
  std::lock_guard<std::mutex> lock(mu_);
  for (int fd : conns_) close(fd);
  conns_.clear();
}

void SilentListener::Run() {
  for (;;) {
    pollfd p[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (poll(p, 2, -1) < 0) continue;
    if (p[1].revents) return;
    if (p[0].revents & POLLIN) {
      int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) {
        std::lock_guard<std::mutex> lock(mu_);
        conns_.push_back(fd);
        accepted_++;
      }
    }
  }
}

}  // namespace rtm_test
