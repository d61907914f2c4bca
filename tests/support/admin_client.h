// admin_client.h: rtmd's admin API (docs/SERVER.md, "Admin API") for tests:
// a minimal HTTP/1.1 client over a socket, and an rtmd with the API on.
//
//   rtm_test::AdminRtmd server;                    // rtmd + a secret file
//   ASSERT_TRUE(server.started());
//   rtm_test::HttpResponse r = server.Call("POST", "/users/alice/ban?app=app");
//   EXPECT_EQ(r.status, 200);
//   client.Connect(server.rtmd().host(), server.rtmd().port());
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "rtmd_process.h"

namespace rtm_test {

struct HttpResponse {
  int status = 0;  // 0: no (whole) answer came
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

// Sends one request ("METHOD TARGET HTTP/1.1", Host, Connection: close, the
// given header lines, then body with its Content-Length when not empty) on
// a new connection to address ("HOST:PORT") and reads the answer until the
// server closes. Never blocks past timeout_ms.
HttpResponse HttpRequest(const std::string& address, const std::string& method,
                         const std::string& target,
                         const std::vector<std::string>& headers = {},
                         const std::string& body = "", int timeout_ms = 5000);

// rtmd started with --admin-secret-file (a file of mode 600 holding
// kAdminSecret) and --admin-listen 127.0.0.1:0, then the extra arguments.
class AdminRtmd {
 public:
  static constexpr const char* kAdminSecret = "test-admin-secret-0123456789";

  explicit AdminRtmd(const std::vector<std::string>& extra_args = {});
  ~AdminRtmd();
  AdminRtmd(const AdminRtmd&) = delete;
  AdminRtmd& operator=(const AdminRtmd&) = delete;

  // Whether rtmd is up and logged the admin API's address.
  bool started() const { return rtmd_->started() && !admin_address_.empty(); }
  RtmdProcess& rtmd() { return *rtmd_; }
  // "127.0.0.1:PORT", from the log line "admin API listening on ADDR".
  const std::string& admin_address() const { return admin_address_; }
  const std::string& secret_path() const { return secret_path_; }

  // A request with "Authorization: Bearer kAdminSecret".
  HttpResponse Call(const std::string& method, const std::string& target);

 private:
  std::string secret_path_;
  std::unique_ptr<RtmdProcess> rtmd_;
  std::string admin_address_;
};

}  // namespace rtm_test
