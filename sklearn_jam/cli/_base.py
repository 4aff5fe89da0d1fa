"""What the command's jobs share: their sub-parser and the parsing of ``NAME=VALUE`` options."""

import argparse

__all__ = ["add_command", "parse_pairs"]


def add_command(subparsers, name, help, run):
    """A sub-command whose ``--help`` shows its description and every default.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The ``sklearn-jam`` parser's sub-commands.
    name, help : str
        The sub-command and its one-line description.
    run : callable
        ``run(args) -> exit code``, the job.

    Returns
    -------
    parser : argparse.ArgumentParser
    """
    parser = subparsers.add_parser(
        name, help=help, description=help, formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.set_defaults(func=run)
    return parser


def parse_pairs(items, what):
    """``name=value`` strings to a dict; values are floats or comma-separated floats."""
    out = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        try:
            numbers = [float(v) for v in value.split(",")]
        except ValueError:
            numbers = None
        if not sep or not name or numbers is None:
            raise ValueError(
                f"{what} {item!r} must be NAME=NUMBER" + ("[,NUMBER]" if what == "--bounds" else "")
            )
        out[name] = numbers[0] if len(numbers) == 1 else tuple(numbers)
    return out
