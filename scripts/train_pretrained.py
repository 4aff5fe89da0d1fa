"""Make the pretrained default emulator shipped in ``sklearn_jam/data/``.

Reproducible with a seed: simulates (or resumes) a dataset of ``--n-samples`` galaxies
drawn from the prior with ``--seed``, trains the default configuration on CPU on the
first ``--n-train`` maps, measures it on the remaining (unseen) maps, and writes the
model and its JSON card.

Usage: python scripts/train_pretrained.py --data sim10k [--n-samples 10000]
       [--n-train 8000] [--seed 2026] [--n-jobs 2]
"""

import argparse
import hashlib
import json
import time
from pathlib import Path

import joblib
import torch

import sklearn_jam
from sklearn_jam import JamSimulator, load_dataset, simulate_to_store
from sklearn_jam.cli.train import make_estimator
from sklearn_jam.emulator.cards import read_card
from sklearn_jam.emulator.persistence import save_emulator
from sklearn_jam.emulator.pretrained import PRETRAINED_CARD, PRETRAINED_FILE
from sklearn_jam.metrics import accuracy_summary

DATA_DIR = Path(sklearn_jam.__file__).parent / "data"
MAX_BYTES = 20 * 2**20


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="dataset directory (made or resumed)")
    parser.add_argument("--n-samples", type=int, default=10000)
    parser.add_argument("--n-train", type=int, default=8000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--n-test", type=int, default=2000, help="unseen maps for the card")
    parser.add_argument("--max-epochs", type=int, default=None)
    parser.add_argument(
        "--no-simulate",
        action="store_true",
        help="use the dataset as it is (with --allow-partial: its finished chunks)",
    )
    parser.add_argument("--allow-partial", action="store_true")
    parser.add_argument(
        "--from-model",
        default=None,
        help="package a model already trained on the first --n-train maps of "
        "--data (e.g. by benchmarks/bench_accuracy.py --save-model) instead of "
        "training again",
    )
    args = parser.parse_args()

    if not args.no_simulate:
        sim = JamSimulator(n_jobs=args.n_jobs, batch_size=50, verbose=1)
        simulate_to_store(sim, args.n_samples, args.data, seed=args.seed, chunk_size=50)
    ds = load_dataset(args.data, allow_partial=args.allow_partial)
    n_train = min(args.n_train, len(ds.y) - args.n_test)
    torch.manual_seed(args.seed)
    est = make_estimator(
        "small", max_epochs=args.max_epochs, random_state=args.seed, device="cpu", verbose=1
    )
    if args.from_model:
        est, info = joblib.load(args.from_model), read_card(args.from_model)
        if info is None or info["n_train"] != n_train:
            raise SystemExit(
                f"{args.from_model} (card: {info}) was not trained on the first {n_train} "
                f"maps of {args.data}"
            )
        train_s = info["train_seconds"]
    else:
        t0 = time.perf_counter()
        est.fit(ds.X[:n_train], ds.y[:n_train])
        train_s = time.perf_counter() - t0
    test = slice(len(ds.y) - args.n_test, None)
    metrics = accuracy_summary(ds.y[test], est.predict(ds.X[test]))

    DATA_DIR.mkdir(exist_ok=True)
    model_path = DATA_DIR / PRETRAINED_FILE
    save_emulator(est, model_path)  # a file without code; load_pretrained checks its hash
    size = model_path.stat().st_size
    if size > MAX_BYTES:
        raise SystemExit(f"{model_path} is {size / 2**20:.1f} MB, over the 20 MB limit")
    card = {
        "model": "JamEmulatorRegressor, default configuration",
        "params": {
            k: (list(v) if isinstance(v, tuple) else v) for k, v in est.get_params().items()
        },
        "n_parameters": sum(p.numel() for p in est.module_.parameters()),
        "training_set": {
            "n_samples": len(ds.y) + len(ds.failures),
            "n_train": n_train,
            "seed": args.seed,
            "failures": len(ds.failures),
        },
        "test_set": {"n_maps": args.n_test, "note": "the last maps loaded, not used in training"},
        "spec_version": sklearn_jam.SPEC_VERSION,
        "package_version": sklearn_jam.__version__,
        "torch_version": torch.__version__,
        "train_seconds": train_s,
        "torch_threads": torch.get_num_threads(),
        "metrics": metrics,
        "file_bytes": size,
    }
    (DATA_DIR / PRETRAINED_CARD).write_text(json.dumps(card, indent=1) + "\n")
    print(json.dumps(card["metrics"], indent=1))
    digest = hashlib.sha256(model_path.read_bytes()).hexdigest()
    print(f"set PRETRAINED_SHA256 = {digest!r} in sklearn_jam/emulator/pretrained.py")


if __name__ == "__main__":
    main()
