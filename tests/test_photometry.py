import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.special import gammainc

from sklearn_jam.photometry import (
    fold_quadrant,
    isophote_axis_ratio,
    pixel_coordinates,
    sersic_b,
    sersic_images,
)

galaxy = st.tuples(st.floats(2, 4), st.floats(5, 20), st.floats(0.6, 1))


@given(galaxy)
def test_unit_sum_and_symmetric(g):
    img = sersic_images(*([v] for v in g))[0]
    assert img.shape == (64, 64)
    assert img.sum() == pytest.approx(1.0, rel=1e-12)
    np.testing.assert_array_equal(img, img[:, ::-1])  # x -> -x
    np.testing.assert_array_equal(img, img[::-1, :])  # y -> -y
    assert np.all(img > 0)


@given(galaxy)
def test_major_axis_along_x(g):
    img = sersic_images(*([v] for v in g))[0]
    # Brightest in the four central pixels; along x it falls off slower than along y.
    assert img.max() == img[31:33, 31:33].max()
    assert img[32, 40] >= img[40, 32] * (1 - 1e-12)


def test_bn_gives_half_light():
    for n in (2.0, 3.0, 4.0):
        assert gammainc(2 * n, sersic_b(n)) == pytest.approx(0.5)


def test_centre_between_pixels():
    x = pixel_coordinates()
    assert x[31] == pytest.approx(-0.4) and x[32] == pytest.approx(0.4)


def test_oversampling_converges_for_cusp():
    a, b, c = (sersic_images([4.0], [5.0], [0.8], oversample=k)[0] for k in (5, 15, 45))
    err_a, err_b = np.abs(a / c - 1).max(), np.abs(b / c - 1).max()
    assert err_a < 0.02 and err_b < err_a / 3


def test_errors():
    with pytest.raises(ValueError, match="r_ser"):
        sersic_images([3.0], [-1.0], [0.8])
    with pytest.raises(ValueError, match="equal length"):
        sersic_images([3.0, 2.0], [5.0], [0.8])
    with pytest.raises(ValueError, match="even"):
        sersic_images([3.0], [5.0], [0.8], image_side=63)


@given(galaxy, st.floats(1e-3, 1e3))
def test_isophote_axis_ratio_recovers_q_l(g, flux):
    img = sersic_images(*([v] for v in g), dtype=np.float32)
    q = isophote_axis_ratio(img)
    assert q.shape == (1,)
    assert abs(q[0] - g[2]) < 3e-4
    assert isophote_axis_ratio(img * flux)[0] == pytest.approx(q[0], abs=1e-6)  # flux-free


def test_fold_quadrant_is_the_quadrant_of_a_symmetric_image():
    img = sersic_images([3.0], [9.0], [0.7])
    np.testing.assert_allclose(fold_quadrant(img)[0], img[0, 32:, 32:], rtol=1e-12)


def test_isophote_axis_ratio_on_images_that_are_not_galaxies():
    rng = np.random.default_rng(0)
    q = isophote_axis_ratio(np.abs(rng.normal(size=(5, 16, 16))))
    assert np.all(np.isfinite(q)) and np.all((q >= 0) & (q <= 1.5))
    assert isophote_axis_ratio(np.ones((1, 8, 8)))[0] == 1.0
    with pytest.raises(ValueError, match="shape"):
        isophote_axis_ratio(np.ones((8, 8)))
    with pytest.raises(ValueError, match="at least 6 pixels"):
        isophote_axis_ratio(np.ones((1, 4, 4)))


def test_check_images_contract():
    from sklearn_jam.photometry import ImageNormalizationWarning, check_images, image_moments

    images = sersic_images([2.0, 4.0], [5.0, 10.0], [0.6, 0.9], image_side=16, pixel_scale=3.2)
    assert check_images(images) is not None
    np.testing.assert_array_equal(check_images(images), images)
    x_c, y_c, i_xx, i_yy = image_moments(images).T
    np.testing.assert_allclose([x_c, y_c], 0, atol=1e-12)
    assert np.all(i_yy < i_xx)
    with pytest.warns(ImageNormalizationWarning, match="2 of 2 images do not sum to 1"):
        np.testing.assert_allclose(check_images(images * 3.0), images, rtol=1e-12)
    with pytest.raises(ValueError, match="image 1 is elongated along y"):
        check_images(np.stack([images[0], images[0].T]))
    bad = images.copy()
    bad[1, 2, 3] = np.nan
    with pytest.raises(ValueError, match="image 1 holds NaN"):
        check_images(bad)
    with pytest.raises(ValueError, match=r"shape \(n, side, side\)"):
        check_images(images[:, :, :8])
