"""The emulators of ``engine='emulator'`` (issue 19) against the exact engine: family, real, fits.

Parts (``--parts``), each measured in this run:

``family``
    ``--n-family`` held-out galaxies of :mod:`sklearn_jam.general` (seed 99; the
    family's own PSF, spaxels and halo, a black hole), ``--n-bins`` random bins
    each, uniform over the disk of 2.5 r_e, spaxels of at most 6.3 PSF sigmas (the
    emulator's largest): the emulated table
    (:meth:`~sklearn_jam.emulator.general.GeneralEmulator.table`) at the galaxy's
    inclination against :func:`~sklearn_jam.general.general_vrms` (the exact
    engine at its defaults): the fraction of maps with max ``|E|`` below 1% and
    2%, the median ``|E|``, and seconds per encoded galaxy.
``real``
    Real galaxies' MGEs: jampy's two example MGEs and MGEs fitted here with mgefit
    to the three images mgefit ships (its example settings), ``--n-real`` random
    models each across the domain (inclination, ``beta_z``, ``f_dm`` 0-0.7, gNFW
    slope and break, ``M_BH``, PSF 0.01-0.3 r_e, spaxels 0-0.2 r_e and at most 6.3
    PSF sigmas, turned at a random angle), ``JamKinematics.model_vrms(engine='emulator')`` against
    ``engine='exact'`` at the same bins.
``fits``
    jampy's dark-halo and black-hole Bayesian examples (``bench_tabulated.SETUPS``:
    their data, priors and AdaMet proposals) fitted with ``engine='exact'``,
    ``'emulator'`` and ``'emulator'`` reweighted: wall time, and every posterior
    median's shift in units of the exact posterior's sigma.
``speed``
    One thread: seconds per model of the emulated table over a batch of
    ``--n-walkers`` walkers at 200 bins with a two-Gaussian PSF, the time to
    encode the galaxy, and the exact engine's seconds per model on the same batch.

Usage: python benchmarks/bench_general_emulator.py [--model pairs|general|FILE] [--parts ...]
"""

import argparse
import json
import time
import warnings

import numpy as np
from threadpoolctl import threadpool_limits

from sklearn_jam import JamKinematics
from sklearn_jam.datasets import JAMPY_MGES, load_jampy_example
from sklearn_jam.emulator.general import normalised_mge
from sklearn_jam.emulator.tables import SHIPPED_TABLE_EMULATORS, load_table_emulator
from sklearn_jam.exceptions import ChainConvergenceWarning, OutsidePriorWarning
from sklearn_jam.general import (
    GENERAL_PARAM_NAMES,
    R_E_ARCSEC,
    _engine_galaxies,
    _unit,
    general_vrms,
    sample_general,
)
from sklearn_jam.jam import MIN_Q_INTR, arcsec_to_pc, inc_from_qmin
from sklearn_jam.jam.constants import DEFAULT_DISTANCE_MPC
from sklearn_jam.jam.tabulated import anisotropy_factor, component_units
from sklearn_jam.utils import format_table

DISTANCE = 10.0  # Mpc, for the real MGEs (the maps do not depend on it)


#: What this run measured, written by ``--json`` (the shipped model's card takes it).
RESULTS = {}


def error_figures(err):
    """The issue's figures of per-map errors (n_maps, n_bins), as a dict."""
    worst = np.nanmax(err, 1)
    return {
        "n_maps": len(err),
        "maps_max_err_below_1pct": float(np.mean(worst < 0.01)),
        "maps_max_err_below_2pct": float(np.mean(worst < 0.02)),
        "median_abs_err": float(np.nanmedian(err)),
        "p99_max_err": float(np.nanpercentile(worst, 99)),
    }


def errors_summary(err):
    """The issue's figures of per-map errors, as a line."""
    f = error_figures(err)
    return (
        f"maps with max |E| < 1%: {f['maps_max_err_below_1pct']:.4f}, < 2%: "
        f"{f['maps_max_err_below_2pct']:.4f}; median |E| {f['median_abs_err']:.2e}; 99th "
        f"percentile of max |E| {f['p99_max_err']:.2e}"
    )


