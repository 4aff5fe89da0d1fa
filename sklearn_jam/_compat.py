"""Names that moved: deprecated aliases that warn and forward to their new home."""

import importlib
import warnings

#: The release that moved them, and the one that will remove the aliases.
MOVED_IN, REMOVED_IN = "0.3", "0.5"


def moved_names(old, homes):
    """Module ``__getattr__`` and ``__dir__`` for a module whose names moved to several homes.

    ``homes`` maps each name to the module it now lives in; reading it through
    ``old`` warns (``FutureWarning``) and returns the object of its new home.
    """

    def __getattr__(name):
        if name not in homes:
            raise AttributeError(f"module {old!r} has no attribute {name!r}")
        new = homes[name]
        warnings.warn(
            f"{old}.{name} moved to {new} in sklearn_jam {MOVED_IN}; import it from {new} "
            f"(the old module is removed in {REMOVED_IN})",
            FutureWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module(new), name)

    def __dir__():
        return sorted(homes)

    return __getattr__, __dir__


def moved_module(old, new):
    """Module ``__getattr__`` and ``__dir__`` for a module that moved from ``old`` to ``new``.

    Each attribute read through the old module warns once per call site
    (``FutureWarning``, shown to users by default, as scikit-learn does) and
    returns the object of the new module, so identity and pickles are kept.
    """

    def __getattr__(name):
        if name.startswith("__"):
            raise AttributeError(name)
        target = importlib.import_module(new)
        try:
            value = getattr(target, name)
        except AttributeError:
            raise AttributeError(f"module {old!r} has no attribute {name!r}") from None
        warnings.warn(
            f"{old} moved to {new} in sklearn_jam {MOVED_IN}; import {name} from {new} "
            f"(the old module is removed in {REMOVED_IN})",
            FutureWarning,
            stacklevel=2,
        )
        return value

    def __dir__():
        return sorted(getattr(importlib.import_module(new), "__all__", ()))

    return __getattr__, __dir__
