import json
import os

import numpy as np
import pytest

from sklearn_jam import load_dataset
from sklearn_jam.cli import main
from sklearn_jam.emulator import load_emulator


def test_bad_input_is_a_clear_error(tmp_path, capsys):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "keep.txt").write_text("data")
    assert main(["simulate", "--n-samples", "2", "--out", str(tmp_path / "x")]) == 1
    assert "holds no sklearn_jam dataset" in capsys.readouterr().err
    assert main(["train", "--data", str(tmp_path / "x"), "--out", str(tmp_path / "m.joblib")]) == 1
    with pytest.raises(SystemExit):
        main(["simulate"])  # --n-samples and --out are required


@pytest.mark.slow
def test_simulate_train_evaluate(tmp_path, capsys):
    data = tmp_path / "data"
    assert (
        main(
            [
                "simulate",
                "--n-samples",
                "10",
                "--out",
                str(data),
                "--n-jobs",
                "2",
                "--chunk-size",
                "5",
                "--seed",
                "1",
            ]
        )
        == 0
    )
    assert "10 done, 0 failed" in capsys.readouterr().out
    model = tmp_path / "model.npz"  # the format without code, which evaluate opens as is
    assert main(["train", "--data", str(data), "--out", str(model), "--max-epochs", "2"]) == 0
    est = load_emulator(model)
    card = json.loads(model.with_suffix(".card.json").read_text())
    assert card["n_train"] == 8 and card["spec_version"] == "2" and len(est.history_) == 2
    assert not hasattr(est, "train_info_")
    assert len(json.loads(model.with_suffix(".history.json").read_text())) == 2
    report = tmp_path / "report"
    assert (
        main(
            [
                "evaluate",
                "--model",
                str(model),
                "--data",
                str(data),
                "--out",
                str(report),
                "--split",
                "test",
            ]
        )
        == 0
    )
    metrics = json.loads((report / "metrics.json").read_text())
    assert metrics["metrics"]["n_maps"] == 2 and "unseen maps" in metrics["data"]
    assert "fraction" in metrics["units"]["fraction_within_1pct"]
    assert (report / "figure2.png").stat().st_size > 10_000
    assert (report / "figure3.png").stat().st_size > 10_000
    assert np.isfinite(load_dataset(data).y).all()


@pytest.mark.slow
def test_the_emulator_trains_on_spherically_aligned_maps(tmp_path, capsys):
    data, model = tmp_path / "sph", tmp_path / "model.npz"
    argv = ["simulate", "--n-samples", "6", "--out", str(data), "--chunk-size", "3"]
    assert main([*argv, "--align", "sph", "--nodes", "12"]) == 0
    assert "6 done, 0 failed" in capsys.readouterr().out
    assert load_dataset(data).param_names[4] == "beta_r"
    assert main(["train", "--data", str(data), "--out", str(model), "--max-epochs", "1"]) == 0
    card = json.loads(model.with_suffix(".card.json").read_text())
    assert card["data_settings"]["align"] == "sph"
    assert card["data_settings"]["model"] == "engine(n_nodes=12)"
    report = tmp_path / "report"
    assert main(["evaluate", "--model", str(model), "--data", str(data), "--out", str(report)]) == 0
    cyl = tmp_path / "cyl"
    assert main(["simulate", "--n-samples", "3", "--out", str(cyl), "--chunk-size", "3"]) == 0
    capsys.readouterr()
    assert main(["evaluate", "--model", str(model), "--data", str(cyl), "--out", str(report)]) == 1
    assert "maps of align='cyl' but the model was trained on align='sph'" in capsys.readouterr().err


def test_simulate_takes_jampy9s_eq37_and_refuses_it_cylindrically(tmp_path, capsys):
    data = tmp_path / "eq37"
    argv = ["simulate", "--n-samples", "2", "--out", str(data), "--chunk-size", "2"]
    assert main([*argv, "--anisotropy", "eq37"]) == 1
    assert "anisotropy='eq37' is jampy 9's beta(theta)" in capsys.readouterr().err
    assert not data.exists()  # refused before any work
    assert main([*argv, "--align", "sph", "--anisotropy", "eq37", "--nodes", "12"]) == 0
    dataset = load_dataset(data)
    assert dataset.attrs["settings"]["anisotropy"] == "eq37"
    assert dataset.param_names[4] == "beta_z" and np.isfinite(dataset.y).all()


