"""deconfuse reports package."""
