"""``.. cli-help::``: the ``--help`` of ``sklearn-jam`` and of each sub-command, from its parser.

The page is made from :func:`sklearn_jam.cli.build_parser` at build time, so it
cannot drift from the command.
"""

import argparse
import os

from docutils import nodes
from sphinx.util.docutils import SphinxDirective


class CliHelp(SphinxDirective):
    """One section per sub-command, holding its help text."""

    def run(self):
        from sklearn_jam.cli import build_parser

        os.environ["COLUMNS"] = "88"  # argparse wraps at the terminal width: a fixed width here
        parser = build_parser()
        sections = [nodes.literal_block(text=parser.format_help())]
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        for name, command in sub.choices.items():
            section = nodes.section(ids=[f"sklearn-jam-{name}"])
            section += nodes.title(text=f"sklearn-jam {name}")
            section += nodes.literal_block(text=command.format_help())
            sections.append(section)
        return sections


def setup(app):
    app.add_directive("cli-help", CliHelp)
    return {"parallel_read_safe": True}
