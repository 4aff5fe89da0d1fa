__version__ = "0.1.0"

#: Version of the physical and data conventions in ``shared/SPEC.md``.
SPEC_VERSION = "1"
