"""``sklearn-jam demo``: simulate, train, evaluate and time, end to end."""

import json
import shutil
import time
from pathlib import Path

from .._version import SPEC_VERSION, __version__
from ..emulator.persistence import save_emulator
from ..io import load_dataset, simulate_to_store
from ..simulator import JamSimulator
from ..utils import format_table, jsonable
from ._base import add_command
from .evaluate import METRICS_UNITS, write_report
from .timing import PAPER, time_engine, time_jam, time_models
from .train import make_estimator

__all__ = ["demo", "format_summary"]


#: What the demo writes into its folder, and the marker that says the folder is its own.
_OUTPUTS = ("train_data", "test_data", "model.npz", "report", "report_pretrained")
_OUTPUTS += ("summary.json", "speed_table.txt", "README.txt")
_MARKER = ".sklearn-jam-demo.json"


def _prepare_output(out, settings):
    """The demo's folder: new, empty, or its own from an earlier run, never a user's.

    Like ``sklearn-jam simulate``, a non-empty folder that the demo did not make is
    refused and left untouched. An earlier demo with the same settings resumes its
    datasets; one with other settings (``--quick``, ``--seed``) is replaced, as only
    the demo's own files are there.
    """
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} is a file, not a folder")
    marker = out / _MARKER
    if out.is_dir() and any(out.iterdir()):
        if not marker.is_file():
            raise ValueError(
                f"--out {out} is not empty and holds no sklearn-jam demo: give an empty or "
                "new folder (nothing in it was changed)"
            )
        foreign = sorted(p.name for p in out.iterdir() if p.name not in (*_OUTPUTS, _MARKER))
        if foreign:
            raise ValueError(
                f"--out {out} holds files the demo did not write ({', '.join(foreign[:5])}): "
                "give an empty or new folder (nothing in it was changed)"
            )
        if json.loads(marker.read_text()) != settings:
            for name in _OUTPUTS:
                path = out / name
                if path.is_dir():
                    shutil.rmtree(path)
                elif path.exists():
                    path.unlink()
    out.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps(settings) + "\n")
    return out


def demo(out="sklearn-jam-demo", quick=False, n_jobs=2, seed=0, verbose=1):
    """Simulate, train, evaluate and time; write everything into ``out``; return the summary."""
    from ..emulator import pretrained

    out = _prepare_output(Path(out), {"quick": bool(quick), "seed": int(seed)})
    n_train, n_test = (24, 8) if quick else (400, 100)
    max_epochs = 5 if quick else 200
    # Small batches, so that the progress bar moves often.
    sim = JamSimulator(n_jobs=n_jobs, batch_size=8 if quick else 10, verbose=verbose)
    say = print if verbose else (lambda *a, **k: None)

    say(f"[1/4] simulating {n_train} training and {n_test} test galaxies with JAM")
    t0 = time.perf_counter()
    simulate_to_store(sim, n_train, out / "train_data", seed=seed)
    simulate_to_store(sim, n_test, out / "test_data", seed=seed + 1)
    sim_seconds = time.perf_counter() - t0
    train_ds, test_ds = load_dataset(out / "train_data"), load_dataset(out / "test_data")

    say(
        f"[2/4] training a deliberately small demo emulator ({n_train} maps, {max_epochs} "
        "epochs); the pretrained model (sklearn_jam.load_pretrained(), 55,000 maps) is the "
        "one to use"
    )
    est = make_estimator("small", max_epochs=max_epochs, verbose=verbose, random_state=seed)
    t0 = time.perf_counter()
    est.fit(train_ds.X, train_ds.y)
    train_seconds = time.perf_counter() - t0
    save_emulator(est, out / "model.npz")

    say("[3/4] evaluating on the held-out galaxies")
    test_set = f"{len(test_ds.y)} held-out galaxies (seed {seed + 1})"
    report_kw = {"params": test_ds.params, "data": test_set}
    results = {
        "demo": write_report(
            est,
            test_ds.X,
            test_ds.y,
            test_ds.images,
            out / "report",
            model=f"demo emulator ({n_train} maps, {max_epochs} epochs)",
            **report_kw,
        )
    }
    pre = pretrained.load_pretrained(missing="none")
    if pre is not None:
        results["pretrained"] = write_report(
            pre,
            test_ds.X,
            test_ds.y,
            test_ds.images,
            out / "report_pretrained",
            model="pretrained emulator",
            **report_kw,
        )

    say("[4/4] timing JAM and the emulators")
    yardstick = _JAMPY_YARDSTICK
    try:
        jam_seconds = time_jam(test_ds.params, n_jam=1 if quick else 3)
    except ImportError as exc:  # jampy 9: no cylindrical model to time
        say(f"      {exc}; timing against this package's exact engine instead")
        jam_seconds = time_engine(test_ds.params, n_galaxies=1 if quick else 3)
        yardstick = "sklearn_jam's exact engine, 1 galaxy (no jampy 8), this run"
    speed = {"demo": time_models(est, test_ds.params, jam_seconds=jam_seconds)}
    if pre is not None:
        speed["pretrained"] = time_models(pre, test_ds.params, jam_seconds=jam_seconds)
    summary = {
        "package_version": __version__,
        "spec_version": SPEC_VERSION,
        "n_train": len(train_ds.y),
        "n_test": len(test_ds.y),
        "simulation_seconds": sim_seconds,
        "train_seconds": train_seconds,
        "accuracy": results,
        "speed": speed,
        "yardstick": yardstick,
        "paper": PAPER,
    }
    summary["units"] = {
        "simulation_seconds": "s, wall clock",
        "train_seconds": "s, wall clock",
        "accuracy": METRICS_UNITS,
        "speed": "s per call; speedup_* = jam_direct_s / that time",
    }
    (out / "summary.json").write_text(json.dumps(jsonable(summary), indent=1))
    text = format_summary(summary)
    (out / "speed_table.txt").write_text(text + "\n")
    (out / "README.txt").write_text(_DEMO_README.format(n_train=n_train, n_test=n_test))
    say(text)
    return summary


