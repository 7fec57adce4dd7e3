"""Checks of scalar arguments (numbers, probabilities, discounts, horizons, ties, choices, names)
and the shared message helpers; part of :mod:`theory.validation`, re-exported there."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from numbers import Integral, Rational, Real
from typing import Any, Literal

import numpy as np

from theory.errors import DeconfuseError, InvalidArgument
from theory.numbers import (
    decimal_text,
    format_number,
    parse_number,
    parse_number_text,
)

__all__ = [
    "TieRule",
    "TIE_RULES",
    "label_index",
    "show_labels",
    "show_value",
    "check_int",
    "check_seed",
    "check_number",
    "check_probability",
    "check_discount",
    "check_positive_int",
    "check_horizon",
    "check_time",
    "check_positive",
    "check_tolerance",
    "check_beta",
    "check_q",
    "check_rate",
    "check_value_range",
    "FLOAT_VALUE_LIMIT",
    "check_tie",
    "check_choice",
    "check_observations",
    "check_reward_names",
    "check_known_reward",
    "check_instance",
    "check_bounds",
    "check_listed_discount",
    "check_policy_steps",
    "check_count",
    "check_reward_name",
    "check_distinct",
    "check_angle",
]

#: The one tie vocabulary (meanings in the module docstring).
TieRule = Literal["uniform", "first", "last"]
TIE_RULES: tuple[str, ...] = ("uniform", "first", "last")


def label_index(labels: Sequence[str], *indices: int) -> str:
    """Format an index as labels: ``['s0', 'go']``."""
    return "[" + ", ".join(repr(labels_i[i]) for labels_i, i in zip(labels, indices)) + "]"


def show_labels(labels: Sequence[str], limit: int = 6) -> str:
    """Labels for an error message, cut after ``limit``: ``['s0', 's1', ...]``.

    >>> show_labels(("a", "b", "c"), limit=2)
    "['a', 'b', ...]"
    """
    shown = ", ".join(repr(x) for x in labels[:limit])
    return f"[{shown}, ...]" if len(labels) > limit else f"[{shown}]"


def show_value(value: Any) -> str:
    """A value in a message: a Fraction as "p/q" (like every exact number), anything else by repr.

    A number of more than 40 characters is shown by its decimal approximation.

    >>> show_value(Fraction(1, 2)), show_value("x"), show_value(0.5), show_value(10**400)
    ('1/2', "'x'", '0.5', 'about 1e+400 (401 digits exactly)')
    """
    if isinstance(value, (Fraction, int)) and not isinstance(value, bool):
        text = format_number(value)
        if len(text) <= 40:
            return text
        return f"about {decimal_text(value)} ({len(text)} {'characters' if '/' in text else 'digits'} exactly)"
    return repr(value)



def check_int(value: Any, field: str, minimum: int | None = None) -> int:
    """``value`` as an int (bools refused), at least ``minimum`` when given.

    >>> check_int(3, "n", 2)
    3
    >>> check_int(1, "n", 2)
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: n is 1, not an integer >= 2
    """
    if isinstance(value, bool) or not isinstance(value, Integral):
        bound = "" if minimum is None else f" >= {minimum}"
        raise InvalidArgument(f"{field} is {value!r}, not an integer{bound}")
    if minimum is not None and value < minimum:
        raise InvalidArgument(f"{field} is {int(value)}, not an integer >= {minimum}")
    return int(value)


def check_seed(seed: Any, field: str = "seed") -> int:
    """A seed for :func:`numpy.random.default_rng`: a non-negative int.

    >>> check_seed(7)
    7
    """
    if isinstance(seed, bool) or not isinstance(seed, Integral) or seed < 0:
        raise InvalidArgument(f"{field} is {seed!r}, not a non-negative integer")
    return int(seed)


def check_number(value: Any, field: str) -> Fraction:
    """``value`` as an exact Fraction (an int, a Fraction, "p/q", a decimal string or a float
    read as its shortest round-tripping decimal), as :func:`theory.numbers.parse_number`.

    >>> check_number("3/4", "slip"), check_number(0.2, "slip")
    (Fraction(3, 4), Fraction(1, 5))
    """
    return parse_number(value, field)


def check_probability(
    value: Any, field: str, low_open: bool = False, exact: bool | None = None
) -> Fraction | float:
    """A number in [0, 1] (or (0, 1] when ``low_open``).

    ``exact=None`` keeps the kind of a number (strings refused); ``exact=True`` reads any number
    exactly as a Fraction ("p/q" strings, a float as its shortest round-tripping decimal:
    0.2 -> 1/5); ``exact=False`` gives a float.

    >>> check_probability("1/5", "slip", exact=True), check_probability(0.2, "slip", exact=True)
    (Fraction(1, 5), Fraction(1, 5))
    >>> check_probability(2, "slip", exact=True)
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: slip is 2, not in [0, 1]
    """
    if exact:
        value = parse_number(value, field)
    if isinstance(value, bool) or not isinstance(value, (int, float, Fraction, np.floating, np.integer)):
        raise InvalidArgument(f"{field} is {value!r}, not a number")
    if isinstance(value, (float, np.floating)) and not math.isfinite(value):
        raise InvalidArgument(f"{field} is {float(value)!r}, not a finite number")
    if value > 1 or value < 0 or (low_open and value == 0):
        interval = "(0, 1]" if low_open else "[0, 1]"
        raise InvalidArgument(f"{field} is {format_number(value)}, not in {interval}")
    return float(value) if exact is False else value


def check_discount(
    value: Any, exact: bool | None = None, field: str = "discount", error: type[DeconfuseError] = InvalidArgument
) -> Fraction | float:
    """A discount in [0, 1) of the model's kind: ``exact=True`` refuses a float and gives a
    Fraction ("p/q" strings allowed); ``exact=False`` refuses a non-integer exact number and gives
    a float; ``exact=None`` reads it exactly (a float as its shortest decimal).

    >>> check_discount("9/10", exact=True), check_discount(0.5, exact=False)
    (Fraction(9, 10), 0.5)
    >>> check_discount(1, exact=True)
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: discount is 1, not in [0, 1)
    """
    if isinstance(value, bool):
        raise error(f"{field} is {value!r}, not a number in [0, 1)")
    if exact is None:
        try:
            d: Fraction | float = parse_number(value, field)
        except InvalidArgument as exc:
            raise error(str(exc)) from None
    elif exact:
        if isinstance(value, (float, np.floating)):
            raise error(f"{field} is the float {float(value)!r} but the MDP is exact; write it as \"p/q\"")
        try:
            d = parse_number(value, field)
        except InvalidArgument as exc:
            raise error(str(exc)) from None
    else:
        if isinstance(value, (Fraction, str)) and not (isinstance(value, Fraction) and value.denominator == 1):
            raise error(f"{field} is {show_value(value)} (exact) but the MDP is float; use a float")
        try:
            d = float(value)
        except (TypeError, ValueError, OverflowError):
            raise error(f"{field} is {value!r}, not a number in [0, 1)") from None
        if not math.isfinite(d):
            raise error(f"{field} is {d!r}, not a number in [0, 1)")
    if not 0 <= d < 1:
        raise error(f"{field} is {format_number(d)}, not in [0, 1)")
    return d


def check_positive_int(value: Any, field: str, error: type[DeconfuseError] = InvalidArgument) -> int:
    """An integer >= 1 (bools refused), for sizes and counts.

    >>> check_positive_int(3, "max_policies")
    3
    >>> check_positive_int(0, "max_policies")
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: max_policies is 0, not a positive integer
    """
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise error(f"{field} is {value!r}, not a positive integer")
    return int(value)


def check_horizon(value: Any, field: str = "horizon", error: type[DeconfuseError] = InvalidArgument) -> int:
    """A finite horizon: an integer >= 1 (:func:`check_positive_int`).

    >>> check_horizon(3)
    3
    """
    return check_positive_int(value, field, error)


def check_time(discount: Any, horizon: Any, default_discount: Fraction) -> tuple[Fraction | None, int | None]:
    """Exactly one of ``discount`` in [0, 1) and ``horizon`` >= 1; neither given means
    ``default_discount``. Returns ``(discount, horizon)`` with one of them None.

    >>> check_time(None, None, Fraction(9, 10)), check_time(None, 3, Fraction(9, 10))
    ((Fraction(9, 10), None), (None, 3))
    >>> check_time("1/2", 3, Fraction(9, 10))
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: discount is '1/2' and horizon is 3; give at most one
    """
    if discount is not None and horizon is not None:
        raise InvalidArgument(f"discount is {discount!r} and horizon is {horizon!r}; give at most one")
    if horizon is not None:
        return None, check_int(horizon, "horizon", 1)
    d = default_discount if discount is None else parse_number(discount, "discount")
    if not 0 <= d < 1:
        raise InvalidArgument(f"discount is {format_number(d)}, not in [0, 1)")
    return d, None


def check_positive(value: Any, field: str) -> float:
    """A finite number > 0, as a float.

    >>> check_positive(2, "tolerance")
    2.0
    >>> check_positive(0, "tolerance")
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: tolerance is 0, not a positive number
    """
    if isinstance(value, bool) or not isinstance(value, Real) or not 0 < value < math.inf:
        raise InvalidArgument(f"{field} is {show_value(value)}, not a positive number")
    return _as_float(value, field)


def check_tolerance(value: Any, field: str = "tolerance") -> float:
    """A comparison tolerance for float results: a number in [0, 1), as a float.

    >>> check_tolerance(1e-9)
    1e-09
    >>> check_tolerance(1)
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: tolerance is 1, not a number in [0, 1)
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise InvalidArgument(f"{field} is {value!r}, not a number in [0, 1)")
    return float(value)


