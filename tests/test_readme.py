"""The README's blocks as a user pastes them: each Python block runs in a fresh interpreter, and
each ``sklearn-jam`` command line of its shell blocks is one the command's parser accepts."""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from sklearn_jam.cli import build_parser

README = Path(__file__).resolve().parents[1] / "README.md"


def _blocks(language):
    return re.findall(rf"```{language}\n(.*?)```", README.read_text(), flags=re.S)


def _commands():
    commands = []
    for block in _blocks("bash"):
        for line in block.splitlines():
            line = line.split("#", 1)[0].strip()
            for part in line.split("&&"):
                if part.strip().startswith("sklearn-jam "):
                    commands.append(shlex.split(part)[1:])
    return commands


def test_the_readme_has_the_blocks_tested_here():
    assert len(_blocks("python")) >= 4 and len(_commands()) >= 4


# One interpreter for all blocks (their imports cost more than some blocks), each block run
# with fresh globals, as pasted into a new session: one that leans on another fails.
_RUNNER = """
import sys, traceback
for index, code in enumerate(BLOCKS):
    try:
        exec(compile(code, f"README block {index}", "exec"), {"__name__": "__main__"})
    except BaseException:
        print(f"README block {index} failed:\\n{code}", file=sys.stderr)
        traceback.print_exc()
        sys.exit(1)
"""


@pytest.mark.slow
def test_python_blocks_run_as_pasted(tmp_path):
    code = f"BLOCKS = {_blocks('python')!r}\n" + _RUNNER
    env = {**os.environ, "MPLBACKEND": "Agg"}
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=900,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-4000:]


@pytest.mark.parametrize("argv", _commands(), ids=lambda argv: " ".join(argv[:1]))
def test_command_lines_parse(argv):
    args = build_parser().parse_args(argv)
    assert args.command == argv[0]
