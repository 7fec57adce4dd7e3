"""The conjecture engine: state a claim, check it on generated MDPs, shrink a counterexample.

A *conjecture* is a function of generated arguments that says whether a claim holds on them;
a *theorem* is a conjecture that is proved and must hold. Both are declared with a decorator
that names the Hypothesis strategies of the arguments and the expected verdict::

    from property_tests.engine import conjecture, claim
    from property_tests.strategies import finite_mdps

    @conjecture("the argmax of the proxy is never worse than uniform under the true reward",
                expect="refuted", mdp=finite_mdps())
    def argmax_beats_uniform(mdp):
        ...
        claim(j_argmax >= j_uniform, argmax_true_return=j_argmax, uniform_true_return=j_uniform)

The check returns ``True``/``None`` (holds on this example), ``False`` (refuted; numpy's bools
count as bools), or calls :func:`claim`, which records the numbers that broke the claim; any
other return value is an error verdict. :func:`check` runs Hypothesis with a seed; when the
claim fails, Hypothesis shrinks the arguments to a minimal example, which
:func:`save_counterexample` writes as MDP JSON files plus a parameters file that
:func:`replay` re-checks exactly, from any folder.

This module is the public facade for users' conjecture files and the command line; nothing
inside ``property_tests`` imports it. Each part has its own home:

- :mod:`property_tests.declare`: declaring claims (``conjecture``, ``theorem``, ``claim``,
  ``Refuted``, ``ClaimError``, ``Conjecture``, ``Expectation``), the only part the suites import;
- :mod:`property_tests.checking`: checking (``check``, ``evaluate``, ``Verdict``);
- :mod:`property_tests.counterexamples`: counterexample files and their display
  (``describe_mdp``, ``describe_counterexample``, ``save_counterexample``,
  ``read_counterexample``, ``SavedCounterexample``, ``is_counterexample``, ``replay``,
  ``COUNTEREXAMPLE_FORMAT``, ``COUNTEREXAMPLE_FORMATS``); the JSON itself is read by
  :func:`theory.io.read_json` (re-exported here);
- :mod:`property_tests.discovery`: the suite's discovery (``suite``, ``load_conjectures``);
- :mod:`property_tests.display`: how numbers and arguments are written as text.
"""

from __future__ import annotations

from property_tests.checking import Verdict, check, evaluate
from property_tests.counterexamples import (
    COUNTEREXAMPLE_FORMAT,
    COUNTEREXAMPLE_FORMATS,
    SavedCounterexample,
    describe_counterexample,
    describe_mdp,
    is_counterexample,
    read_counterexample,
    replay,
    save_counterexample,
)
from property_tests.declare import ClaimError, Conjecture, Expectation, Refuted, claim, conjecture, theorem
from property_tests.discovery import load_conjectures, suite
from theory.io import read_json

__all__ = [
    "Conjecture",
    "Refuted",
    "ClaimError",
    "Verdict",
    "conjecture",
    "theorem",
    "claim",
    "check",
    "evaluate",
    "describe_mdp",
    "save_counterexample",
    "replay",
    "read_json",
    "read_counterexample",
    "SavedCounterexample",
    "is_counterexample",
    "load_conjectures",
    "suite",
    "describe_counterexample",
    "COUNTEREXAMPLE_FORMAT",
    "COUNTEREXAMPLE_FORMATS",
    "Expectation",
]