def check_beta(beta: Any, field: str = "beta") -> float:
    """An inverse temperature: a finite number >= 0, as a float.

    >>> check_beta("x")
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: beta is 'x', not a finite number >= 0
    """
    if isinstance(beta, bool) or not isinstance(beta, Real):
        raise InvalidArgument(f"{field} is {show_value(beta)}, not a finite number >= 0")
    if beta != beta or beta < 0:  # NaN compares unequal to itself
        raise InvalidArgument(f"{field} is {show_value(beta)}, not a finite number >= 0")
    value = _as_float(beta, field)
    if not math.isfinite(value):
        raise InvalidArgument(f"{field} is {show_value(beta)}, not a finite number >= 0")
    return value


def _as_float(value: Any, field: str) -> float:
    """``float(value)``, or one line naming the field when float64 cannot hold it."""
    try:
        return float(value)
    except OverflowError:
        raise InvalidArgument(f"{field} is {show_value(value)}, too large for float64") from None


#: The largest value a float solver lets its values reach: a quarter of float64's maximum, so
#: that ``r + discount * P v`` and the differences of successive iterates stay finite.
FLOAT_VALUE_LIMIT = float(np.finfo(np.float64).max) / 4


def check_value_range(rewards: np.ndarray, discount: Any, horizon: int | None, method: str,
                      reward: str = "rewards") -> None:
    r"""Refuse float ``rewards`` (an (S, A) float array) whose values could overflow float64:
    every value of every policy lies within :math:`\max|r| / (1 - \gamma)` (discounted) or
    :math:`H \max|r|` (finite horizon) of 0, and that bound must stay under
    :data:`FLOAT_VALUE_LIMIT`. Without it a solver computes inf and nan, and its argmax is empty
    or its iteration never stops. Exact arithmetic has no such limit.

    >>> check_value_range(np.array([[1e308, 0.0]]), 0.9, None, "policy_iteration", "'true'")
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: policy_iteration: the 'true' rewards reach 1.00e+308 and discount 0.9 makes values up to 1.00e+309, more than float64 holds; scale the rewards down or solve the exact MDP
    """
    if rewards.size == 0:
        return
    top = float(np.max(np.abs(rewards)))
    if horizon is not None:
        scale, why = float(horizon), f"horizon {horizon}"
    else:
        gamma = float(discount)
        scale, why = 1.0 / (1.0 - gamma), f"discount {format_number(discount)}"
    if not math.isfinite(top):
        raise InvalidArgument(f"{method}: the {reward} rewards contain {top}, not a finite number")
    bound = Decimal(top) * Decimal(scale)  # exact: the bound itself may be beyond float64
    if bound > Decimal(FLOAT_VALUE_LIMIT):
        raise InvalidArgument(
            f"{method}: the {reward} rewards reach {Decimal(top):.3g} and {why} makes values up to "
            f"{bound:.3g}, more than float64 holds; scale the rewards down or solve the exact MDP"
        )


