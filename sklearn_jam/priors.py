"""Galaxy parameters: the Table 1 prior box and the physical domain (SPEC section 1).

The column order used everywhere (arrays, files, command line) is
``n_ser, r_ser, q_l, q_m, beta_z, inc``. The spherically aligned family
(``JamSimulator(align='sph')``) has the same columns with ``beta_r = 1 -
sigma_theta^2 / sigma_r^2`` in place of ``beta_z`` (:func:`param_names`), over
the same prior box and domain: the rule on the anisotropy (Wang, Cappellari &
Peng 2021) was derived for the cylindrical alignment and is kept for the
spherical one so that both families hold the same galaxies. With jampy 9's eq. (37)
(``anisotropy='eq37'``) the column stays ``beta_z``: eq. (37) mimics the cylindrically
aligned model of that ``beta_z`` (:data:`~sklearn_jam.jam.alignment.ANISOTROPIES`).
"""

import numpy as np
from sklearn.utils import check_random_state

from .jam.alignment import anisotropy_column
from .jam.constants import MIN_Q_INTR
from .jam.projection import intrinsic_axis_ratio

__all__ = [
    "PARAM_NAMES",
    "param_names",
    "PARAM_UNITS",
    "PRIOR_BOUNDS",
    "MIN_Q_INTR",
    "BETA_EPS_SLOPE",
    "intrinsic_axis_ratio",
    "physical_violations",
    "physical_mask",
    "check_params",
    "sample_prior",
    "in_prior_box",
]

#: Column names, in the order of SPEC section 1.
PARAM_NAMES = ("n_ser", "r_ser", "q_l", "q_m", "beta_z", "inc")

#: Units of each column.
PARAM_UNITS = {
    "n_ser": "",
    "r_ser": "arcsec",
    "q_l": "",
    "q_m": "",
    "beta_z": "",
    "beta_r": "",
    "inc": "deg",
}

#: Uniform prior bounds of Table 1 of the paper; inclination in degrees.
PRIOR_BOUNDS = {
    "n_ser": (2.0, 4.0),
    "r_ser": (5.0, 20.0),
    "q_l": (0.6, 1.0),
    "q_m": (0.6, 1.0),
    "beta_z": (-0.4, 0.4),
    "beta_r": (-0.4, 0.4),
    "inc": (float(np.degrees(np.arccos(0.6))), 90.0),
}

#: Wang, Cappellari & Peng (2021): physical Jeans solutions need beta_z <= 0.7 eps_intr.
BETA_EPS_SLOPE = 0.7


def param_names(align="cyl", anisotropy="constant"):
    """The column names of the family of an alignment: :data:`PARAM_NAMES`, or with ``beta_r``.

    Parameters
    ----------
    align : {'cyl', 'sph'}, default='cyl'
        Alignment of the velocity ellipsoid.
    anisotropy : {'constant', 'eq37'}, default='constant'
        :data:`~sklearn_jam.jam.alignment.ANISOTROPIES` (eq. 37 keeps ``beta_z``).

    Returns
    -------
    names : tuple of str
    """
    column = anisotropy_column(align, anisotropy)  # refuses an unknown alignment
    return PARAM_NAMES[:4] + (column,) + PARAM_NAMES[5:]


def _n_samples(n_samples):
    """``n_samples`` as an int, refused unless a non-negative integer."""
    if int(n_samples) != n_samples or n_samples < 0:
        raise ValueError(f"n_samples must be a non-negative integer, got {n_samples!r}")
    return int(n_samples)


def _as_2d(params):
    params = np.asarray(params, dtype=float)
    if params.ndim == 1:
        params = params[None, :]
    return params


def physical_violations(params, check_bounds=True, align="cyl", anisotropy="constant"):
    """Tell, for each row of a parameter array, which rules it breaks.

    Parameters
    ----------
    params : array-like of shape (n_samples, 6)
        Columns ``n_ser, r_ser [arcsec], q_l, q_m, beta_z, inc [deg]``.
    check_bounds : bool, default=True
        Also report values outside the Table 1 prior box. The physical rules
        (intrinsic axial ratio and anisotropy limit) are always checked.
    align : {'cyl', 'sph'}, default='cyl'
        The family, which names the anisotropy column (:func:`param_names`).
    anisotropy : {'constant', 'eq37'}, default='constant'
        With ``align``, the anisotropy column's name (:func:`param_names`).

    Returns
    -------
    violations : list of list of str
        One list per row, empty when the row is valid. Each message names the
        value and the rule it breaks.
    """
    params, names = _as_2d(params), param_names(align, anisotropy)
    if params.shape[1] != len(names):
        raise ValueError(f"params must have {len(names)} columns {names}, got shape {params.shape}")
    q_l, q_m, beta_z, inc = params[:, 2], params[:, 3], params[:, 4], params[:, 5]
    q_intr_l = intrinsic_axis_ratio(q_l, inc)
    q_intr_m = intrinsic_axis_ratio(q_m, inc)
    out = []
    for i, row in enumerate(params):
        msgs = []
        for j, name in enumerate(names):
            if not np.isfinite(row[j]):
                msgs.append(f"{name}={row[j]} is not finite")
            elif check_bounds:
                lo, hi = PRIOR_BOUNDS[name]
                if not lo <= row[j] <= hi:
                    msgs.append(
                        f"{name}={row[j]:.6g} is outside the prior box [{lo:.6g}, {hi:.6g}]"
                    )
        if not msgs:
            for name, qi, q in (("q_l", q_intr_l[i], q_l[i]), ("q_m", q_intr_m[i], q_m[i])):
                if not qi >= MIN_Q_INTR:  # also catches NaN (q < cos(inc))
                    msgs.append(
                        f"q_intr({name}={q:.6g}, inc={inc[i]:.6g}) = {qi:.4g} is below "
                        f"{MIN_Q_INTR} (JAM cannot deproject)"
                    )
            if not msgs:
                eps_intr = 1.0 - q_intr_l[i]
                if beta_z[i] > BETA_EPS_SLOPE * eps_intr:
                    msgs.append(
                        f"{names[4]}={beta_z[i]:.6g} > {BETA_EPS_SLOPE} * eps_intr = "
                        f"{BETA_EPS_SLOPE * eps_intr:.4g} (non-physical Jeans solution, "
                        "Wang, Cappellari & Peng 2021)"
                    )
        out.append(msgs)
    return out


