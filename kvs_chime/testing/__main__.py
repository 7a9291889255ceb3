"""`python -m kvs_chime.testing`: the local endpoint as a standalone server (see `--help`)."""

from ._cli import main

# Guarded: tools that import every module of the package (doc generators, coverage checks) must
# not start a server by importing this one.
if __name__ == "__main__":
    raise SystemExit(main())
