"""``hydra/launcher=ray``: each job of a ``-m`` sweep runs as one Ray task (:mod:`.ray_launcher`)."""
