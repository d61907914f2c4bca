// Tokens (issue 5 tokens, SPEC S4): the vendor's AccessToken2 (007) and
// AccessToken (006), parsed, verified and built by native/common/token.c.
//
// Known-answer vectors: made by the vendor's own public builders from npm,
// agora-token 2.0.6 (RtmTokenBuilder2.buildToken, RtcTokenBuilder2.
// buildTokenWithRtm) and agora-access-token 2.0.4 (RtmTokenBuilder.
// buildToken), with node 20, by tests/common/token_vectors.js (committed next
// to this file; not needed to run the tests). Clock and randomness pinned:
//   Date.now() = 1700000000000 ms    -> 007 issue ts 1700000000
//   Math.random() = 0.5              -> 007 salt floor(0.5*99999999)+1 = 50000000
//                                    -> 006 salt floor(0.5*0xFFFFFFFF) = 2147483647
//                                       006 ts = 1700000000 + 86400 = 1700086400
//   app id  970CA35de60c44645bbae8a215061b33
//   cert    5CFd2fd1755d40ecb72977518be15d3b  (the vendor's sample values)
//   kV007User3600   = Rtm2.buildToken(APP, CERT, "test_user_id", 3600)
//   kV007Alice86400 = Rtm2.buildToken(APP, CERT, "alice@example.com", 86400)
//   kV007User0      = Rtm2.buildToken(APP, CERT, "test_user_id", 0)
//   kV007RtcRtm     = Rtc2.buildTokenWithRtm(APP, CERT, "room1", "test_user_id",
//                                            PUBLISHER, 600, 600)
//   kV006User       = Rtm1.buildToken(APP, CERT, "test_user_id", Rtm_User, 1700003600)
//   kV006Alice0     = Rtm1.buildToken(APP, CERT, "alice@example.com", Rtm_User, 0)
//
// 006 has no compression: our builder reproduces the vendor's string byte for
// byte. 007 is deflated: node bundles Chromium's zlib (1.3.1-e00f703), whose
// encoder picks other matches than Debian's zlib, so the two deflate streams
// differ while the bytes they inflate to (signature + signed info) are
// identical: that is what the 007 reproduction test compares. (The vendor's
// node parser was also run on rtm-token output: it parses it and
// verifySignature() is true.)
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <zlib.h>

extern "C" {
#include "rtm/rtm_token.h"
#include "token.h"
}

