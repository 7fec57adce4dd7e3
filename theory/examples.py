"""Small hand-worked MDPs used in doctests and tests (values derived on paper).

``two_state()``: states s0, s1; actions stay, go; discount 9/10.
From s0, "go" moves to s1 with probability 9/10 (else stays); "stay" stays. In s1, "stay" stays
and pays true reward 1; "go" returns to s0. The proxy also pays 1/2 for "go" in s0.
This is the MDP of the file-format example in the foundations issue.
"""

from __future__ import annotations

from fractions import Fraction as F

from theory.mdp import FiniteMDP

__all__ = ["two_state"]


def two_state() -> FiniteMDP:
    """The two-state example MDP (exact).

    >>> two_state().states
    ('s0', 's1')
    """
    return FiniteMDP(
        states=["s0", "s1"],
        actions=["stay", "go"],
        transitions=[
            [[1, 0], [F(1, 10), F(9, 10)]],
            [[0, 1], [1, 0]],
        ],
        rewards={"true": [[0, 0], [1, 0]], "proxy": [[0, F(1, 2)], [1, 0]]},
        initial=[1, 0],
        discount=F(9, 10),
    )
