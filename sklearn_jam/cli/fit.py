"""``sklearn-jam fit``: the posterior of a mass model given an MGE and binned V_rms."""

import json
import os
import shutil
import sys
import warnings
from pathlib import Path

import numpy as np

from .._version import __version__
from ..plotting import format_interval
from ..utils import format_table, jsonable
from ._base import add_command, parse_pairs

__all__ = ["read_table", "read_mge", "fit_kinematics", "save_fit_report", "posterior_table"]


def read_table(path, n_columns, what):
    """A whitespace table of at least ``n_columns`` numeric columns, refused clearly."""
    try:
        table = np.loadtxt(path, dtype=float, ndmin=2)  # one column stays a column
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read the {what} file {path}: {exc}") from None
    if table.shape[1] < n_columns:
        raise ValueError(
            f"the {what} file {path} needs {n_columns} columns, found {table.shape[1]}"
        )
    return table


def read_mge(mge):
    """An MGE file (surf in Lsun/pc^2, sigma in arcsec, qobs), or one of jampy's by name.

    Parameters
    ----------
    mge : path or str
        A whitespace table of at least three columns, or a name of
        :data:`~sklearn_jam.datasets.JAMPY_MGES` (``'m32'``, ``'axi_proj_example'``)
        when no file of that name exists.

    Returns
    -------
    table : ndarray of shape (n_gauss, 3)
    """
    from ..datasets import JAMPY_MGES

    if not Path(mge).exists() and str(mge).lower() in JAMPY_MGES:
        return np.column_stack(JAMPY_MGES[str(mge).lower()])
    if not Path(mge).exists():
        raise ValueError(
            f"cannot read the MGE file {mge}: no such file, nor one of jampy's MGEs "
            f"{sorted(JAMPY_MGES)}"
        )
    return read_table(mge, 3, "MGE")


def fit_kinematics(
    mge_file, kinematics_file, out_dir, *, distance, overwrite=False, reweight=False, **options
):
    """``sklearn-jam fit``: posterior of a mass model given an MGE and binned V_rms.

    Parameters
    ----------
    mge_file : path or str
        Columns: peak surface brightness (Lsun/pc^2), sigma (arcsec), axial ratio;
        or the name of one of jampy's example MGEs (:func:`read_mge`).
    kinematics_file : path
        Columns: x, y (arcsec), V_rms, its error (km/s); more columns are ignored
        (jampy's mock files fit as they are).
    out_dir : path
        Receives the files of :func:`save_fit_report`.
    distance : float
        Distance in Mpc.
    overwrite : bool, default=False
        Replace the files of an earlier fit in ``out_dir``; otherwise a non-empty
        ``out_dir`` is refused before sampling. The files are written as one set.
    reweight : bool, default=False
        Weigh a fast engine's samples by the exact engine (``JamKinematics.fit``'s
        ``reweight``).
    **options
        Parameters of :class:`~sklearn_jam.JamKinematics`.

    Returns
    -------
    fit : JamKinematics
        The fitted estimator.
    """
    import matplotlib

    matplotlib.use("Agg")

    from ..kinematics import JamKinematics

    out_dir = _check_output(Path(out_dir), overwrite)
    mge = read_mge(mge_file)
    bins = read_table(kinematics_file, 4, "kinematics")
    fit = JamKinematics(*mge[:, :3].T, distance, **options)
    X, vrms, err = bins[:, :2], bins[:, 2], bins[:, 3]
    fit.fit(X, vrms, err, reweight=reweight)
    # All files into a fresh folder beside the target, then one rename: a fit's files
    # are never mixed with an earlier fit's, and a failure leaves no partial set.
    tmp = out_dir.with_name(f".{out_dir.name}.tmp{os.getpid()}")
    try:
        save_fit_report(fit, X, vrms, tmp, vrms_err=err, options=jsonable(options))
        if out_dir.exists():  # an earlier fit's folder (overwrite=True, checked above)
            old = out_dir.with_name(f".{out_dir.name}.old{os.getpid()}")
            os.replace(out_dir, old)
            os.replace(tmp, out_dir)
            shutil.rmtree(old)
        else:
            os.replace(tmp, out_dir)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return fit


#: The files of a fit's folder (what ``overwrite`` may replace).
FIT_FILES = (
    "samples.npz",
    "summary.json",
    "summary.ecsv",
    "samples.ecsv",
    "posterior.fits",
    "corner.png",
    "maps.png",
)


