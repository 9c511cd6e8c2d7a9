import math

import pytest

from kdgap_sim import cli, gallery


def test_scripts_are_discovered_in_section_order():
    found = gallery.entries()
    names = [e.name for e in found]
    assert {"sec1_greedy", "sec1_profile", "sec3_optimism"} <= set(names)
    assert [e.section for e in found] == sorted(e.section for e in found)
    assert all(e.title for e in found)


def test_resolve_short_names_and_errors():
    assert [e.name for e in gallery.resolve(["optimism", "sec1_greedy"])] == ["sec3_optimism", "sec1_greedy"]
    with pytest.raises(ValueError, match="unknown gallery script 'nope'"):
        gallery.resolve(["nope"])


def test_cli_list_and_unknown_name(capsys):
    assert cli.main(["gallery", "--list"]) == 0
    out = capsys.readouterr().out
    assert "sec1_greedy" in out and "section 3" in out
    assert cli.main(["gallery", "nope"]) == 2
    assert "unknown gallery script" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.parametrize("name", [e.name for e in gallery.entries()])
def test_every_script_runs_in_quick_mode(tmp_path, name, capsys):
    numbers = gallery.run([name], quick=True, out_dir=str(tmp_path))[name]
    assert numbers and all(math.isfinite(v) for v in numbers.values())
    assert (tmp_path / f"{name}.png").stat().st_size > 10000
    assert (tmp_path / f"{name}.pdf").stat().st_size > 1000
    assert "paper" in capsys.readouterr().out
