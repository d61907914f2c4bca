// test_pki.h: the certificates of the TLS tests, made at run time with the
// OpenSSL API in a fresh temporary directory (removed by the destructor):
//
//   ca.pem                 a CA ("rtm test CA")
//   server.pem, server.key a server certificate for DNS:localhost and
//                          IP:127.0.0.1, signed by that CA
//   other-ca.pem           a second, unrelated CA
//   mismatch.key           a key that belongs to no certificate
//
// Every key is EC P-256; the certificates are valid from an hour ago for a day.
#pragma once

#include <string>

namespace rtm_tls_test {

class TestPki {
 public:
  TestPki();  // adds a test failure when something cannot be made
  ~TestPki();
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  bool ok() const { return ok_; }
  std::string ca() const { return dir_ + "/ca.pem"; }
  std::string other_ca() const { return dir_ + "/other-ca.pem"; }
  std::string server_cert() const { return dir_ + "/server.pem"; }
  std::string server_key() const { return dir_ + "/server.key"; }
  std::string mismatch_key() const { return dir_ + "/mismatch.key"; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  bool ok_ = false;
};

}  // namespace rtm_tls_test