def family(emulator, n, n_bins):
    params = sample_general(n, 99)
    # Spaxels of at most 6.3 PSF sigmas (the emulator's 2-D rule, MAX_PIXEL_NODES).
    col = {name: i for i, name in enumerate(GENERAL_PARAM_NAMES)}
    params[:, col["pixsize"]] = np.minimum(
        params[:, col["pixsize"]], 6.3 * params[:, col["sigma_psf"]]
    )
    rng = np.random.default_rng(99)
    errs, seconds = [], 0.0
    for row, (p, lum, mass) in zip(params, _engine_galaxies(params), strict=True):
        r, t = 2.5 * np.sqrt(rng.uniform(size=n_bins)), rng.uniform(0, 2 * np.pi, n_bins)
        x, y = r * np.cos(t), r * np.sin(t)
        halo = mass["halo_unit"]
        components = [lum] + [(np.ones(1), np.array([s]), np.ones(1)) for s in halo[1]]
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", OutsidePriorWarning)
            table = emulator.table(
                lum,
                components,
                x * R_E_ARCSEC,
                y * R_E_ARCSEC,
                distance=DEFAULT_DISTANCE_MPC,
                inc_range=(p["inc"], p["inc"]),
                black_hole=True,
                sigmapsf=p["sigma_psf"] * R_E_ARCSEC,
                pixsize=p["pixsize"] * R_E_ARCSEC,
            )
        seconds += time.perf_counter() - t0
        unit = component_units(lum, DEFAULT_DISTANCE_MPC)
        pc = arcsec_to_pc(DEFAULT_DISTANCE_MPC)
        halo_mass = 2 * np.pi * halo[0] * (halo[1] * pc) ** 2 * mass["halo_weight"] / unit
        weights = np.concatenate([[1.0], halo_mass, [mass["mbh"] / unit]])
        b_minus_1 = anisotropy_factor(p["beta_z"])
        emulated = table.vrms([p["inc"]], weights[None], [b_minus_1])[0] / _unit(lum)
        exact = general_vrms(row[None], x, y)[0]
        errs.append(np.abs(emulated / exact - 1))
    print(f"\n## The family: {n} held-out galaxies x {n_bins} bins within 2.5 r_e")
    print(errors_summary(np.array(errs)))
    RESULTS["family"] = error_figures(np.array(errs)) | {"encode_ms": seconds / n * 1e3}
    print(f"encoding: {seconds / n * 1e3:.1f} ms per galaxy (one inclination node)")


def mgefit_mges():
    """MGEs fitted with mgefit to the images it ships, with its examples' settings."""
    from importlib import resources

    from astropy.io import fits
    from mgefit.find_galaxy import find_galaxy
    from mgefit.mge_fit_sectors import mge_fit_sectors
    from mgefit.sectors_photometry import sectors_photometry
    from mgefit.sky_level import sky_level

    images = resources.files("mgefit") / "images"
    out = {}
    hst_psf = dict(sigmapsf=[0.494, 1.44, 4.71, 13.4], normpsf=[0.294, 0.559, 0.0813, 0.0657])
    for name, file, sky, kwargs in (
        ("ngc4342 (mgefit)", "ngc4342_f814w_pc.fits", -0.55, dict(ngauss=12, **hst_psf)),
        ("m32 (mgefit, HST)", "m32_f814w_pc.fits", 20.39, dict(ngauss=11, **hst_psf)),
    ):
        img = fits.getdata(images / file).astype(float) + sky
        f = find_galaxy(img, fraction=0.04, plot=False, quiet=True)
        minlevel = 0.5 if name.startswith("ngc4342") else 0.0
        s = sectors_photometry(img, f.eps, f.theta, f.xpeak, f.ypeak, minlevel=minlevel, plot=False)
        m = mge_fit_sectors(
            s.radius, s.angle, s.counts, f.eps, scale=0.0455, plot=False, quiet=True, **kwargs
        )
        out[name] = _mge_of_sol(m.sol, 0.0455)
    img = fits.getdata(images / "ngc5831_f702w_mosaic.fits").astype(float)
    yy, xx = np.indices(img.shape)
    mask = (img > 0) & (np.hypot(xx - 1408.1, yy - 357.7) > 200)
    sky, skysig = sky_level(img[mask], plot=False, quiet=True)
    img -= sky
    s = sectors_photometry(img, 0.28, 141.0, 974, 969, minlevel=skysig / 2, plot=False, mask=mask)
    m = mge_fit_sectors(
        s.radius,
        s.angle,
        s.counts,
        0.28,
        ngauss=11,
        sigmapsf=0.4,
        scale=0.1,
        plot=False,
        quiet=True,
    )
    out["ngc5831 (mgefit)"] = _mge_of_sol(m.sol, 0.1)
    return out


def _mge_of_sol(sol, scale):
    counts, sigma_pix, qobs = sol
    return counts / (2 * np.pi * sigma_pix**2 * qobs), sigma_pix * scale, qobs


