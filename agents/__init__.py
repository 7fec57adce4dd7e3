"""deconfuse agents package."""
