"""What the engines share: the array namespace (NumPy or torch), device and input checks.

The engines are written once against a small namespace, ``xp``, that is NumPy for
NumPy inputs and torch (on the inputs' device) for tensors, so the same lines run
on a CPU, on a GPU and under autograd. The checks run on NumPy copies before any
work and refuse the first bad value by name and rule.
"""

import warnings

import numpy as np
from scipy import special

from ..exceptions import UnphysicalModelWarning
from .constants import MIN_Q_INTR
from .projection import inc_from_qmin, intrinsic_axis_ratio

__all__ = [
    "namespace",
    "check_device",
    "refuse_first_bad",
    "check_shapes",
    "check_inputs",
    "prepare_arguments",
    "check_arguments",
    "to_batch",
    "flattest_q_intr",
    "check_light",
    "vrms_from_moments",
]

#: Elements of the (points, lum, pot, nodes) work array per block: NumPy stays in cache.
BLOCK_NUMPY = 1 << 16
_BLOCK_TORCH = {"cpu": 1 << 20, "cuda": 1 << 25}


# -- array namespace: NumPy arrays or torch tensors -----------------------------------


class _Numpy:
    name = "numpy"
    exp, sqrt, sin, cos, arcsin, arcsinh = np.exp, np.sqrt, np.sin, np.cos, np.arcsin, np.arcsinh
    log, hypot = np.log, np.hypot
    erfc = staticmethod(special.erfc)

    @staticmethod
    def asarray(a, like=None):
        return np.asarray(a, dtype=np.float64)

    @staticmethod
    def exp_overwrite(a):
        """``exp(a)``, written over ``a`` (a temporary nobody else holds) to save memory traffic."""
        return np.exp(a, out=a)

    @staticmethod
    def minimum(a, b):
        return np.minimum(a, b)

    @staticmethod
    def clip_min(a, lo):
        return np.maximum(a, lo)

    @staticmethod
    def where(cond, a, b):
        return np.where(cond, a, b)

    @staticmethod
    def stack(parts, axis):
        return np.stack(parts, axis=axis)

    @staticmethod
    def concat(parts, axis):
        return np.concatenate(parts, axis=axis)

    @staticmethod
    def numpy(a):
        return a

    @staticmethod
    def index(idx):
        return idx

    @staticmethod
    def block(device):
        return BLOCK_NUMPY


class _Torch:
    name = "torch"

    def __init__(self, torch, device):
        self.torch, self.device = torch, device
        t = torch
        self.exp, self.sqrt, self.sin, self.cos = t.exp, t.sqrt, t.sin, t.cos
        self.log, self.hypot = t.log, t.hypot
        self.arcsin, self.arcsinh = t.arcsin, t.arcsinh
        self.erfc = t.special.erfc

    def asarray(self, a, like=None):
        return self.torch.as_tensor(a, dtype=self.torch.float64, device=self.device)

    def exp_overwrite(self, a):
        return self.torch.exp(a)  # out of place: autograd keeps what it needs

    def minimum(self, a, b):
        return self.torch.minimum(a, self.asarray(b))

    def clip_min(self, a, lo):
        return self.torch.clamp(a, min=lo)

    def where(self, cond, a, b):
        return self.torch.where(cond, a, self.asarray(b))

    def stack(self, parts, axis):
        return self.torch.stack(parts, dim=axis)

    def concat(self, parts, axis):
        return self.torch.cat(parts, dim=axis)

    @staticmethod
    def numpy(a):
        return a.detach().cpu().numpy()

    def index(self, idx):
        return self.torch.as_tensor(idx, device=self.device)

    def block(self, device):
        return _BLOCK_TORCH.get(self.torch.device(device).type, _BLOCK_TORCH["cuda"])


def namespace(values):
    """Torch if any input is a tensor (on that tensor's device), else NumPy."""
    for v in values:
        if type(v).__module__.startswith("torch"):
            import torch

            return _Torch(torch, v.device)
    return _Numpy()


