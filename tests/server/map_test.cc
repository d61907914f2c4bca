// rtmd's maps (native/server/map.c) and their keyed hash (hash.c). Issue
// 13, item 6: with the unkeyed FNV-1a of before, a client could choose ids
// that all fall in one bucket (hash flooding: 80,000 such offline receivers
// cost 25 s of CPU). Under a keyed SipHash the same ids spread.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

extern "C" {
#include "hash.h"
#include "map.h"
}

namespace {

uint64_t Fnv1a(const std::string& s) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// n valid user ids whose FNV-1a has the same low `bits` bits: one bucket of
// an FNV-1a map of up to 2^bits buckets.
std::vector<std::string> FnvCollisions(size_t n, unsigned bits) {
  std::vector<std::string> ids;
  const uint64_t mask = (1ull << bits) - 1;
  for (uint64_t i = 0; ids.size() < n; i++) {
    std::string id = "user" + std::to_string(i);
    if ((Fnv1a(id) & mask) == 0)
      ids.push_back(id);
  }
  return ids;
}

size_t LongestChain(const rtmd_map& m) {
  size_t longest = 0;
  for (size_t b = 0; b < m.nbuckets; b++) {
    size_t n = 0;
    for (const rtmd_map_entry* e = m.buckets[b]; e; e = e->next)
      n++;
    longest = std::max(longest, n);
  }
  return longest;
}

TEST(Map, IdsChosenToCollideUnderFnvSpreadOverTheBuckets) {
  const std::vector<std::string> ids = FnvCollisions(2000, 12);
  rtmd_map m = RTMD_MAP_INIT;
  int v = 0;
  for (const std::string& id : ids)
    ASSERT_EQ(rtmd_map_put(&m, id.c_str(), &v), 0);
  ASSERT_EQ(m.count, ids.size());
  ASSERT_LE(m.nbuckets, 4096u);  // all of them one bucket under FNV-1a
  // 2,000 keys in at least 1,024 buckets at random: the longest chain is a
  // handful (over 20 has a probability far below 1e-12).
  EXPECT_LE(LongestChain(m), 20u);
  for (const std::string& id : ids)
    EXPECT_EQ(rtmd_map_get(&m, id.c_str()), &v);
  rtmd_map_clear(&m);
}

TEST(Map, TheHashIsKeyedAndStable) {
  ASSERT_EQ(rtmd_hash_init(), 0);
  EXPECT_EQ(rtmd_hash_str("alice"), rtmd_hash_str("alice"));
  EXPECT_EQ(rtmd_hash("alice", 5), rtmd_hash_str("alice"));
  EXPECT_NE(rtmd_hash_str("alice"), rtmd_hash_str("alicf"));
  // Not FNV-1a any more, nor any other unkeyed function of the bytes alone
  // that this test could know.
  EXPECT_NE(rtmd_hash_str("alice"), Fnv1a("alice"));
}

}  // namespace
