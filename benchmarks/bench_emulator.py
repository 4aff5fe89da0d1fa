"""Per-model time of the emulator (full, MLP-only fast path, batched) versus a direct JAM call.

Usage: python benchmarks/bench_emulator.py [--model FILE] [--n-jam 3]

Without --model it times the pretrained default model when the package ships one, else
a default-configuration network fitted for one epoch on a few simulated galaxies (the
weights do not change the timing).
"""

import argparse

import torch

from sklearn_jam import JamSimulator, load_pretrained, sample_prior
from sklearn_jam.cli.timing import PAPER, time_models
from sklearn_jam.cli.train import make_estimator
from sklearn_jam.emulator.persistence import load_model

TARGETS = {"emulator_mlp_only_single_s": 1e-4, "emulator_full_batched_s": 5e-5}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None)
    parser.add_argument("--n-jam", type=int, default=3, help="direct JAM calls to average")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    params = sample_prior(1000, random_state=args.seed)
    if args.model:
        est, source = load_model(args.model, trust_pickle=True), args.model  # your own file
    else:
        est = load_pretrained(missing="none")
        source = "pretrained default model"
        if est is None:
            data = JamSimulator(n_jobs=2).make_dataset(16, random_state=args.seed)
            est = make_estimator("small", max_epochs=1, random_state=0).fit(data.X, data.y)
            source = "default configuration, untrained weights"
    n_params = sum(p.numel() for p in est.module_.parameters())
    print(
        f"model: {source}; {n_params / 1e6:.3f}M parameters; torch threads "
        f"{torch.get_num_threads()}; device {est.device_}"
    )
    t = time_models(est, params, n_jam=args.n_jam)
    rows = [
        ("direct JAM call (MGE fit + jam_axi_proj)", t["jam_direct_s"], None, 1.0),
        (
            "emulator, full model, 1 galaxy",
            t["emulator_full_single_s"],
            PAPER["full_model_s"],
            t["speedup_full_single"],
        ),
        (
            "emulator, MLP only (fast path), 1 galaxy",
            t["emulator_mlp_only_single_s"],
            PAPER["mlp_only_s"],
            t["speedup_mlp_only"],
        ),
        (
            "emulator, full model, batches of 1000",
            t["emulator_full_batched_s"],
            None,
            t["speedup_batched"],
        ),
    ]
    print(f"{'per-model time':<44}{'this machine':>14}{'paper':>10}{'speed-up vs JAM':>18}")
    for name, sec, paper, speedup in rows:
        paper_txt = f"{paper * 1e3:.1f} ms" if paper else "-"
        print(f"{name:<44}{sec * 1e3:>11.4f} ms{paper_txt:>10}{speedup:>17.0f}x")
    for key, target in TARGETS.items():
        status = "met" if t[key] <= target else "NOT met"
        print(f"target {key} <= {target * 1e6:.0f} us: {t[key] * 1e6:.1f} us ({status})")


if __name__ == "__main__":
    main()