@pytest.mark.slow
def test_demo_quick(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--quick", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    from sklearn_jam.jam.crosscheck import jampy_major_version

    # the yardstick: a jampy 8 call, or without jampy 8 (jampy 9) the exact engine, said so
    yardstick = "direct JAM call" if jampy_major_version() == 8 else "exact engine, 1 galaxy"
    assert "maps max|E|<1%" in text and yardstick in text and "paper" in text
    assert "deliberately small" in text
    summary = json.loads((out / "summary.json").read_text())
    assert summary["n_train"] == 24 and summary["speed"]["demo"]["jam_direct_s"] > 0
    assert set(summary["units"]) >= {"simulation_seconds", "train_seconds", "accuracy", "speed"}
    # One JAM timing serves every model's speed-up.
    assert len({sp["jam_direct_s"] for sp in summary["speed"].values()}) == 1
    for name in (
        "model.npz",
        "speed_table.txt",
        "report/figure2.png",
        "report/figure3.png",
        "report/metrics.json",
        "README.txt",
    ):
        assert (out / name).exists(), name


def _one_line_error(capsys, fragment):
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1, err
    assert fragment in err, err
    return err


def test_user_errors_are_one_line_with_a_non_zero_exit(tmp_path, capsys):
    (tmp_path / "afile").write_text("x")
    assert main(["simulate", "--n-samples", "2", "--out", str(tmp_path / "afile")]) == 1
    _one_line_error(capsys, "is a file, not a directory")

    config = tmp_path / "config.json"
    config.write_text(json.dumps({"max_epoch": 3}))
    data = tmp_path / "data"
    assert main(["simulate", "--n-samples", "10", "--out", str(data), "--chunk-size", "5"]) == 0
    capsys.readouterr()
    model = tmp_path / "m.joblib"
    args = ["train", "--data", str(data), "--out", str(model)]
    assert main(args + ["--config", str(config)]) == 1
    _one_line_error(capsys, "unknown parameters ['max_epoch']")
    assert main(args + ["--device", "tpu", "--max-epochs", "1"]) == 1
    _one_line_error(capsys, "device='tpu' is not usable")
    assert not model.exists()

    truncated = tmp_path / "truncated.joblib"
    truncated.write_bytes(b"\x80\x04\x95")
    assert main(["benchmark", "--model", str(truncated), "--n-jam", "1"]) == 1
    _one_line_error(capsys, "sklearn-jam benchmark: error:")


def test_debug_shows_the_traceback(tmp_path):
    (tmp_path / "afile").write_text("x")
    with pytest.raises(ValueError, match="is a file"):
        main(["--debug", "simulate", "--n-samples", "2", "--out", str(tmp_path / "afile")])


def test_a_run_where_every_galaxy_failed_exits_non_zero(tmp_path, capsys, monkeypatch):
    import sklearn_jam.simulator as simulator_module

    def refuse(*args, **kwargs):
        raise ValueError("JAM refuses this galaxy")

    monkeypatch.setattr(simulator_module, "sersic_vrms", refuse)
    with pytest.warns(UserWarning, match="4 of 4 galaxies failed"):
        code = main(["simulate", "--n-samples", "4", "--out", str(tmp_path / "d")])
    assert code == 1
    out, err = capsys.readouterr()
    assert "0 done, 4 failed" in out and "JAM refuses this galaxy" in out
    assert "every galaxy failed" in err


def test_train_replaces_a_model_whole_or_not_at_all(tmp_path, monkeypatch):
    import sklearn_jam.cli.train as train_module

    data = tmp_path / "data"
    assert main(["simulate", "--n-samples", "10", "--out", str(data), "--chunk-size", "5"]) == 0
    model = tmp_path / "m.joblib"
    model.write_bytes(b"the previous model")

    def broken_dump(obj, filename, **kwargs):
        with open(filename, "wb") as fh:
            fh.write(b"half a mod")
        raise OSError("disk full")

    monkeypatch.setattr(train_module.joblib, "dump", broken_dump)
    args = ["train", "--data", str(data), "--out", str(model), "--max-epochs", "1"]
    assert main(args) == 1
    assert model.read_bytes() == b"the previous model"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "m.joblib"]


def test_every_option_has_help_and_its_default():
    from sklearn_jam.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, p in sub.choices.items():
        for action in p._actions:
            if action.dest in ("help",):
                continue
            assert action.help, f"{name} {action.option_strings} has no help"
        text = p.format_help()
        if name == "simulate":
            for fragment in (
                "--n-samples",
                "--n-jobs",
                "(default: 1)",
                "(default: 250)",
                "resumes only with the same",
            ):
                assert fragment in text, fragment


class _Evil:
    """A pickle that runs a command when it is loaded (what an adversary would share)."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("command", ["evaluate", "benchmark"])
def test_a_pickled_model_runs_no_code_by_default(tmp_path, capsys, command):
    import joblib

    marker = tmp_path / "pwned"
    joblib.dump(_Evil(marker), tmp_path / "evil.joblib")
    argv = [command, "--model", str(tmp_path / "evil.joblib")]
    argv += ["--data", str(tmp_path), "--out", str(tmp_path / "r")] if command == "evaluate" else []
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "can run any code when loaded" in err and "--trust-model" in err
    assert not marker.exists()


def test_the_shipped_model_is_checked_before_it_is_read(monkeypatch):
    import sklearn_jam.emulator.pretrained as pretrained

    monkeypatch.setattr(pretrained, "PRETRAINED_SHA256", "0" * 64)
    with pytest.raises(ValueError, match="not the file this sklearn_jam was released with"):
        pretrained.load_pretrained()