def _check_output(out, overwrite):
    """The output folder, refused before sampling unless it can take the fit's files."""
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} is a file; give a folder for the fit's files")
    if out.is_dir() and any(out.iterdir()):
        names = sorted(p.name for p in out.iterdir())
        if not overwrite:
            raise ValueError(
                f"--out {out} is not empty ({', '.join(names[:4])}); give a new folder, or "
                "--overwrite to replace an earlier fit's"
            )
        foreign = [n for n in names if n not in FIT_FILES]
        if foreign:
            raise ValueError(
                f"--out {out} holds files a fit does not write ({', '.join(foreign[:4])}); "
                "--overwrite replaces only an earlier fit's folder"
            )
    if not out.parent.is_dir():
        raise ValueError(f"--out {out}: the folder {out.parent} does not exist")
    return out


def save_fit_report(fit, X, vrms, out_dir, vrms_err=None, corner=None, **extra):
    """Write a fitted :class:`~sklearn_jam.JamKinematics` to ``out_dir``.

    ``samples.npz`` (the kept samples and their log-posterior, the whole chain
    ``chain`` of shape (n_steps, n_walkers, n_free) and ``chain_log_prob`` as
    emcee's ``get_chain()`` and ``get_log_prob()``, ``n_burn`` and the parameter
    names, and ``sample_weight`` of a reweighted fit), ``summary.json``
    (percentiles with each parameter's autocorrelation time, R-hat and bulk ESS,
    the convergence problems, best fit, chi^2,
    acceptance, timing and ``extra``), the same as astropy tables
    (``summary.ecsv``, ``samples.ecsv``, and ``posterior.fits`` with the
    extensions ``SUMMARY`` and ``SAMPLES``), and the figures ``corner.png``
    (:func:`~sklearn_jam.plotting.plot_posterior`) and ``maps.png``
    (:func:`~sklearn_jam.plotting.plot_kinematics_fit`).

    Parameters
    ----------
    fit : JamKinematics
        A fitted estimator.
    X : array-like of shape (n_bins, 2)
        Bin positions in arcsec.
    vrms : array-like of shape (n_bins,)
        Observed V_rms in km/s.
    out_dir : path
        Created if missing; files of these names in it are replaced.
    vrms_err : array-like of shape (n_bins,), optional
        The V_rms errors in km/s: the residual map is then in units of them.
    corner : dict, optional
        Keywords of :func:`~sklearn_jam.plotting.plot_posterior` (``order``,
        ``ranges``) for ``corner.png``.
    **extra
        More JSON-serialisable entries of ``summary.json``.
    """
    import matplotlib.pyplot as plt

    from ..plotting import plot_kinematics_fit, plot_posterior

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    np.savez(
        out / "samples.npz",
        samples=fit.samples_,
        log_prob=fit.log_prob_,
        chain=fit.chain_,
        chain_log_prob=fit.chain_log_prob_,
        n_burn=fit.n_burn_,
        names=np.array(fit.param_names_),
        **({"sample_weight": fit.sample_weight_} if hasattr(fit, "sample_weight_") else {}),
    )
    summary = {
        "parameters": {k: v.as_dict() for k, v in fit.summary_.items()},
        "convergence_problems": list(fit.diagnostics_["problems"]),
        "stuck_walkers": list(fit.diagnostics_["stuck_walkers"]),
        "best_fit": fit.best_params_,
        "chi2_best": float(-2 * fit.log_prob_.max()),
        "n_bins": len(X),
        "model": {"mass_model": fit.mass_model, "align": fit.align, "black_hole": fit.black_hole},
        "engine": fit.engine,
        **({"emulator": str(fit.emulator)} if fit.engine == "emulator" else {}),
        "encode_seconds": fit.encode_seconds_,
        "reweighting": (
            {
                "ess": fit.reweight_ess_,
                "pareto_k": fit.pareto_k_,
                "seconds": fit.reweight_seconds_,
            }
            if hasattr(fit, "sample_weight_")
            else None
        ),
        "sampler": jsonable(
            {"name": fit.sampler, "n_steps": fit.n_steps, "burn": fit.burn}
            | ({"n_walkers": fit.n_walkers} if fit.sampler == "emcee" else {})
            | ({"step_sigma": fit.step_sigma} if fit.sampler == "adamet" else {})
        ),
        "acceptance_fraction": fit.acceptance_fraction_,
        "n_calls": fit.n_calls_,
        "fit_seconds": fit.fit_seconds_,
        "reff_arcsec": fit.reff_,
        "sklearn_jam_version": __version__,
        **jsonable(extra),
    }
    (out / "summary.json").write_text(json.dumps(jsonable(summary), indent=1))
    _write_tables(fit, out)
    maps = plot_kinematics_fit(fit, X, vrms, vrms_err=vrms_err)
    for name, fig in (("corner", plot_posterior(fit, **(corner or {}))), ("maps", maps)):
        fig.savefig(out / f"{name}.png", dpi=80)
        plt.close(fig)


