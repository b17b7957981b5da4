"""The randomness of stochastic runs, as pure functions of (seed, start, step).

Every start of a run has its own stream, so a start's path is the same whether it runs alone or
among ten thousand others in the same position, and the same seed gives the same paths.

Gaussian gradient noise comes from a counter-based hash rather than from jax's threefry keys:
on a CPU one threefry hash costs more than a whole optimizer step, and SGD drew two normals per
start and step, so three quarters of its time went on noise. Here the counter
``(start, step, seed)`` goes through PCG3D (Jarzynski & Olano, "Hash Functions for GPU
Rendering", JCGT 9(3), 2020: the hash for multidimensional counters at the high-quality end of
their TestU01 speed/quality frontier), about fifty times cheaper than threefry here, and two of
its three 32-bit words become normals by the inverse CDF, ``z = sqrt(2) erfinv(2u - 1)``, as
`jax.random.normal` does. tests/test_noise.py checks their moments, distribution and
independence across starts, steps and seeds. Mini-batches (a subset drawn without
replacement, small and rare) use jax's keys for the same counter.
"""

from __future__ import annotations

import operator

import jax
import jax.numpy as jnp

SEEDS = 2**32  # a seed is a whole number in [0, SEEDS)

_LCG = (1664525, 1013904223)  # Numerical Recipes' 32-bit LCG, PCG3D's first round


def check_seed(seed) -> int:
    """``seed`` as an int; ``ValueError`` unless it is a whole number in [0, 2**32)."""
    try:
        value = None if isinstance(seed, bool) else operator.index(seed)
    except TypeError:
        value = None
    if value is None or not 0 <= value < SEEDS:
        raise ValueError(f"seed must be a whole number from 0 to {SEEDS - 1}, got {seed!r}")
    return value


def pcg3d(a, b, c):
    """PCG3D: three uint32 words -> three uint32 words, every output bit depending on every
    input bit. ``v <- 1664525 v + 1013904223``, then two rounds of ``v_i += v_j v_k`` around
    ``v ^= v >> 16``."""
    a, b, c = (jnp.uint32(_LCG[0]) * v + jnp.uint32(_LCG[1]) for v in (a, b, c))
    a, b, c = _mix(a, b, c)
    a, b, c = a ^ (a >> 16), b ^ (b >> 16), c ^ (c >> 16)
    return _mix(a, b, c)


def _mix(a, b, c):
    a = a + b * c
    b = b + c * a
    c = c + a * b
    return a, b, c


def normal(seed, start, step):
    """Two independent standard normals for ``start`` at ``step`` (uint32 scalars)."""
    a, b, _ = pcg3d(start, step, seed)
    words = jnp.stack([a, b])
    # The top 24 bits as the midpoints of 2**24 equal cells of (-1, 1): never -1 or 1.
    u = (words >> 8).astype(jnp.float32) * 2.0**-23 - (1.0 - 2.0**-24)
    return jnp.sqrt(2.0) * jax.lax.erf_inv(u)


def key(seed, start, step):
    """A jax key for ``start`` at ``step``, for draws that `normal` cannot make."""
    return jax.random.fold_in(jax.random.fold_in(jax.random.key(seed), start), step)
