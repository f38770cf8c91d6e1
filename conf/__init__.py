"""The Hydra configs, shipped as the package ``forecast.conf`` (found via ``pkg://forecast.conf``)."""
