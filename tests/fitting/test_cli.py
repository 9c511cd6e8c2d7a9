"""``kdgap fit``: summary table, netCDF InferenceData and figure; one-line errors for bad input."""

import arviz as az
import jax
import jax.numpy as jnp
import pytest

from kdgap_sim.cli import main
from kdgap_sim.fitting import simulate_log


def test_fit_command_writes_netcdf_and_figure(tmp_path, capsys):
    log = simulate_log(jax.random.key(0), "rw", jnp.array([[0.3, 5.0], [0.5, 3.0], [0.2, 8.0]]), 30)
    path = tmp_path / "choices.csv"
    log.to_dataframe().to_csv(path, index=False)
    code = main(["fit", str(path), "--model", "rw", "--method", "svi", "--svi-steps", "200",
                 "--draws", "100", "--ppc-draws", "10", "--out", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert code == 0
    assert "mu_alpha_pos" in out and "hdi_5%" in out and "R-hat and divergences do not apply" in out
    assert "point estimates only" in out
    idata = az.from_netcdf(str(tmp_path / "out" / "choices_rw.nc"))
    assert idata.posterior["alpha_pos"].shape == (1, 100, 3)
    assert (tmp_path / "out" / "choices_rw.png").stat().st_size > 10_000


def test_fit_command_reports_malformed_logs_in_one_line(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("subject,trial,choice,reward\n1,1,0,1\n1,1,1,0\n")
    assert main(["fit", str(path), "--model", "rw"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("kdgap fit: error: row 2 (line 3 of")
    assert "column 'trial'" in err and "\n" not in err
    path.write_text("subject,trial,choice,reward\n1,1,0,1\n1,2,1,0\n")
    assert main(["fit", str(path), "--model", "nope"]) == 2
    assert "unknown model 'nope'" in capsys.readouterr().err


def test_fit_command_checks_out_and_seed_before_fitting(tmp_path, capsys):
    path = tmp_path / "choices.csv"
    path.write_text("subject,trial,choice,reward\n1,1,0,1\n1,2,1,0\n")
    afile = tmp_path / "afile"
    afile.write_text("")
    assert main(["fit", str(path), "--model", "rw", "--out", str(afile)]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(f"kdgap fit: error: --out '{afile}' is an existing file")
    assert "model rw" not in captured.out
    with pytest.raises(SystemExit):
        main(["fit", str(path), "--model", "rw", "--seed", str(2**64)])
    assert "argument --seed: must be in [0, 2**32)" in capsys.readouterr().err
