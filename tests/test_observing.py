"""From mgefit's shipped image of NGC 4342 to an MGE in Lsun/pc^2, checked against the image."""

from importlib import resources

import numpy as np
import pytest

from sklearn_jam.observing import mge_from_mgefit, rotate_bins, surface_brightness

SCALE = 0.0455  # arcsec per WFPC2/PC1 pixel, as mgefit's example
SKY = 0.55  # counts per pixel, as mgefit's example
SIGMAPSF = np.array([0.494, 1.44, 4.71, 13.4])  # pixels: Cappellari et al. (2002), Table 3
NORMPSF = np.array([0.294, 0.559, 0.0813, 0.0657])
SOLAR_MAG = 4.52  # the Sun in WFPC2/F814W, AB (Willmer 2018)
DISTANCE_MPC = 16.5


@pytest.fixture(scope="module")
def ngc4342():
    """mgefit's example fit of its NGC 4342 image, and the image's own photometry."""
    import matplotlib

    matplotlib.use("Agg")
    from astropy.io import fits
    from mgefit.find_galaxy import find_galaxy
    from mgefit.mge_fit_sectors import mge_fit_sectors
    from mgefit.sectors_photometry import sectors_photometry

    path = resources.files("mgefit") / "images/ngc4342_f814w_pc.fits"
    with fits.open(path) as hdul:
        img = hdul[0].data.astype(float) - SKY
        header = hdul[0].header
    f = find_galaxy(img, fraction=0.04, plot=False, quiet=True)
    s = sectors_photometry(img, f.eps, f.theta, f.xpeak, f.ypeak, minlevel=0.5, plot=False)
    m = mge_fit_sectors(
        s.radius, s.angle, s.counts, f.eps, ngauss=12, sigmapsf=SIGMAPSF, normpsf=NORMPSF,
        scale=SCALE, plot=False, quiet=True,
    )  # fmt: skip
    # The AB zero point of 1 count/s from the image's own calibration keywords
    zeropoint = -2.5 * np.log10(header["PHOTFLAM"]) - 5 * np.log10(header["PHOTPLAM"]) - 2.408
    return dict(img=img, f=f, m=m, zeropoint=zeropoint, exptime=float(header["EXPTIME"]))


def _luminosity(apparent_mag):
    """Lsun of a source of apparent magnitude ``apparent_mag`` at DISTANCE_MPC."""
    absolute = apparent_mag - 5 * np.log10(DISTANCE_MPC * 1e6 / 10)
    return 10 ** (0.4 * (SOLAR_MAG - absolute))


def test_mge_luminosity_matches_a_direct_sum_of_the_image(ngc4342):
    """The MGE in Lsun/pc^2, integrated over pc^2 inside a circle, against the image's counts
    inside that circle turned into Lsun through magnitudes and the distance modulus."""
    img, f, m = ngc4342["img"], ngc4342["f"], ngc4342["m"]
    kw = dict(scale=SCALE, zeropoint=ngc4342["zeropoint"], solar_mag=SOLAR_MAG)
    mge = mge_from_mgefit(m, exptime=ngc4342["exptime"], **kw)
    radius_pix = 150.0
    rows, cols = np.indices(img.shape)
    inside = np.hypot(rows - f.xpeak, cols - f.ypeak) < radius_pix
    image_lsun = _luminosity(
        ngc4342["zeropoint"] - 2.5 * np.log10(img[inside].sum() / ngc4342["exptime"])
    )

    # The MGE seen through the PSF (the image is), on a fine grid in its own frame: a circle
    # does not care about the position angle.
    pc_per_arcsec = DISTANCE_MPC * 1e6 * np.pi / 648000
    step = 0.25  # pixels
    u = np.arange(-radius_pix, radius_pix + step, step)
    xx, yy = np.meshgrid(u, u)
    circle = np.hypot(xx, yy) < radius_pix
    mge_lsun = 0.0
    for surf, sigma, q in zip(*mge.mge, strict=True):
        lum = 2 * np.pi * surf * q * (sigma * pc_per_arcsec) ** 2  # Lsun of this Gaussian
        sx = sigma / SCALE
        for s_psf, w in zip(SIGMAPSF, NORMPSF, strict=True):
            ax2, ay2 = sx**2 + s_psf**2, (q * sx) ** 2 + s_psf**2
            density = np.exp(-0.5 * (xx**2 / ax2 + yy**2 / ay2)) / (2 * np.pi * np.sqrt(ax2 * ay2))
            mge_lsun += lum * w * density[circle].sum() * step**2
    assert mge_lsun == pytest.approx(image_lsun, rel=0.005), (mge_lsun, image_lsun)
    # and the whole MGE: its total magnitude is its counts' magnitude
    surf, sigma, q = mge.mge
    total = np.sum(2 * np.pi * surf * q * (sigma * pc_per_arcsec) ** 2)
    assert total == pytest.approx(_luminosity(mge.apparent_mag), rel=1e-10)
    np.testing.assert_allclose(mge.sigma_lum, m.sol[1] * SCALE)
    np.testing.assert_array_equal(mge.qobs_lum, m.sol[2])


def test_surface_brightness_follows_magnitudes():
    """One count/s/pixel at zero point 25 on 0.1" pixels is 20 mag/arcsec^2: 2.5 mag fainter
    per factor 10 fewer counts, and M_sun + 21.572 mag/arcsec^2 is 1 Lsun/pc^2."""
    kw = dict(scale=0.1, zeropoint=25.0, solar_mag=4.83)
    one = surface_brightness(1.0, **kw)
    assert one == pytest.approx(10 ** (0.4 * (4.83 + 21.5721 - 20.0)), rel=1e-4)
    assert surface_brightness(0.1, **kw) == pytest.approx(one / 10)
    assert surface_brightness(100.0, exptime=100, **kw) == pytest.approx(one)
    assert surface_brightness(1.0, extinction=0.5, **kw) == pytest.approx(one * 10**0.2)


@pytest.mark.parametrize("x_axis", ["west", "east"])
@pytest.mark.parametrize("pa", [0.0, 30.0, 127.0])
def test_rotated_bins_put_the_major_axis_on_x(pa, x_axis):
    r = 3.0
    north, east = r * np.cos(np.radians(pa)), r * np.sin(np.radians(pa))  # along the PA
    x = -east if x_axis == "west" else east
    x_major, y_minor = rotate_bins([x, 0.0], [north, 0.0], pa, x_axis=x_axis)
    np.testing.assert_allclose([x_major[0], y_minor[0]], [r, 0.0], atol=1e-12)
    np.testing.assert_allclose([x_major[1], y_minor[1]], [0.0, 0.0])


@pytest.mark.parametrize(
    ("sol", "match"),
    [
        (np.ones((2, 4)), r"shape \(3, n_gauss\)"),
        (np.array([[1.0, -1.0], [1.0, 1.0], [0.5, 0.5]]), "Gaussian 1 has counts=-1.0"),
        (np.array([[1.0], [1.0], [1.5]]), "Gaussian 0 has q=1.5"),
    ],
)
def test_bad_mgefit_solutions_are_refused(sol, match):
    with pytest.raises(ValueError, match=match):
        mge_from_mgefit(sol, scale=0.05, zeropoint=25.0, solar_mag=4.5)
    with pytest.raises(ValueError, match="x_axis='north'"):
        rotate_bins([1.0], [1.0], 10.0, x_axis="north")
