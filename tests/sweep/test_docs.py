"""The sweep guides' examples run (doctest) and their TOML configs are valid sweep configs."""

import doctest
import pathlib
import re

import pytest

from kdgap_sim.sweep.config import load_sweep

DOCS = pathlib.Path(__file__).resolve().parents[2] / "docs"


@pytest.mark.slow
def test_sweeps_guide_examples_run():
    result = doctest.testfile(
        str(DOCS / "sweeps.md"), module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
    )
    assert result.attempted > 10 and result.failed == 0


@pytest.mark.parametrize("page", ["sweeps.md", "slurm.md"])
def test_guide_configs_are_valid(tmp_path, page):
    blocks = re.findall(r"```toml\n(.*?)```", (DOCS / page).read_text(), flags=re.S)
    assert blocks
    for i, block in enumerate(blocks):
        block = re.sub(r'store = "[^"]*"', f'store = "{tmp_path / "s.zarr"}"', block)
        path = tmp_path / f"{i}.toml"
        path.write_text(block)
        cfg = load_sweep(path)
        cfg["grid"].resolve(cfg["env"], cfg["agent"], cfg["env_params"], cfg["agent_params"])