def check_device(device):
    """Refuse a torch device this machine cannot use, naming it (torch is imported here)."""
    import torch

    try:
        torch.empty(0, device=device)
    except (AssertionError, RuntimeError, TypeError, ValueError) as exc:
        raise ValueError(f"device={device!r} is not usable by torch here: {exc}") from None
    return device


# -- checks ------------------------------------------------------------------------------


def refuse_first_bad(checks, where=""):
    """Raise for the first element breaking its rule: ``checks`` of (name, values, ok, rule).

    ``ok`` has the shape of ``values`` or of its leading axes (one flag per row);
    the message names the element (or row) by its index and gives its value, and
    ``where`` is formatted with that index (``" (bin {})"``).
    """
    for name, values, ok, rule in checks:
        ok = np.asarray(ok)
        if not np.all(ok):
            idx = tuple(int(i) for i in np.argwhere(~ok)[0])
            label = f"[{', '.join(map(str, idx))}]" if idx else ""
            value = np.asarray(values)[idx].tolist()
            raise ValueError(f"{name}{label}={value} must be {rule}{where.format(*idx)}")


def check_shapes(per_gaussian, points, scalars, rbh, mbh):
    """The batch size of the arguments, or a clear error naming the one that does not fit.

    Parameters
    ----------
    per_gaussian : dict of ndarray
        ``{name: array}`` of the MGE arguments: 1-D (one galaxy) or 2-D (a batch).
    points : dict of ndarray
        ``x`` and ``y``: 1-D or 2-D.
    scalars : dict of ndarray
        ``inc``, ``distance``, ``mbh``: 0-D or 1-D.
    rbh : ndarray
        0-D.
    mbh : ndarray
        The black-hole masses (a galaxy may have no mass Gaussian only with one).

    Returns
    -------
    n_galaxies : int
    """
    sizes = {}
    for group, max_ndim in ((per_gaussian, 2), (points, 2), (scalars, 1)):
        for name, v in group.items():
            if v.ndim > max_ndim:
                raise ValueError(
                    f"{name} must have at most {max_ndim} dimensions (a leading batch axis of "
                    f"galaxies at most), got shape {tuple(v.shape)}"
                )
            if v.ndim == max_ndim:
                sizes[name] = v.shape[0]
    if rbh.ndim:
        raise ValueError(f"rbh must be one number (arcsec), got shape {tuple(rbh.shape)}")
    batch = sorted(set(sizes.values()) - {1})
    if len(batch) > 1:
        listed = ", ".join(f"{k} {v}" for k, v in sizes.items())
        raise ValueError(
            f"the batched arguments have different numbers of galaxies ({listed}); each must "
            "have the same leading length, or none"
        )
    if points["x"].shape[-1] == 0:
        raise ValueError("x and y hold no point")
    if per_gaussian["surf_lum"].shape[-1] == 0:
        raise ValueError(
            "the luminous MGE is empty: surf_lum, sigma_lum, qobs_lum have no Gaussian"
        )
    if per_gaussian["surf_pot"].shape[-1] == 0 and not np.all(mbh > 0):
        raise ValueError(
            "the mass MGE is empty (surf_pot, sigma_pot, qobs_pot have no Gaussian) and there "
            "is no black hole: the model has no mass"
        )
    return batch[0] if batch else 1


