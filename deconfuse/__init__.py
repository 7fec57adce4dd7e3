"""deconfuse deconfuse package."""
