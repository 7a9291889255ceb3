"""`python -m kvs_chime.testing`: the local endpoint as a standalone server (see `--help`)."""

from ._cli import main

raise SystemExit(main())