def check_inputs(lum, pot, beta, inc, x, y, distance, mbh, rbh, n_nodes):
    """Clear errors naming the offending value (run on NumPy copies; autograd unaffected)."""
    surf_lum, sigma_lum, qobs_lum = lum
    surf_pot, sigma_pot, qobs_pot = pot
    if not (surf_lum.shape[-1] == sigma_lum.shape[-1] == qobs_lum.shape[-1] == beta.shape[-1]):
        raise ValueError(
            "the luminous MGE and beta must have the same length, got surf_lum "
            f"{surf_lum.shape[-1]}, sigma_lum {sigma_lum.shape[-1]}, qobs_lum "
            f"{qobs_lum.shape[-1]}, beta {beta.shape[-1]}"
        )
    if not (surf_pot.shape[-1] == sigma_pot.shape[-1] == qobs_pot.shape[-1]):
        raise ValueError(
            "the mass MGE arrays must have the same length, got surf_pot "
            f"{surf_pot.shape[-1]}, sigma_pot {sigma_pot.shape[-1]}, qobs_pot {qobs_pot.shape[-1]}"
        )
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same shape, got {x.shape} and {y.shape}")
    if n_nodes is not None and (int(n_nodes) != n_nodes or n_nodes < 2):
        raise ValueError(f"n_nodes must be an integer >= 2 or None, got {n_nodes!r}")
    refuse_first_bad(
        (
            ("surf_lum", surf_lum, np.isfinite(surf_lum) & (surf_lum >= 0), "finite and >= 0"),
            ("surf_pot", surf_pot, np.isfinite(surf_pot) & (surf_pot >= 0), "finite and >= 0"),
            ("sigma_lum", sigma_lum, np.isfinite(sigma_lum) & (sigma_lum > 0), "finite and > 0"),
            ("sigma_pot", sigma_pot, np.isfinite(sigma_pot) & (sigma_pot > 0), "finite and > 0"),
            ("qobs_lum", qobs_lum, (qobs_lum > 0) & (qobs_lum <= 1), "in (0, 1]"),
            ("qobs_pot", qobs_pot, (qobs_pot > 0) & (qobs_pot <= 1), "in (0, 1]"),
            ("beta", beta, np.isfinite(beta) & (beta < 1), "finite and < 1"),
            ("inc", inc, (inc > 0) & (inc <= 90), "in (0, 90] degrees"),
            ("x", x, np.isfinite(x), "finite"),
            ("y", y, np.isfinite(y), "finite"),
            ("distance", distance, np.isfinite(distance) & (distance > 0), "finite and > 0 Mpc"),
            ("mbh", mbh, np.isfinite(mbh) & (mbh >= 0), "finite and >= 0 Msun"),
            ("rbh", rbh, np.isfinite(rbh) & (rbh > 0), "finite and > 0 arcsec"),
        )
    )
    inc_rad = np.radians(inc)[..., None]
    q_min = np.hypot(np.cos(inc_rad), MIN_Q_INTR * np.sin(inc_rad))
    for name, q in (("qobs_lum", qobs_lum), ("qobs_pot", qobs_pot)):
        low = np.broadcast_to(q < q_min, np.broadcast_shapes(q.shape, q_min.shape))
        if np.any(low):
            idx = tuple(np.argwhere(low)[0])
            q_bad = np.broadcast_to(q, low.shape)[idx]
            inc_bad = np.broadcast_to(np.degrees(inc_rad), low.shape)[idx]
            i_min = inc_from_qmin(MIN_Q_INTR, q_bad)
            galaxy = f"galaxy {idx[0]}, " if len(idx) > 1 else ""
            raise ValueError(
                f"{name}: {galaxy}Gaussian {idx[-1]} with q={q_bad:.6g} is too flat for "
                f"inc={inc_bad:.6g} deg (its intrinsic axial ratio would be below "
                f"{MIN_Q_INTR}); the lowest inclination it allows is {i_min:.4f} deg"
            )


# -- what both engines do with their arguments and results ---------------------------

#: The arguments of the engine by kind: per Gaussian, per point, per galaxy.
PER_GAUSSIAN = ("surf_lum", "sigma_lum", "qobs_lum", "beta", "surf_pot", "sigma_pot", "qobs_pot")
POINTS = ("x", "y")
SCALARS = ("inc", "distance", "mbh")


def prepare_arguments(inputs):
    """The namespace, the arguments in it, and whether any is batched.

    ``inputs`` maps the names of :data:`PER_GAUSSIAN`, :data:`POINTS` and
    :data:`SCALARS` (and ``rbh``) to the user's values; a scalar ``beta`` is
    given to every luminous Gaussian.
    """
    xp = namespace(inputs.values())
    m = {k: xp.asarray(v) for k, v in inputs.items()}
    batched = any(m[k].ndim > 1 for k in PER_GAUSSIAN + POINTS) or any(
        m[k].ndim > 0 for k in SCALARS
    )
    if m["beta"].ndim == 0:
        m["beta"] = m["beta"] + 0 * m["sigma_lum"]
    return xp, m, batched


