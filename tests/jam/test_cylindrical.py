"""The exact JAM engine against the spec-v2 reference, autograd, errors and physics properties."""

import warnings

import numpy as np
import pytest
import torch
from _helpers import psf_case, requires_jampy8
from hypothesis import given
from hypothesis import strategies as st
from scipy import integrate
from scipy.special import erf

from sklearn_jam import sample_prior
from sklearn_jam.exceptions import UnphysicalModelWarning
from sklearn_jam.grid import PolarGrid
from sklearn_jam.jam import G_JAMPY, arcsec_to_pc, jam_axi_cyl, sersic_vrms
from sklearn_jam.jam.cylindrical import vrms2_cyl

KEYS = ("surf_lum", "sigma_lum", "qobs_lum", "surf_pot", "sigma_pot", "qobs_pot", "inc", "beta")
GRID = PolarGrid()


def general_model(reference, k):
    args = [reference[f"g{k}_{key}"] for key in KEYS]
    kwargs = {"distance": reference[f"g{k}_distance"], "mbh": reference[f"g{k}_mbh"]}
    return args, reference[f"g{k}_x"], reference[f"g{k}_y"], kwargs


@pytest.mark.parametrize("k", range(8))
def test_general_models_match_reference(reference, k):
    """Real galaxies' MGEs, black holes and gNFW halos (SPEC section 5), to 1e-6."""
    args, x, y, kwargs = general_model(reference, k)
    vrms = jam_axi_cyl(*args, x, y, **kwargs)
    np.testing.assert_allclose(vrms, reference[f"g{k}_vrms_kms"], rtol=1e-6)


def test_batched_equals_one_by_one(reference):
    """Padding with zero-weight Gaussians and batching change nothing."""
    models = [general_model(reference, k) for k in (0, 1, 2)]
    n_lum = max(len(m[0][0]) for m in models)
    n_pot = max(len(m[0][3]) for m in models)

    def pad(v, n, fill):
        return np.concatenate([v, np.full(n - len(v), fill)])

    rows = {key: [] for key in KEYS}
    for args, *_ in models:
        for key, v in zip(KEYS, args, strict=True):
            if key == "inc":
                rows[key].append(v)
                continue
            n = n_pot if key.endswith("pot") else n_lum
            fill = {"surf": 0.0, "sigma": 1.0, "qobs": 1.0, "beta": 0.0}[key.split("_")[0]]
            rows[key].append(pad(v, n, fill))
    x, y = models[0][1], models[0][2]
    batched = jam_axi_cyl(
        *(np.array(rows[key]) for key in KEYS),
        x,
        y,
        distance=np.array([m[3]["distance"] for m in models]),
        mbh=np.array([m[3]["mbh"] for m in models]),
    )
    for i, (args, _, _, kwargs) in enumerate(models):
        np.testing.assert_allclose(batched[i], jam_axi_cyl(*args, x, y, **kwargs), rtol=1e-12)


def test_torch_in_torch_out_and_gradients_match_finite_differences(reference):
    """Autograd with respect to every input agrees with central differences."""
    args, x, y, kwargs = general_model(reference, 1)  # with a black hole
    names = [*KEYS, "mbh"]
    values = [*args, kwargs["mbh"]]
    tensors = [torch.tensor(np.asarray(v, float), requires_grad=True) for v in values]
    out = jam_axi_cyl(
        *tensors[:8], torch.tensor(x), torch.tensor(y), distance=kwargs["distance"], mbh=tensors[8]
    )
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float64
    np.testing.assert_allclose(out.detach().numpy(), reference["g1_vrms_kms"], rtol=1e-6)
    out.sum().backward()

    def total(i, j, h):
        shifted = [np.array(v, float) for v in values]
        shifted[i].reshape(-1)[j] += h
        return jam_axi_cyl(*shifted[:8], x, y, distance=kwargs["distance"], mbh=shifted[8]).sum()

    for i, name in enumerate(names):
        grad = tensors[i].grad.numpy().reshape(-1)
        j = int(np.argmax(np.abs(grad)))
        h = 1e-6 * max(abs(np.asarray(values[i], float).reshape(-1)[j]), 1e-3)
        fd = (total(i, j, h) - total(i, j, -h)) / (2 * h)
        assert grad[j] == pytest.approx(fd, rel=1e-4, abs=1e-9), name


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"qobs_lum": 0.3}, r"qobs_lum: Gaussian 0 with q=0.3 is too flat.*lowest inclination"),
        ({"beta": 1.0}, r"beta\[0\]=.*must be finite and < 1"),
        ({"sigma_pot": -1.0}, r"sigma_pot\[0\]=.*must be finite and > 0"),
        ({"surf_lum": np.nan}, r"surf_lum\[0\]=.*must be finite and >= 0"),
        ({"inc": 0.0}, r"inc=.*must be in \(0, 90\]"),
    ],
)
def test_bad_input_names_the_value(change, match):
    args = {key: np.array([1.0, 2.0]) for key in KEYS}
    args.update(
        qobs_lum=np.array([0.9, 0.9]),
        qobs_pot=np.array([0.9, 0.9]),
        beta=np.array([0.1, 0.1]),
        inc=np.array(60.0),
    )
    for key, value in change.items():
        if key == "inc":
            args[key] = np.array(value)
        else:
            args[key] = args[key].copy()
            args[key][0] = value
    with pytest.raises(ValueError, match=match):
        jam_axi_cyl(*(args[k] for k in KEYS), GRID.x, GRID.y, distance=10.0)


