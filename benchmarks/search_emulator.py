"""Search the emulator's architecture and schedule: one training run per configuration.

Usage:
    python benchmarks/search_emulator.py --data DIR --out results.jsonl [--round 1|2]
        [--n-train 7000] [--n-test 2000] [--workers 12] [--cap-seconds 330]

Each configuration is a set of ``JamEmulatorRegressor`` parameters plus ``sched``
('plateau' or 'cosine', stepped every batch here). To run many configurations at once on
one GPU, the runs use the estimator's own preprocessing and network (``_transform_X``,
``_transform_y``, ``net_.module_``) but a lean training loop with the data on the
device, without skorch's DataLoader; each run fits its epochs into ``--cap-seconds``
(measured on its first three epochs) so that every schedule runs to its end. The
figures are those of ``bench_accuracy.py`` on the test rows. Round 1 compares the
paper's choices with physical features and cosine annealing; round 2 varies the
winner. docs/performance.rst lists the results of both rounds on an H200.
"""

import argparse
import json
import multiprocessing
import time
import warnings

import torch

from sklearn_jam import JamEmulatorRegressor, load_dataset
from sklearn_jam.metrics import accuracy_summary

ROUNDS = {
    1: [
        dict(name="default_nophys", activation="leaky_relu", physical_features=False),
        dict(name="phys_plateau", activation="leaky_relu"),
        dict(name="phys_cos600", activation="leaky_relu", sched="cosine"),
        dict(name="phys_cos1000", activation="leaky_relu", sched="cosine", max_epochs=1000),
        dict(
            name="phys_b128_cos1000",
            activation="leaky_relu",
            sched="cosine",
            max_epochs=1000,
            batch_size=128,
            lr=2e-3,
        ),
        dict(
            name="phys_w384_cos600",
            activation="leaky_relu",
            sched="cosine",
            hidden_layer_sizes=(384,) * 3,
        ),
        dict(
            name="phys_d4_cos600",
            activation="leaky_relu",
            sched="cosine",
            hidden_layer_sizes=(256,) * 4,
        ),
        dict(name="phys_silu_cos600", activation="silu", sched="cosine"),
        dict(
            name="phys_conv3264_cos600",
            activation="leaky_relu",
            sched="cosine",
            conv_channels=(32, 64, 64),
            n_image_features=32,
        ),
        dict(
            name="phys_noval_cos600",
            activation="leaky_relu",
            sched="cosine",
            validation_fraction=None,
        ),
        dict(
            name="nophys_cos600", activation="leaky_relu", sched="cosine", physical_features=False
        ),
        dict(
            name="phys_b256_cos1500",
            activation="leaky_relu",
            sched="cosine",
            max_epochs=1500,
            batch_size=256,
            lr=3e-3,
        ),
    ],
    2: [
        dict(name="silu_cos300", sched="cosine", max_epochs=300),
        dict(
            name="silu_b128_lr2e-3_cos500", sched="cosine", max_epochs=500, batch_size=128, lr=2e-3
        ),
        dict(name="silu_b128_cos500", sched="cosine", max_epochs=500, batch_size=128),
        dict(name="gelu_cos300", sched="cosine", activation="gelu", max_epochs=300),
        dict(
            name="silu_w384_cos300", sched="cosine", max_epochs=300, hidden_layer_sizes=(384,) * 3
        ),
        dict(name="silu_noval_cos300", sched="cosine", max_epochs=300, validation_fraction=None),
        dict(
            name="silu_conv3264_cos300",
            sched="cosine",
            max_epochs=300,
            conv_channels=(32, 64, 64),
            n_image_features=32,
        ),
        dict(
            name="silu_b256_lr3e-3_cos800", sched="cosine", max_epochs=800, batch_size=256, lr=3e-3
        ),
        dict(name="silu_d4_cos300", sched="cosine", max_epochs=300, hidden_layer_sizes=(256,) * 4),
        dict(name="tanh_cos300", sched="cosine", activation="tanh", max_epochs=300),
        dict(name="silu_lr2e-3_cos300", sched="cosine", max_epochs=300, lr=2e-3),
        dict(
            name="silu_w512x2_cos300", sched="cosine", max_epochs=300, hidden_layer_sizes=(512, 512)
        ),
    ],
}