_DEMO_README = """What `sklearn-jam demo` wrote here
=================================

train_data/, test_data/   the simulated datasets ({n_train} and {n_test} galaxies): zarr
                          stores read by sklearn_jam.load_dataset()
model.npz                 the demo emulator, deliberately small, in a file that holds no
                          code: sklearn_jam.emulator.load_emulator("model.npz")
report/                   the demo emulator on the test galaxies:
  metrics.json            accuracy (fractions, explained in its "units")
  figure2.png             image, JAM map, emulated map and error for the worst map and
                          random ones (maps in units of sqrt(G M / r_ser))
  figure3.png             histograms of the error E over all points and of max |E| per map
report_pretrained/        the same for the pretrained emulator (sklearn_jam.load_pretrained())
summary.json              everything the demo measured, with units
speed_table.txt           the printed tables: accuracy and time per model against one
                          direct JAM call timed in this run
"""


#: What the speed-ups divide: a jampy 8 call (the engine's own time where jampy 8 is missing).
_JAMPY_YARDSTICK = "direct JAM call (MGE fit + jam_axi_proj), this run"


def format_summary(summary):
    """The demo's summary table, beside the paper's figures."""
    names = {
        "demo": f"demo emulator (deliberately small: {summary['n_train']} maps)",
        "pretrained": "pretrained emulator (the one to use)",
    }
    rows = []
    for name, acc in summary["accuracy"].items():
        rows.append(
            [
                names.get(name, f"{name} emulator"),
                f"{acc['fraction_within_1pct'] * 100:.1f}%",
                f"{acc['fraction_within_2pct'] * 100:.1f}%",
                f"{acc['median_abs_E'] * 100:.3f}%",
            ]
        )
    rows.append(["paper (Simon et al.)", "'vast majority'", "90%", "-"])
    acc_table = format_table(rows, ["model", "maps max|E|<1%", "maps max|E|<2%", "median |E|"])
    rows = []
    for name, sp in summary["speed"].items():
        rows.append(
            [
                f"{name} emulator, full, 1 galaxy",
                f"{sp['emulator_full_single_s'] * 1e3:.3f}",
                f"{sp['speedup_full_single']:.0f}x",
            ]
        )
        rows.append(
            [
                f"{name} emulator, MLP only, 1 galaxy",
                f"{sp['emulator_mlp_only_single_s'] * 1e3:.4f}",
                f"{sp['speedup_mlp_only']:.0f}x",
            ]
        )
        rows.append(
            [
                f"{name} emulator, batches of 1000",
                f"{sp['emulator_full_batched_s'] * 1e3:.4f}",
                f"{sp['speedup_batched']:.0f}x",
            ]
        )
    jam = next(iter(summary["speed"].values()))["jam_direct_s"]  # the same for every model
    yardstick = summary.get("yardstick", _JAMPY_YARDSTICK)
    rows.append([yardstick, f"{jam * 1e3:.0f}", "1x"])
    rows.append(["paper: full model", "1", "-"])
    rows.append(["paper: MLP only", "0.3", "-"])
    speed_table = format_table(rows, ["per-model time", "ms", "vs JAM"])
    return (
        f"Accuracy on {summary['n_test']} held-out galaxies "
        f"(trained on {summary['n_train']}):\n{acc_table}\n\n{speed_table}"
    )


def run(args):
    """Run the demo into ``args.out``."""
    demo(out=args.out, quick=args.quick, n_jobs=args.n_jobs, seed=args.seed)
    print(f"\nEverything is in {args.out}/")
    return 0


def add_parser(subparsers):
    """Add ``demo`` and its options."""
    p = add_command(subparsers, "demo", "simulate, train, evaluate and time, end to end", run)
    p.add_argument(
        "--out",
        default="sklearn-jam-demo",
        help="output directory: new, empty, or an earlier demo's (replaced when its settings "
        "differ); any other non-empty directory is refused and left untouched",
    )
    p.add_argument("--quick", action="store_true", help="a sub-minute version")
    p.add_argument("--n-jobs", type=int, default=2, help="parallel worker processes")
    p.add_argument("--seed", type=int, default=0, help="seed of the prior draws")
