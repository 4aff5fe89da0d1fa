"""Command line: ``sklearn-jam simulate | train | evaluate | benchmark | demo | fit``.

Each sub-command is a module of this package holding its job (a function that
scripts and benchmarks call too), its options (``add_parser``) and its ``run``.
"""

import argparse
import signal
import sys
import threading

from . import demo, evaluate, fit, simulate, timing, train

__all__ = ["main", "build_parser"]

#: What an interrupted command leaves: only simulate resumes.
_RESUME = {
    "simulate": "run the same command again to resume",
    "fit": "nothing was written (a fit does not resume; run it again)",
    "train": "the model was not written (training does not resume; run it again)",
}

#: The sub-commands, in the order ``--help`` lists them.
_COMMANDS = (simulate, train, evaluate, timing, demo, fit)


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised as an interrupt so that joblib ends its workers as on Ctrl-C."""


def _terminate(signum, frame):
    raise _Terminated


def _main_thread():
    return threading.current_thread() is threading.main_thread()


class _Parser(argparse.ArgumentParser):
    """argparse's parser with its errors on one line, as every other error of the command."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser():
    """The argument parser of ``sklearn-jam``."""
    parser = _Parser(prog="sklearn-jam", description=__doc__.splitlines()[0])
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module in _COMMANDS:
        module.add_parser(subparsers)
    return parser


def main(argv=None):
    """Entry point of the ``sklearn-jam`` command.

    Returns 0 on success, 1 when the command failed (one line on stderr; the
    traceback with ``--debug``), 130 when interrupted (Ctrl-C) and 143 when
    terminated (SIGTERM), its workers ended either way; a bad command line exits
    with 2 (argparse's code), also on one line.
    """
    args = build_parser().parse_args(argv)
    previous = signal.signal(signal.SIGTERM, _terminate) if _main_thread() else None
    try:
        return args.func(args)
    except _Terminated:
        print(
            f"sklearn-jam {args.command}: terminated (SIGTERM); "
            + _RESUME.get(args.command, "nothing was written"),
            file=sys.stderr,
        )
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:
        print(
            f"sklearn-jam {args.command}: interrupted; "
            + _RESUME.get(args.command, "nothing was written"),
            file=sys.stderr,
        )
        return 130
    except Exception as exc:  # noqa: BLE001 -- one line for the user, the rest with --debug
        if args.debug:
            raise
        kind = "" if isinstance(exc, ValueError) else f"{type(exc).__name__}: "
        message = " ".join(str(exc).split()) or repr(exc)
        print(f"sklearn-jam {args.command}: error: {kind}{message}", file=sys.stderr)
        return 1
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