def test_mismatched_lengths_are_refused():
    one = np.ones(3)
    with pytest.raises(ValueError, match="same length"):
        jam_axi_cyl(
            one,
            one,
            0.9 * one,
            one,
            one,
            0.9 * one,
            60.0,
            np.zeros(2),
            GRID.x,
            GRID.y,
            distance=10.0,
        )
    with pytest.raises(ValueError, match="x and y must have the same shape"):
        jam_axi_cyl(
            one, one, 0.9 * one, one, one, 0.9 * one, 60.0, 0.0, GRID.x, GRID.y[:3], distance=10.0
        )


def test_more_nodes_converge():
    p = sample_prior(2, random_state=4)
    coarse = sersic_vrms(*p.T, GRID.x, GRID.y, n_nodes=8)
    fine = sersic_vrms(*p.T, GRID.x, GRID.y, n_nodes=32)
    default = sersic_vrms(*p.T, GRID.x, GRID.y)
    assert np.abs(default / fine - 1).max() < 1e-6 < np.abs(coarse / fine - 1).max()


galaxy = st.tuples(
    st.floats(2, 4),
    st.floats(5, 20),
    st.floats(0.85, 1),
    st.floats(0.85, 1),
    st.floats(-0.1, 0.1),
    st.floats(60, 90),
)


@given(galaxy, st.floats(0.5, 25), st.floats(0, 90))
def test_mirror_symmetry(params, radius, angle):
    x, y = radius * np.cos(np.radians(angle)), radius * np.sin(np.radians(angle))
    xs, ys = np.array([x, -x, x, -x]), np.array([y, y, -y, -y])
    v = sersic_vrms(*params, xs, ys)
    np.testing.assert_allclose(v, v[0], rtol=1e-12)


@given(galaxy, st.floats(0.1, 10), st.floats(1, 100))
def test_scaling_with_mass_and_distance(params, mass_factor, distance):
    """V_rms grows as sqrt of the mass; the dimensionless map ignores the distance."""
    from sklearn_jam.jam import sersic_mge

    n_ser, r_ser, q_l, q_m, beta_z, inc = params
    surf, sigma = sersic_mge(n_ser)
    sigma = sigma * r_ser
    ones = np.ones_like(surf)
    args = (surf, sigma, q_l * ones, surf, sigma, q_m * ones, inc, beta_z * ones, GRID.x, GRID.y)
    base = jam_axi_cyl(*args, distance=10.0)
    heavier = jam_axi_cyl(*args[:3], mass_factor * surf, *args[4:], distance=10.0)
    np.testing.assert_allclose(heavier, np.sqrt(mass_factor) * base, rtol=1e-10)
    np.testing.assert_allclose(
        sersic_vrms(*params, GRID.x, GRID.y, distance=distance),
        sersic_vrms(*params, GRID.x, GRID.y),
        rtol=1e-9,
    )