def real(emulator, n, n_bins):
    mges = {f"{k} (jampy)": v for k, v in JAMPY_MGES.items()}
    try:
        mges |= mgefit_mges()
    except ImportError as exc:  # mgefit is a test dependency
        print(f"(mgefit missing: {exc})")
    rng = np.random.default_rng(7)
    pc = arcsec_to_pc(DISTANCE)
    print(f"\n## Real MGEs: {n} random models each x {n_bins} bins within 2.5 r_e")
    rows, all_err = [], []
    for name, mge in mges.items():
        mge = tuple(np.asarray(v, dtype=float) for v in mge)
        r_e = normalised_mge(*mge)[1]
        inc_lo = float(inc_from_qmin(MIN_Q_INTR * 1.01, mge[2].min()))
        errs = []
        for _ in range(n):
            r, t = 2.5 * r_e * np.sqrt(rng.uniform(size=n_bins)), rng.uniform(0, 2 * np.pi, n_bins)
            X = np.column_stack([r * np.cos(t), r * np.sin(t)])
            inc = rng.uniform(inc_lo, 90)
            model = {
                "inc": inc,
                "beta_z": rng.uniform(-0.3, 0.3),
                "f_dm": rng.uniform(0, 0.7),
                "gamma": rng.uniform(-1.6, 0),
                "rbreak_kpc": 10 ** rng.uniform(np.log10(2), np.log10(50)) * r_e * pc / 1e3,
            }
            light = component_units(mge, DISTANCE)
            model["lg_mbh"] = np.log10(light) + rng.uniform(-5, -2)
            sigma_psf = 10 ** rng.uniform(-2, np.log10(0.3))
            est = JamKinematics(
                *mge,
                distance=DISTANCE,
                sigmapsf=sigma_psf * r_e,
                pixsize=rng.uniform(0, min(0.2, 6.3 * sigma_psf)) * r_e,
                pixang=rng.uniform(0, 90),
                mass_model="gnfw",
                black_hole=True,
                inclination="inc",
                anisotropy="beta_z",
                engine="emulator",
                emulator=emulator,
                fixed=model,
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", OutsidePriorWarning)
                try:
                    emulated = est.model_vrms({"lg_ml": 0.0}, X)[0]
                except ValueError as exc:  # outside the emulator's domain: refused
                    refused = str(exc)
                    break
            exact = est.model_vrms({"lg_ml": 0.0}, X, engine="exact")[0]
            errs.append(np.abs(emulated / exact - 1))
        else:
            refused = None
        if refused:
            rows.append([name, "refused", "", refused[:90]])
            RESULTS.setdefault("real", {})[name] = {"refused": refused}
            continue
        errs = np.array(errs)
        all_err.append(errs)
        worst = np.nanmax(errs, 1)
        RESULTS.setdefault("real", {})[name] = error_figures(errs)
        rows.append(
            [
                name,
                f"{np.mean(worst < 0.01):.3f}",
                f"{np.nanmedian(errs):.1e}",
                f"{worst.max():.1e}",
            ]
        )
    print(format_table(rows, ["MGE", "maps < 1%", "median |E|", "worst max |E|"]))
    print("all: " + errors_summary(np.concatenate(all_err)))
    RESULTS.setdefault("real", {})["all"] = error_figures(np.concatenate(all_err))


def fits(emulator, n_steps):
    from bench_tabulated import SETUPS, estimator

    for name, setup in SETUPS.items():
        data = load_jampy_example(setup["data"])
        erms = data.erms * (2 * data.vrms.size) ** 0.25
        out = {}
        for run in ("exact", "emulator", "reweighted"):
            engine = "exact" if run == "exact" else "emulator"
            kw = {} if engine == "exact" else {"emulator": emulator}
            fit = estimator(setup, data, engine=engine, n_steps=n_steps, **kw)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ChainConvergenceWarning)
                warnings.simplefilter("ignore", OutsidePriorWarning)
                t0 = time.perf_counter()
                fit.fit(data.X, data.vrms, erms, reweight=run == "reweighted")
                out[run] = (time.perf_counter() - t0, fit)
        t_ex, ex = out["exact"]
        print(f"\n## {name}, AdaMet {n_steps} steps ({ex.n_calls_} models)")
        rows = []
        for key, (p16, p50, p84, *_) in ex.summary_.items():
            sigma = 0.5 * (p84 - p16)
            rows.append(
                [key, f"{p50:.4g}", f"{sigma:.3g}"]
                + [
                    f"{(out[r][1].summary_[key][1] - p50) / sigma:+.3f}"
                    for r in out
                    if r != "exact"
                ]
            )
        print(format_table(rows, ["parameter", "exact median", "sigma", "emulator", "reweighted"]))
        t_em, em = out["emulator"]
        t_rw, rw = out["reweighted"]
        RESULTS.setdefault("fits", {})[name] = {
            "max_median_shift_sigma": max(abs(float(r[3])) for r in rows),
            "max_median_shift_sigma_reweighted": max(abs(float(r[4])) for r in rows),
            "seconds": {"exact": t_ex, "emulator": t_em, "reweighted": t_rw},
        }
        print(
            f"wall time: exact {t_ex:.1f} s, emulator {t_em:.2f} s ({t_ex / t_em:.0f}x; encode "
            f"{em.encode_seconds_:.2f} s), reweighted {t_rw:.1f} s ({t_ex / t_rw:.1f}x; ESS "
            f"{rw.reweight_ess_ / len(rw.samples_):.3f} of the samples, Pareto k "
            f"{rw.pareto_k_:.2f})"
        )


