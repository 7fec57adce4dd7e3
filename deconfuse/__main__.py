"""``python -m deconfuse`` runs the command line."""

from deconfuse.cli import main

raise SystemExit(main())
