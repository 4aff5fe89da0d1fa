"""The polar output grid of the V_rms maps (SPEC section 3)."""

import numpy as np
from scipy import sparse

__all__ = ["PolarGrid"]


class PolarGrid:
    """JAM's 20 x 10 polar grid on one quadrant of the sky.

    Points are ``(x, y) = (r cos(theta), r sin(theta))`` with ``theta``
    measured from the projected major axis. Maps are flattened in C order
    from the ``(n_rad, n_ang)`` array: ``index = i_r * n_ang + i_theta``.

    Parameters
    ----------
    r_min, r_max : float, default=0.5, 25
        Innermost and outermost radius in arcsec (log spaced).
    n_rad : int, default=20
        Number of radii.
    n_ang : int, default=10
        Number of angles, linearly spaced from 0 to 90 degrees.

    Attributes
    ----------
    rad : ndarray of shape (n_rad,)
        Radii in arcsec.
    ang : ndarray of shape (n_ang,)
        Angles in radians from the major axis.
    x, y : ndarray of shape (n_rad * n_ang,)
        Sky coordinates of the grid points in arcsec.
    """

    def __init__(self, r_min=0.5, r_max=25.0, n_rad=20, n_ang=10):
        if not (0 < r_min < r_max) or not np.isfinite(r_max):
            raise ValueError(f"need 0 < r_min < r_max, got r_min={r_min}, r_max={r_max}")
        if int(n_rad) < 2 or int(n_ang) < 2:
            raise ValueError(f"need n_rad >= 2 and n_ang >= 2, got {n_rad}, {n_ang}")
        self.r_min, self.r_max = float(r_min), float(r_max)
        self.n_rad, self.n_ang = int(n_rad), int(n_ang)
        self.rad = np.geomspace(self.r_min, self.r_max, self.n_rad)
        self.ang = np.radians(np.linspace(0.0, 90.0, self.n_ang))
        r, a = np.meshgrid(self.rad, self.ang, indexing="ij")
        self.x = (r * np.cos(a)).ravel()
        self.y = (r * np.sin(a)).ravel()

    def __repr__(self):
        return (
            f"PolarGrid(r_min={self.r_min}, r_max={self.r_max}, "
            f"n_rad={self.n_rad}, n_ang={self.n_ang})"
        )

    def __eq__(self, other):
        return isinstance(other, PolarGrid) and self.get_params() == other.get_params()

    def __hash__(self):
        return hash(tuple(self.get_params().values()))

    def get_params(self):
        """The constructor arguments, as a dict (stored with datasets)."""
        return {"r_min": self.r_min, "r_max": self.r_max, "n_rad": self.n_rad, "n_ang": self.n_ang}

    @property
    def shape(self):
        """``(n_rad, n_ang)``."""
        return (self.n_rad, self.n_ang)

    @property
    def size(self):
        """Number of grid points, ``n_rad * n_ang``."""
        return self.n_rad * self.n_ang

    def feature_names(self):
        """Names of the flattened grid points, ``vrms_r{i_r}_t{i_theta}``."""
        return np.array(
            [f"vrms_r{i:02d}_t{j:02d}" for i in range(self.n_rad) for j in range(self.n_ang)],
            dtype=object,
        )

    def to_maps(self, values):
        """Reshape ``(..., n_rad * n_ang)`` flat maps to ``(..., n_rad, n_ang)``."""
        values = np.asarray(values)
        if values.shape[-1] != self.size:
            raise ValueError(f"last axis must have {self.size} grid points, got {values.shape}")
        return values.reshape(values.shape[:-1] + self.shape)

    def to_flat(self, maps):
        """Reshape ``(..., n_rad, n_ang)`` maps to ``(..., n_rad * n_ang)``."""
        maps = np.asarray(maps)
        if maps.shape[-2:] != self.shape:
            raise ValueError(f"last two axes must be {self.shape}, got {maps.shape}")
        return maps.reshape(maps.shape[:-2] + (self.size,))

    def interpolation_matrix(self, x, y, out_of_range="raise"):
        """Sparse matrix that maps grid values to observed positions.

        The model is symmetric under ``x -> -x`` and ``y -> -y``, so a point in
        any quadrant is folded onto the first one, then interpolated bilinearly
        in ``(log r, theta)``. The interpolation is exact at the grid nodes.

        Parameters
        ----------
        x, y : array-like of shape (n_points,)
            Sky positions in arcsec, x along the projected major axis.
        out_of_range : {'raise', 'clip'}, default='raise'
            What to do with points whose radius lies outside
            ``[r_min, r_max]``: raise a ``ValueError``, or use the nearest
            radius of the grid.

        Returns
        -------
        weights : scipy.sparse.csr_matrix of shape (n_points, n_rad * n_ang)
            ``values_at_points = maps @ weights.T``.
        """
        x = np.abs(np.asarray(x, dtype=float).ravel())
        y = np.abs(np.asarray(y, dtype=float).ravel())
        if x.shape != y.shape:
            raise ValueError(f"x and y must have the same length, got {x.shape} and {y.shape}")
        if not np.all(np.isfinite(x) & np.isfinite(y)):
            raise ValueError("x and y must be finite")
        r = np.hypot(x, y)
        outside = (r < self.r_min * (1 - 1e-12)) | (r > self.r_max * (1 + 1e-12))
        if np.any(outside):
            if out_of_range == "raise":
                i = np.flatnonzero(outside)[0]
                raise ValueError(
                    f"{outside.sum()} points lie outside the grid radii "
                    f"[{self.r_min}, {self.r_max}] arcsec, e.g. point {i} at r={r[i]:.4g}; "
                    "pass out_of_range='clip' to use the nearest radius"
                )
            if out_of_range != "clip":
                raise ValueError(f"out_of_range must be 'raise' or 'clip', got {out_of_range!r}")
        theta = np.arctan2(y, x)
        # Fractional node index in log r and theta; clip keeps edge points on the grid.
        fr = (
            (np.log(np.clip(r, self.r_min, self.r_max)) - np.log(self.r_min))
            / (np.log(self.r_max) - np.log(self.r_min))
            * (self.n_rad - 1)
        )
        ft = theta / (np.pi / 2) * (self.n_ang - 1)
        i0 = np.clip(np.floor(fr).astype(int), 0, self.n_rad - 2)
        j0 = np.clip(np.floor(ft).astype(int), 0, self.n_ang - 2)
        wr = np.clip(fr - i0, 0.0, 1.0)
        wt = np.clip(ft - j0, 0.0, 1.0)
        rows = np.repeat(np.arange(x.size), 4)
        cols = np.stack(
            [
                i0 * self.n_ang + j0,
                i0 * self.n_ang + j0 + 1,
                (i0 + 1) * self.n_ang + j0,
                (i0 + 1) * self.n_ang + j0 + 1,
            ],
            axis=1,
        ).ravel()
        vals = np.stack(
            [(1 - wr) * (1 - wt), (1 - wr) * wt, wr * (1 - wt), wr * wt], axis=1
        ).ravel()
        return sparse.csr_matrix((vals, (rows, cols)), shape=(x.size, self.size))

    def interpolate(self, values, x, y, out_of_range="raise"):
        """Interpolate flat grid maps to observed positions in any quadrant.

        Parameters
        ----------
        values : array-like of shape (..., n_rad * n_ang)
            One or many maps on this grid.
        x, y : array-like of shape (n_points,)
            Positions in arcsec.
        out_of_range : {'raise', 'clip'}, default='raise'
            See :meth:`interpolation_matrix`.

        Returns
        -------
        values_at_points : ndarray of shape (..., n_points)
        """
        values = np.asarray(values, dtype=float)
        if values.shape[-1] != self.size:
            raise ValueError(f"values must end in {self.size} grid points, got {values.shape}")
        w = self.interpolation_matrix(x, y, out_of_range)
        flat = values.reshape(-1, self.size)
        out = (w @ flat.T).T
        return out.reshape(values.shape[:-1] + (w.shape[0],))
