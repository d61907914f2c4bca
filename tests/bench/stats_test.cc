// The arithmetic of rtm-bench's figures (native/bench/stats.c, results.c):
// percentiles by nearest rank, medians of runs, ratios and growth per item,
// and the JSON the figures are written as.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include <cjson/cJSON.h>
#include <gtest/gtest.h>

extern "C" {
#include "results.h"
#include "stats.h"
}

namespace {

std::vector<double> Range(int from, int to)
{
    std::vector<double> v(static_cast<size_t>(to - from + 1));
    std::iota(v.begin(), v.end(), from);
    return v;
}

TEST(BenchStats, PercentileIsTheNearestRank)
{
    std::vector<double> v = Range(1, 100);
    EXPECT_EQ(50, bench_percentile(v.data(), v.size(), 50));
    EXPECT_EQ(99, bench_percentile(v.data(), v.size(), 99));
    EXPECT_EQ(100, bench_percentile(v.data(), v.size(), 99.9));
    EXPECT_EQ(100, bench_percentile(v.data(), v.size(), 100));
    EXPECT_EQ(1, bench_percentile(v.data(), v.size(), 0.5));
    std::vector<double> k = Range(1, 1000);
    // 99.9 % of 1000 is exactly rank 999, not 1000 by a rounding error.
    EXPECT_EQ(999, bench_percentile(k.data(), k.size(), 99.9));
    EXPECT_EQ(990, bench_percentile(k.data(), k.size(), 99));
}

TEST(BenchStats, PercentileSortsWhatItIsGiven)
{
    std::vector<double> v = {9, 1, 8, 2, 7, 3, 6, 4, 5, 10};
    EXPECT_EQ(5, bench_percentile(v.data(), v.size(), 50));
    EXPECT_EQ(10, bench_percentile(v.data(), v.size(), 99));
    std::vector<double> one = {42};
    EXPECT_EQ(42, bench_percentile(one.data(), 1, 50));
    EXPECT_EQ(42, bench_percentile(one.data(), 1, 99.9));
}

TEST(BenchStats, PercentileOfNothingOrOutOfRangeIsNan)
{
    std::vector<double> v = {1, 2};
    EXPECT_TRUE(std::isnan(bench_percentile(v.data(), 0, 50)));
    EXPECT_TRUE(std::isnan(bench_percentile(v.data(), v.size(), 0)));
    EXPECT_TRUE(std::isnan(bench_percentile(v.data(), v.size(), 100.5)));
}

TEST(BenchStats, MedianOfOddAndEvenCounts)
{
    std::vector<double> odd = {5, 1, 3};
    EXPECT_EQ(3, bench_median(odd.data(), odd.size()));
    std::vector<double> even = {4, 1, 3, 2};
    EXPECT_EQ(2.5, bench_median(even.data(), even.size()));
    EXPECT_TRUE(std::isnan(bench_median(even.data(), 0)));
}

TEST(BenchStats, Ratios)
{
    EXPECT_DOUBLE_EQ(1.5, bench_ratio(30, 20));
    EXPECT_DOUBLE_EQ(0.0, bench_ratio(0, 20));
    EXPECT_TRUE(std::isnan(bench_ratio(1, 0)));
    EXPECT_TRUE(std::isnan(bench_ratio(-1, 2)));
    EXPECT_TRUE(std::isnan(bench_ratio(NAN, 2)));
    EXPECT_TRUE(std::isnan(bench_ratio(1, INFINITY)));
}

TEST(BenchStats, GrowthPerItem)
{
    EXPECT_DOUBLE_EQ(3500, bench_per_item(1000000, 1000000 + 3500.0 * 10000, 10000));
    EXPECT_DOUBLE_EQ(-10, bench_per_item(100, 0, 10));
    EXPECT_TRUE(std::isnan(bench_per_item(0, 100, 0)));
}

TEST(BenchStats, SamplesGrow)
{
    bench_samples s = {};
    for (int i = 0; i < 1000; i++)
        ASSERT_EQ(0, bench_samples_add(&s, i));
    EXPECT_EQ(1000u, s.n);
    EXPECT_EQ(999, s.v[999]);
    bench_samples_free(&s);
    EXPECT_EQ(0u, s.n);
}

std::string Slurp(const std::string &path)
{
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

// Each figure is the median of its runs, failed runs (NAN) left out, and
// the JSON is { scenario: { system: { metric: value } } }.
TEST(BenchResults, JsonHoldsTheMedianOfEachFigure)
{
    bench_results *r = bench_results_new();
    ASSERT_NE(nullptr, r);
    for (double v : {30.0, 10.0, 20.0})
        bench_results_add(r, "p2p-latency", "rtm", "p50_us", v);
    bench_results_add(r, "p2p-latency", "rtm", "p50_us", NAN);
    bench_results_add(r, "p2p-latency", "nats", "p50_us", 12.5);
    bench_results_add(r, "p2p-latency", "nats", "p50_us", 13.5);
    bench_results_add(r, "idle", "rtm", "server_bytes_per_conn", 3482.123456);
    EXPECT_EQ(20, bench_results_median(r, "p2p-latency", "rtm", "p50_us"));
    EXPECT_EQ(13, bench_results_median(r, "p2p-latency", "nats", "p50_us"));
    EXPECT_TRUE(std::isnan(bench_results_median(r, "fanout", "rtm", "p50_us")));

    std::string path = ::testing::TempDir() + "bench_results_test.json";
    ASSERT_EQ(0, bench_results_write_json(r, path.c_str()));
    cJSON *root = cJSON_Parse(Slurp(path).c_str());
    ASSERT_NE(nullptr, root);
    auto get = [&](const char *sc, const char *sys, const char *m) {
        cJSON *v = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, sc), sys), m);
        return cJSON_IsNumber(v) ? v->valuedouble : NAN;
    };
    EXPECT_EQ(20, get("p2p-latency", "rtm", "p50_us"));
    EXPECT_EQ(13, get("p2p-latency", "nats", "p50_us"));
    EXPECT_DOUBLE_EQ(3482.1235, get("idle", "rtm", "server_bytes_per_conn"));
    cJSON_Delete(root);
    std::remove(path.c_str());

    // The table names each system and rtm's ratio to the others.
    char *text = nullptr;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    bench_results_print(r, out);
    fclose(out);
    std::string table(text, len);
    free(text);
    EXPECT_NE(std::string::npos, table.find("rtm/nats")) << table;
    EXPECT_NE(std::string::npos, table.find("1.54")) << table; // 20 / 13
    bench_results_free(r);
}

} // namespace
