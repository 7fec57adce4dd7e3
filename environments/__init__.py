"""deconfuse environments package."""
