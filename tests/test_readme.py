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


@pytest.mark.slow
@pytest.mark.parametrize("index", range(len(_blocks("python"))))
def test_python_block_runs_as_pasted(index, tmp_path):
    code = _blocks("python")[index]
    env = {**os.environ, "MPLBACKEND": "Agg"}
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, f"README block {index}:\n{code}\n{proc.stderr[-3000:]}"


@pytest.mark.parametrize("argv", _commands(), ids=lambda argv: " ".join(argv[:1]))
def test_command_lines_parse(argv):
    args = build_parser().parse_args(argv)
    assert args.command == argv[0]
