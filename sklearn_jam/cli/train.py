"""``sklearn-jam train``: an emulator trained on a dataset, saved with its history and card."""

import json
import os
import time
from pathlib import Path

import joblib

from ..emulator import JamEmulatorRegressor
from ..emulator.cards import card_path, write_card
from ..emulator.persistence import save_emulator
from ..io import load_dataset
from ..utils import jsonable
from ._base import add_command

__all__ = ["make_estimator", "split_rows", "train"]


def make_estimator(config="small", **overrides):
    """The emulator for a configuration name ('small', 'paper') or a JSON file of parameters."""
    if config in (None, "small", "default"):
        est = JamEmulatorRegressor()
    elif config == "paper":
        est = JamEmulatorRegressor.paper()
    else:
        path = Path(config)
        if not path.is_file():
            raise ValueError(f"--config must be 'small', 'paper' or a JSON file; got {config!r}")
        params = json.loads(path.read_text())
        if not isinstance(params, dict):
            raise ValueError(f"{config!r} must hold a JSON object of parameters")
        unknown = sorted(set(params) - set(JamEmulatorRegressor().get_params()))
        if unknown:
            raise ValueError(
                f"{config!r} has unknown parameters {unknown}; JamEmulatorRegressor takes "
                f"{sorted(JamEmulatorRegressor().get_params())}"
            )
        for key in ("conv_channels", "pool_after", "hidden_layer_sizes"):
            if key in params:
                params[key] = tuple(params[key])
        est = JamEmulatorRegressor(**params)
    return est.set_params(**{k: v for k, v in overrides.items() if v is not None})


def split_rows(n, n_train=None):
    """The paper's 8000 / 2000 split for 10,000 maps, 80 / 20 otherwise."""
    if n_train is None:
        n_train = 8000 if n >= 10000 else int(round(0.8 * n))
    if not 1 <= n_train < n:
        raise ValueError(f"n_train must be between 1 and {n - 1} for {n} maps, got {n_train}")
    return n_train


def save_model(est, path, suffix):
    """Write ``est`` to ``path``: the format without code for ``.npz``, else joblib."""
    if suffix == ".npz":
        save_emulator(est, path)
    else:
        joblib.dump(est, path)


def _check_model_path(out):
    """Refuse a model path that cannot take a file (a directory; a file as its folder)."""
    out = Path(out)
    if out.is_dir():
        raise ValueError(f"--out {out} is a directory; give the model file to write (.joblib)")
    for parent in out.parents:
        if parent.exists():
            if not parent.is_dir():
                raise ValueError(f"--out {out}: {parent} is a file, not a folder")
            break


def train(
    data, out, config="small", max_epochs=None, device=None, n_train=None, verbose=1, random_state=0
):
    """Train an emulator on a dataset directory; save it, its history and its card.

    Returns the estimator, the history file and the card (:func:`write_card`). The
    output path is checked before any work, so a long training is never lost to it.
    """
    _check_model_path(out)
    ds = load_dataset(data)
    n_train = split_rows(len(ds.y), n_train)
    est = make_estimator(
        config, max_epochs=max_epochs, device=device, verbose=verbose, random_state=random_state
    )
    t0 = time.perf_counter()
    est.fit(ds.X[:n_train], ds.y[:n_train])
    info = {
        "data": str(Path(data).resolve()),
        "n_train": n_train,
        "n_samples": len(ds.y),
        "train_seconds": time.perf_counter() - t0,
        "config": str(config),
        "params": est.get_params(),
        # The grid, image and distance of the maps: evaluate refuses other settings.
        "data_settings": ds.attrs["settings"],
    }
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    # Write beside the target, then rename: an existing model is replaced whole or not at all.
    tmp = out.with_name(f".{out.name}.tmp{os.getpid()}")
    try:
        save_model(est, tmp, out.suffix)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    history = out.with_suffix(".history.json")
    history.write_text(json.dumps(jsonable(est.history_), indent=1))
    return est, history, write_card(out, info)


def run(args):
    """Train on ``args.data`` and write ``args.out`` with its history and card."""
    est, history, card = train(
        args.data,
        args.out,
        config=args.config,
        max_epochs=args.max_epochs,
        device=args.device,
        n_train=args.n_train,
    )
    print(
        f"model written to {args.out}; history in {history}; "
        f"card in {card_path(args.out)}; trained on {card['n_train']} maps in "
        f"{card['train_seconds']:.0f} s"
    )
    return 0


def add_parser(subparsers):
    """Add ``train`` and its options."""
    p = add_command(subparsers, "train", "train an emulator on a dataset", run)
    p.add_argument("--data", required=True, help="dataset directory made by 'simulate'")
    p.add_argument(
        "--out",
        required=True,
        help="model file to write: .npz holds no code (to share; evaluate opens it as is), "
        "any other suffix a joblib pickle (for your own use: --trust-model to open it)",
    )
    p.add_argument(
        "--config", default="small", help="'small', 'paper' or a JSON file of parameters"
    )
    p.add_argument(
        "--max-epochs", type=int, default=None, help="training epochs (None: the configuration's)"
    )
    p.add_argument("--device", default=None, help="torch device: 'auto', 'cpu', 'cuda', ...")
    p.add_argument(
        "--n-train",
        type=int,
        default=None,
        help="training maps, the first of the dataset (None: 8000 of 10000 as the paper, "
        "else 80%%)",
    )
