// The clock offset a validator reports: one sample per other validator, said only once
// 2f + 1 of them have been heard, the median of those, the middle value nearer zero
// when the count is even. A validator with a wrong clock never moves an honest node's
// offset past the drift bound, however often it proposes.
#include <doctest/doctest.h>

#include "node/clock_skew.h"

using jchain::node::clock_offset;

namespace {
constexpr std::int64_t hour = 3'600'000;
}

TEST_CASE("clock offset: nothing said until 2f + 1 of the others are heard") {
    CHECK_FALSE(clock_offset({}, 4));
    CHECK_FALSE(clock_offset({hour}, 4));         // only the skewed one so far
    CHECK_FALSE(clock_offset({-3, hour}, 4));     // f + 1: not yet a majority of honest clocks
    CHECK(clock_offset({-3, hour, -5}, 4) == -3);  // 3 of 3 others
    CHECK_FALSE(clock_offset({1, 2, hour, hour}, 7));  // 7 validators: f = 2, needs 5 of 6
    CHECK(clock_offset({1, 2, 3, hour, hour}, 7) == 3);
    CHECK_FALSE(clock_offset({5}, 1));  // a lone validator has nobody to compare with
    CHECK(clock_offset({5}, 2) == 5);
}

TEST_CASE("clock offset: this node is called wrong only when most of those heard disagree") {
    CHECK(clock_offset({-hour, -hour, -hour}, 4) == -hour);  // this node is the one an hour ahead
    CHECK(clock_offset({-hour, -hour, 2}, 4) == -hour);
    CHECK(clock_offset({2, -hour, 4, -hour}, 5) == 2);  // two and two: the nearer-zero middle
    CHECK(clock_offset({-hour, -hour, -hour, 4}, 5) == -hour);
}
