// test_pki.cc: see test_pki.h.
#include "test_pki.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

namespace rtm_tls_test {
namespace {

using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using Cert = std::unique_ptr<X509, decltype(&X509_free)>;

Key NewKey() { return Key(EVP_EC_gen("P-256"), EVP_PKEY_free); }

bool AddExt(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// A certificate for key named cn, signed by issuer_key (itself when issuer
// is null: a self-signed CA).
Cert MakeCert(EVP_PKEY* key, const char* cn, X509* issuer, EVP_PKEY* issuer_key,
              bool ca, long serial) {
  Cert cert(X509_new(), X509_free);
  if (!cert) return cert;
  X509* x = cert.get();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 86400);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
  X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
  X509* iss = issuer ? issuer : x;
  bool ok = ca ? AddExt(x, iss, NID_basic_constraints, "critical,CA:TRUE") &&
                     AddExt(x, iss, NID_key_usage, "critical,keyCertSign,cRLSign") &&
                     AddExt(x, iss, NID_subject_key_identifier, "hash")
               : AddExt(x, iss, NID_basic_constraints, "critical,CA:FALSE") &&
                     AddExt(x, iss, NID_key_usage, "critical,digitalSignature") &&
                     AddExt(x, iss, NID_ext_key_usage, "serverAuth") &&
                     AddExt(x, iss, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1") &&
                     AddExt(x, iss, NID_authority_key_identifier, "keyid:always");
  if (!ok || X509_sign(x, issuer_key, EVP_sha256()) == 0) cert.reset();
  return cert;
}

bool WriteCert(const std::string& path, X509* cert) {
  FILE* f = fopen(path.c_str(), "w");
  if (f == nullptr) return false;
  bool ok = PEM_write_X509(f, cert) == 1;
  return fclose(f) == 0 && ok;
}

bool WriteKey(const std::string& path, EVP_PKEY* key) {
  FILE* f = fopen(path.c_str(), "w");
  if (f == nullptr) return false;
  bool ok = PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  return fclose(f) == 0 && ok;
}

}  // namespace

TestPki::TestPki() {
  char tmpl[] = "/tmp/rtm-tls-test-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) {
    ADD_FAILURE() << "mkdtemp failed";
    return;
  }
  dir_ = tmpl;
  Key ca_k = NewKey(), other_k = NewKey(), srv_k = NewKey(), stray_k = NewKey();
  if (!ca_k || !other_k || !srv_k || !stray_k) {
    ADD_FAILURE() << "cannot make keys";
    return;
  }
  Cert ca_c = MakeCert(ca_k.get(), "rtm test CA", nullptr, ca_k.get(), true, 1);
  Cert other_c = MakeCert(other_k.get(), "unrelated test CA", nullptr, other_k.get(),
                          true, 2);
  Cert srv_c = ca_c ? MakeCert(srv_k.get(), "localhost", ca_c.get(), ca_k.get(), false, 3)
                    : Cert(nullptr, X509_free);
  if (!ca_c || !other_c || !srv_c) {
    ADD_FAILURE() << "cannot make certificates";
    return;
  }
  ok_ = WriteCert(ca(), ca_c.get()) && WriteCert(other_ca(), other_c.get()) &&
        WriteCert(server_cert(), srv_c.get()) && WriteKey(server_key(), srv_k.get()) &&
        WriteKey(mismatch_key(), stray_k.get());
  if (!ok_) ADD_FAILURE() << "cannot write the certificates to " << dir_;
}

TestPki::~TestPki() {
  if (dir_.empty()) return;
  for (const char* f : {"ca.pem", "other-ca.pem", "server.pem", "server.key", "mismatch.key"})
    unlink((dir_ + "/" + f).c_str());
  rmdir(dir_.c_str());
}

}  // namespace rtm_tls_test
