"""SGD's Gaussian noise: standard normal, independent across starts, steps, seeds and its two
components, and a function of (seed, start, step) only."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from optviz import noise

STARTS, STEPS = 2000, 250  # a million normals per seed


def _draws(seed: int) -> np.ndarray:
    """(STARTS, STEPS, 2) normals, as the runner draws them."""
    start = jnp.arange(STARTS, dtype=jnp.uint32)[:, None]
    step = jnp.arange(STEPS, dtype=jnp.uint32)[None, :]
    draw = jax.vmap(jax.vmap(noise.normal, (None, None, 0)), (None, 0, None))
    return np.asarray(jax.jit(draw)(jnp.uint32(seed), start[:, 0], step[0]), dtype=np.float64)


@pytest.fixture(scope="module")
def draws():
    return {seed: _draws(seed) for seed in (0, 1, 4_000_000_000)}


def test_moments_and_distribution_are_standard_normal(draws):
    for z in draws.values():
        flat = z.ravel()
        n = flat.size
        assert abs(flat.mean()) < 5 / math.sqrt(n)
        assert abs(flat.var() - 1) < 5 * math.sqrt(2 / n)
        # Kolmogorov-Smirnov distance to the normal CDF, on a sample sorted once.
        sample = np.sort(flat[::10])
        cdf = 0.5 * (1 + np.vectorize(math.erf)(sample / math.sqrt(2)))
        ecdf = np.arange(1, sample.size + 1) / sample.size
        assert np.abs(cdf - ecdf).max() < 1.63 / math.sqrt(sample.size)  # 1% level
        # The tails are there, to about 5 sigma, and nothing is infinite.
        assert np.isfinite(flat).all() and 4.5 < np.abs(flat).max() < 5.5


def test_draws_are_uncorrelated_across_starts_steps_seeds_and_components(draws):
    z, other = draws[0], draws[1]
    pairs = {
        "neighbouring starts": (z[:-1], z[1:]),
        "neighbouring steps": (z[:, :-1], z[:, 1:]),
        "the two components": (z[..., 0], z[..., 1]),
        "seeds 0 and 1": (z, other),
        "squares, next step": (z[:, :-1] ** 2, z[:, 1:] ** 2),
    }
    for name, (a, b) in pairs.items():
        r = np.corrcoef(a.ravel(), b.ravel())[0, 1]
        assert abs(r) < 5 / math.sqrt(a.size), (name, r)


def test_a_draw_depends_on_seed_start_and_step_only():
    one = noise.normal(jnp.uint32(7), jnp.uint32(123), jnp.uint32(45))
    z = _draws(7)
    np.testing.assert_array_equal(np.asarray(one, dtype=np.float64), z[123, 45])


@pytest.mark.parametrize("seed", [-1, 2**32, 1.5, True, "3"])
def test_seeds_are_whole_numbers_of_32_bits(seed):
    with pytest.raises(ValueError, match="seed must be a whole number from 0 to 4294967295"):
        noise.check_seed(seed)
    assert noise.check_seed(np.int64(2**32 - 1)) == 2**32 - 1


def test_copies_count_the_earlier_starts_at_the_same_point():
    rng = np.random.default_rng(0)
    starts = rng.integers(-2, 3, (300, 2)).astype(float)
    starts[rng.random(300) < 0.2] *= -1  # -0.0 is the same point as 0.0
    expected = [sum(tuple(p) == tuple(q) for q in starts[:i]) for i, p in enumerate(starts)]
    np.testing.assert_array_equal(noise.copies(starts), expected)


def test_a_start_word_depends_on_the_point_the_copy_and_the_seed():
    word = jax.jit(noise.start_word)
    base = int(word(jnp.uint32(1), jnp.array([0.5, -2.0]), jnp.uint32(0)))
    assert int(word(jnp.uint32(1), jnp.array([0.5, -2.0]), jnp.uint32(0))) == base
    others = [
        word(jnp.uint32(2), jnp.array([0.5, -2.0]), jnp.uint32(0)),
        word(jnp.uint32(1), jnp.array([-2.0, 0.5]), jnp.uint32(0)),
        word(jnp.uint32(1), jnp.array([0.5, -2.0]), jnp.uint32(1)),
        word(jnp.uint32(1), jnp.array([np.nextafter(np.float32(0.5), 1), -2.0]), jnp.uint32(0)),
    ]
    assert len({base, *map(int, others)}) == 5
    zero, minus_zero = (
        int(word(jnp.uint32(1), jnp.array(p), jnp.uint32(0))) for p in ([0.0, 1.0], [-0.0, 1.0])
    )
    assert zero == minus_zero
