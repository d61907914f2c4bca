// Tests of the callback pool's spin policy (spin.h): how long an idle pool
// thread looks for work before it sleeps, learnt from the gaps between
// bursts of work. A pure function of the gaps, so no clock and no threads.
#include <gtest/gtest.h>

extern "C" {
#include "spin.h"
}

namespace {

const uint64_t kUs = 1000;

rtm__spin Learnt(uint64_t gap_ns, int times, rtm__spin s = RTM__SPIN_INIT)
{
    for (int i = 0; i < times; i++)
        rtm__spin_learn(&s, gap_ns);
    return s;
}

// A new process knows no gap: it spins the minimum, as an idle one would.
TEST(SpinPolicy, StartsAtTheMinimum)
{
    rtm__spin s = RTM__SPIN_INIT;
    EXPECT_EQ(RTM__SPIN_MIN_NS, rtm__spin_limit(&s));
}

// Work that comes every 150 us (a lone message through a durable server)
// is waited for: the spin covers twice the gap, so it is caught spinning.
TEST(SpinPolicy, SteadyGapsUnderTheMaximumAreCoveredTwice)
{
    rtm__spin s = Learnt(150 * kUs, 64);
    EXPECT_NEAR(300 * kUs, rtm__spin_limit(&s), 2 * kUs);
    s = Learnt(220 * kUs, 64);
    EXPECT_NEAR(440 * kUs, rtm__spin_limit(&s), 2 * kUs);
}

// Short gaps never spin less than the minimum.
TEST(SpinPolicy, ShortGapsSpinTheMinimum)
{
    rtm__spin s = Learnt(5 * kUs, 64);
    EXPECT_EQ(RTM__SPIN_MIN_NS, rtm__spin_limit(&s));
}

// Gaps longer than half the maximum would not be caught by a spin worth its
// CPU: back to the minimum, not the maximum.
TEST(SpinPolicy, LongGapsSpinTheMinimumNotTheMaximum)
{
    rtm__spin s = Learnt(300 * kUs, 64);
    EXPECT_EQ(RTM__SPIN_MIN_NS, rtm__spin_limit(&s));
    s = Learnt(10ull * 1000 * 1000 * 1000, 64); // 10 s
    EXPECT_EQ(RTM__SPIN_MIN_NS, rtm__spin_limit(&s));
}

// One long silence (an idle minute) counts as "long" and no more: within
// twenty gaps of a steady 150 us the spin covers them again.
TEST(SpinPolicy, OneLongSilenceIsForgottenWithinTwentyGaps)
{
    rtm__spin s = Learnt(150 * kUs, 64);
    rtm__spin_learn(&s, 60ull * 1000 * 1000 * 1000);
    EXPECT_EQ(RTM__SPIN_MIN_NS, rtm__spin_limit(&s));
    s = Learnt(150 * kUs, 20, s);
    EXPECT_GT(rtm__spin_limit(&s), 250 * kUs);
    EXPECT_LE(rtm__spin_limit(&s), RTM__SPIN_MAX_NS);
}

// The spin is never longer than the maximum, whatever the gaps.
TEST(SpinPolicy, NeverOverTheMaximum)
{
    for (uint64_t gap = 0; gap < 2 * RTM__SPIN_MAX_NS; gap += 7 * kUs) {
        rtm__spin s = Learnt(gap, 64);
        EXPECT_LE(rtm__spin_limit(&s), RTM__SPIN_MAX_NS) << gap;
        EXPECT_GE(rtm__spin_limit(&s), RTM__SPIN_MIN_NS) << gap;
    }
}

} // namespace