def test_spherical_isotropic_limit_matches_1d_jeans():
    """Round, isotropic, one Gaussian: an independent spherical Jeans solution, to 1e-4."""
    sigma, surf, distance = 3.0, 1000.0, 10.0
    pc = arcsec_to_pc(distance)
    s = sigma * pc
    mass = 2 * np.pi * surf * s**2
    rho0 = surf / (np.sqrt(2 * np.pi) * s)  # 3-D density of the round Gaussian

    def nu(r):
        return rho0 * np.exp(-0.5 * (r / s) ** 2)

    def m_enc(r):
        return mass * (
            erf(r / (np.sqrt(2) * s)) - np.sqrt(2 / np.pi) * (r / s) * np.exp(-0.5 * (r / s) ** 2)
        )

    def nu_sigma2(r):  # isotropic Jeans equation: nu sigma^2 = int_r^inf nu G M / r'^2 dr'
        return integrate.quad(
            lambda t: nu(t) * G_JAMPY * m_enc(t) / t**2, r, 12 * s, epsabs=0, epsrel=1e-12
        )[0]

    radii = np.array([0.3, 1.0, 3.0, 7.0])
    expected = []
    for R in radii * pc:  # projection along the line of sight
        num = (
            2
            * integrate.quad(
                lambda z, R=R: nu_sigma2(np.hypot(R, z)), 0, 12 * s, epsabs=0, epsrel=1e-10
            )[0]
        )
        den = (
            2
            * integrate.quad(lambda z, R=R: nu(np.hypot(R, z)), 0, 12 * s, epsabs=0, epsrel=1e-12)[
                0
            ]
        )
        expected.append(np.sqrt(num / den))
    one = np.ones(1)
    got = jam_axi_cyl(
        surf * one,
        sigma * one,
        one,
        surf * one,
        sigma * one,
        one,
        90.0,
        0.0,
        radii,
        np.zeros(4),
        distance=distance,
    )
    np.testing.assert_allclose(got, expected, rtol=1e-4)


# -- PSF and spaxel convolution --------------------------------------------------------

PSF_CASES = ("dark_halo", "black_hole", "dark_halo_pixang30", "black_hole_psf_only")
PSF_CASES += ("narrow_light_large_spaxels",)  # NaN at y < 0 before 0.3
# A black hole through a PSF near the inclination limit: 4e-4 and 7.6e-6 off before 0.3.1
PSF_CASES += ("black_hole_near_limit", "black_hole_near_limit_wide_psf")


@pytest.mark.parametrize("name", PSF_CASES)
def test_psf_matches_brute_force(name):
    """PSF x spaxel convolution against direct 2-D integration (scripts/make_psf_reference.py).

    Within 1e-6 at the defaults (docs/real_galaxies.rst), in NumPy (the compiled
    single-precision sums) and in torch (double precision).
    """
    model, psf, x, y, truth = psf_case(name)
    np.testing.assert_allclose(jam_axi_cyl(**model, **psf, x=x, y=y), truth, rtol=1e-6)
    as_tensor = {k: torch.as_tensor(np.asarray(v, float)) for k, v in model.items()}
    vrms = jam_axi_cyl(**as_tensor, **psf, x=torch.tensor(x), y=torch.tensor(y))
    np.testing.assert_allclose(vrms.numpy(), truth, rtol=1e-6)


def test_psf_torch_matches_numpy_and_is_differentiable():
    model, psf, x, y, _ = psf_case("black_hole")
    expected = jam_axi_cyl(**model, **psf, x=x, y=y)
    tensors = {
        k: torch.tensor(np.asarray(v, dtype=float), requires_grad=k == "inc")
        for k, v in model.items()
    }
    got = jam_axi_cyl(**tensors, **psf, x=torch.tensor(x), y=torch.tensor(y))
    np.testing.assert_allclose(got.detach().numpy(), expected, rtol=1e-6)
    got.sum().backward()

    def total(inc):  # double precision throughout (the NumPy path sums spaxels in single)
        inputs = {k: torch.tensor(np.asarray(v, dtype=float)) for k, v in model.items()}
        inputs["inc"] = torch.tensor(inc)
        return jam_axi_cyl(**inputs, **psf, x=torch.tensor(x), y=torch.tensor(y)).sum().item()

    h = 1e-2  # degrees: the sum of 175 maps carries ~1e-11 relative rounding noise
    numeric = (total(model["inc"] + h) - total(model["inc"] - h)) / (2 * h)
    np.testing.assert_allclose(tensors["inc"].grad.item(), numeric, rtol=1e-4)


def test_tiny_psf_tends_to_the_unconvolved_model(reference):
    args, x, y, kwargs = general_model(reference, 0)
    sharp = jam_axi_cyl(*args, x, y, **kwargs)
    blurred = jam_axi_cyl(*args, x, y, **kwargs, sigmapsf=1e-4)
    np.testing.assert_allclose(blurred, sharp, rtol=1e-6)


