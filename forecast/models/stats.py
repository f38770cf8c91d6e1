"""Adapter for statsforecast models: their point forecasts, our count distribution.

statsforecast's own intervals are Gaussian; around its point forecast we put a negative
binomial whose dispersion comes from the model's in-sample one-step residuals.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import statsforecast.models as sf_models
from statsforecast import StatsForecast

from forecast.models.base import Forecaster
from forecast.models.distributions import NegativeBinomial, nb_dispersion


class StatsForecastModel(Forecaster):
    """Any ``statsforecast.models`` class with a negative-binomial predictive distribution.

    Parameters
    ----------
    model : str
        Class name in ``statsforecast.models`` (``AutoETS``, ``CrostonSBA``, ``TSB``, ...).
    params : dict, optional
        Keyword arguments for that class.
    seed : int
        Seed for sample paths.
    """

    def __init__(self, model: str = "AutoETS", params: dict[str, Any] | None = None, seed: int = 0) -> None:
        self.model = model
        self.params = params
        self.seed = seed

    def _fit(self, y: np.ndarray) -> None:
        model_class = getattr(sf_models, self.model, None)
        if not isinstance(model_class, type):
            raise ValueError(f"StatsForecastModel.model={self.model!r} is not a class of statsforecast.models.")
        dates = pd.date_range(end=self.last_ds_, periods=y.shape[1], freq=self.freq_)
        frame = pd.DataFrame(
            {"unique_id": np.repeat(self.ids_, y.shape[1]), "ds": np.tile(dates, y.shape[0]), "y": y.ravel()}
        )
        engine = StatsForecast(models=[model_class(**dict(self.params or {}))], freq=self.freq_, n_jobs=1)
        # fit once here; _distribution predicts from these fitted models without refitting
        engine.fit(df=frame)
        in_sample = {str(uid): m.predict_in_sample()["fitted"] for uid, m in zip(engine.uids, engine.fitted_[:, 0])}
        self.alpha_ = nb_dispersion(y, np.stack([in_sample[uid] for uid in self.ids_]).astype(float))
        self.engine_ = engine

    def _distribution(self, h: int) -> NegativeBinomial:
        point = self.engine_.predict(h=h)
        column = point.columns[-1]
        mu = point.pivot(index="unique_id", columns="ds", values=column).loc[self.ids_].to_numpy(dtype=float)
        mu = np.clip(np.nan_to_num(mu, nan=0.0), 0.0, None)  # level models can dip below zero
        return NegativeBinomial(mu=mu, alpha=np.repeat(self.alpha_[:, None], h, axis=1))
