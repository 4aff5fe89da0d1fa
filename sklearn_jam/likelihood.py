"""Likelihood of observed V_rms kinematics through the emulator (what the emulator is for)."""

import numpy as np

from .emulator.features import N_SCALARS, scalar_prior_box
from .grid import PolarGrid
from .jam import MIN_Q_INTR, intrinsic_axis_ratio
from .photometry import isophote_axis_ratio, sersic_images
from .priors import BETA_EPS_SLOPE

__all__ = ["JamLikelihood"]


class JamLikelihood:
    """Gaussian log-likelihood of observed V_rms for emulated JAM models.

    The CNN runs once, on the galaxy's image; every call runs only the MLP and
    interpolates the polar grid to the observed bins with
    :meth:`PolarGrid.interpolation_matrix` (bins may lie in any quadrant).
    The dimensionless maps are converted to km/s by ``scale =
    sqrt(G M / r_ser_pc)``, which enters linearly, so it can be given,
    profiled (its best value, as JAM's ``ml`` fit) or marginalised with a flat
    prior, analytically.

    With ``emulator='exact'`` the model is exact JAM instead
    (:func:`sklearn_jam.jam.sersic_vrms`, SPEC v2) evaluated at the bins
    themselves, every row of ``theta`` in one batched engine call; it needs
    ``sersic=(n_ser, r_ser, q_l)``.

    Parameters
    ----------
    emulator : JamEmulatorRegressor or 'exact'
        A fitted emulator, or ``'exact'`` for the exact JAM engine.
    x, y : array-like of shape (n_bins,)
        Bin positions in arcsec, x along the projected major axis.
    vrms : array-like of shape (n_bins,)
        Observed V_rms in km/s.
    vrms_err : array-like of shape (n_bins,)
        Its 1-sigma errors in km/s.
    image : array-like of shape (npix, npix), optional
        The galaxy's unit-sum image (major axis along x, centred).
    sersic : tuple of float, optional
        ``(n_ser, r_ser [arcsec], q_l)`` to render the image instead.
    q_l : float, optional
        Observed axial ratio of the light, used by :meth:`log_prior` for the
        physical-domain rules; with ``sersic`` it is taken from there, and by
        default it is measured on the image (:func:`isophote_axis_ratio`).
    scale : {'profile', 'marginalize'}, default='profile'
        Treatment of the km/s scale when parameters have 3 columns.
    grid : PolarGrid, optional
        The emulator's output grid (default: SPEC grid).
    out_of_range : {'raise', 'clip'}, default='raise'
        Bins outside the grid radii: refuse them or use the nearest radius.

    Examples
    --------
    >>> like = JamLikelihood(est, x, y, v, dv, sersic=(3.0, 10.0, 0.8))  # doctest: +SKIP
    >>> like([[0.8, 0.1, 70.0]])  # q_m, beta_z, inc; scale profiled  # doctest: +SKIP
    """

    def __init__(
        self,
        emulator,
        x,
        y,
        vrms,
        vrms_err,
        image=None,
        sersic=None,
        q_l=None,
        scale="profile",
        grid=None,
        out_of_range="raise",
    ):
        if (image is None) == (sersic is None):
            raise ValueError("give exactly one of image= or sersic=(n_ser, r_ser, q_l)")
        exact = isinstance(emulator, str)
        if exact and (emulator != "exact" or sersic is None):
            raise ValueError(
                f"emulator must be a fitted JamEmulatorRegressor or 'exact' (with "
                f"sersic=(n_ser, r_ser, q_l)), got {emulator!r}"
            )
        if scale not in ("profile", "marginalize"):
            raise ValueError(f"scale must be 'profile' or 'marginalize', got {scale!r}")
        if out_of_range not in ("raise", "clip"):
            raise ValueError(f"out_of_range must be 'raise' or 'clip', got {out_of_range!r}")
        self.vrms = np.asarray(vrms, dtype=float).ravel()
        self.vrms_err = np.asarray(vrms_err, dtype=float).ravel()
        if self.vrms.shape != self.vrms_err.shape or self.vrms.size != np.size(x):
            raise ValueError(
                f"x, vrms and vrms_err must have the same length, got {np.size(x)}, "
                f"{self.vrms.size} and {self.vrms_err.size}"
            )
        for name, values in (("vrms", self.vrms), ("vrms_err", self.vrms_err)):
            bad = ~(np.isfinite(values) & (values > 0))
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise ValueError(
                    f"{name} must be finite and > 0 km/s (V_rms is a root mean square): "
                    f"{name}[{i}] = {values[i]}"
                )
        self.x = np.asarray(x, dtype=float).ravel()
        self.y = np.asarray(y, dtype=float).ravel()
        self._sersic = None if sersic is None else tuple(float(v) for v in sersic)
        if exact:
            self.emulator, self.q_l, self.scale = emulator, self._sersic[2], scale
            self._w = 1.0 / self.vrms_err**2
            return
        if sersic is not None:
            n_ser, r_ser, q_l = (float(v) for v in sersic)
            side = emulator.image_side_
            image = sersic_images(
                [n_ser], [r_ser], [q_l], image_side=side, pixel_scale=0.8 * 64 / side
            )[0]
        self.emulator = emulator
        self.q_l = q_l
        self.scale = scale
        self.grid = PolarGrid() if grid is None else grid
        self.weights = self.grid.interpolation_matrix(x, y, out_of_range=out_of_range)
        self.image_features = emulator.encode_images(np.asarray(image)[None])[0]
        if self.q_l is None:
            # The physical-domain rules of log_prior need q_l: measure it on the image
            # (checked by encode_images above; the measurement does not depend on its sum).
            self.q_l = float(isophote_axis_ratio(np.asarray(image, dtype=float)[None])[0])
        self._w = 1.0 / self.vrms_err**2

    @staticmethod
    def _theta(theta, widths=(3, 4)):
        theta = np.atleast_2d(np.asarray(theta, dtype=float))
        if theta.ndim != 2 or theta.shape[1] not in widths:
            raise ValueError(
                f"theta must have {' or '.join(map(str, widths))} columns (q_m, beta_z, "
                f"inc [deg]{', scale [km/s]' if 4 in widths else ''}), got shape {theta.shape}"
            )
        return theta

    def model(self, theta):
        """Dimensionless model V_rms at the bins, shape ``(n, n_bins)``, for ``(n, 3)`` theta."""
        theta = self._theta(theta)
        if isinstance(self.emulator, str):  # exact JAM at the bins, all rows in one call
            from .jam import sersic_vrms

            n_ser, r_ser, q_l = self._sersic
            ones = np.ones(len(theta))
            return sersic_vrms(
                n_ser * ones, r_ser * ones, q_l * ones, *theta[:, :N_SCALARS].T, self.x, self.y
            )
        maps = self.emulator.predict_from_features(self.image_features, theta[:, :N_SCALARS])
        return np.asarray((self.weights @ maps.T).T)

    def best_scale(self, theta):
        """The km/s scale that minimises chi^2 for each parameter set, shape ``(n,)``."""
        m = self.model(theta)
        return (m * self.vrms * self._w).sum(1) / (m * m * self._w).sum(1)

    def __call__(self, theta):
        """Log-likelihood of parameter sets.

        Parameters
        ----------
        theta : array-like of shape (n, 3) or (n, 4)
            ``q_m, beta_z, inc [deg]`` and, with 4 columns, the km/s ``scale``.

        Returns
        -------
        log_like : ndarray of shape (n,)
            Up to a constant; profiled or marginalised over the scale when it
            is not given.
        """
        theta = self._theta(theta)
        m = self.model(theta)
        if theta.shape[1] == 4:
            resid = self.vrms - theta[:, 3:4] * m
            return -0.5 * (resid**2 * self._w).sum(1)
        a = (m * m * self._w).sum(1)  # chi2(s) = a s^2 - 2 b s + c
        b = (m * self.vrms * self._w).sum(1)
        c = (self.vrms**2 * self._w).sum()
        chi2_min = c - b**2 / a
        if self.scale == "profile":
            return -0.5 * chi2_min
        # Flat prior on the scale: integrating exp(-chi2/2) over s gives sqrt(2 pi / a).
        return -0.5 * chi2_min + 0.5 * np.log(2 * np.pi / a)

    def log_prior(self, theta):
        """0 inside the Table 1 box and the physical domain, -inf outside, shape ``(n,)``."""
        theta = self._theta(theta)
        q_m, beta_z, inc = theta[:, 0], theta[:, 1], theta[:, 2]
        lo, hi = scalar_prior_box()
        ok = np.all((theta[:, :N_SCALARS] >= lo) & (theta[:, :N_SCALARS] <= hi), axis=1)
        with np.errstate(invalid="ignore"):
            ok &= intrinsic_axis_ratio(q_m, inc) >= MIN_Q_INTR
            if self.q_l is not None:
                q_intr_l = intrinsic_axis_ratio(self.q_l, inc)
                ok &= (q_intr_l >= MIN_Q_INTR) & (beta_z <= BETA_EPS_SLOPE * (1 - q_intr_l))
        if theta.shape[1] == 4:
            ok &= theta[:, 3] > 0
        return np.where(ok, 0.0, -np.inf)

    def log_prob(self, theta):
        """Log-posterior for samplers such as emcee (vectorised over rows)."""
        theta = self._theta(theta)
        lp = self.log_prior(theta)
        out = np.full(len(theta), -np.inf)
        good = np.isfinite(lp)
        if good.any():
            out[good] = self(theta[good]) + lp[good]
        return out
