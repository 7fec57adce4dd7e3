"""deconfuse property_tests: hypothesis strategies (with enumeration of small classes), the theorem suite
(must hold), the conjecture suite (may be refuted) and the engine that declares, checks, shrinks, saves and
replays them (declare, checking, counterexamples, discovery; ``engine`` is the public facade), the reduction
of counterexamples (reduction), exhaustive checks of small classes (enumeration, exhaustive) and the
loader of users' files (loading) and the agent conformance check (conformance)."""

__all__ = ["strategies", "theorems", "conjectures", "declare", "checking", "counterexamples", "discovery",
           "display", "engine", "enumeration", "exhaustive", "loading", "reduction", "conformance"]
