// admin_client.cc: see admin_client.h.
#include "admin_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <gtest/gtest.h>

#include "test_client.h"

namespace rtm_test {
namespace {

using Clock = std::chrono::steady_clock;

// Splits "HTTP/1.1 200 OK\r\nName: value\r\n...\r\n\r\nbody".
HttpResponse ParseResponse(const std::string& raw) {
  HttpResponse r;
  size_t end = raw.find("\r\n\r\n");
  if (end == std::string::npos || raw.compare(0, 9, "HTTP/1.1 ") != 0) return r;
  size_t line = raw.find("\r\n");
  for (size_t p = line + 2; p < end;) {
    size_t next = raw.find("\r\n", p);
    std::string h = raw.substr(p, next - p);
    size_t colon = h.find(':');
    if (colon != std::string::npos) {
      std::string name = h.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return std::tolower(c); });
      size_t v = h.find_first_not_of(' ', colon + 1);
      r.headers[name] = v == std::string::npos ? "" : h.substr(v);
    }
    p = next + 2;
  }
  r.body = raw.substr(end + 4);
  auto len = r.headers.find("content-length");
  if (len != r.headers.end() && r.body.size() != std::strtoul(len->second.c_str(), nullptr, 10))
    return HttpResponse{};  // cut short
  r.status = std::atoi(raw.c_str() + 9);
  return r;
}

}  // namespace

HttpResponse HttpRequest(const std::string& address, const std::string& method,
                         const std::string& target, const std::vector<std::string>& headers,
                         const std::string& body, int timeout_ms) {
  size_t colon = address.rfind(':');
  TestClient c;
  if (colon == std::string::npos ||
      !c.Connect(address.substr(0, colon),
                 static_cast<uint16_t>(std::atoi(address.c_str() + colon + 1)), timeout_ms))
    return HttpResponse{};
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: " + address +
                    "\r\nConnection: close\r\n";
  for (const auto& h : headers) req += h + "\r\n";
  if (!body.empty()) req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  req += "\r\n" + body;
  if (!c.SendRaw(req.data(), req.size())) return HttpResponse{};
  std::string raw;
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    deadline - Clock::now()).count());
    pollfd p{c.fd(), POLLIN, 0};
    if (left <= 0 || poll(&p, 1, left) != 1) return HttpResponse{};
    char buf[4096];
    ssize_t n = recv(c.fd(), buf, sizeof buf, 0);
    if (n <= 0) break;  // the server closed (Connection: close)
    raw.append(buf, static_cast<size_t>(n));
  }
  return ParseResponse(raw);
}

AdminRtmd::AdminRtmd(const std::vector<std::string>& extra_args) {
  char path[] = "/tmp/rtmd-admin-secret-XXXXXX";  // mkstemp: mode 600
  int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  secret_path_ = path;
  if (fd >= 0) {
    std::string line = std::string(kAdminSecret) + "\n";
    EXPECT_EQ(write(fd, line.data(), line.size()), static_cast<ssize_t>(line.size()));
    close(fd);
  }
  std::vector<std::string> args = {"--admin-secret-file", secret_path_, "--admin-listen",
                                   "127.0.0.1:0"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  rtmd_ = std::make_unique<RtmdProcess>(args);
  // The admin API is bound before the ready file is written.
  const std::string needle = "admin API listening on ";
  std::string log = rtmd_->Log();
  size_t at = log.find(needle);
  if (at != std::string::npos) {
    at += needle.size();
    admin_address_ = log.substr(at, log.find_first_of(" \n", at) - at);
  }
}

AdminRtmd::~AdminRtmd() { unlink(secret_path_.c_str()); }

HttpResponse AdminRtmd::Call(const std::string& method, const std::string& target) {
  return HttpRequest(admin_address_, method, target,
                     {std::string("Authorization: Bearer ") + kAdminSecret});
}

}  // namespace rtm_test
