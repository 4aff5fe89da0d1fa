"""Plain-text tables and JSON-ready values for reports, cards and summaries."""

import numpy as np

__all__ = ["format_table", "jsonable"]


def format_table(rows, headers):
    """A plain-text table: a header row, a rule, then the rows, in aligned columns.

    Parameters
    ----------
    rows : list of list
        Cells, converted with ``str``.
    headers : list of str
        Column titles.

    Returns
    -------
    table : str
    """
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join(
        [line.format(*headers), line.format(*["-" * w for w in widths])]
        + [line.format(*map(str, r)) for r in rows]
    )


def jsonable(obj):
    """``obj`` with NumPy scalars made Python numbers and tuples made lists, recursively."""
    if isinstance(obj, dict):
        return {k: jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    return obj
