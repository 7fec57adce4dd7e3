"""deconfuse: the thin command line over theory, environments, agents, property_tests, reports."""

__version__ = "0.1.0"

__all__ = ["cli", "commands", "arguments", "targets", "text"]
