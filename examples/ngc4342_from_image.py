"""From an image to a posterior: NGC 4342 with mgefit's image, a black hole and emcee.

The path a jampy user walks by hand, end to end: mgefit's MGE of the HST/WFPC2
F814W image of NGC 4342 that mgefit ships (its own example's settings), turned into
Lsun/pc^2 and arcsec with the image's photometric calibration; kinematic bins on the
sky (x west, y north), turned onto the major axis by the galaxy's position angle;
mock V_rms from exact JAM with a black hole, seen through the spectrograph's PSF
and spaxels, with 3% noise (or your own bins with --kinematics); then the posterior
of (q_min, sigma_z/sigma_R, lg M_BH, lg M/L) with emcee, its convergence checked,
and the figures and tables written to --out.

Run: python examples/ngc4342_from_image.py [--steps 2000] [--kinematics FILE] [--out DIR]
"""

import argparse
import warnings
from importlib import resources
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from astropy.io import fits
from mgefit.find_galaxy import find_galaxy
from mgefit.mge_fit_sectors import mge_fit_sectors
from mgefit.sectors_photometry import sectors_photometry

from sklearn_jam import JamKinematics
from sklearn_jam.cli.fit import posterior_table, save_fit_report
from sklearn_jam.exceptions import ChainConvergenceWarning
from sklearn_jam.observing import mge_from_mgefit, rotate_bins

parser = argparse.ArgumentParser(
    description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
)
parser.add_argument("--steps", type=int, default=600, help="emcee steps per walker")
parser.add_argument("--walkers", type=int, default=16, help="emcee walkers")
parser.add_argument(
    "--kinematics",
    default=None,
    help="your bins instead of the mock: columns x (west), y (north) in arcsec from the "
    "nucleus, V_rms and its error in km/s",
)
parser.add_argument("--distance", type=float, default=16.5, help="distance in Mpc (assumed)")
parser.add_argument("--seed", type=int, default=0, help="seed of the mock noise and of emcee")
parser.add_argument("--out", default="ngc4342_fit", help="folder for the figures and tables")
args = parser.parse_args()

# -- 1. The MGE of the image, as mgefit's own example fits it ---------------------------
path = resources.files("mgefit") / "images/ngc4342_f814w_pc.fits"
with fits.open(path) as hdul:
    img = hdul[0].data.astype(float) - 0.55  # sky, counts per pixel (mgefit's example)
    header = hdul[0].header
scale = 0.0455  # arcsec per WFPC2/PC1 pixel
sigmapsf_pix = [0.494, 1.44, 4.71, 13.4]  # the F814W PSF as an MGE (Cappellari et al. 2002)
normpsf = [0.294, 0.559, 0.0813, 0.0657]
f = find_galaxy(img, fraction=0.04, plot=False, quiet=True)
s = sectors_photometry(img, f.eps, f.theta, f.xpeak, f.ypeak, minlevel=0.5, plot=False)
m = mge_fit_sectors(
    s.radius, s.angle, s.counts, f.eps, ngauss=12, sigmapsf=sigmapsf_pix, normpsf=normpsf,
    scale=scale, plot=False, quiet=True,
)  # fmt: skip

# -- 2. Into jampy's units: the image's calibration and the Sun in the same band ---------
# The AB magnitude of 1 count/s from HST's keywords; the Sun's AB magnitude in WFPC2/F814W
# (Willmer 2018); no Galactic extinction correction in this example (A_I ~ 0.04).
zeropoint = -2.5 * np.log10(header["PHOTFLAM"]) - 5 * np.log10(header["PHOTPLAM"]) - 2.408
mge = mge_from_mgefit(
    m, scale=scale, zeropoint=zeropoint, solar_mag=4.52, exptime=float(header["EXPTIME"])
)
print(f"MGE: {len(mge.surf_lum)} Gaussians, total m_AB = {mge.apparent_mag:.2f} (F814W)")
print(f"position angle of the major axis: {f.pa:.1f} deg; ellipticity {f.eps:.3f}")

# -- 3. Bins on the sky, then on the major axis -----------------------------------------
# The spectrograph: PSF sigma 0.1", 0.1" spaxels (its own, not the image's PSF).
observing = dict(sigmapsf=0.1, pixsize=0.1)
rng = np.random.default_rng(args.seed)
if args.kinematics:
    x_sky, y_sky, vrms, erms = np.loadtxt(args.kinematics, ndmin=2)[:, :4].T
    X = np.column_stack(rotate_bins(x_sky, y_sky, f.pa))
else:
    grid = np.arange(-1.45, 1.5, 0.1)  # a 30 x 30 field of 0.1" spaxels, about the nucleus
    x_sky, y_sky = (v.ravel() for v in np.meshgrid(grid, grid))
    X = np.column_stack(rotate_bins(x_sky, y_sky, f.pa))
    truth = {"q_min": 0.12, "ratio": 0.9, "lg_mbh": 8.5, "lg_ml": 0.3}
    model = JamKinematics(*mge.mge, args.distance, black_hole=True, **observing)
    true_vrms = model.model_vrms(truth, X)[0]
    erms = 0.03 * true_vrms
    vrms = true_vrms + erms * rng.standard_normal(len(true_vrms))
    print(f"mock: {len(X)} bins, truth {truth}")

# -- 4. The posterior ----------------------------------------------------------------------
fit = JamKinematics(
    *mge.mge,
    args.distance,
    black_hole=True,
    bounds={"lg_mbh": (6.0, 10.0), "lg_ml": (-0.5, 1.0)},
    p0={"q_min": 0.14, "ratio": 0.95, "lg_mbh": 8.2, "lg_ml": 0.25},
    n_walkers=args.walkers,
    n_steps=args.steps,
    random_state=args.seed,
    **observing,
)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", ChainConvergenceWarning)
    fit.fit(X, vrms, erms)
print(posterior_table(fit, best_fit=True))
print(f"chi^2 of the best fit: {-2 * fit.score(X, vrms, erms):.1f} for {len(X)} bins")
print(f"{fit.n_calls_} models in {fit.fit_seconds_:.1f} s")
for w in caught:
    print(f"warning: {w.message}")

# -- 5. What to keep: figures, the chain, and tables for astropy and arviz ---------------
out = Path(args.out)
out.mkdir(exist_ok=True)
for name in ("samples.npz", "summary.json", "summary.ecsv", "samples.ecsv", "posterior.fits"):
    (out / name).unlink(missing_ok=True)  # this script's own earlier outputs
save_fit_report(
    fit, X, vrms, out, vrms_err=erms, galaxy="NGC 4342 (mgefit's image)", distance=args.distance
)
fig, ax = plt.subplots(figsize=(5, 4.5))
ax.imshow(np.log10(img.clip(0.5)).T, origin="lower", cmap="gray")
ax.set_title(f"NGC 4342, F814W; PA = {f.pa:.1f} deg")
fig.savefig(out / "image.png", dpi=80)
print(f"figures, chain and tables in {out}/")
