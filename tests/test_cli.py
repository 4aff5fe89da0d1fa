import json

import joblib
import numpy as np
import pytest

from sklearn_jam import load_dataset
from sklearn_jam.cli import main


def test_bad_input_is_a_clear_error(tmp_path, capsys):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "keep.txt").write_text("data")
    assert main(["simulate", "--n-samples", "2", "--out", str(tmp_path / "x")]) == 2
    assert "holds no sklearn_jam dataset" in capsys.readouterr().err
    assert main(["train", "--data", str(tmp_path / "x"), "--out", str(tmp_path / "m.joblib")]) == 2
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
    model = tmp_path / "model.joblib"
    assert main(["train", "--data", str(data), "--out", str(model), "--max-epochs", "2"]) == 0
    est = joblib.load(model)
    assert est.train_info_["n_train"] == 8 and len(est.history_) == 2
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
    assert metrics["n_maps"] == 2
    assert (report / "figure2.png").stat().st_size > 10_000
    assert (report / "figure3.png").stat().st_size > 10_000
    assert np.isfinite(load_dataset(data).y).all()


@pytest.mark.slow
def test_demo_quick(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--quick", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "maps max|E|<1%" in text and "direct JAM call" in text and "paper" in text
    summary = json.loads((out / "summary.json").read_text())
    assert summary["n_train"] == 24 and summary["speed"]["demo"]["jam_direct_s"] > 0
    for name in (
        "model.joblib",
        "speed_table.txt",
        "report/figure2.png",
        "report/figure3.png",
        "report/metrics.json",
    ):
        assert (out / name).exists(), name
