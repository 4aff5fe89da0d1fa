"""astropy Quantities where astronomers give them: stripped to the package's units."""

import numpy as np

__all__ = ["strip_unit"]


def strip_unit(value, unit, name):
    """``value`` in ``unit``: a plain number or array is taken as already in ``unit``.

    Parameters
    ----------
    value : float, array-like or astropy.units.Quantity
        What the user gave.
    unit : str
        The package's unit of this quantity (an astropy unit string such as
        ``'Mpc'``, ``'arcsec'``, ``'deg'`` or ``'solLum / pc2'``).
    name : str
        The argument's name, for the error.

    Returns
    -------
    value : float or ndarray
        ``value`` unchanged if it has no unit, else its value in ``unit``.

    Raises
    ------
    ValueError
        If ``value`` is a Quantity whose unit cannot be converted to ``unit``
        (a size in pc where arcsec is meant, say).
    """
    if not hasattr(value, "unit") or not hasattr(value, "to_value"):
        return value
    from astropy import units as u

    try:
        out = value.to_value(u.Unit(unit))
    except u.UnitConversionError:
        raise ValueError(
            f"{name} in {value.unit} must be in units convertible to {unit or 'a pure number'}: "
            f"give {name} in {unit or 'no unit'}"
        ) from None
    return float(out) if np.ndim(out) == 0 else np.asarray(out, dtype=float)