def _write_tables(fit, out):
    """``summary.ecsv``, ``samples.ecsv`` and ``posterior.fits`` (SUMMARY, SAMPLES)."""
    from astropy.io import fits

    summary, samples = fit.summary_table(), fit.samples_table()
    summary.write(out / "summary.ecsv", format="ascii.ecsv", overwrite=True)
    samples.write(out / "samples.ecsv", format="ascii.ecsv", overwrite=True)
    problems = summary.meta.pop("problems")
    hdus = [fits.PrimaryHDU()]
    for name, table in (("SUMMARY", summary), ("SAMPLES", samples)):
        hdu = fits.table_to_hdu(table)
        hdu.name = name
        hdus.append(hdu)
    for line in problems:
        hdus[1].header.add_comment(line)
    fits.HDUList(hdus).writeto(out / "posterior.fits", overwrite=True)


def posterior_table(fit, other=None, transforms=None, best_fit=False):
    """Median and 16-84% of each parameter of a fit, beside another posterior.

    Parameters
    ----------
    fit : JamKinematics
        A fitted estimator.
    other : dict, optional
        ``{name: (p16, median, p84)}`` of the same parameters (for example,
        jampy's example), shown in a second column where present.
    transforms : dict, optional
        ``{name: function}`` applied to ``other``'s values first (monotonic, such
        as ``np.log10`` for a black-hole mass sampled linearly).
    best_fit : bool, default=False
        Add a column of the best-fitting values (the sample of highest posterior),
        and columns of the chain's diagnostics (autocorrelation time in steps,
        R-hat, bulk ESS).

    Returns
    -------
    table : str
        A plain-text table (:func:`format_table`).
    """
    other, transforms = other or {}, transforms or {}

    def cell(p16, p50, p84):
        return format_interval(p16, p50, p84)

    rows = []
    for name, values in fit.summary_.items():
        row = [name, cell(*values)]
        if best_fit:
            row += [f"{fit.best_params_[name]:.4g}", f"{values.tau:.3g}"]
            row += [f"{values.r_hat:.3f}", f"{values.ess_bulk:.0f}"]
        if name in other:
            f = transforms.get(name, lambda v: v)
            row.append(cell(*(float(f(v)) for v in other[name])))
        elif other:
            row.append("-")
        rows.append(row)
    sampler = {"emcee": "emcee", "adamet": "AdaMet"}[fit.sampler]
    headers = ["parameter", f"sklearn_jam ({sampler}): median +/- to 84%/16%"]
    headers += ["best fit", "tau (steps)", "R-hat", "ESS bulk"] if best_fit else []
    headers += ["jampy example (AdaMet), the same"] if other else []
    return format_table(rows, headers)


def run(args):
    """Fit ``args.kinematics`` with the MGE of ``args.mge``; print the posterior."""
    bounds = parse_pairs(args.bounds, "--bounds")
    for name, value in bounds.items():
        if not (isinstance(value, tuple) and len(value) == 2):
            raise ValueError(f"--bounds {name}= needs two numbers LOW,HIGH, got {value!r}")
    from ..diagnostics import convergence_message
    from ..exceptions import ChainConvergenceWarning

    with warnings.catch_warnings():
        # said once below, on one line, after the table it qualifies
        warnings.simplefilter("ignore", ChainConvergenceWarning)
        fit = _fit_from_args(args, bounds)
    print(posterior_table(fit, best_fit=True))
    print(
        f"{fit.n_calls_} models in {fit.fit_seconds_:.0f} s; {', '.join(FIT_FILES)} written "
        f"to {args.out}"
    )
    if fit.diagnostics_["problems"]:
        advice = " (run longer: --steps, or start closer: --start)"
        message = convergence_message(fit.diagnostics_["problems"], advice)
        print(f"sklearn-jam fit: warning: {message}", file=sys.stderr)
    return 0