def check_q(q: Any, exact: bool | None = None, field: str = "q") -> Fraction | float:
    """A quantile q in (0, 1]: a Fraction for exact input (a float is refused, since it would make
    the result float), a float for float input, its own kind for ``exact=None``.

    >>> check_q("1/10", exact=True), check_q(0.5, exact=False)
    (Fraction(1, 10), 0.5)
    >>> check_q(0.1, exact=True)
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: q is the float 0.1 but the input is exact; give it as a Fraction (e.g. "1/10")
    """
    if isinstance(q, str):
        q = parse_number(q, field)
    check_probability(q, field, low_open=True)
    if exact:
        if isinstance(q, (float, np.floating)):
            raise InvalidArgument(
                f"{field} is the float {float(q)!r} but the input is exact; give it as a Fraction (e.g. \"1/10\")"
            )
        return parse_number(q, field)
    if exact is None:
        return q
    return float(q)


def check_rate(value: Any, field: str = "rate") -> Fraction:
    """The exponent omega of a learning rate 1/n**omega, a number in (1/2, 1] (the range in
    which Q-learning converges, Even-Dar and Mansour 2003), read exactly.

    >>> check_rate("4/5")
    Fraction(4, 5)
    >>> check_rate("1/2")
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: rate is 1/2, not in (1/2, 1]
    """
    omega = check_number(value, field)
    if not Fraction(1, 2) < omega <= 1:
        raise InvalidArgument(f"{field} is {show_value(omega)}, not in (1/2, 1]")
    return omega


