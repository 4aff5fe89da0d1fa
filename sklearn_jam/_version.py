__version__ = "0.3.8"

#: Version of the physical and data conventions (``docs/spec.rst``).
SPEC_VERSION = "2"