def _fit_from_args(args, bounds):
    return fit_kinematics(
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
        bh_convention=args.bh_convention,
        inclination=args.inclination,
        anisotropy=args.anisotropy,
        align=args.align,
        engine=args.engine,
        **({"emulator": args.emulator} if args.emulator else {}),
        reweight=args.reweight,
        n_nodes=args.nodes,
        bounds=bounds or None,
        fixed=parse_pairs(args.fix, "--fix") or None,
        p0=parse_pairs(args.start, "--start") or None,
        sampler=args.sampler,
        step_sigma=parse_pairs(args.step_sigma, "--step-sigma") or None,
        n_walkers=args.walkers,
        n_steps=args.steps,
        burn=args.burn,
        random_state=args.seed,
        device=args.device,
        progress=True,
        overwrite=args.overwrite,
    )


def add_parser(subparsers):
    """Add ``fit`` and its options."""
    p = add_command(
        subparsers,
        "fit",
        "fit a JAM mass model to observed V_rms (MCMC with the exact engine)",
        run,
    )
    p.add_argument(
        "--mge",
        required=True,
        help="MGE file: surf (Lsun/pc^2), sigma (arcsec), qobs; or the name of one of jampy's "
        "example MGEs (m32, axi_proj_example)",
    )
    p.add_argument(
        "--kinematics",
        required=True,
        help="bins file: x, y (arcsec), V_rms, error (km/s); further columns ignored",
    )
    p.add_argument("--distance", type=float, required=True, help="distance in Mpc")
    p.add_argument(
        "--out", required=True, help="output directory: new or empty (checked before sampling)"
    )
    p.add_argument(
        "--overwrite", action="store_true", help="replace the files of an earlier fit in --out"
    )
    p.add_argument(
        "--sigmapsf", type=float, nargs="+", default=[0.0], help="PSF Gaussians' sigma in arcsec"
    )
    p.add_argument("--normpsf", type=float, nargs="+", default=[1.0], help="their weights")
    p.add_argument("--pixsize", type=float, default=0.0, help="spaxel side in arcsec")
    p.add_argument("--pixang", type=float, default=0.0, help="spaxel angle in degrees")
    p.add_argument("--mass-model", choices=["light", "gnfw"], default="light", help="mass model")
    p.add_argument("--black-hole", action="store_true", help="add a black hole (lg_mbh)")
    p.add_argument(
        "--bh-convention",
        choices=["absolute", "jampy"],
        default="absolute",
        help="lg_mbh is log10 of M_BH in Msun, or of jampy's mbh scaled by M/L "
        "(M_BH = 10**(lg_mbh + lg_ml))",
    )
    p.add_argument("--inclination", choices=["q_min", "inc"], default="q_min", help="parameter")
    p.add_argument(
        "--anisotropy",
        choices=["ratio", "beta", "beta_z", "ratio_eq37"],
        default="ratio",
        help="parameter: the ratio of the velocity ellipsoid's axes (ratio; ratio_th with "
        "--align sph) or beta (beta_z; beta_r with --align sph); beta_z is beta of --align cyl; "
        "ratio_eq37 (--align sph): jampy 9's eq. (37) beta(theta) of its Bayesian examples",
    )
    p.add_argument(
        "--align",
        choices=["cyl", "sph"],
        default="cyl",
        help="velocity ellipsoid aligned with cylindrical (jampy 8) or spherical (jampy 9) "
        "coordinates; sph costs seconds per model",
    )
    p.add_argument(
        "--engine",
        choices=["exact", "tabulated", "emulator"],
        default="exact",
        help="exact: an engine call per model; tabulated: the engine tabulated at the bins "
        "first (cyl: about a second; sph: in the anisotropy too, minutes), then every model "
        "within 1e-6 (cyl) or 1e-5 (sph) of it in 0.02-0.3 ms; "
        "emulator (cyl): the same table from an emulator (--emulator), as accurate "
        "as its card says (add --reweight for the exact posterior)",
    )
    p.add_argument(
        "--emulator",
        default=None,
        metavar="NAME|FILE",
        help="with --engine emulator: 'pairs' (the shipped pair kernel, the default), "
        "'general' (the shipped profile network) or an emulator file "
        "(scripts/make_pair_emulator.py, scripts/make_general_emulator.py; read without "
        "running code)",
    )
    p.add_argument(
        "--reweight",
        action="store_true",
        help="after a fast engine's sampling, weigh the samples by the exact engine "
        "(importance weights, Pareto smoothed): the summaries are exact JAM's posterior",
    )
    p.add_argument(
        "--nodes",
        type=int,
        default=None,
        help="quadrature nodes of the engine, its accuracy/speed knob (default: the engine's "
        "choice, within 1e-5 of the truth)",
    )
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
    p.add_argument("--device", default=None, help="torch device ('cuda', 'cpu:0'); None runs NumPy")
