// tls_test.cc: TLS end to end (issue 5 item 4, docs/TLS.md): a real rtmd
// serving TLS with certificates made by the test (test_pki.h), clients of
// the public C API, and a raw OpenSSL client for what the API cannot do.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "client_harness.h"
#include "rtmd_process.h"
#include "test_pki.h"

namespace {

using rtm_e2e::Client;
using rtm_e2e::kConnected;
using rtm_e2e::kTimedOut;
using rtm_test::RtmdProcess;
using rtm_tls_test::TestPki;

// The client parameters of a TLS link (after "rtm.server", which Client sets).
std::string TlsParams(const std::string& ca, const std::string& extra = "") {
  std::string p = "\"rtm.tls\":true";
  if (!ca.empty()) p += ",\"rtm.tls_ca_file\":\"" + ca + "\"";
  if (!extra.empty()) p += "," + extra;
  return p;
}

// A login that keeps failing ends at this short login timeout.
const char* kShortLogin = "\"rtm.login_timeout_ms\":1500,\"rtm.reconnect_min_ms\":50,"
                          "\"rtm.reconnect_max_ms\":200";

std::vector<std::string> TlsArgs(const TestPki& pki) {
  return {"--tls-cert", pki.server_cert(), "--tls-key", pki.server_key()};
}

// A TCP connection to 127.0.0.1:port with 5 s timeouts, or -1.
int Dial(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  timeval tv = {5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in a = {};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// A raw handshake with at most max_version (and, for TLS 1.2, only the
// suites of ciphers), verifying nothing. Returns the negotiated version
// ("TLSv1.2") or "" when the handshake failed.
std::string RawHandshake(uint16_t port, int max_version,
                         const char* ciphers = "DEFAULT:@SECLEVEL=0") {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) return "";
  SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
  SSL_CTX_set_max_proto_version(ctx, max_version);
  // OpenSSL 3 refuses TLS 1.0/1.1 itself at the default security level:
  // level 0 lets this client offer them, so that the refusal is rtmd's.
  SSL_CTX_set_security_level(ctx, 0);
  SSL_CTX_set_cipher_list(ctx, ciphers);
  std::string version;
  int fd = Dial(port);
  SSL* ssl = fd >= 0 ? SSL_new(ctx) : nullptr;
  if (ssl != nullptr) {
    SSL_set_fd(ssl, fd);
    if (SSL_connect(ssl) == 1) version = SSL_get_version(ssl);
    SSL_free(ssl);
  }
  if (fd >= 0) close(fd);
  SSL_CTX_free(ctx);
  ERR_clear_error();
  return version;
}

// Runs rtmd with args to its end (it must not start: a bad flag or file).
// Returns its exit code; its output goes to *out.
int RunRtmdToExit(const std::vector<std::string>& args, std::string* out) {
  char tmpl[] = "/tmp/rtm-tls-rtmd-XXXXXX";
  int fd = mkstemp(tmpl);
  if (fd < 0) return -1;
  close(fd);
  std::string cmd = "'" + rtm_test::RtmdPath() + "' --listen 127.0.0.1:0 --store mem";
  for (auto& a : args) cmd += " '" + a + "'";
  cmd += std::string(" >'") + tmpl + "' 2>&1 </dev/null";
  int st = std::system(cmd.c_str());
  std::ifstream f(tmpl);
  std::stringstream ss;
  ss << f.rdbuf();
  *out = ss.str();
  unlink(tmpl);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

// The line of log that contains needle, or "" (no std::regex: GCC 12's
// warns falsely under -fsanitize=address, and warnings are errors).
std::string LineWith(const std::string& log, const std::string& needle) {
  size_t at = log.find(needle);
  if (at == std::string::npos) return "";
  size_t begin = log.rfind('\n', at);
  begin = begin == std::string::npos ? 0 : begin + 1;
  size_t end = log.find('\n', at);
  return log.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

// Alice and bob, both over TLS, log in and exchange peer messages.
void ExpectMessaging(const std::string& server, const std::string& params) {
  Client alice(server, params.c_str()), bob(server, params.c_str());
  ASSERT_EQ(RTM_LOGIN_ERR_OK, alice.Login("alice"));
  ASSERT_EQ(RTM_LOGIN_ERR_OK, bob.Login("bob"));
  EXPECT_EQ(RTM_PEER_MESSAGE_ERR_OK, alice.SendText("bob", "hello over TLS"));
  EXPECT_TRUE(bob.WaitFor("peer alice: hello over TLS"));
  EXPECT_EQ(RTM_PEER_MESSAGE_ERR_OK, bob.SendText("alice", "and back"));
  EXPECT_TRUE(alice.WaitFor("peer bob: and back"));
  rtm_channel* a = alice.Channel("room");
  rtm_channel* b = bob.Channel("room");
  ASSERT_TRUE(a != nullptr && b != nullptr);
  ASSERT_EQ(RTM_JOIN_CHANNEL_ERR_OK, alice.Join(a));
  ASSERT_EQ(RTM_JOIN_CHANNEL_ERR_OK, bob.Join(b));
  EXPECT_EQ(RTM_CHANNEL_MESSAGE_ERR_OK, alice.ChannelSend(a, "to the room"));
  EXPECT_TRUE(bob.WaitFor("channel room alice: to the room"));
  EXPECT_EQ(RTM_LOGOUT_ERR_OK, alice.Logout());
  EXPECT_EQ(RTM_LOGOUT_ERR_OK, bob.Logout());
}

// Logs in with params; expects the login to end in LOGIN_TIMEOUT (the
// attempts keep failing until the login timeout).
void ExpectLoginFails(const std::string& server, const std::string& params) {
  Client c(server, params.c_str());
  EXPECT_EQ(RTM_LOGIN_ERR_TIMEOUT, c.Login("mallory"));
  EXPECT_TRUE(c.WaitFor(kTimedOut));
  EXPECT_EQ(0u, c.Count(kConnected));
}

TEST(TlsE2E, LoginAndMessagesWithTheCaFile) {
  TestPki pki;
  ASSERT_TRUE(pki.ok());
  auto args = TlsArgs(pki);
  args.push_back("--log-level");
  args.push_back("debug");
  RtmdProcess rtmd(args);
  ASSERT_TRUE(rtmd.started());
  ExpectMessaging(rtmd.address(), TlsParams(pki.ca()));
  // The links were TLS, at least 1.2; rtmd saw both clients end cleanly.
  EXPECT_TRUE(rtmd.WaitForLog("TLS handshake done (TLSv1.3")) << rtmd.Log();
  EXPECT_EQ(std::string::npos, rtmd.Log().find("TLS handshake failed")) << rtmd.Log();
}

TEST(TlsE2E, HostNameFromTlsServerNameIsVerified) {
  TestPki pki;
  ASSERT_TRUE(pki.ok());
  RtmdProcess rtmd(TlsArgs(pki));
  ASSERT_TRUE(rtmd.started());
  // The certificate names "localhost": checked by name (and sent as SNI).
  ExpectMessaging(rtmd.address(),
                  TlsParams(pki.ca(), "\"rtm.tls_server_name\":\"localhost\""));
}

TEST(TlsE2E, WrongCaFailsTheLoginAndRtmdLogsTheHandshake) {
  TestPki pki;
  ASSERT_TRUE(pki.ok());
  RtmdProcess rtmd(TlsArgs(pki));
  ASSERT_TRUE(rtmd.started());
  ExpectLoginFails(rtmd.address(), TlsParams(pki.other_ca(), kShortLogin));
  // With the peer's address: "link#N 127.0.0.1:PORT -: TLS handshake failed".
  EXPECT_TRUE(rtmd.WaitForLog("127.0.0.1:")) << rtmd.Log();
  std::string line = LineWith(rtmd.Log(), "TLS handshake failed");
  EXPECT_NE(std::string::npos, line.find(" 127.0.0.1:")) << rtmd.Log();  // the peer
  EXPECT_NE(std::string::npos, line.find("unknown ca")) << line;           // the reason
  EXPECT_TRUE(rtmd.Running());
}

TEST(TlsE2E, SystemTrustStoreDoesNotTrustTheTestCa) {
  TestPki pki;
  ASSERT_TRUE(pki.ok());
  RtmdProcess rtmd(TlsArgs(pki));
  ASSERT_TRUE(rtmd.started());
  // No rtm.tls_ca_file: the system's CAs, which never signed the test CA.
  ExpectLoginFails(rtmd.address(), TlsParams("", kShortLogin));
}

TEST(TlsE2E, WrongHostNameFails) {
  TestPki pki;
  ASSERT_TRUE(pki.ok());
  RtmdProcess rtmd(TlsArgs(pki));
  ASSERT_TRUE(rtmd.started());
  ExpectLoginFails(rtmd.address(),
                   TlsParams(pki.ca(), std::string(kShortLogin) +
                                           ",\"rtm.tls_server_name\":\"wrong.example\""));
  EXPECT_TRUE(rtmd.WaitForLog("TLS handshake failed")) << rtmd.Log();
}

TEST(TlsE2E, InsecureSkipVerifyConnectsWithoutTrust) {
  TestPki pki;
  ASSERT_TRUE(pki.ok());
  RtmdProcess rtmd(TlsArgs(pki));
  ASSERT_TRUE(rtmd.started());
  // The wrong CA and the wrong name: nothing is verified.
  ExpectMessaging(rtmd.address(),
                  TlsParams(pki.other_ca(), "\"rtm.tls_server_name\":\"wrong.example\","
                                            "\"rtm.tls_insecure_skip_verify\":true"));
}

TEST(TlsE2E, Tls11ClientIsRefusedTls12Served) {
  TestPki pki;
  ASSERT_TRUE(pki.ok());
  RtmdProcess rtmd(TlsArgs(pki));
  ASSERT_TRUE(rtmd.started());
  EXPECT_EQ("", RawHandshake(rtmd.port(), TLS1_1_VERSION));
  EXPECT_TRUE(rtmd.WaitForLog("TLS handshake failed")) << rtmd.Log();
  EXPECT_TRUE(rtmd.WaitForLog("unsupported protocol")) << rtmd.Log();
  // The same client allowed 1.2 gets it: the refusal was the version's.
  EXPECT_EQ("TLSv1.2", RawHandshake(rtmd.port(), TLS1_2_VERSION));
  EXPECT_EQ("TLSv1.3", RawHandshake(rtmd.port(), TLS1_3_VERSION));
}

TEST(TlsE2E, WeakTls12SuitesAreRefused) {
  TestPki pki;
  ASSERT_TRUE(pki.ok());
  RtmdProcess rtmd(TlsArgs(pki));
  ASSERT_TRUE(rtmd.started());
  // CBC with ECDHE, and the NULL cipher: not in the policy.
  EXPECT_EQ("", RawHandshake(rtmd.port(), TLS1_2_VERSION, "ECDHE-ECDSA-AES128-SHA"));
  EXPECT_EQ("", RawHandshake(rtmd.port(), TLS1_2_VERSION, "ECDHE-ECDSA-NULL-SHA:@SECLEVEL=0"));
  EXPECT_TRUE(rtmd.WaitForLog("no shared cipher")) << rtmd.Log();
  // Forward-secret AEAD: served.
  EXPECT_EQ("TLSv1.2", RawHandshake(rtmd.port(), TLS1_2_VERSION, "ECDHE-ECDSA-AES128-GCM-SHA256"));
  EXPECT_EQ("TLSv1.2",
            RawHandshake(rtmd.port(), TLS1_2_VERSION, "ECDHE-ECDSA-CHACHA20-POLY1305"));
}

TEST(TlsE2E, PlainClientOnTheTlsPortFailsAndOthersKeepServing) {
  TestPki pki;
  ASSERT_TRUE(pki.ok());
  RtmdProcess rtmd(TlsArgs(pki));
  ASSERT_TRUE(rtmd.started());
  std::string tls = TlsParams(pki.ca());
  Client alice(rtmd.address(), tls.c_str()), bob(rtmd.address(), tls.c_str());
  ASSERT_EQ(RTM_LOGIN_ERR_OK, alice.Login("alice"));
  ASSERT_EQ(RTM_LOGIN_ERR_OK, bob.Login("bob"));
  ExpectLoginFails(rtmd.address(), kShortLogin);  // no rtm.tls
  EXPECT_TRUE(rtmd.WaitForLog("TLS handshake failed")) << rtmd.Log();
  // A raw socket sending garbage, then closing, does no harm either.
  int fd = Dial(rtmd.port());
  ASSERT_GE(fd, 0);
  ASSERT_EQ(9, write(fd, "GARBAGE\r\n", 9));
  close(fd);
  EXPECT_EQ(RTM_PEER_MESSAGE_ERR_OK, alice.SendText("bob", "still here"));
  EXPECT_TRUE(bob.WaitFor("peer alice: still here"));
  EXPECT_TRUE(rtmd.Running());
}

TEST(TlsE2E, LogoutEndsTheTlsLinkWithCloseNotify) {
  TestPki pki;
  ASSERT_TRUE(pki.ok());
  auto args = TlsArgs(pki);
  args.push_back("--log-level");
  args.push_back("debug");
  RtmdProcess rtmd(args);
  ASSERT_TRUE(rtmd.started());
  std::string tls = TlsParams(pki.ca());
  Client alice(rtmd.address(), tls.c_str());
  ASSERT_EQ(RTM_LOGIN_ERR_OK, alice.Login("alice"));
  ASSERT_EQ(RTM_LOGOUT_ERR_OK, alice.Logout());
  // The client's linger flushes the Logout, then sends close_notify: rtmd
  // sees the TLS stream end cleanly, not "unexpected eof while reading".
  EXPECT_TRUE(rtmd.WaitForLog("logged out")) << rtmd.Log();
  EXPECT_TRUE(rtmd.WaitForLog("closed: the peer's end")) << rtmd.Log();
  EXPECT_EQ(std::string::npos, rtmd.Log().find("unexpected eof")) << rtmd.Log();
}

TEST(TlsE2E, TlsListenServesTlsWhileListenStaysPlain) {
  TestPki pki;
  ASSERT_TRUE(pki.ok());
  auto args = TlsArgs(pki);
  args.push_back("--tls-listen");
  args.push_back("127.0.0.1:0");
  RtmdProcess rtmd(args);
  ASSERT_TRUE(rtmd.started());
  ASSERT_TRUE(rtmd.WaitForLog(" (TLS)\n")) << rtmd.Log();
  // "... listening on 127.0.0.1:PORT (TLS)"
  std::string line = LineWith(rtmd.Log(), " (TLS)\n");
  size_t at = line.find("listening on 127.0.0.1:");
  ASSERT_NE(std::string::npos, at) << rtmd.Log();
  std::string tls_address = "127.0.0.1:" + std::to_string(std::atoi(line.c_str() + at + 23));
  ASSERT_NE(tls_address, rtmd.address());
  // Plain on the loopback --listen, TLS on --tls-listen, one server.
  std::string tls = TlsParams(pki.ca());
  Client alice(rtmd.address()), bob(tls_address, tls.c_str());
  ASSERT_EQ(RTM_LOGIN_ERR_OK, alice.Login("alice"));
  ASSERT_EQ(RTM_LOGIN_ERR_OK, bob.Login("bob"));
  EXPECT_EQ(RTM_PEER_MESSAGE_ERR_OK, alice.SendText("bob", "plain to TLS"));
  EXPECT_TRUE(bob.WaitFor("peer alice: plain to TLS"));
  EXPECT_EQ(RTM_PEER_MESSAGE_ERR_OK, bob.SendText("alice", "TLS to plain"));
  EXPECT_TRUE(alice.WaitFor("peer bob: TLS to plain"));
}

TEST(TlsServerFlags, CertWithoutKeyIsAnArgumentError) {
  std::string out;
  EXPECT_EQ(2, RunRtmdToExit({"--tls-cert", "/nonexistent.pem"}, &out));
  EXPECT_NE(std::string::npos, out.find("--tls-cert and --tls-key go together")) << out;
  EXPECT_EQ(2, RunRtmdToExit({"--tls-listen", "127.0.0.1:0"}, &out));
  EXPECT_NE(std::string::npos, out.find("--tls-listen needs")) << out;
  EXPECT_EQ(2, RunRtmdToExit({"--tls-key", ""}, &out));
}

TEST(TlsServerFlags, UnreadableOrMismatchedFilesStopTheStart) {
  TestPki pki;
  ASSERT_TRUE(pki.ok());
  std::string out;
  EXPECT_EQ(1, RunRtmdToExit({"--tls-cert", pki.dir() + "/missing.pem", "--tls-key",
                              pki.server_key()},
                             &out));
  EXPECT_NE(std::string::npos, out.find("cannot load the certificate")) << out;
  EXPECT_EQ(1, RunRtmdToExit({"--tls-cert", pki.server_cert(), "--tls-key",
                              pki.dir() + "/missing.key"},
                             &out));
  EXPECT_NE(std::string::npos, out.find("cannot load the key")) << out;
  EXPECT_EQ(1, RunRtmdToExit({"--tls-cert", pki.server_cert(), "--tls-key",
                              pki.mismatch_key()},
                             &out));
  EXPECT_NE(std::string::npos, out.find("mismatch")) << out;
  // A key is not a certificate.
  EXPECT_EQ(1, RunRtmdToExit({"--tls-cert", pki.server_key(), "--tls-key",
                              pki.server_key()},
                             &out));
}

// S4 over TLS: a first login over rtmd's per-address link cap is refused at
// once (Close{OVERLOADED} after the handshake, LOGIN_ERR_REJECTED), not
// timed out; once a place is free it logs in.
TEST(TlsE2E, S4_LoginOverTheLinkCapIsRefusedAtOnce) {
  TestPki pki;
  ASSERT_TRUE(pki.ok());
  auto args = TlsArgs(pki);
  args.push_back("--max-conns-per-ip");
  args.push_back("1");
  RtmdProcess rtmd(args);
  ASSERT_TRUE(rtmd.started());
  std::string params = TlsParams(pki.ca());
  Client a(rtmd.address(), params.c_str());
  ASSERT_EQ(RTM_LOGIN_ERR_OK, a.Login("alice"));
  Client b(rtmd.address(), params.c_str());
  auto t0 = rtm_e2e::Clock::now();
  EXPECT_EQ(RTM_LOGIN_ERR_REJECTED, b.Login("bob"));
  auto took = rtm_e2e::Clock::now() - t0;
  std::printf("[ S4 ] refused by the link cap over TLS in %lld ms\n",
              (long long)std::chrono::duration_cast<std::chrono::milliseconds>(took).count());
  EXPECT_EQ((rtm_e2e::Strings{rtm_e2e::kConnecting, rtm_e2e::kRefused}), b.States());
  EXPECT_TRUE(rtmd.WaitForLog("--max-conns-per-ip"));
  EXPECT_EQ(RTM_LOGOUT_ERR_OK, a.Logout());
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // A2: 2 logins a second
  EXPECT_EQ(RTM_LOGIN_ERR_OK, b.Login("bob"));
}

}  // namespace
