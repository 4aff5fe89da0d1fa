"""The emulator's preprocessing: image checks and transforms, physical features,
standardisation with the statistics learned in ``fit``, and the warnings for inputs
unlike the training set. A mixin of :class:`~sklearn_jam.JamEmulatorRegressor`."""

import math
import warnings

import numpy as np

from ..exceptions import OutsidePriorWarning
from ..photometry import (
    check_images_with_moments,
    fold_quadrant,
    quadrant_axis_ratio,
    sersic_images,
)
from ..priors import PRIOR_BOUNDS

_LOG_FLOOR = 1e-30  # images can hold exact zeros far out; log needs a floor (float32-safe)
#: Columns that ``physical_features`` adds to the MLP's input.
PHYSICAL_FEATURE_NAMES = ("q_l_image", "cos_inc", "q_intr_l", "q_intr_m")


def _prior_images(side):
    """Sersic images on a 3 x 3 x 3 grid over the Table 1 box of (n_ser, r_ser, q_l).

    Rendered over the SPEC field of view (64 pixels of 0.8 arcsec) at ``side`` pixels.
    """
    axes = [np.linspace(*PRIOR_BOUNDS[k], 3) for k in ("n_ser", "r_ser", "q_l")]
    n_ser, r_ser, q_l = (a.ravel() for a in np.meshgrid(*axes, indexing="ij"))
    return sersic_images(n_ser, r_ser, q_l, image_side=side, pixel_scale=64 * 0.8 / side).reshape(
        len(n_ser), -1
    )