namespace {

const char kApp[] = "970CA35de60c44645bbae8a215061b33";
const char kCert[] = "5CFd2fd1755d40ecb72977518be15d3b";
const char kOtherCert[] = "00000000000000000000000000000000";
const char kOtherApp[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const uint32_t kIssue = 1700000000u;
const uint32_t kSalt007 = 50000000u;
const uint32_t kSalt006 = 2147483647u;
const uint32_t kTs006 = 1700086400u;

const char kV007User3600[] =
    "007eJxTYNjZ/vpvk+eC1BL2sDtK9g+mfvqZYLrYP6l/6dOLviX3TJYrMFiaGzg7GpumpJoZJJuYmJmYJiUlplokGhmaGp"
    "gZJhkbM3wMThXgY2Bo+PCLiZGBiYGRgZEBxOdhKEktLokvLU4tis9MAQCjzSOf";
const char kV007Alice86400[] =
    "007eJxTYLgXf57ntVHU1FoBH83e0/2bm7fKPJ29S45Nr9npxqrzzj8UGCzNDZwdjU1TUs0Mkk1MzExMk5ISUy0SjQxNDc"
    "wMk4yNGT4GpzYEMjI0fPjFxMjAxMDIwMgA4gsyJOZkJqc6pFYk5hbkpOol5+cCANUSJNc=";
const char kV007User0[] =
    "007eJxTYNgT531mXeWdAqGN/olejXXnGjXOpZc//Td7FneJoG3KIgkFBktzA2dHY9OUVDODZBMTMxPTpKTEVItEI0NTAz"
    "PDJGNjho/BqQxA0PDhFxMjAxMDIwMjiMvAw1CSWlwSX1qcWhSfmQIA6hEhNg==";
const char kV007RtcRtm[] =
    "007eJxTYFi6xPTg7f4Y9Sr+hRwvy8tuFKyI7D0mmSfru/v7tsyVW/YqMFiaGzg7GpumpJoZJJuYmJmYJiUlplokGhmaGp"
    "gZJhkbM3wMTo1gYmBo+PCLiYmBkYGFgZEBxGcCk8xgkgVMsjIU5efnGvIwlKQWl8SXFqcWxWemgLRANKCKAwA1wiuR";
const char kV006User[] =
    "006970CA35de60c44645bbae8a215061b33IADDy+f5gQU653Q40lE24L2sOJFj2KPUc5yxaRJpZqOC710HL3sAAAAAEAD"
    "///9/gEJVZQEA6AMQ/1Nl";
const char kV006Alice0[] =
    "006970CA35de60c44645bbae8a215061b33IAANKnNtrt/uxUv/LMoa9Yozw9wGV+iTLbrSQg8INKNNDSnq/ZkAAAAAEAD"
    "///9/gEJVZQEA6AMAAAAA";

rtm__token_status Verify(const std::string& tok, const char* app, const char* cert,
                         const char* user, uint64_t now, uint64_t* exp = nullptr) {
  uint64_t dummy;
  return rtm__token_verify(tok.data(), tok.size(), app, cert, user, now, exp ? exp : &dummy);
}

std::vector<uint8_t> Inflated(const std::string& tok) {
  uint8_t* p = nullptr;
  size_t n = 0;
  EXPECT_EQ(rtm__token_inflate007(tok.data(), tok.size(), &p, &n), RTM__TOKEN_OK);
  std::vector<uint8_t> v(p, p + n);
  free(p);
  return v;
}

std::string B64(const std::vector<uint8_t>& b) {
  static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string o;
  for (size_t i = 0; i < b.size(); i += 3) {
    uint32_t v = b[i] << 16;
    if (i + 1 < b.size()) v |= b[i + 1] << 8;
    if (i + 2 < b.size()) v |= b[i + 2];
    o += t[(v >> 18) & 63];
    o += t[(v >> 12) & 63];
    o += i + 1 < b.size() ? t[(v >> 6) & 63] : '=';
    o += i + 2 < b.size() ? t[v & 63] : '=';
  }
  return o;
}

// "007" + base64(deflate(content)): a 007 token around arbitrary content.
std::string Wrap007(const std::vector<uint8_t>& content) {
  uLongf n = compressBound(content.size());
  std::vector<uint8_t> z(n);
  EXPECT_EQ(compress(z.data(), &n, content.data(), content.size()), Z_OK);
  z.resize(n);
  return "007" + B64(z);
}

// ---- the vendor's tokens are accepted as they are ----

TEST(TokenKnownAnswer, Vendor007Accepted) {
  uint64_t exp = 1;
  EXPECT_EQ(Verify(kV007User3600, kApp, kCert, "test_user_id", kIssue + 100, &exp),
            RTM__TOKEN_OK);
  EXPECT_EQ(exp, kIssue + 3600u);
  EXPECT_EQ(Verify(kV007Alice86400, kApp, kCert, "alice@example.com", kIssue, &exp),
            RTM__TOKEN_OK);
  EXPECT_EQ(exp, kIssue + 86400u);
  // expire 0: never (our reading, docs/TOKENS.md).
  EXPECT_EQ(Verify(kV007User0, kApp, kCert, "test_user_id", 4000000000u, &exp), RTM__TOKEN_OK);
  EXPECT_EQ(exp, 0u);
}

TEST(TokenKnownAnswer, Vendor007WithRtcServiceBeforeRtmAccepted) {
  uint64_t exp = 0;
  EXPECT_EQ(Verify(kV007RtcRtm, kApp, kCert, "test_user_id", kIssue + 10, &exp),
            RTM__TOKEN_OK);
  EXPECT_EQ(exp, kIssue + 600u);
}

TEST(TokenKnownAnswer, Vendor007Fields) {
  rtm__token t;
  ASSERT_EQ(rtm__token_parse(kV007User3600, strlen(kV007User3600), &t), RTM__TOKEN_OK);
  EXPECT_EQ(t.version, 7);
  EXPECT_EQ(std::string((const char*)t.app_id, t.app_id_len), kApp);
  EXPECT_EQ(t.issue_ts, kIssue);
  EXPECT_EQ(t.salt, kSalt007);
  EXPECT_EQ(t.expire, 3600u);
  EXPECT_TRUE(t.has_login);
  EXPECT_EQ(t.login_expire, 3600u);
  EXPECT_EQ(std::string((const char*)t.user_id, t.user_id_len), "test_user_id");
  rtm__token_free(&t);
}

TEST(TokenKnownAnswer, Vendor006Accepted) {
  uint64_t exp = 0;
  EXPECT_EQ(Verify(kV006User, kApp, kCert, "test_user_id", kIssue + 100, &exp), RTM__TOKEN_OK);
  EXPECT_EQ(exp, 1700003600u);  // the privilege, before ts
  EXPECT_EQ(Verify(kV006Alice0, kApp, kCert, "alice@example.com", kIssue, &exp),
            RTM__TOKEN_OK);
  EXPECT_EQ(exp, kTs006);  // privilege 0 (never): the token's ts
}

// ---- our builder reproduces them ----

TEST(TokenKnownAnswer, Builder006ReproducesVendorByteForByte) {
  char out[RTM__TOKEN_BUILD_MAX];
  ASSERT_EQ(rtm__token_build006(kApp, kCert, "test_user_id", kSalt006, kTs006, 1700003600u, out,
                                sizeof out),
            RTM__TOKEN_OK);
  EXPECT_STREQ(out, kV006User);
  ASSERT_EQ(rtm__token_build006(kApp, kCert, "alice@example.com", kSalt006, kTs006, 0, out,
                                sizeof out),
            RTM__TOKEN_OK);
  EXPECT_STREQ(out, kV006Alice0);
}

TEST(TokenKnownAnswer, Builder007ReproducesVendorContentByteForByte) {
  struct {
    const char* user;
    uint32_t expire;
    const char* vendor;
  } cases[] = {{"test_user_id", 3600, kV007User3600},
               {"alice@example.com", 86400, kV007Alice86400},
               {"test_user_id", 0, kV007User0}};
  for (const auto& c : cases) {
    char out[RTM__TOKEN_BUILD_MAX];
    ASSERT_EQ(rtm__token_build007(kApp, kCert, c.user, kIssue, kSalt007, c.expire, out,
                                  sizeof out),
              RTM__TOKEN_OK);
    EXPECT_EQ(Inflated(out), Inflated(c.vendor)) << c.user << " " << c.expire;
    EXPECT_EQ(Verify(out, kApp, kCert, c.user, kIssue), RTM__TOKEN_OK);
  }
}

// ---- refusals, with their exact status ----

TEST(TokenRefused, WrongCertificateIsBadSignature) {
  EXPECT_EQ(Verify(kV007User3600, kApp, kOtherCert, "test_user_id", kIssue),
            RTM__TOKEN_BAD_SIGNATURE);
  EXPECT_EQ(Verify(kV006User, kApp, kOtherCert, "test_user_id", kIssue),
            RTM__TOKEN_BAD_SIGNATURE);
}

TEST(TokenRefused, WrongUser) {
  EXPECT_EQ(Verify(kV007User3600, kApp, kCert, "mallory", kIssue), RTM__TOKEN_WRONG_USER);
  EXPECT_EQ(Verify(kV006User, kApp, kCert, "mallory", kIssue), RTM__TOKEN_WRONG_USER);
  // A prefix of the right user is another user.
  EXPECT_EQ(Verify(kV007User3600, kApp, kCert, "test_user", kIssue), RTM__TOKEN_WRONG_USER);
}

TEST(TokenRefused, OtherApp) {
  EXPECT_EQ(Verify(kV007User3600, kOtherApp, kCert, "test_user_id", kIssue),
            RTM__TOKEN_WRONG_APP);
  EXPECT_EQ(Verify(kV006User, kOtherApp, kCert, "test_user_id", kIssue), RTM__TOKEN_WRONG_APP);
}

TEST(TokenRefused, Expired) {
  // 007: the token's own expire and the privilege are both issue + 3600;
  // the token's is checked first. Valid up to the second before.
  EXPECT_EQ(Verify(kV007User3600, kApp, kCert, "test_user_id", kIssue + 3599), RTM__TOKEN_OK);
  EXPECT_EQ(Verify(kV007User3600, kApp, kCert, "test_user_id", kIssue + 3600),
            RTM__TOKEN_EXPIRED);
  // 006: the privilege (1700003600) before the token's ts (1700086400).
  EXPECT_EQ(Verify(kV006User, kApp, kCert, "test_user_id", 1700003600u),
            RTM__TOKEN_PRIVILEGE_EXPIRED);
  EXPECT_EQ(Verify(kV006Alice0, kApp, kCert, "alice@example.com", kTs006), RTM__TOKEN_EXPIRED);
}

TEST(TokenRefused, TamperedSignedFieldIsBadSignature) {
  // Change the token's expire inside the signed info and deflate again: the
  // structure is fine, only the signature no longer matches.
  std::vector<uint8_t> c = Inflated(kV007User3600);
  // signature: 2 + 32; app id: 2 + 32; issue ts: 4; then expire.
  size_t expire_at = 2 + 32 + 2 + 32 + 4;
  ASSERT_EQ(c[expire_at] | (c[expire_at + 1] << 8), 3600);
  c[expire_at + 1] ^= 0x01;
  EXPECT_EQ(Verify(Wrap007(c), kApp, kCert, "test_user_id", kIssue), RTM__TOKEN_BAD_SIGNATURE);
  // The user id (last bytes) changed to another of the same length.
  c = Inflated(kV007User3600);
  c.back() = 'X';
  EXPECT_EQ(Verify(Wrap007(c), kApp, kCert, "test_user_iX", kIssue), RTM__TOKEN_BAD_SIGNATURE);
  // A signature byte.
  c = Inflated(kV007User3600);
  c[5] ^= 0x80;
  EXPECT_EQ(Verify(Wrap007(c), kApp, kCert, "test_user_id", kIssue), RTM__TOKEN_BAD_SIGNATURE);
  // 006: a character of the base64 inside the signature.
  std::string t = kV006User;
  size_t pos = 3 + 32 + 10;
  t[pos] = t[pos] == 'A' ? 'B' : 'A';
  EXPECT_EQ(Verify(t, kApp, kCert, "test_user_id", kIssue), RTM__TOKEN_BAD_SIGNATURE);
}

TEST(TokenRefused, EveryOneCharacterChangeIsRefused) {
  for (const char* v : {kV007User3600, kV006User}) {
    std::string orig = v;
    for (size_t i = 0; i < orig.size(); i++) {
      for (char r : {'A', 'z', '0', '+', '=', '\0'}) {
        std::string t = orig;
        if (t[i] == r) continue;
        t[i] = r;
        rtm__token_status st = Verify(t, kApp, kCert, "test_user_id", kIssue);
        // Base64 padding bits: a few changes decode to the same bytes.
        if (st == RTM__TOKEN_OK) {
          rtm__token a, b;
          ASSERT_EQ(rtm__token_parse(t.data(), t.size(), &a), RTM__TOKEN_OK);
          ASSERT_EQ(rtm__token_parse(orig.data(), orig.size(), &b), RTM__TOKEN_OK);
          EXPECT_EQ(std::string((char*)a.data, a.data_len),
                    std::string((char*)b.data, b.data_len))
              << "index " << i;
          rtm__token_free(&a);
          rtm__token_free(&b);
        }
      }
    }
  }
}

TEST(TokenRefused, NoRtmServiceIsNoPrivilege) {
  // A rightly signed 007 token with one FPA service (type 4) and no RTM one.
  std::vector<uint8_t> info;
  auto u16 = [&](uint16_t v) {
    info.push_back(v & 0xff);
    info.push_back(v >> 8);
  };
  auto u32 = [&](uint32_t v) {
    for (int k = 0; k < 4; k++) info.push_back((v >> (8 * k)) & 0xff);
  };
  u16(32);
  info.insert(info.end(), kApp, kApp + 32);
  u32(kIssue);
  u32(3600);
  u32(kSalt007);
  u16(1);  // one service: FPA, one privilege
  u16(4);
  u16(1);
  u16(1);
  u32(3600);
  // The vendor's chain: HMAC(u32 salt, HMAC(u32 issue ts, cert)), then over info.
  uint8_t ts[4] = {(uint8_t)kIssue, (uint8_t)(kIssue >> 8), (uint8_t)(kIssue >> 16),
                   (uint8_t)(kIssue >> 24)};
  uint8_t sl[4] = {(uint8_t)kSalt007, (uint8_t)(kSalt007 >> 8), (uint8_t)(kSalt007 >> 16),
                   (uint8_t)(kSalt007 >> 24)};
  uint8_t k1[32], k2[32], sig[32];
  unsigned int n = 0;
  ASSERT_TRUE(HMAC(EVP_sha256(), ts, 4, (const uint8_t*)kCert, 32, k1, &n));
  ASSERT_TRUE(HMAC(EVP_sha256(), sl, 4, k1, 32, k2, &n));
  ASSERT_TRUE(HMAC(EVP_sha256(), k2, 32, info.data(), info.size(), sig, &n));
  std::vector<uint8_t> c = {32, 0};
  c.insert(c.end(), sig, sig + 32);
  c.insert(c.end(), info.begin(), info.end());
  EXPECT_EQ(Verify(Wrap007(c), kApp, kCert, "test_user_id", kIssue), RTM__TOKEN_NO_PRIVILEGE);
  // The same with a wrong signature: BAD_SIGNATURE comes first.
  c[2] ^= 1;
  EXPECT_EQ(Verify(Wrap007(c), kApp, kCert, "test_user_id", kIssue), RTM__TOKEN_BAD_SIGNATURE);
}

// ---- malformed, truncated, huge: refused, never a crash ----

TEST(TokenMalformed, RefusedWithoutCrash) {
  const char* bad[] = {"", "0", "00", "007", "006", "008AAAA", "007!!!!", "007AAAA",
                       "007====", "006970CA35de60c44645bbae8a215061b33",
                       "006970CA35de60c44645bbae8a215061b33!!!!", "007eJx", "abc"};
  for (const char* b : bad)
    EXPECT_EQ(Verify(b, kApp, kCert, "test_user_id", kIssue), RTM__TOKEN_MALFORMED) << b;
  EXPECT_EQ(rtm__token_verify(nullptr, 0, kApp, kCert, "u", kIssue, nullptr),
            RTM__TOKEN_MALFORMED);
}

TEST(TokenMalformed, EveryTruncationRefused) {
  for (const char* v : {kV007User3600, kV007RtcRtm, kV006User}) {
    std::string s = v;
    // Drop the padding first: a token without its '=' still decodes.
    while (!s.empty() && s.back() == '=') s.pop_back();
    for (size_t n = 0; n < s.size(); n++)
      EXPECT_NE(Verify(s.substr(0, n), kApp, kCert, "test_user_id", kIssue), RTM__TOKEN_OK)
          << v << " cut at " << n;
  }
}

TEST(TokenMalformed, TruncatedContentRefused) {
  std::vector<uint8_t> c = Inflated(kV007RtcRtm);
  for (size_t n = 0; n < c.size(); n++) {
    std::vector<uint8_t> part(c.begin(), c.begin() + n);
    EXPECT_NE(Verify(Wrap007(part), kApp, kCert, "test_user_id", kIssue), RTM__TOKEN_OK) << n;
  }
}

TEST(TokenMalformed, HugeInputsRefused) {
  std::string huge = "007" + std::string(1 << 20, 'A');
  EXPECT_EQ(Verify(huge, kApp, kCert, "u", kIssue), RTM__TOKEN_MALFORMED);
  // A deflate bomb: 1 MiB of zeros in a short token.
  std::vector<uint8_t> zeros(1 << 20, 0);
  std::string bomb = Wrap007(zeros);
  ASSERT_LT(bomb.size(), RTM__TOKEN_MAX_LEN);
  EXPECT_EQ(Verify(bomb, kApp, kCert, "u", kIssue), RTM__TOKEN_MALFORMED);
  // Lengths that point past the end: a signature length of 0xffff.
  std::vector<uint8_t> c = {0xff, 0xff, 1, 2, 3};
  EXPECT_EQ(Verify(Wrap007(c), kApp, kCert, "u", kIssue), RTM__TOKEN_MALFORMED);
  // A service count of 65535 with nothing behind it.
  c = Inflated(kV007User3600);
  size_t count_at = 2 + 32 + 2 + 32 + 12;
  c[count_at] = 0xff;
  c[count_at + 1] = 0xff;
  EXPECT_NE(Verify(Wrap007(c), kApp, kCert, "test_user_id", kIssue), RTM__TOKEN_OK);
}

TEST(TokenMalformed, RandomBytesNeverCrash) {
  std::mt19937 rng(5);
  for (int i = 0; i < 20000; i++) {
    std::string s;
    size_t n = rng() % 300;
    s += (i % 3 == 0) ? "007" : (i % 3 == 1) ? "006" : "";
    for (size_t k = 0; k < n; k++) s += (char)(rng() & 0xff);
    rtm__token t;
    if (rtm__token_parse(s.data(), s.size(), &t) == RTM__TOKEN_OK) rtm__token_free(&t);
    EXPECT_NE(Verify(s, kApp, kCert, "test_user_id", kIssue), RTM__TOKEN_OK);
  }
  // Random deflated content, so that the structure parser sees random bytes.
  for (int i = 0; i < 5000; i++) {
    std::vector<uint8_t> c(rng() % 200);
    for (auto& b : c) b = rng() & 0xff;
    if (i % 2 && c.size() > 2) { c[0] = 32; c[1] = 0; }
    EXPECT_NE(Verify(Wrap007(c), kApp, kCert, "test_user_id", kIssue), RTM__TOKEN_OK);
  }
}

// ---- the public builder (rtm/rtm_token.h) ----

TEST(TokenBuild, PublicBuilderTokensVerifyNow) {
  char out[RTM_TOKEN_MAX];
  uint64_t now = (uint64_t)time(nullptr);
  ASSERT_EQ(rtm_token_build(kApp, kCert, "bob", 600, 0, out, sizeof out), RTM_OK);
  EXPECT_EQ(std::string(out, 3), "007");
  uint64_t exp = 0;
  EXPECT_EQ(Verify(out, kApp, kCert, "bob", now, &exp), RTM__TOKEN_OK);
  EXPECT_GE(exp, now + 599);
  EXPECT_LE(exp, now + 601);
  ASSERT_EQ(rtm_token_build(kApp, kCert, "bob", 600, 1, out, sizeof out), RTM_OK);
  EXPECT_EQ(std::string(out, 3 + 32), std::string("006") + kApp);
  EXPECT_EQ(Verify(out, kApp, kCert, "bob", now, &exp), RTM__TOKEN_OK);
  EXPECT_GE(exp, now + 599);
  EXPECT_LE(exp, now + 601);
  // Any app id for 007.
  ASSERT_EQ(rtm_token_build("my-app", "secret", "bob", 0, 0, out, sizeof out), RTM_OK);
  EXPECT_EQ(Verify(out, "my-app", "secret", "bob", now + 1000000, &exp), RTM__TOKEN_OK);
  EXPECT_EQ(exp, 0u);
}

TEST(TokenBuild, PublicBuilderRefusesBadArguments) {
  char out[RTM_TOKEN_MAX];
  EXPECT_EQ(rtm_token_build(nullptr, kCert, "bob", 600, 0, out, sizeof out), RTM_EINVAL);
  EXPECT_EQ(rtm_token_build(kApp, "", "bob", 600, 0, out, sizeof out), RTM_EINVAL);
  EXPECT_EQ(rtm_token_build(kApp, kCert, "", 600, 0, out, sizeof out), RTM_EINVAL);
  EXPECT_EQ(rtm_token_build("short", kCert, "bob", 600, 1, out, sizeof out), RTM_EINVAL);
  EXPECT_EQ(rtm_token_build(kApp, kCert, std::string(300, 'u').c_str(), 600, 0, out,
                            sizeof out),
            RTM_EINVAL);
  EXPECT_EQ(rtm_token_build(kApp, kCert, "bob", 600, 0, out, 20), RTM_EINVAL);
  EXPECT_EQ(out[0], '\0');
  EXPECT_EQ(rtm_token_build(kApp, kCert, "bob", 600, 0, nullptr, 0), RTM_EINVAL);
}

}  // namespace
