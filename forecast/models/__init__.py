"""Models stage: forecasters behind one contract (``fit(panel)`` then ``predict(h, quantiles)``)."""

from forecast.models.base import DEFAULT_QUANTILES, Forecaster, PanelError, quantile_column
from forecast.models.baselines import HistoricAverage, Naive, SeasonalNaive, WindowAverage, Zero
from forecast.models.count_regression import CountRegression, HurdleNBGLM, NegativeBinomialGLM, PoissonGLM, ZeroInflatedNBGLM
from forecast.models.ensembles import CRPSWeightedEnsemble, QuantileAverage
from forecast.models.hawkes import MultivariateHawkes
from forecast.models.global_ml import GlobalBoostedPoisson
from forecast.models.distributions import NegativeBinomial, QuantileGrid, SamplePaths
from forecast.models.stats import StatsForecastModel
from forecast.models.var import PoissonVAR

# The default model of the project (a conf/model/<name>.yaml config name); see the README
# of benchmarks/ for the evidence.
RECOMMENDED_MODEL = "nb_glm"

__all__ = [
    "CRPSWeightedEnsemble",
    "CountRegression",
    "DEFAULT_QUANTILES",
    "Forecaster",
    "GlobalBoostedPoisson",
    "HistoricAverage",
    "HurdleNBGLM",
    "MultivariateHawkes",
    "NegativeBinomial",
    "NegativeBinomialGLM",
    "Naive",
    "PanelError",
    "PoissonGLM",
    "PoissonVAR",
    "QuantileAverage",
    "QuantileGrid",
    "RECOMMENDED_MODEL",
    "SamplePaths",
    "SeasonalNaive",
    "StatsForecastModel",
    "WindowAverage",
    "ZeroInflatedNBGLM",
    "Zero",
    "quantile_column",
]