def check_choice(value: Any, field: str, allowed: Sequence[str], listing: Literal["or", "one of"] = "or") -> str:
    """One of the ``allowed`` words; the message lists them as "not 'a' or 'b'" (``listing="or"``)
    or "not one of 'a', 'b'" (``listing="one of"``).

    >>> check_choice("half", "ties", ("half", "strict"))
    'half'
    >>> check_choice("x", "ties", ("half", "strict"))
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: ties is 'x', not 'half' or 'strict'
    >>> check_choice("x", "fallback", ("zero", "error"), listing="one of")
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: fallback is 'x', not one of 'zero', 'error'
    """
    if not isinstance(value, str) or value not in allowed:
        words = [repr(w) for w in allowed]
        if listing == "one of":
            listed = "one of " + ", ".join(words)
        else:
            listed = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
        raise InvalidArgument(f"{field} is {value!r}, not {listed}")
    return value


def check_tie(tie: Any, allowed: Sequence[str] = TIE_RULES, field: str = "tie") -> str:
    """A tie rule of the one vocabulary (:data:`TIE_RULES`), restricted to ``allowed``.

    >>> check_tie("first")
    'first'
    >>> check_tie("index", ("uniform", "first"))
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: tie is 'index', not 'uniform' or 'first'
    """
    return check_choice(tie, field, allowed)


def check_observations(
    observations: Any, states: Sequence[str], error: type[DeconfuseError] = InvalidArgument
) -> tuple[str, ...]:
    """Per-state observation labels: a sequence of one string per state.

    >>> check_observations(["x", "x"], ("s0", "s1"))
    ('x', 'x')
    """
    S = len(states)
    if isinstance(observations, str) or not isinstance(observations, Sequence) or len(observations) != S:
        raise error(f"observations is {observations!r}, not a sequence of {S} labels")
    for s, o in zip(states, observations):
        if not isinstance(o, str):
            raise error(f"observations[{s!r}] is {o!r}, not a string")
        if not o:
            raise error(f"observations[{s!r}] is '', not a label (a label is a non-empty string)")
    return tuple(observations)


def check_reward_names(rewards: Any, error: type[DeconfuseError] = InvalidArgument) -> Mapping[str, Any]:
    """A non-empty mapping whose keys (reward names) are non-empty strings.

    >>> list(check_reward_names({"true": [[0]]}))
    ['true']
    """
    if not isinstance(rewards, Mapping) or not rewards:
        raise error(f"rewards is {rewards!r}, not a non-empty mapping name -> (S, A) array")
    for name in rewards:
        if not isinstance(name, str) or not name:
            raise error(f"rewards has the name {name!r}, not a non-empty string")
    return rewards


def check_known_reward(name: Any, rewards: Mapping[str, Any]) -> str:
    """``name`` when it names one of ``rewards``; else an error listing the known names.

    >>> check_known_reward("true", {"true": 0})
    'true'
    >>> check_known_reward("gold", {"true": 0, "proxy": 1})
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: reward 'gold' is not in this MDP (it has 'true', 'proxy')
    """
    if not isinstance(name, str) or name not in rewards:
        known = ", ".join(repr(k) for k in rewards)
        raise InvalidArgument(f"reward {name!r} is not in this MDP (it has {known})")
    return name


def check_instance(value: Any, cls: type, field: str) -> Any:
    """``value`` itself when it is a ``cls``; else a one-line error naming its type.

    >>> check_instance(3, str, "mdp")
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: mdp is int, not a str
    """
    if not isinstance(value, cls):
        raise InvalidArgument(f"{field} is {type(value).__name__}, not a {cls.__name__}")
    return value


