"""The command line's jobs as Python functions: configurations, splits, tables, options."""

import json

import numpy as np
import pytest

from sklearn_jam import JamEmulatorRegressor
from sklearn_jam.cli._base import parse_pairs
from sklearn_jam.cli.demo import format_summary
from sklearn_jam.cli.fit import read_table
from sklearn_jam.cli.train import make_estimator, split_rows
from sklearn_jam.utils import format_table, jsonable


def test_make_estimator_configurations(tmp_path):
    assert make_estimator().get_params() == JamEmulatorRegressor().get_params()
    assert make_estimator("paper").get_params() == JamEmulatorRegressor.paper().get_params()
    config = tmp_path / "c.json"
    config.write_text(json.dumps({"hidden_layer_sizes": [8, 8], "max_epochs": 2}))
    est = make_estimator(str(config), max_epochs=5, device=None)
    assert est.hidden_layer_sizes == (8, 8) and est.max_epochs == 5


@pytest.mark.parametrize(
    ("content", "match"),
    [('{"hidden": 3}', r"unknown parameters \['hidden'\]"), ("[1, 2]", "JSON object")],
)
def test_make_estimator_refuses_bad_configurations(tmp_path, content, match):
    config = tmp_path / "c.json"
    config.write_text(content)
    with pytest.raises(ValueError, match=match):
        make_estimator(str(config))
    with pytest.raises(ValueError, match="'small', 'paper' or a JSON file"):
        make_estimator(str(tmp_path / "missing.json"))


def test_split_rows():
    assert split_rows(10000) == 8000 and split_rows(50) == 40 and split_rows(50, 10) == 10
    with pytest.raises(ValueError, match="between 1 and 49"):
        split_rows(50, 50)


