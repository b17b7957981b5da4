"""Independent references: the textbook update formulas as plain NumPy loops in float64, on
surfaces whose gradients are written out by hand (no autodiff)."""

import numpy as np

GRADIENTS = {
    "bowl": lambda p: np.array([p[0] / 10, 2 * p[1]]),
    "rosenbrock": lambda p: np.array(
        [-2 * (1 - p[0]) - 400 * p[0] * (p[1] - p[0] ** 2), 200 * (p[1] - p[0] ** 2)]
    ),
}


def textbook_path(
    rule, grad, x0, steps, lr, beta=0.9, rho=0.99, b1=0.9, b2=0.999, eps=1e-8, noise=0.0, rng=None
):
    """Points x_0..x_steps of ``rule`` as the papers and torch.optim's docs write it; sgd adds
    Gaussian noise of std ``noise`` drawn from ``rng`` to each gradient."""
    x = np.array(x0, dtype=np.float64)
    v = np.zeros(2)
    s = np.zeros(2)
    m = np.zeros(2)
    path = [x.copy()]
    for t in range(1, steps + 1):
        if rule == "nesterov-lookahead":  # Sutskever et al. 2013
            v = beta * v - lr * grad(x + beta * v)
            x = x + v
            path.append(x.copy())
            continue
        g = grad(x)
        if rule == "sgd":
            g = g + noise * rng.standard_normal(2)
        if rule in ("gd", "sgd"):
            x = x - lr * g
        elif rule == "momentum":
            v = beta * v + g
            x = x - lr * v
        elif rule == "nesterov":
            v = beta * v + g
            x = x - lr * (g + beta * v)
        elif rule == "adagrad":
            s = s + g * g
            x = x - lr * g / (np.sqrt(s) + eps)
        elif rule == "rmsprop":
            s = rho * s + (1 - rho) * g * g
            x = x - lr * g / (np.sqrt(s) + eps)
        elif rule == "adam":
            m = b1 * m + (1 - b1) * g
            s = b2 * s + (1 - b2) * g * g
            m_hat = m / (1 - b1**t)
            s_hat = s / (1 - b2**t)
            x = x - lr * m_hat / (np.sqrt(s_hat) + eps)
        else:
            raise KeyError(rule)
        path.append(x.copy())
    return np.array(path)
