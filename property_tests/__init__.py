"""deconfuse property_tests package."""
