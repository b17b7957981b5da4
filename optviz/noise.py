"""The randomness of stochastic runs, as pure functions of (seed, start, step).

Every start has its own stream, named by the start point itself and not by its place among
the others (`start_word`: a hash of the bits of its float32 coordinates, of how many starts
before it are at the same point, and of the seed). So a start's path is the same whether it
runs alone or anywhere among ten thousand others, as long as no other start at the same point
comes before it; copies of one start (an ensemble) get streams of their own, the k-th copy the
same one in any run. The same seed gives the same paths. Two starts share a stream only if
their 32-bit words collide, a chance of 2**-32 per pair.

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
import numpy as np

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


def _bits(points) -> np.ndarray:
    """The float32 bits of (..., 2) ``points`` as one uint64 each, -0.0 taken as 0.0."""
    points = np.asarray(points, np.float32) + np.float32(0.0)
    return points.view(np.uint64)[..., 0]


def copies(starts) -> np.ndarray:
    """For each of the (n, 2) ``starts``, how many starts before it are at the same (float32)
    point: 0 for all of them unless some are repeated."""
    order = np.argsort(_bits(starts), kind="stable")
    ordered = _bits(starts)[order]
    begins = np.concatenate([[True], ordered[1:] != ordered[:-1]])
    index = np.arange(len(order))
    rank = np.empty(len(order), np.uint32)
    rank[order] = index - np.maximum.accumulate(np.where(begins, index, 0))
    return rank


def start_word(seed, point, copy):
    """The uint32 word that names the stream of the ``copy``-th start at ``point`` (x, y) under
    ``seed``: PCG3D of the bits of its float32 coordinates (-0.0 taken as 0.0), then of the
    copy. Computed once per start, it costs nothing per step."""
    point = jnp.asarray(point, jnp.float32)
    # -0.0 == 0.0, so the where makes both +0.0 (XLA would drop an added 0.0).
    bits = jax.lax.bitcast_convert_type(jnp.where(point == 0, 0.0, point), jnp.uint32)
    a, b, _ = pcg3d(bits[0], bits[1], seed)
    return pcg3d(a, jnp.asarray(copy, jnp.uint32), b)[0]


def normal(seed, start, step):
    """Two independent standard normals for ``start`` (its `start_word`) at ``step`` (uint32
    scalars)."""
    a, b, _ = pcg3d(start, step, seed)
    words = jnp.stack([a, b])
    # The top 24 bits as the midpoints of 2**24 equal cells of (-1, 1): never -1 or 1.
    u = (words >> 8).astype(jnp.float32) * 2.0**-23 - (1.0 - 2.0**-24)
    return jnp.sqrt(2.0) * jax.lax.erf_inv(u)


def key(seed, start, step):
    """A jax key for ``start`` at ``step``, for draws that `normal` cannot make."""
    return jax.random.fold_in(jax.random.fold_in(jax.random.key(seed), start), step)