def check_arguments(xp, m, n_nodes):
    """Refuse bad shapes and values, naming them, before any work; the batch size."""
    as_np = {k: np.asarray(xp.numpy(v)) for k, v in m.items()}
    n_gal = check_shapes(
        {k: as_np[k] for k in PER_GAUSSIAN},
        {k: as_np[k] for k in POINTS},
        {k: as_np[k] for k in SCALARS},
        as_np["rbh"],
        as_np["mbh"],
    )
    check_inputs(
        tuple(as_np[k] for k in ("surf_lum", "sigma_lum", "qobs_lum")),
        tuple(as_np[k] for k in ("surf_pot", "sigma_pot", "qobs_pot")),
        *(as_np[k] for k in ("beta", "inc", "x", "y", "distance", "mbh", "rbh")),
        n_nodes,
    )
    return n_gal


def to_batch(xp, m, n_gal):
    """Every argument with a leading axis of ``n_gal`` galaxies: (B, n) or (B,)."""
    ones_rows, ones = xp.asarray(np.ones((n_gal, 1))), xp.asarray(np.ones(n_gal))
    out = {"rbh": m["rbh"]}
    for k in PER_GAUSSIAN + POINTS:
        v = m[k][None] if m[k].ndim == 1 else m[k]
        out[k] = v if v.shape[0] == n_gal else v * ones_rows
    for k in SCALARS:
        v = m[k].reshape(-1)
        out[k] = v if v.shape[0] == n_gal else v * ones
    return out


def flattest_q_intr(xp, m):
    """The smallest intrinsic axial ratio of each galaxy's light and mass Gaussians: (B,).

    Zero-weight (padding) Gaussians do not count. The engines' node rules take
    more nodes near the inclination limit.
    """
    inc = xp.numpy(m["inc"])[:, None]
    q_intr = [
        np.where(xp.numpy(m[surf]) > 0, intrinsic_axis_ratio(xp.numpy(m[q]), inc), 1.0)
        for surf, q in (("surf_lum", "qobs_lum"), ("surf_pot", "qobs_pot"))
    ]
    return np.min(np.concatenate(q_intr, 1), 1)


def check_light(xp, mu, m):
    """Refuse points where the MGE's light is zero (none, or underflowing far out)."""
    dark = ~(xp.numpy(mu) > 0)
    if np.any(dark):
        g, p = (int(i) for i in np.argwhere(dark)[0])
        x, y = (float(xp.numpy(m[k])[g, p]) for k in ("x", "y"))
        widest = float(xp.numpy(m["sigma_lum"])[g].max())
        galaxy = f"galaxy {g}, " if mu.shape[0] > 1 else ""
        raise ValueError(
            f"the MGE's surface brightness is 0 at {galaxy}point {p} (x={x:.6g}, y={y:.6g} "
            f"arcsec; the widest luminous Gaussian has sigma={widest:.6g} arcsec): "
            "V_rms is undefined where there is no light (all surf_lum = 0, or the point so "
            "far out that the light underflows)"
        )


def vrms_from_moments(xp, sb_mu2, mu):
    """``sqrt(Sigma <V^2> / Sigma)``; NaN, with a warning naming the point, where it is < 0."""
    v2 = sb_mu2 / mu
    negative = xp.numpy(v2) < 0
    if np.any(negative):
        g, p = (int(i) for i in np.argwhere(negative)[0])
        galaxy = f"galaxy {g}, " if v2.shape[0] > 1 else ""
        warnings.warn(
            f"V_rms^2 < 0 at {int(negative.sum())} point(s), first at {galaxy}point {p} "
            f"({float(xp.numpy(v2)[g, p]):.6g} (km/s)^2): the anisotropy beta is unphysical for "
            "this model there (it makes <v_phi^2> < 0); V_rms is NaN there",
            UnphysicalModelWarning,
            stacklevel=3,
        )
    return xp.sqrt(xp.where(v2 < 0, np.nan, v2))