class _Preprocessing:
    """Preprocessing methods of the emulator (they read its parameters and fitted statistics)."""

    def _image_side(self, n_features):
        n_pix = n_features - self.n_scalars
        side = math.isqrt(max(n_pix, 0))
        if n_pix < 4 or side * side != n_pix or (self.fold_quadrant and side % 2):
            parity = " with an even side (fold_quadrant=True)" if self.fold_quadrant else ""
            raise ValueError(
                f"X must have {self.n_scalars} scalar columns (q_m, beta_z, inc) followed by a "
                f"square image{parity}, i.e. 3 + side**2 columns; got {n_features} columns"
            )
        return side

    def _prepare_images(self, images):
        """Unit-sum images (n, side*side) -> log images (float32) before scaling, and q_l.

        The measured axis ratio is None unless ``physical_features``.
        """
        side = self.image_side_
        img = np.asarray(images, dtype=np.float32).reshape(-1, side, side)
        if self.fold_quadrant:
            # The images are symmetric in x and y: the mean of the four quadrants keeps all
            # information at a quarter of the cost.
            img = fold_quadrant(img)
        log_img = np.log(np.maximum(img, np.float32(_LOG_FLOOR)))
        q_image = None
        if self.physical_features:
            quad = log_img if self.fold_quadrant else fold_quadrant(log_img)
            q_image = quadrant_axis_ratio(quad)
        return log_img.reshape(len(log_img), -1), q_image

    def _physical(self, scalars, q_image):
        """The ``PHYSICAL_FEATURE_NAMES`` columns from (q_m, beta_z, inc) and the image's q_l."""
        if len(scalars) == 1:
            # One galaxy (an MCMC step): Python floats cost far less than numpy's per call.
            q_m, _, inc = scalars[0].tolist()
            q_l, inc = float(q_image[0]), math.radians(inc)
            cos_inc, sin_inc = math.cos(inc), max(math.sin(inc), 1e-6)

            def q_intr_1(q):
                return math.sqrt(max(q * q - cos_inc * cos_inc, 0.0)) / sin_inc

            return np.array([[q_l, cos_inc, q_intr_1(q_l), q_intr_1(q_m)]])
        inc = np.radians(scalars[:, 2])
        cos_inc, sin_inc = np.cos(inc), np.maximum(np.sin(inc), 1e-6)

        def q_intr(q):  # 0 past the edge of the physical domain, where q < cos(inc)
            return np.sqrt(np.maximum(q**2 - cos_inc**2, 0)) / sin_inc

        return np.column_stack([q_image, cos_inc, q_intr(q_image), q_intr(scalars[:, 0])])

    def _scaled_scalars(self, scalars, q_image):
        """Standardised MLP scalar inputs (float32): the 3 scalars, then the physical ones."""
        z = (scalars - self.scalar_mean_) / self.scalar_scale_
        if self.physical_features:
            phys = (self._physical(scalars, q_image) - self.physical_mean_) / self.physical_scale_
            z = np.hstack([z, phys])
        return z.astype(np.float32)

    def _transform_X(self, X):
        if self.image_side_ is None:  # tabular mode
            return ((X - self.scalar_mean_) / self.scalar_scale_).astype(np.float32)
        return self._network_input(
            X[:, : self.n_scalars], *self._prepare_images(X[:, self.n_scalars :])
        )

    def _network_input(self, scalars, images, q_image):
        """The network's float32 input from the scalars and the prepared images."""
        scalars = self._scaled_scalars(scalars, q_image)
        n_in = scalars.shape[1]
        # Scale in float32, in place, straight into the network's input array.
        out = np.empty((len(images), n_in + images.shape[1]), dtype=np.float32)
        out[:, :n_in] = scalars
        np.subtract(images, self.image_mean_, out=out[:, n_in:], casting="unsafe")
        out[:, n_in:] /= self.image_scale_.astype(np.float32)
        return out

    def _transform_y(self, y):
        return ((np.log(y) - self.target_mean_) / self.target_scale_).astype(np.float32)

    def _inverse_y(self, z):
        return np.exp(np.asarray(z, dtype=np.float64) * self.target_scale_ + self.target_mean_)

    @staticmethod
    def _scale(a):
        std = a.std(axis=0)
        return np.where(std > 1e-12 * max(1.0, np.abs(a).max()), std, 1.0)

    def _checked_X(self, X):
        """``X`` with its images checked by :func:`~sklearn_jam.photometry.check_images`.

        Returns ``X`` (a copy with normalised images when some did not sum to one)
        and the images' shape statistics (:meth:`_shape_stats`).
        """
        side, n_s = self.image_side_, self.n_scalars
        images = X[:, n_s:].reshape(len(X), side, side)
        checked, moments = check_images_with_moments(images)
        if checked is not images:
            X = np.hstack([X[:, :n_s], checked.reshape(len(X), -1)])
        return X, self._shape_stats(moments)

    @staticmethod
    def _shape_stats(moments):
        """Per image: moment axis ratio sqrt(I_yy / I_xx) and size sqrt(I_xx + I_yy) [pixels]."""
        i_xx, i_yy = moments[:, 2], moments[:, 3]
        return np.column_stack([np.sqrt(i_yy / i_xx), np.sqrt(i_xx + i_yy)])

    def _warn_outside_images(self, stats):
        """Warn for images flatter, rounder, larger or smaller than any seen in ``fit``."""
        box = getattr(self, "image_range_", None)
        if box is None or len(stats) == 0:  # models fitted before 0.2.0 did not record it
            return
        margin = np.array([0.01, 0.02]) * box[1]
        bad = np.any((stats < box[0] - margin) | (stats > box[1] + margin), axis=1)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            warnings.warn(
                f"{int(bad.sum())} images lie outside the range of shapes the emulator was "
                f"trained on (moment axis ratio {box[0, 0]:.3f}-{box[1, 0]:.3f}, size "
                f"{box[0, 1]:.2f}-{box[1, 1]:.2f} pixels; e.g. image {i}: "
                f"{stats[i, 0]:.3f}, {stats[i, 1]:.2f}); the emulator extrapolates there",
                OutsidePriorWarning,
                stacklevel=3,
            )

    def _warn_outside_prior(self, scalars):
        lo, hi = self.scalar_box_
        bad = np.any((scalars < lo) | (scalars > hi), axis=1)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            warnings.warn(
                f"{bad.sum()} galaxies lie outside the box of scalar inputs the emulator "
                f"was trained on, {lo.tolist()} to {hi.tolist()} (e.g. row {i}: "
                f"{scalars[i].tolist()}); the emulator extrapolates there",
                OutsidePriorWarning,
                stacklevel=3,
            )