def check_bounds(low: Any, high: Any, low_field: str, high_field: str) -> None:
    """A range given by two arguments is not reversed: ``high >= low``.

    >>> check_bounds(1, 4, "min_states", "max_states")
    >>> check_bounds(3, 2, "min_states", "max_states")
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: max_states is 2, less than min_states = 3
    """
    if high < low:
        raise InvalidArgument(f"{high_field} is {high}, less than {low_field} = {low}")


def check_listed_discount(value: Any, field: str = "discounts") -> Fraction:
    """One exact discount in [0, 1) of a list of them named ``field`` (an int, a Fraction or a
    "p/q" string; a float is refused, since the list is of exact discounts).

    >>> check_listed_discount("9/10")
    Fraction(9, 10)
    >>> check_listed_discount(0.5)
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: discounts holds the float 0.5; write it as "p/q"
    """
    if isinstance(value, float):
        raise InvalidArgument(f"{field} holds the float {value!r}; write it as \"p/q\"")
    d = parse_number(value, f"{field}[...]")
    if not 0 <= d < 1:
        raise InvalidArgument(f"{field} holds {d}, not in [0, 1)")
    return d


def check_policy_steps(stationary: Any, horizon: int | None) -> int:
    """The number of decision steps of a Markov policy: 1 for a stationary one, the horizon H
    for a time-dependent one (``stationary`` false), which a discounted MDP (``horizon`` None)
    does not have.

    >>> check_policy_steps(True, None), check_policy_steps(False, 3)
    (1, 3)
    >>> check_policy_steps(False, None)
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: stationary is False but the MDP is discounted; a time-dependent policy needs a horizon
    """
    if stationary:
        return 1
    if horizon is None:
        raise InvalidArgument("stationary is False but the MDP is discounted; a time-dependent policy needs a horizon")
    return horizon
def check_count(value: Any, field: str, minimum: int) -> int:
    """An integer >= ``minimum`` given as an int, an integer-valued Fraction or a numeric string
    (a SPEC parameter such as "200" or "4/2"); then as :func:`check_int`.

    >>> check_count("200", "samples", 1), check_count(Fraction(4, 2), "depth", 1)
    (200, 2)
    >>> check_count("1/2", "samples", 1)
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: samples is Fraction(1, 2), not an integer >= 1
    """
    if isinstance(value, str):
        parsed = parse_number_text(value)
        if isinstance(parsed, str):
            raise InvalidArgument(f"{field} is {value!r}, not an integer >= {minimum}")
        value = parsed
    if isinstance(value, Rational) and not isinstance(value, Integral) and value.denominator == 1:
        value = int(value)
    return check_int(value, field, minimum)


def check_reward_name(value: Any, field: str = "objective") -> str | None:
    """A reward name (a non-empty string), or None for the default reward.

    >>> check_reward_name("proxy"), check_reward_name(None)
    ('proxy', None)
    >>> check_reward_name(1)
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: objective is 1, not a reward name
    """
    if value is not None and not (isinstance(value, str) and value):
        raise InvalidArgument(f"{field} is {value!r}, not a reward name")
    return value


def check_distinct(values: Any, field: str, check: Any) -> tuple[Any, ...]:
    """A non-empty sequence of distinct values, each checked by ``check(value, f"{field}[i]")``
    (e.g. :func:`check_number`); a repeated value is an error, never silently dropped.

    >>> check_distinct(["1/2", 0], "rewards", check_number)
    (Fraction(1, 2), Fraction(0, 1))
    >>> check_distinct([1, "2/2"], "rewards", check_number)
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: rewards lists 1 twice
    >>> check_distinct([], "rewards", check_number)
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: rewards is [], not a non-empty sequence
    """
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or len(values) == 0:
        raise InvalidArgument(f"{field} is {values!r}, not a non-empty sequence")
    out: list[Any] = []
    for i, value in enumerate(values):
        checked = check(value, f"{field}[{i}]")
        if checked in out:
            raise InvalidArgument(f"{field} lists {format_number(checked)} twice")
        out.append(checked)
    return tuple(out)


def check_angle(value: Any, field: str = "theta", high: float = math.pi / 2) -> float:
    """An angle in radians: a finite number in [0, ``high``] (default pi/2), as a float.

    >>> check_angle(0.5)
    0.5
    >>> check_angle(2.0)
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: theta is 2.0, not an angle in [0, 1.5708] radians
    """
    if isinstance(value, bool) or not isinstance(value, Real) or not 0 <= float(value) <= high:
        raise InvalidArgument(f"{field} is {show_value(value)}, not an angle in [0, {high:.5g}] radians")
    return float(value)
