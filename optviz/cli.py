"""The ``optviz`` command: a thin click layer over the library.

Each command turns text into objects in callbacks, calls the library and prints the result.
Heavy imports (jax, matplotlib) happen inside commands, so ``optviz --help`` is instant.
"""

from __future__ import annotations

import click

from optviz import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="optviz")
def main():
    """See how gradient-descent optimizers move on 2-D loss surfaces."""


@main.command("list")
def list_():
    """List the surfaces and the optimizers, each with its formula."""
    import surfaces

    from optviz import rules

    click.echo("Surfaces:")
    width = max(map(len, surfaces.names()))
    for name in surfaces.names():
        click.echo(f"  {name:<{width}}  {surfaces.get(name).formula}")
    click.echo("\nOptimizers (spec: NAME or NAME:key=value,...):")
    width = max(map(len, rules.RULES))
    for name in rules.RULES:
        keys = ", ".join(
            key if default is None else f"{key}={default:g}"
            for key, default in rules.hyperparameters(name).items()
        )
        click.echo(f"  {name:<{width}}  {rules.formula(name)}")
        click.echo(f"  {'':<{width}}  ({keys})")
    click.echo("\nAny optax optimizer: optax:NAME[:key=value,...] (needs the [optax] extra).")