def check_params(params, check_bounds=True, max_reported=5, align="cyl", anisotropy="constant"):
    """Validate a parameter array and return it as a float 2-D array.

    Parameters
    ----------
    params : array-like of shape (n_samples, 6) or (6,)
        Galaxy parameters in the column order of :data:`PARAM_NAMES`.
    check_bounds : bool, default=True
        Reject values outside the Table 1 prior box as well as outside the
        physical domain.
    max_reported : int, default=5
        How many bad rows the error message lists.
    align : {'cyl', 'sph'}, default='cyl'
        The family, which names the anisotropy column (:func:`param_names`).
    anisotropy : {'constant', 'eq37'}, default='constant'
        With ``align``, the anisotropy column's name (:func:`param_names`).

    Returns
    -------
    params : ndarray of shape (n_samples, 6)

    Raises
    ------
    ValueError
        Naming the row, the value and the rule for each bad row.
    """
    arr = np.asarray(params)
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
        raise ValueError(f"params must be numeric, got dtype {arr.dtype}")
    arr, names = _as_2d(arr.astype(float)), param_names(align, anisotropy)
    if arr.ndim != 2 or arr.shape[1] != len(names):
        raise ValueError(
            f"params must have shape (n_samples, {len(names)}) with columns "
            f"{', '.join(names)}; got shape {np.shape(params)}"
        )
    if arr.shape[0] == 0:
        raise ValueError("params has 0 rows; at least one galaxy is required")
    # The vectorised masks clear the valid rows; only the others need the messages.
    ok = physical_mask(arr) & (in_prior_box(arr) if check_bounds else True)
    suspects = np.flatnonzero(~ok)
    violations = physical_violations(arr[suspects], check_bounds, align, anisotropy)
    bad = [(int(i), v) for i, v in zip(suspects, violations, strict=True) if v]
    if bad:
        lines = [f"  row {i}: " + "; ".join(v) for i, v in bad[:max_reported]]
        more = f"\n  ... and {len(bad) - max_reported} more rows" if len(bad) > max_reported else ""
        raise ValueError(
            f"{len(bad)} of {arr.shape[0]} parameter rows are outside the physical domain "
            "(spec v2 section 1, docs/spec.rst):\n" + "\n".join(lines) + more
        )
    return arr


def physical_mask(params):
    """Vectorised boolean mask of rows inside the physical domain (SPEC section 1).

    Parameters
    ----------
    params : array-like of shape (n_samples, 6)

    Returns
    -------
    mask : ndarray of bool, shape (n_samples,)
        True where both intrinsic axial ratios are at least :data:`MIN_Q_INTR`
        and ``beta_z <= 0.7 * (1 - q_intr(q_l, inc))``.
    """
    params = _as_2d(params)
    q_intr_l = intrinsic_axis_ratio(params[:, 2], params[:, 5])
    q_intr_m = intrinsic_axis_ratio(params[:, 3], params[:, 5])
    with np.errstate(invalid="ignore"):
        return (
            (q_intr_l >= MIN_Q_INTR)
            & (q_intr_m >= MIN_Q_INTR)
            & (params[:, 4] <= BETA_EPS_SLOPE * (1.0 - q_intr_l))
        )


def in_prior_box(params):
    """Boolean mask of rows inside the Table 1 prior box (ignoring the physical rules)."""
    params = _as_2d(params)
    lo = np.array([PRIOR_BOUNDS[n][0] for n in PARAM_NAMES])
    hi = np.array([PRIOR_BOUNDS[n][1] for n in PARAM_NAMES])
    return np.all((params >= lo) & (params <= hi), axis=1)


def sample_prior(n_samples, random_state=None):
    """Draw galaxies uniformly from the Table 1 prior, inside the physical domain.

    Draws outside the domain are rejected (not clipped), so the result is the
    uniform prior truncated to the domain. About 71% of uniform draws pass.

    Parameters
    ----------
    n_samples : int
        Number of galaxies.
    random_state : int, RandomState instance or None
        Seed, for reproducible draws.

    Returns
    -------
    params : ndarray of shape (n_samples, 6)
        Columns ``n_ser, r_ser [arcsec], q_l, q_m, beta_z, inc [deg]``.
    """
    n_samples = _n_samples(n_samples)
    rng = check_random_state(random_state)
    lo = np.array([PRIOR_BOUNDS[n][0] for n in PARAM_NAMES])
    hi = np.array([PRIOR_BOUNDS[n][1] for n in PARAM_NAMES])
    accepted = []
    n_have = 0
    while n_have < n_samples:
        # Draw in batches sized for the ~71% acceptance rate.
        n_draw = max(16, int(1.5 * (n_samples - n_have)))
        draws = lo + (hi - lo) * rng.uniform(size=(n_draw, len(PARAM_NAMES)))
        ok = physical_mask(draws)
        accepted.append(draws[ok])
        n_have += ok.sum()
    return np.concatenate(accepted)[:n_samples] if n_samples else np.empty((0, 6))