def test_spaxel_without_psf_is_the_mean_over_the_spaxel(reference):
    """The analytic spaxel mean equals a dense 2-D Gauss-Legendre average of the model."""
    args, _, _, kwargs = general_model(reference, 0)
    x, y, side = np.array([3.0, -5.0]), np.array([2.0, 1.5]), 1.0
    got = jam_axi_cyl(*args, x, y, **kwargs, pixsize=side)
    t, w = np.polynomial.legendre.leggauss(24)
    dx, dy = (m.ravel() * side / 2 for m in np.meshgrid(t, t))
    ww = np.outer(w, w).ravel() / 4
    surf, sigma, qobs = args[0], args[1], args[2]
    xs, ys = (x[:, None] + dx).ravel(), (y[:, None] + dy).ravel()
    vrms = jam_axi_cyl(*args, xs, ys, **kwargs).reshape(2, -1)
    mu = (surf * np.exp(-0.5 * (xs[:, None] ** 2 + (ys[:, None] / qobs) ** 2) / sigma**2)).sum(1)
    mu = mu.reshape(2, -1)
    expected = np.sqrt(((vrms**2 * mu) @ ww) / (mu @ ww))
    np.testing.assert_allclose(got, expected, rtol=1e-9)


@given(st.floats(-180, 180))
def test_rotated_spaxels_keep_the_model_symmetries(pixang):
    """A square turned by 90 degrees is the same square; a mirror in y mirrors the angle."""
    model, psf, x, y, _ = psf_case("dark_halo")
    psf = {**psf, "pixang": pixang}
    x, y = x[:2], y[:2]
    base = jam_axi_cyl(**model, **psf, x=x, y=y)
    turned = jam_axi_cyl(**model, **{**psf, "pixang": pixang + 90}, x=x, y=y)
    mirrored = jam_axi_cyl(**model, **{**psf, "pixang": -pixang}, x=x, y=-y)
    # An aligned and a turned spaxel take different rules (each within 1e-6 of
    # the brute-force reference); the same rule agrees to rounding (single
    # precision for aligned spaxels: ~1e-9).
    np.testing.assert_allclose(turned, base, rtol=2e-6)
    np.testing.assert_allclose(mirrored, base, rtol=1e-8)


@requires_jampy8
def test_psf_agrees_with_jampy_within_its_grid_error():
    """jampy's grid-and-FFT convolution, same inputs: within its own error (~3e-3)."""
    from jampy.axi.jam_axi_proj import jam_axi_proj

    model, psf, x, y, truth = psf_case("dark_halo")
    m = model
    theirs = jam_axi_proj(
        m["surf_lum"], m["sigma_lum"], m["qobs_lum"], m["surf_pot"], m["sigma_pot"],
        m["qobs_pot"], m["inc"], m["mbh"], m["distance"], x, y, beta=m["beta"],
        align="cyl", plot=False, quiet=True, **psf,
    ).model  # fmt: skip
    ours = jam_axi_cyl(**model, **psf, x=x, y=y)
    assert np.max(np.abs(ours / theirs - 1)) < 5e-3
    assert np.max(np.abs(theirs / truth - 1)) > 10 * np.max(np.abs(ours / truth - 1))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(sigmapsf=[0.5, 1.0], normpsf=[0.7, 0.2]), r"normpsf=\[0.7, 0.2\] sums to 0.9"),
        (dict(sigmapsf=[0.5, 1.0], normpsf=[1.0]), "one length"),
        (dict(sigmapsf=-1.0), r"sigmapsf=\[-1.0\] must be finite and >= 0"),
        (dict(sigmapsf=np.nan), "sigmapsf"),
        (dict(normpsf=0.0), "normpsf"),
        (dict(pixsize=-2.0), "pixsize=-2.0 must be finite and >= 0"),
        (dict(pixang=np.inf), "pixang=inf must be finite"),
        (dict(pixsize=1.0, pixang=30.0, pixel_nodes=0), "pixel_nodes"),
    ],
)
def test_bad_psf_is_refused_naming_it(reference, kwargs, match):
    args, x, y, base = general_model(reference, 0)
    with pytest.raises(ValueError, match=match):
        jam_axi_cyl(*args, x, y, **base, **kwargs)


def test_centre_is_allowed_with_and_without_a_psf(reference):
    args, _, _, kwargs = general_model(reference, 0)
    for psf in ({"sigmapsf": 0.5}, {}):
        vrms = jam_axi_cyl(*args, np.array([0.0]), np.array([0.0]), **kwargs, **psf)
        assert np.isfinite(vrms).all() and vrms > 0


@pytest.mark.parametrize("pixang", [0.0, 30.0])
def test_convolved_model_is_finite_far_out(pixang):
    """Bins far beyond the light: small, finite values, never NaN (no overflow)."""
    model, psf, _, _, _ = psf_case("dark_halo")
    x, y = np.array([900.0, 0.0, 3000.0]), np.array([0.0, 900.0, 2000.0])
    vrms = jam_axi_cyl(**model, **{**psf, "pixang": pixang}, x=x, y=y)
    assert np.all(np.isfinite(vrms)) and np.all(vrms > 0)


