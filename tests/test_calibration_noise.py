"""How large a calibration gap a calibrated forecast shows by chance: against exact binomial values."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from forecast.backtest.calibration import calibration_gap_noise

LEVELS = [0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95]


def test_one_level_on_100_independent_outcomes_is_the_binomial_quantile():
    # gap = |B/100 - 0.5| with B ~ Binomial(100, 0.5): P(|B - 50| <= 9) = 0.943 < 0.95 <= P(|B - 50| <= 10) = 0.965.
    assert stats.binom.cdf(59, 100, 0.5) - stats.binom.cdf(40, 100, 0.5) < 0.95
    assert stats.binom.cdf(60, 100, 0.5) - stats.binom.cdf(39, 100, 0.5) >= 0.95
    noise = calibration_gap_noise(np.arange(100), [0.5], np.random.default_rng(0), n_sim=20_000)
    assert noise == pytest.approx(0.10, abs=1e-12)


def test_one_outcome_always_misses_a_median_by_half_and_two_do_so_half_the_time():
    assert calibration_gap_noise(np.arange(1), [0.5], np.random.default_rng(1)) == pytest.approx(0.5)
    # Two outcomes: both on one side (gap 0.5) with probability 1/2, else gap 0.
    two = np.arange(2)
    assert calibration_gap_noise(two, [0.5], np.random.default_rng(1), probability=0.95) == pytest.approx(0.5)
    assert calibration_gap_noise(two, [0.5], np.random.default_rng(1), probability=0.4) == pytest.approx(0.0)


def test_leads_moving_together_count_as_one_outcome_per_group():
    blocks = calibration_gap_noise(np.repeat(np.arange(12), 8), LEVELS, np.random.default_rng(3))
    # Equal weights per group: the same draws give the same gaps as 12 independent outcomes.
    assert blocks == calibration_gap_noise(np.arange(12), LEVELS, np.random.default_rng(3))
    independent = calibration_gap_noise(np.arange(96), LEVELS, np.random.default_rng(3))
    assert independent < blocks
    # The default run's scale: 96 outcomes cannot tell a gap of 0.075 from chance.
    assert 0.09 < independent < 0.14


def test_unequal_groups_are_weighted_by_their_outcomes():
    # One group of 3 outcomes and one of 1 at level 0.5: shares 0, 1/4, 3/4, 1 -> gaps 1/2, 1/4, 1/4, 1/2.
    noise = calibration_gap_noise(np.array([7, 7, 7, 9]), [0.5], np.random.default_rng(5), n_sim=4000, probability=0.4)
    assert noise == pytest.approx(0.25)


def test_seeded_and_empty():
    groups = np.arange(50)
    assert calibration_gap_noise(groups, LEVELS, np.random.default_rng(8)) == calibration_gap_noise(
        groups, LEVELS, np.random.default_rng(8)
    )
    assert np.isnan(calibration_gap_noise(np.arange(0), LEVELS, np.random.default_rng(8)))
    assert np.isnan(calibration_gap_noise(groups, [], np.random.default_rng(8)))
