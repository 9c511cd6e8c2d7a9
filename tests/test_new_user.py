"""A new user's first hour (slow): the README's two commands, in a fresh virtual environment, from a clean clone.

The commands between the ``<!-- ci-commands -->`` markers run as written, in bash, in a
``git clone`` of this checkout's committed HEAD and a new virtual environment. Two stand-ins
keep the test offline and short: the new environment finds the dependencies in this
environment's site-packages (a ``.pth`` file; ``PIP_NO_INDEX``, no build isolation, so pip
downloads nothing and installs only kdgap-sim itself), and ``PYTEST_ADDOPTS`` narrows the
second command's ``pytest`` to a few test files (the full suite is what CI runs).
"""

import os
import pathlib
import re
import subprocess
import sys
import sysconfig

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


def readme_commands():
    text = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- ci-commands -->\s*```bash\n(.*?)```\s*<!-- /ci-commands -->", text, re.S)
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_readme_has_the_two_commands():
    assert readme_commands() == ['pip install . && kdgap demo', 'pip install ".[test]" && pytest']


def _shim(bin_dir: pathlib.Path, name: str, module: str) -> None:
    path = bin_dir / name
    path.write_text(f'#!/bin/sh\nexec "$(dirname "$0")/python" -m {module} "$@"\n')
    path.chmod(0o755)


@pytest.mark.slow
def test_readme_commands_in_a_fresh_venv_from_a_clean_clone(tmp_path):
    clone, venv = tmp_path / "clone", tmp_path / "venv"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    new_site = subprocess.run([str(venv / "bin" / "python"), "-c",
                               "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                              check=True, capture_output=True, text=True).stdout.strip()
    pathlib.Path(new_site, "_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _shim(venv / "bin", "pip", "pip")
    _shim(venv / "bin", "pytest", "pytest")
    env = {
        "HOME": str(tmp_path), "PATH": f"{venv / 'bin'}:/usr/bin:/bin", "VIRTUAL_ENV": str(venv),
        "PIP_NO_INDEX": "1", "PIP_NO_BUILD_ISOLATION": "0", "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PYTEST_ADDOPTS": "-n 0 -q tests/test_public_api.py tests/test_startup.py",
        "KDGAP_COMPILE_CACHE": str(tmp_path / "cache"), "MPLBACKEND": "Agg",
    }
    for command in readme_commands():
        done = subprocess.run(["bash", "-c", command], cwd=clone, env=env, capture_output=True, text=True,
                              timeout=1200)
        assert done.returncode == 0, f"{command}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        if "kdgap demo" in command:
            assert "llm-2b-like" in done.stdout and (clone / "kdgap_demo" / "demo.png").exists()
            where = subprocess.run([str(venv / "bin" / "python"), "-c", "import kdgap_sim; print(kdgap_sim.__file__)"],
                                   cwd=tmp_path, env=env, capture_output=True, text=True).stdout
            assert where.startswith(str(venv)), where  # the installed copy, not a checkout