def train_one(config, X, y, X_test, y_test, cap_seconds, device):
    """Train one configuration with a lean loop; return its accuracy figures."""
    config = dict(config)
    name, sched = config.pop("name"), config.pop("sched", "plateau")
    epochs = asked = config.pop("max_epochs", 600)
    est = JamEmulatorRegressor(random_state=0, device=device, max_epochs=0, **config)
    start = time.perf_counter()
    est.fit(X, y)  # learns the scalings and builds the untrained network on the device
    Xt = torch.tensor(est._transform_X(X), device=device)
    yt = torch.tensor(est._transform_y(y), device=device)
    gen = torch.Generator().manual_seed(0)
    if est.validation_fraction:
        perm = torch.randperm(len(Xt), generator=gen)
        n_valid = int(round(est.validation_fraction * len(Xt)))
        valid, train = perm[:n_valid].to(device), perm[n_valid:].to(device)
        Xv, yv, Xt, yt = Xt[valid], yt[valid], Xt[train], yt[train]
    module = est.net_.module_.train()
    opt = torch.optim.Adam(module.parameters(), lr=est.lr)
    bs = est.batch_size
    steps = (len(Xt) + bs - 1) // bs
    if sched == "cosine":
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs * steps)
    else:
        scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
            opt, patience=est.lr_patience, factor=est.lr_factor
        )
    loss_fn = torch.nn.MSELoss()
    train_start, done = time.perf_counter(), 0
    while done < epochs:
        module.train()
        perm = torch.randperm(len(Xt), device=device)
        total = torch.zeros((), device=device)
        for s in range(steps):
            idx = perm[s * bs : (s + 1) * bs]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(module(Xt[idx]), yt[idx])
            loss.backward()
            opt.step()
            total += loss.detach() * len(idx)
            if sched == "cosine":
                scheduler.step()
        if sched != "cosine":
            module.eval()
            with torch.no_grad():
                monitor = loss_fn(module(Xv), yv) if est.validation_fraction else total / len(Xt)
            scheduler.step(float(monitor))
        done += 1
        if done == 3:  # fit the epochs into the cap, keeping the whole schedule
            per_epoch = (time.perf_counter() - train_start) / 3
            fits = int((cap_seconds - (time.perf_counter() - start)) / per_epoch * 0.92) + 3
            if fits < epochs:
                epochs = fits
                if sched == "cosine":
                    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(
                        opt, T_max=(epochs - 3) * steps
                    )
    module.eval()
    summary = accuracy_summary(y_test, est.predict(X_test))
    return dict(
        name=name,
        epochs_asked=asked,
        epochs_run=done,
        seconds=round(time.perf_counter() - start, 1),
        params=sum(p.numel() for p in module.parameters()),
        **summary,
    )


def _worker(args):
    worker, n_workers, opts = args
    warnings.filterwarnings("ignore")
    torch.set_num_threads(1)
    ds = load_dataset(opts.data, allow_partial=True)
    n_train = opts.n_train
    X, y = ds.X[:n_train], ds.y[:n_train]
    X_test, y_test = ds.X[n_train : n_train + opts.n_test], ds.y[n_train : n_train + opts.n_test]
    device = "cuda" if torch.cuda.is_available() else "cpu"
    for i, config in enumerate(ROUNDS[opts.round]):
        if i % n_workers == worker:
            result = train_one(config, X, y, X_test, y_test, opts.cap_seconds, device)
            with open(opts.out, "a") as f:
                f.write(json.dumps(result) + "\n")
            print(json.dumps(result), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="dataset directory")
    parser.add_argument("--out", required=True, help="JSON-lines file of results (appended)")
    parser.add_argument("--round", type=int, default=1, choices=sorted(ROUNDS))
    parser.add_argument("--n-train", type=int, default=7000)
    parser.add_argument("--n-test", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=12, help="runs at once")
    parser.add_argument("--cap-seconds", type=float, default=330.0)
    opts = parser.parse_args()
    n = min(opts.workers, len(ROUNDS[opts.round]))
    with multiprocessing.get_context("spawn").Pool(n) as pool:
        pool.map(_worker, [(w, n, opts) for w in range(n)])


if __name__ == "__main__":
    main()
