"""optviz: how gradient-descent optimizers move on 2-D loss surfaces.

    traj = optviz.run("beale", ["gd", "momentum", "adam:lr=0.05"], steps=300)

The public names load on first use, so that the command line starts without importing jax.
"""

import importlib

__version__ = "0.1.0"

_PUBLIC = {
    "run": "optviz.runner",
    "Spec": "optviz.spec",
    "parse_spec": "optviz.spec",
    "Trajectories": "optviz.trajectories",
    "Animation": "optviz.animation",
    "animate": "optviz.animation",
    "compare": "optviz.animation",
    "plot": "optviz.animation",
    "plot_loss": "optviz.animation",
    "tune": "optviz.tuning",
    "basins": "optviz.basin_maps",
    "sweep": "optviz.stability",
    "rate_map": "optviz.phase",
    "register": "optviz.external",
    "page": "optviz.interactive",
}

__all__ = [*_PUBLIC, "__version__"]


def __getattr__(name):
    if name in _PUBLIC:
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'optviz' has no attribute {name!r}")
