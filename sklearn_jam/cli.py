"""Command line: ``sklearn-jam simulate | train | evaluate | benchmark | demo | fit``."""

import argparse
import json
import sys


def _simulate(args):
    from .io import simulate_to_store
    from .simulator import JamSimulator

    sim = JamSimulator(n_jobs=args.n_jobs, batch_size=args.chunk_size, verbose=1)
    status = simulate_to_store(
        sim, args.n_samples, args.out, seed=args.seed, chunk_size=args.chunk_size
    )
    n_fail = len(status["failures"])
    print(
        f"{status['n_samples']} galaxies in {args.out}: {status['n_samples'] - n_fail} done, "
        f"{n_fail} failed"
    )
    for row, err in list(status["failures"].items())[:20]:
        print(f"  failed row {row}: {err}")
    if n_fail == status["n_samples"]:
        print(f"sklearn-jam simulate: error: every galaxy failed in {args.out}", file=sys.stderr)
        return 1
    return 0


def _train(args):
    from .workflows import card_path, train

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


def _evaluate(args):
    from .workflows import evaluate

    metrics = evaluate(args.model, args.data, args.out, split=args.split)
    print(json.dumps(metrics, indent=1))
    print(f"metrics.json, figure2.png and figure3.png written to {args.out}")
    return 0


def _benchmark(args):
    import joblib

    from .pretrained import load_pretrained
    from .priors import sample_prior
    from .workflows import format_table, time_models

    est = joblib.load(args.model) if args.model else load_pretrained()
    sp = time_models(est, sample_prior(1000, random_state=args.seed), n_jam=args.n_jam)
    print(format_table([[k, f"{v:.3g}"] for k, v in sp.items()], ["quantity", "value"]))
    return 0


def _demo(args):
    from .workflows import demo

    demo(out=args.out, quick=args.quick, n_jobs=args.n_jobs, seed=args.seed)
    print(f"\nEverything is in {args.out}/")
    return 0


def _pairs(items, what):
    """``name=value`` strings to a dict; values are floats or comma-separated floats."""
    out = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        try:
            numbers = [float(v) for v in value.split(",")]
        except ValueError:
            numbers = None
        if not sep or not name or numbers is None:
            raise ValueError(
                f"{what} {item!r} must be NAME=NUMBER" + ("[,NUMBER]" if what == "--bounds" else "")
            )
        out[name] = numbers[0] if len(numbers) == 1 else tuple(numbers)
    return out


def _fit(args):
    from .workflows import fit_kinematics

    bounds = _pairs(args.bounds, "--bounds")
    for name, value in bounds.items():
        if not (isinstance(value, tuple) and len(value) == 2):
            raise ValueError(f"--bounds {name}= needs two numbers LOW,HIGH, got {value!r}")
    fit = fit_kinematics(
        args.mge,
        args.kinematics,
        args.out,
        distance=args.distance,
        sigmapsf=args.sigmapsf,
        normpsf=args.normpsf,
        pixsize=args.pixsize,
        pixang=args.pixang,
        mass_model=args.mass_model,
        black_hole=args.black_hole,
        inclination=args.inclination,
        anisotropy=args.anisotropy,
        bounds=bounds or None,
        fixed=_pairs(args.fix, "--fix") or None,
        p0=_pairs(args.start, "--start") or None,
        sampler=args.sampler,
        step_sigma=_pairs(args.step_sigma, "--step-sigma") or None,
        n_walkers=args.walkers,
        n_steps=args.steps,
        burn=args.burn,
        random_state=args.seed,
        device=args.device,
        progress=True,
    )
    from .workflows import format_table

    rows = [
        [
            name,
            f"{p50:.4g}",
            f"{p50 - p16:.3g}",
            f"{p84 - p50:.3g}",
            f"{fit.best_params_[name]:.4g}",
        ]
        for name, (p16, p50, p84) in fit.summary_.items()
    ]
    print(format_table(rows, ["parameter", "median", "-1 sigma", "+1 sigma", "best fit"]))
    print(
        f"{fit.n_calls_} models in {fit.fit_seconds_:.0f} s; samples.npz, summary.json, "
        f"corner.png and maps.png written to {args.out}"
    )
    return 0


