"""Quantiles of mean-dispersion laws are evaluated once per distinct (mu, alpha) pair:
the answer must be that of each cell on its own, repeated pairs or not."""

import numpy as np
import pytest
from scipy import stats

from forecast.models.distributions import NegativeBinomial, PoissonLogNormal


def test_negative_binomial_quantile_of_repeated_pairs_is_scipys_per_cell():
    # Flat over the horizon (series 0, 1), a pair shared across series (0 and 2), a Poisson cell, a zero mean.
    mu = np.array([[2.0, 2.0, 2.0], [7.5, 7.5, 0.0], [2.0, 3.0, 2.0]])
    alpha = np.array([[0.5, 0.5, 0.5], [0.0, 0.0, 0.0], [0.5, 1.5, 0.5]])
    law = NegativeBinomial(mu=mu, alpha=alpha)
    for q in (0.05, 0.5, 0.9):
        size = 1.0 / np.where(alpha > 0, alpha, 1.0)
        expected = np.where(
            alpha > 0, stats.nbinom.ppf(q, size, size / (size + mu)), stats.poisson.ppf(q, mu)
        )
        np.testing.assert_array_equal(law.quantile(q), np.where(mu > 0, expected, 0.0))
    # Poisson(7.5) median is 7, NB(mean 2, alpha 0.5) 0.9-quantile is 5 (by hand from the pmf).
    assert law.quantile(0.5)[1, 0] == 7.0 and law.quantile(0.9)[0, 2] == 5.0


@pytest.mark.parametrize("q", [0.1, 0.5, 0.95])
def test_poisson_lognormal_quantile_of_repeated_pairs_equals_each_cell_alone(q):
    mu = np.array([[1.0, 1.0, 4.0], [4.0, 1.0, 0.0]])
    alpha = np.array([[0.3, 0.3, 2.0], [2.0, 0.3, 0.3]])
    whole = PoissonLogNormal(mu=mu, alpha=alpha).quantile(q)
    alone = np.array(
        [[PoissonLogNormal(mu=mu[i, j : j + 1, None], alpha=alpha[i, j : j + 1, None]).quantile(q)[0, 0]
          for j in range(3)] for i in range(2)]
    )
    np.testing.assert_array_equal(whole, alone)
    assert whole[1, 2] == 0.0
