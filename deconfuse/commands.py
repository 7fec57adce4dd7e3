"""Further subcommands: compare and demo (registered into deconfuse.cli)."""

from __future__ import annotations