def speed(emulator, n_walkers, repeat):
    data = load_jampy_example("black_hole")
    rng = np.random.default_rng(3)
    r_e = normalised_mge(*data.mge)[1]
    r, t = 2.0 * r_e * np.sqrt(rng.uniform(size=200)), rng.uniform(0, 2 * np.pi, 200)
    X = np.column_stack([r * np.cos(t), r * np.sin(t)])
    common = dict(
        distance=data.distance,
        sigmapsf=[0.02 * r_e, 0.1 * r_e],
        normpsf=[0.7, 0.3],
        pixsize=0.05 * r_e,
        mass_model="gnfw",
        black_hole=True,
        fixed={"gamma": -1.0, "rbreak_kpc": 20.0},
    )
    walkers = {
        "q_min": rng.uniform(0.2, 0.7, n_walkers),
        "ratio": rng.uniform(0.8, 1.0, n_walkers),
        "f_dm": rng.uniform(0.1, 0.5, n_walkers),
        "lg_ml": rng.uniform(0.0, 0.3, n_walkers),
        "lg_mbh": rng.uniform(6, 7, n_walkers),
    }
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", OutsidePriorWarning)
        est = JamKinematics(*data.mge, engine="emulator", emulator=emulator, **common)
        t0 = time.perf_counter()
        est.model_vrms({k: v[:1] for k, v in walkers.items()}, X)
        encode = time.perf_counter() - t0
        per_model = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            est.model_vrms(walkers, X)
            per_model.append((time.perf_counter() - t0) / n_walkers)
        exact = JamKinematics(*data.mge, **common)
        t0 = time.perf_counter()
        exact.model_vrms(walkers, X)
        t_exact = (time.perf_counter() - t0) / n_walkers
    RESULTS["speed"] = {"encode_s": encode, "ms_per_model": min(per_model) * 1e3}
    RESULTS["speed"]["exact_ms_per_model"] = t_exact * 1e3
    print(
        f"\n## Speed, one thread: 200 bins, a two-Gaussian PSF, spaxels, stars + NFW + black hole, "
        f"{n_walkers} walkers\nencode {encode:.2f} s; emulated {min(per_model) * 1e3:.3f} ms per "
        f"model; exact engine {t_exact * 1e3:.1f} ms per model ({t_exact / min(per_model):.0f}x)"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model",
        default="pairs",
        help=f"an emulator file, or a shipped one by name {sorted(SHIPPED_TABLE_EMULATORS)}",
    )
    parser.add_argument(
        "--parts",
        nargs="+",
        choices=("family", "real", "fits", "speed"),
        default=["family", "real", "fits", "speed"],
    )
    parser.add_argument("--n-family", type=int, default=5000)
    parser.add_argument("--n-real", type=int, default=100)
    parser.add_argument("--n-bins", type=int, default=60)
    parser.add_argument("--n-steps", type=int, default=1000)
    parser.add_argument("--n-walkers", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", help="write the measured figures here")
    args = parser.parse_args()
    emulator = load_table_emulator(args.model)
    card = emulator.info
    print(f"model: {args.model}; {card.get('data', '')}")
    if "family" in args.parts:
        family(emulator, args.n_family, args.n_bins)
    if "real" in args.parts:
        real(emulator, args.n_real, args.n_bins)
    if "fits" in args.parts:
        fits(emulator, args.n_steps)
    if "speed" in args.parts:
        speed(emulator, args.n_walkers, args.repeat)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(RESULTS | {"arguments": vars(args)}, fh, indent=1)


if __name__ == "__main__":
    main()