def build_parser():
    """The argument parser of ``sklearn-jam``."""
    parser = argparse.ArgumentParser(prog="sklearn-jam", description=__doc__)
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name, help):
        return sub.add_parser(
            name,
            help=help,
            description=help,
            formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        )

    p = command("simulate", "simulate a resumable JAM dataset on disk")
    p.add_argument(
        "--n-samples", type=int, required=True, help="number of galaxies drawn from the prior"
    )
    p.add_argument(
        "--out",
        required=True,
        help="dataset directory: created, or resumed when it holds a dataset with the same "
        "settings; any other non-empty directory is refused and left untouched",
    )
    p.add_argument("--n-jobs", type=int, default=1, help="parallel worker processes")
    p.add_argument("--seed", type=int, default=0, help="seed of the prior draws")
    p.add_argument(
        "--chunk-size",
        type=int,
        default=250,
        help="galaxies per stored chunk and per engine call; a rerun resumes only with the "
        "same --n-samples, --seed and --chunk-size",
    )
    p.set_defaults(func=_simulate)

    p = command("train", "train an emulator on a dataset")
    p.add_argument("--data", required=True, help="dataset directory made by 'simulate'")
    p.add_argument("--out", required=True, help="model file to write (.joblib)")
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
    p.set_defaults(func=_train)

    p = command("evaluate", "metrics and Figures 2 and 3 of a model on a dataset")
    p.add_argument("--model", required=True, help="model file (.joblib)")
    p.add_argument("--data", required=True, help="dataset directory made by 'simulate'")
    p.add_argument("--out", required=True, help="report directory")
    p.add_argument(
        "--split",
        choices=["all", "test"],
        default="all",
        help="'test': only the maps the model was not trained on",
    )
    p.set_defaults(func=_evaluate)

    p = command("benchmark", "time JAM and an emulator on this machine")
    p.add_argument("--model", default=None, help="model file (None: the pretrained default model)")
    p.add_argument("--n-jam", type=int, default=3, help="direct JAM calls to time")
    p.add_argument("--seed", type=int, default=0, help="seed of the galaxies timed")
    p.set_defaults(func=_benchmark)

    p = command("demo", "simulate, train, evaluate and time, end to end")
    p.add_argument("--out", default="sklearn-jam-demo", help="output directory")
    p.add_argument("--quick", action="store_true", help="a sub-minute version")
    p.add_argument("--n-jobs", type=int, default=2, help="parallel worker processes")
    p.add_argument("--seed", type=int, default=0, help="seed of the prior draws")
    p.set_defaults(func=_demo)

    p = command("fit", "fit a JAM mass model to observed V_rms (MCMC with the exact engine)")
    p.add_argument("--mge", required=True, help="MGE file: surf (Lsun/pc^2), sigma (arcsec), qobs")
    p.add_argument(
        "--kinematics",
        required=True,
        help="bins file: x, y (arcsec), V_rms, error (km/s); further columns ignored",
    )
    p.add_argument("--distance", type=float, required=True, help="distance in Mpc")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument(
        "--sigmapsf", type=float, nargs="+", default=[0.0], help="PSF Gaussians' sigma in arcsec"
    )
    p.add_argument("--normpsf", type=float, nargs="+", default=[1.0], help="their weights")
    p.add_argument("--pixsize", type=float, default=0.0, help="spaxel side in arcsec")
    p.add_argument("--pixang", type=float, default=0.0, help="spaxel angle in degrees")
    p.add_argument("--mass-model", choices=["light", "gnfw"], default="light", help="mass model")
    p.add_argument("--black-hole", action="store_true", help="add a black hole (lg_mbh)")
    p.add_argument("--inclination", choices=["q_min", "inc"], default="q_min", help="parameter")
    p.add_argument("--anisotropy", choices=["ratio", "beta_z"], default="ratio", help="parameter")
    p.add_argument(
        "--fix", action="append", metavar="NAME=VALUE", help="hold a parameter fixed (repeatable)"
    )
    p.add_argument(
        "--bounds", action="append", metavar="NAME=LOW,HIGH", help="flat prior range (repeatable)"
    )
    p.add_argument("--start", action="append", metavar="NAME=VALUE", help="starting value")
    p.add_argument(
        "--sampler",
        choices=["emcee", "adamet"],
        default="emcee",
        help="emcee (walkers batched in one engine call) or AdaMet (jampy's examples' sampler)",
    )
    p.add_argument(
        "--step-sigma",
        action="append",
        metavar="NAME=SIGMA",
        help="AdaMet's initial proposal dispersion (repeatable; default: bounds' width / 10)",
    )
    p.add_argument("--walkers", type=int, default=32, help="emcee walkers")
    p.add_argument("--steps", type=int, default=1000, help="steps per walker (emcee) or of AdaMet")
    p.add_argument("--burn", type=float, default=0.5, help="fraction of steps discarded")
    p.add_argument("--seed", type=int, default=0, help="random seed")
    p.add_argument("--device", default="cpu", help="'cpu' (NumPy) or a torch device ('cuda')")
    p.set_defaults(func=_fit)
    return parser


def main(argv=None):
    """Entry point of the ``sklearn-jam`` command.

    Returns 0 on success, 1 when the command failed (one line on stderr; the
    traceback with ``--debug``), 2 for a bad command line and 130 when
    interrupted.
    """
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print(
            f"sklearn-jam {args.command}: interrupted; run the same command again to resume",
            file=sys.stderr,
        )
        return 130
    except Exception as exc:  # noqa: BLE001 -- one line for the user, the rest with --debug
        if args.debug:
            raise
        kind = "" if isinstance(exc, ValueError) else f"{type(exc).__name__}: "
        message = " ".join(str(exc).split()) or repr(exc)
        print(f"sklearn-jam {args.command}: error: {kind}{message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