def _pair_sum(lum, pot, inc, beta, x, y, sigmapsf, n_nodes):
    """The galaxy's V^2 as the light-weighted sum of its one-Gaussian pairs' signed V^2.

    A pair is left out beyond 8 of its luminous Gaussian's (convolved) sigmas, where
    its light underflows and is exp(-32) of its peak.
    """
    surf, sigma, qobs = lum
    light = 2 * np.pi * surf * sigma**2 * qobs
    total, surface = np.zeros(x.size), np.zeros(x.size)
    for j in range(surf.size):
        sx, sy = np.hypot(sigma[j], sigmapsf), np.hypot(qobs[j] * sigma[j], sigmapsf)
        radius2 = (x / sx) ** 2 + (y / sy) ** 2
        s_j = light[j] / (2 * np.pi * sx * sy) * np.exp(-0.5 * radius2)
        near = radius2 <= 64
        for k in range(pot[0].size):
            v2 = vrms2_cyl(
                *(v[j : j + 1] for v in lum),
                *(v[k : k + 1] for v in pot),
                inc,
                np.array([beta]),
                x[near],
                y[near],
                distance=10.0,
                sigmapsf=sigmapsf,
                n_nodes=n_nodes,
            )
            total[near] += s_j[near] * v2
        surface += s_j
    return total / surface


@pytest.mark.parametrize("sigmapsf", [0.0, 0.6])
def test_model_is_the_sum_of_its_gaussian_pairs(sigmapsf):
    # Sigma <V_los^2> is linear in the tracer and in the potential, and so is the PSF:
    # the whole model is the light-weighted sum of each luminous Gaussian's signed V^2
    # in each mass Gaussian's potential (what sklearn_jam.emulator.pairs sums).
    lum = (np.array([3e4, 2e3, 300.0]), np.array([0.3, 2.0, 9.0]), np.array([0.9, 0.3, 0.7]))
    pot = (np.array([5e4, 1e3]), np.array([0.5, 20.0]), np.array([0.6, 1.0]))
    x, y = np.array([0.0, 0.5, 3.0, 0.0, 12.0, 7.0]), np.array([0.0, 0.2, 1.0, 4.0, 2.0, 7.0])
    for beta in (0.0, -0.4, 0.3):
        whole = vrms2_cyl(
            *lum,
            *pot,
            80.0,
            np.full(3, beta),
            x,
            y,
            distance=10.0,
            sigmapsf=sigmapsf,
            n_nodes=48,
        )
        parts = _pair_sum(lum, pot, 80.0, beta, x, y, sigmapsf, n_nodes=48)
        # Convolved, the compiled sums add in single precision (1.2e-8 measured).
        np.testing.assert_allclose(parts, whole, rtol=1e-9 if sigmapsf == 0 else 1e-7)


def test_signed_vrms2_keeps_a_negative_share_without_warning():
    # A round tracer in a wider, flatter potential has <v_phi^2> < 0 far out.
    lum = (np.array([100.0]), np.array([1.0]), np.array([1.0]))
    pot = (np.array([100.0]), np.array([30.0]), np.array([0.3]))
    x, y = np.array([0.5, 6.0]), np.array([0.0, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        v2 = vrms2_cyl(*lum, *pot, 90.0, np.zeros(1), x, y, distance=10.0)
    assert v2[0] > 0 > v2[1]
    with pytest.warns(UnphysicalModelWarning, match="V_rms\\^2 < 0"):
        vrms = jam_axi_cyl(*lum, *pot, 90.0, np.zeros(1), x, y, distance=10.0)
    np.testing.assert_allclose(vrms[0] ** 2, v2[0], rtol=1e-12)
    assert np.isnan(vrms[1])


@pytest.mark.parametrize("inc", [0.342, 0.05])
def test_a_round_galaxy_seen_face_on_stays_round(inc):
    """Deprojected near face-on, a round Gaussian's rounding error is no prolate mass."""
    lum = (np.array([1.0, 0.2]), np.array([1.0, 3.0]), np.ones(2))
    pot = (np.array([1.0]), np.array([10**-1.913]), np.ones(1))
    x, y = np.array([0.0, 0.3, 2.0]), np.array([0.0, 0.4, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no invalid value in a square root
        v2 = vrms2_cyl(*lum, *pot, inc, np.zeros(2), x, y, distance=10.0, sigmapsf=0.085)
    # Round and isotropic, the model is spherical: the same at every inclination.
    edge_on = vrms2_cyl(*lum, *pot, 90.0, np.zeros(2), x, y, distance=10.0, sigmapsf=0.085)
    np.testing.assert_allclose(v2, edge_on, rtol=1e-6)