def test_read_table(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("1 2 3\n4 5 6\n")
    np.testing.assert_array_equal(read_table(path, 3, "MGE"), [[1, 2, 3], [4, 5, 6]])
    with pytest.raises(ValueError, match="needs 4 columns, found 3"):
        read_table(path, 4, "kinematics")
    with pytest.raises(ValueError, match="cannot read the MGE file"):
        read_table(tmp_path / "none.txt", 3, "MGE")


def test_parse_pairs():
    assert parse_pairs(["a=1", "b=2,3"], "--bounds") == {"a": 1.0, "b": (2.0, 3.0)}
    with pytest.raises(ValueError, match=r"--fix 'a' must be NAME=NUMBER$"):
        parse_pairs(["a"], "--fix")


def test_format_summary_and_tables():
    acc = {"fraction_within_1pct": 0.5, "fraction_within_2pct": 0.75, "median_abs_E": 0.001}
    speed = {
        "jam_direct_s": 1.0,
        "emulator_full_single_s": 1e-3,
        "speedup_full_single": 1e3,
        "emulator_mlp_only_single_s": 1e-4,
        "speedup_mlp_only": 1e4,
        "emulator_full_batched_s": 1e-4,
        "speedup_batched": 1e4,
    }
    text = format_summary(
        {"n_train": 8, "n_test": 2, "accuracy": {"demo": acc}, "speed": {"demo": speed}}
    )
    assert "50.0%" in text and "75.0%" in text and "1000x" in text and "(trained on 8)" in text
    assert "direct JAM call (MGE fit + jam_axi_proj)" in text
    # without jampy 8 (jampy 9) the demo times the exact engine, and says so
    engine = "sklearn_jam's exact engine, 1 galaxy (no jampy 8), this run"
    text = format_summary(
        {"n_train": 8, "n_test": 2, "accuracy": {"demo": acc}, "speed": {"demo": speed},
         "yardstick": engine}
    )  # fmt: skip
    assert engine in text and "jam_axi_proj" not in text
    table = format_table([["a", 1], ["bb", 22]], ["x", "y"]).splitlines()
    assert table == ["x   y ", "--  --", "a   1 ", "bb  22"]
    assert jsonable({"a": (np.float32(1.5), [np.int64(2)])}) == {"a": [1.5, [2]]}


@pytest.mark.parametrize("n_jam", ["0", "-1"])
def test_benchmark_refuses_no_jampy_call_at_once(n_jam, capsys):
    from sklearn_jam.cli import main

    assert main(["benchmark", "--n-jam", n_jam]) == 1
    assert f"--n-jam {n_jam} must be at least 1" in capsys.readouterr().err


def test_train_checks_its_output_before_training(tmp_path, capsys, monkeypatch):
    """An existing directory as --out is refused before the dataset is even read."""
    import sklearn_jam.cli.train as train_module
    from sklearn_jam.cli import main

    def no_load(*args, **kwargs):
        raise AssertionError("the dataset was read before the output was checked")

    monkeypatch.setattr(train_module, "load_dataset", no_load)
    (tmp_path / "models").mkdir()
    assert main(["train", "--data", str(tmp_path), "--out", str(tmp_path / "models")]) == 1
    assert "is a directory; give the model file" in capsys.readouterr().err
    (tmp_path / "afile").write_text("x")
    assert main(["train", "--data", str(tmp_path), "--out", str(tmp_path / "afile" / "m")]) == 1
    assert "is a file, not a folder" in capsys.readouterr().err


def test_a_one_column_file_is_a_column(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("1\n2\n3\n")
    with pytest.raises(ValueError, match="needs 3 columns, found 1"):
        read_table(path, 3, "MGE")


def test_simulate_with_no_worker_creates_nothing(tmp_path, capsys):
    from sklearn_jam.cli import main

    out = tmp_path / "d"
    assert main(["simulate", "--n-samples", "4", "--out", str(out), "--n-jobs", "0"]) == 1
    assert "n_jobs=0 runs nothing" in capsys.readouterr().err
    assert not out.exists()


def test_demo_never_touches_a_users_folder(tmp_path):
    from sklearn_jam.cli.demo import _prepare_output

    user = tmp_path / "mine"
    user.mkdir()
    (user / "README.txt").write_text("my notes")
    with pytest.raises(ValueError, match="holds no sklearn-jam demo"):
        _prepare_output(user, {"quick": True, "seed": 0})
    assert (user / "README.txt").read_text() == "my notes" and len(list(user.iterdir())) == 1

    own = _prepare_output(tmp_path / "demo", {"quick": True, "seed": 0})
    (own / "summary.json").write_text("{}")
    (own / "train_data").mkdir()
    assert _prepare_output(own, {"quick": True, "seed": 0}) == own  # same settings: resumed
    assert (own / "summary.json").exists() and (own / "train_data").is_dir()
    _prepare_output(own, {"quick": False, "seed": 0})  # --quick, then without: replaced
    assert sorted(p.name for p in own.iterdir()) == [".sklearn-jam-demo.json"]
    (own / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match=r"files the demo did not write \(notes.txt\)"):
        _prepare_output(own, {"quick": True, "seed": 0})
    with pytest.raises(ValueError, match="is a file, not a folder"):
        _prepare_output(own / "notes.txt", {"quick": True, "seed": 0})


def test_a_bad_command_line_is_one_line_and_exit_2(capsys):
    from sklearn_jam.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["simulate", "--n-samples", "ten", "--out", "x"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "invalid int value: 'ten'" in err and "--help" in err


@pytest.mark.parametrize(("setting", "value"), [("r_max", 12.5), ("pixel_scale", 0.4)])
def test_evaluate_refuses_a_dataset_of_other_settings(tmp_path, setting, value):
    """The pretrained model on maps of another grid or images of another scale (issue 22)."""
    from importlib import resources

    from _helpers import toy_vrms

    from sklearn_jam import JamSimulator, simulate_to_store
    from sklearn_jam.cli.evaluate import evaluate

    sim = JamSimulator(vrms_func=toy_vrms, **{setting: value})
    simulate_to_store(sim, 4, tmp_path / "d", seed=0, chunk_size=4)
    model = resources.files("sklearn_jam") / "data" / "jam_emulator_default.npz"
    with pytest.raises(ValueError, match=rf"has {setting}={value} but the model was trained"):
        evaluate(model, tmp_path / "d", tmp_path / "report")
    assert not (tmp_path / "report").exists()


def test_time_engine_times_one_galaxy_of_the_exact_engine():
    from sklearn_jam import sample_prior
    from sklearn_jam.cli.timing import time_engine

    seconds = time_engine(sample_prior(2, random_state=0), n_galaxies=2)
    assert 0 < seconds < 5


def test_evaluate_refuses_a_dataset_of_the_other_alignment(tmp_path):
    """The pretrained (cylindrical) model on spherically aligned maps."""
    from importlib import resources

    from _helpers import toy_vrms

    from sklearn_jam import JamSimulator, simulate_to_store
    from sklearn_jam.cli.evaluate import evaluate

    simulate_to_store(JamSimulator(vrms_func=toy_vrms, align="sph"), 4, tmp_path / "d", seed=0)
    model = resources.files("sklearn_jam") / "data" / "jam_emulator_default.npz"
    with pytest.raises(ValueError, match="maps of align='sph' but the model was trained on"):
        evaluate(model, tmp_path / "d", tmp_path / "report")
    assert not (tmp_path / "report").exists()


def test_evaluate_refuses_a_dataset_of_another_anisotropy(tmp_path):
    """A card of constant-anisotropy sph maps does not evaluate eq. (37) maps."""
    from sklearn_jam import JamSimulator
    from sklearn_jam.cli.evaluate import _check_settings

    eq37 = JamSimulator(align="sph", anisotropy="eq37").settings()
    card = {"data_settings": JamSimulator(align="sph").settings()}
    with pytest.raises(ValueError, match="maps of anisotropy='eq37' but the model was trained"):
        _check_settings(eq37, card, tmp_path)
    _check_settings(eq37, {"data_settings": eq37}, tmp_path)  # its own maps pass
