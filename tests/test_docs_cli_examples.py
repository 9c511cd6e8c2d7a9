"""Every shell example of docs/cli.md runs, as written, against the installed ``kdgap`` (slow).

The ``kdgap ...`` lines of the ```bash blocks are run one by one in a fresh folder, with
``study.toml`` taken from the page's ``kdgap simulate`` section; each must exit with status 0.
"""

import os
import pathlib
import re
import shlex
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "cli.md"


def _blocks(text, language):
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


def shell_examples():
    lines = [line.strip() for block in _blocks(PAGE.read_text(), "bash") for line in block.splitlines()]
    return [line for line in lines if line.startswith("kdgap ")]


def study_config():
    text = PAGE.read_text()
    section = text[text.index("## `kdgap simulate CONFIG.toml`"):]
    return _blocks(section, "toml")[0]


def test_the_page_has_examples():
    examples = shell_examples()
    assert any(e.startswith("kdgap demo") for e in examples)
    assert any(e.startswith("kdgap simulate study.toml") for e in examples)


@pytest.mark.slow
@pytest.mark.parametrize("command", shell_examples())
def test_cli_example_runs(tmp_path, command):
    kdgap = shutil.which("kdgap")
    if kdgap is None:
        pytest.skip("the kdgap command is not installed")
    (tmp_path / "study.toml").write_text(study_config())
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    argv = [kdgap, *shlex.split(command)[1:]]
    done = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{command}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
