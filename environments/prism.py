"""Exact import of PRISM models (MDPs and DTMCs) through Storm's Python bindings, stormpy.

:func:`load_prism` parses a PRISM file with ``stormpy.parse_prism_program`` (in PRISM
compatibility mode), defines its undefined constants, builds the reachable state space with
Storm's exact engine (``stormpy.build_model[stormpy.Rational]``: every probability and reward
a rational number, never a float), and converts the result to a :class:`~theory.mdp.FiniteMDP`.
Conventions of the imported model:

- states: Storm's reachable states, in Storm's order, labelled by their variable valuations
  ``"s=0,x=3"``: global variables first, then each module's in module order; within each,
  the integer variables, then the boolean ones (``b=true``), each in declaration order;
- actions: the command labels of the choices (``"go"``); a choice without a label (a command
  ``[] guard -> ...``) is labelled ``"c<k>"``, k its index among the state's choices (0-based,
  in Storm's order); when one state has several choices with the same label, the first keeps
  it and the j-th (j >= 2) is labelled ``"<label>#<j>"``. A choice made of several labels
  (several synchronising modules) is labelled by its labels joined with ``"+"``. The action
  set is the union over states, in order of first appearance; each state enables exactly
  its own choices (``enabled``). A DTMC has one action, ``"step"``;
- rewards: one per reward structure, r(s, a) = state reward of s + state-action reward of the
  choice (PRISM's ``[a] guard : r``); transition rewards are refused. The unnamed structure
  (``rewards ... endrewards``) is imported as ``"reward"``. PRISM reserves the word ``true``,
  so a structure cannot be called "true" in PRISM: ``rewards={"gold": "true"}`` renames it;
- initial: the uniform distribution over Storm's initial states (one, unless the file has an
  ``init ... endinit`` block that holds several);
- time: PRISM has no discount, so exactly one of ``discount`` and ``horizon`` must be given.

:func:`load_parametric_prism` reads a parametric model (undefined ``const double p;`` left as
parameters with given ranges) through Storm's parametric engine into a
:class:`~theory.symbolic.ParametricMDP` with the same conventions, its numbers sympy rational
functions; the two loaders share the parsing, building and conversion code.

Source: the PRISM language (Kwiatkowska, Norman & Parker, "PRISM 4.0", CAV 2011;
https://www.prismmodelchecker.org/manual/ThePRISMLanguage) and Storm's sparse exact model
builder (Hensel et al., "The probabilistic model checker Storm", STTT 2022).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from theory.errors import InvalidArgument, InvalidFile
from theory.mdp import FiniteMDP
from theory.validation import check_time

if TYPE_CHECKING:  # theory.symbolic (sympy) is imported where a parametric model is built
    from theory.symbolic import ParametricMDP

__all__ = ["DTMC_ACTION", "UNNAMED_REWARD", "load_parametric_prism", "load_prism"]

#: The one action of an imported DTMC.
DTMC_ACTION = "step"
#: The name under which the unnamed reward structure is imported.
UNNAMED_REWARD = "reward"

_IMPORTED_TYPES = ("MDP", "DTMC")


def load_prism(
    path: str | Path,
    constants: Mapping[str, str] | None = None,
    discount: Any = None,
    horizon: int | None = None,
    rewards: Mapping[str, str] | None = None,
) -> FiniteMDP:
    """The exact FiniteMDP of a PRISM MDP or DTMC, built by Storm with rational numbers.

    ``constants`` defines the file's undefined constants (``{"N": "3", "p": "1/3"}``; values
    are PRISM expressions); ``discount`` (in [0, 1)) or ``horizon`` (>= 1), exactly one, sets
    the time; ``rewards`` renames reward structures (``{"gold": "true"}``). Labels of states,
    actions, rewards and the initial distribution follow the conventions of the module
    docstring: states "s=0,x=3" by valuation, actions by command label (unlabelled: "c0",
    "c1", ...), r(s, a) = state reward + state-action reward, several initial states: uniform.

    Every failure is one line naming the file: a missing file, Storm's reason for a syntax
    error or a property file, an unknown or a missing constant, a model type other than MDP
    and DTMC, a transition reward, no reward structure, and stormpy not installed.

    Source: PRISM's language manual and Storm's exact sparse builder (module docstring).

    Examples
    --------
    The tomato grid shipped with deconfuse (its true reward is the structure "gold"):

    >>> m = load_prism(Path(__file__).parent / "prism" / "tomato.prism", discount="9/10",
    ...                rewards={"gold": "true"})
    >>> m.states[0], m.actions, m.reward_names
    ('r=2,c=3', ('up', 'down', 'left', 'right'), ('proxy', 'true'))
    """
    path = Path(path)
    discount, horizon = _time(path, discount, horizon)
    imported = _import(path, constants, rewards, _fraction)
    return FiniteMDP(
        states=tuple(imported.states),
        actions=tuple(imported.actions),
        transitions=imported.transitions,
        rewards=imported.rewards,
        initial=imported.initial,
        discount=discount,
        horizon=horizon,
        enabled={imported.states[s]: list(labels) for s, labels in enumerate(imported.actions_of)},
    )


def load_parametric_prism(
    path: str | Path,
    params: Mapping[str, tuple[Any, Any]],
    constants: Mapping[str, str] | None = None,
    discount: Any = None,
    horizon: int | None = None,
    rewards: Mapping[str, str] | None = None,
) -> ParametricMDP:
    """The exact :class:`~theory.symbolic.ParametricMDP` of a parametric PRISM MDP or DTMC, built
    by Storm's parametric engine: its probabilities and rewards are rational functions of the
    parameters.

    A parameter is an undefined ``const double p;`` of the file, named in ``params`` with its
    closed range ``(lo, hi)`` (exact rationals: ints, Fractions, "p/q"); every other undefined
    constant takes a value in ``constants``. Storm builds the model with the parameters left
    symbolic (``stormpy.build_model[stormpy.RationalFunction]``), which admits them only in
    update probabilities and reward values, not in guards; each number, a rational function
    with rational coefficients, is converted to a sympy expression exactly through its
    string form (the names in it checked against the parameters). The states are those
    reachable through transitions that are not identically 0, so at a parameter value where a
    probability vanishes the model keeps states that :func:`load_prism` with that value would
    not reach (they are unreachable there). States, actions, rewards,
    the initial distribution and the time follow :func:`load_prism`. A ParametricMDP has no
    disabled actions, so every state must enable every action (a DTMC always does).

    Every failure is one line naming the file: those of :func:`load_prism`, a parameter the
    file does not leave undefined or that is not a ``double``, a parameter also given a value,
    an undefined constant given neither a value nor a range, a parameter in a guard (Storm's
    reason), state-dependent action sets, and an entry that is not a probability (or a
    discount, a reward with a pole) somewhere on the range (the ParametricMDP's check).

    Source: Storm's parametric engine (Junges et al., "Parameter synthesis in Markov models: a
    gentle survey", 2022; Hensel et al., STTT 2022) and PRISM's language manual.

    Examples
    --------
    A coin that lands heads (and stays there, earning 1 a step) with probability p:

    >>> import tempfile
    >>> coin = Path(tempfile.mkdtemp()) / "coin.prism"
    >>> _ = coin.write_text("mdp const double p; module m s : [0..1] init 0; "
    ...     "[flip] s=0 -> p : (s'=1) + (1-p) : (s'=0); [flip] s=1 -> (s'=1); endmodule "
    ...     'rewards "gold" s=1 : 1; endrewards')
    >>> m = load_parametric_prism(coin, {"p": (0, 1)}, discount="9/10")
    >>> m.states, m.actions, m.transitions[0, 0, 1], m.transitions[0, 0, 0], m.params["p"]
    (('s=0', 's=1'), ('flip',), p, 1 - p, (Fraction(0, 1), Fraction(1, 1)))
    """
    from theory.symbolic import ParametricMDP

    path = Path(path)
    if not isinstance(params, Mapping) or not params:
        raise InvalidArgument(f"{path}: params is {params!r}; give each parameter's range, e.g. {{'p': (0, 1)}}")
    discount, horizon = _time(path, discount, horizon)
    names = list(params)
    imported = _import(path, constants, rewards, lambda x: _rational_function(x, names, path), params)
    states, actions = imported.states, imported.actions
    partial = [s for s, labels in zip(states, imported.actions_of) if len(labels) < len(actions)]
    if partial:
        raise InvalidFile(
            f"{path}: state {partial[0]!r} enables {len(imported.actions_of[states.index(partial[0])])} of the "
            f"{len(actions)} actions; a parametric model needs every action in every state (a ParametricMDP "
            "has no disabled actions)"
        )
    S, A = len(states), len(actions)
    dense = np.full((S, A, S), Fraction(0), dtype=object)
    for (s, a), row in imported.transitions.items():
        for s2, p in row.items():
            dense[s, a, s2] = p
    try:
        return ParametricMDP(
            states=tuple(states), actions=tuple(actions), transitions=dense, rewards=imported.rewards,
            initial=imported.initial, discount=discount, horizon=horizon, params=dict(params),
        )
    except ValueError as exc:
        raise type(exc)(f"{path}: {exc}") from None


class _Imported(NamedTuple):
    """A built PRISM model converted to deconfuse's labels, its numbers by the given converter."""

    states: list[str]
    actions: list[str]
    actions_of: list[list[str]]
    transitions: dict[tuple[int, int], dict[int, Any]]
    rewards: dict[str, np.ndarray]
    initial: np.ndarray


def _time(path: Path, discount: Any, horizon: int | None) -> tuple[Fraction | None, int | None]:
    """The checked discount or horizon; PRISM has none, so one of them must be given."""
    if discount is None and horizon is None:
        raise InvalidArgument(f"{path}: PRISM has no discount: give --discount 9/10 or --horizon H")
    return check_time(discount, horizon, Fraction(9, 10))


def _import(
    path: Path, constants: Mapping[str, str] | None, rewards: Mapping[str, str] | None,
    convert: Callable[[Any], Any], params: Mapping[str, Any] | None = None,
) -> _Imported:
    """Parse, define the constants, build and convert: the shared body of :func:`load_prism`
    (``params`` None: Storm's exact engine) and :func:`load_parametric_prism` (``params``: the
    constants left undefined as parameters; Storm's parametric engine). ``convert`` turns one
    of Storm's numbers into deconfuse's."""
    stormpy = _stormpy(path)
    _check_readable(path)
    with _quiet(stormpy):
        program = _parse(stormpy, path)
        if params is not None:
            _check_parameters(program, path, params, constants or {})
        program = _define_constants(stormpy, program, path, constants or {}, keep=params)
        number = stormpy.Rational if params is None else stormpy.RationalFunction
        model = _build(stormpy, program, path, number)
    states = _state_labels(program, model)
    actions_of = _choice_labels(model, path)
    actions = list(dict.fromkeys(a for labels in actions_of for a in labels))
    transitions, rows = _transitions(model, states, actions_of, actions, convert)
    reward_arrays = _rewards(model, path, rows, len(states), actions, rewards or {}, convert)
    initial = np.full(len(states), Fraction(0), dtype=object)
    starts = list(model.initial_states)
    for s in starts:
        initial[s] = Fraction(1, len(starts))
    return _Imported(states, actions, actions_of, transitions, reward_arrays, initial)


def _fraction(value: Any) -> Fraction:
    """One of Storm's exact rationals as a Fraction (through its exact string form "p/q")."""
    return Fraction(str(value))


_PARAMETER_TEXT = re.compile(r"[\w\s+\-*/^().]*")


def _rational_function(value: Any, names: list[str], path: Path) -> Any:
    """One of Storm's rational functions (pycarl) as a sympy expression, exactly: its string
    form ("(-1 * (p+(-1)))/(1)", "1/3 * ((p)^2)") read with the parameters as the only names."""
    import sympy
    from sympy.parsing.sympy_parser import convert_xor, parse_expr, standard_transformations

    text = str(value)
    unknown = sorted(set(re.findall(r"[A-Za-z_]\w*", text)) - set(names))
    if not _PARAMETER_TEXT.fullmatch(text) or unknown:
        raise InvalidFile(f"{path}: Storm's number {text!r} is not a rational function of the parameters {names}")
    symbols = {n: sympy.Symbol(n) for n in names}
    return parse_expr(text, local_dict=symbols, global_dict={"Integer": sympy.Integer, "Symbol": sympy.Symbol},
                      transformations=standard_transformations + (convert_xor,))


def _constant(known: Mapping[str, Any], path: Path, option: str, name: str) -> Any:
    """The program's constant ``name`` (given by ``option``); one line naming the file's
    constants when it has none of that name."""
    if name not in known:
        listed = ", ".join(known) or "none"
        raise InvalidArgument(f"{path}: {option} {name}: the file has no constant {name!r} (its constants: {listed})")
    return known[name]


def _check_parameters(program: Any, path: Path, params: Mapping[str, Any], constants: Mapping[str, str]) -> None:
    """Each parameter is an undefined ``double`` constant of the program and has no value."""
    known = {c.name: c for c in program.constants}
    for name in params:
        _constant(known, path, "--symbolic", name)
        if known[name].defined:
            raise InvalidArgument(
                f"{path}: --symbolic {name}: the file defines {name} itself; a parameter is an undefined "
                f"constant (const double {name};)"
            )
        if not known[name].type.is_rational:
            raise InvalidArgument(
                f"{path}: --symbolic {name}: {name} is a constant of type {known[name].type}; a parameter is a double "
                f"(const double {name};)"
            )
        if name in constants:
            raise InvalidArgument(f"{path}: {name} is given both a value (--const) and a range (--symbolic); give one")


def _stormpy(path: Path) -> Any:
    """stormpy, or one line naming the extra that installs it."""
    try:
        import stormpy
        import stormpy.developer  # noqa: F401
    except ImportError:
        raise InvalidArgument(
            f"{path}: reading PRISM files needs stormpy: pip install 'deconfuse[storm]' "
            "(in a checkout of deconfuse: pip install -e '.[storm]')"
        ) from None
    return stormpy


def _check_readable(path: Path) -> None:
    """One line when the file cannot be opened (before Storm tries, whose message is longer)."""
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise InvalidFile(f"{path}: cannot read ({exc.strerror})") from None


@contextmanager
def _quiet(stormpy: Any) -> Iterator[None]:
    """Storm's own log off while it runs (it would print its errors on stderr beside ours)."""
    developer = stormpy.developer
    level = developer.get_log_level()
    developer.set_log_level(developer.LogLevel.OFF)
    try:
        yield
    finally:
        developer.set_log_level(level)


def _reason(exc: BaseException) -> str:
    """Storm's message on one line, without the C++ exception's class name."""
    text = re.sub(r"^\w+Exception: ", "", str(exc).strip())
    text = re.sub(r"\s+", " ", text).rstrip(" ^.")
    return text or type(exc).__name__


def _parse(stormpy: Any, path: Path) -> Any:
    """The parsed PRISM program, after checking that it is an MDP or a DTMC."""
    try:
        program = stormpy.parse_prism_program(str(path), prism_compatibility=True)
    except (RuntimeError, ValueError) as exc:
        reason = _reason(exc)
        hint = " (a property file? give the model file)" if "expecting <model type>" in reason else ""
        raise InvalidFile(f"{path}: Storm cannot parse it as a PRISM model: {reason}{hint}") from None
    try:
        kind = program.model_type.name
    except ValueError as exc:  # a model type stormpy's enumeration lacks (a game: smg)
        raise InvalidFile(
            f"{path}: the model type is not an MDP or a DTMC (stormpy: {_reason(exc)}); "
            "deconfuse imports PRISM MDPs and DTMCs"
        ) from None
    if kind not in _IMPORTED_TYPES:
        raise InvalidFile(f"{path}: the model is a {kind}, not an MDP or a DTMC; deconfuse imports PRISM MDPs and DTMCs")
    return program


def _define_constants(
    stormpy: Any, program: Any, path: Path, constants: Mapping[str, str], keep: Mapping[str, Any] | None = None,
) -> Any:
    """The program with ``constants`` defined, after checking that none is left undefined but
    the parameters ``keep`` (a parametric import)."""
    if not isinstance(constants, Mapping):
        raise InvalidArgument(f"constants is {constants!r}, not a mapping name -> value")
    known = {c.name: c for c in program.constants}
    definitions: dict[Any, Any] = {}
    for name, value in constants.items():
        _constant(known, path, "--const", name)
        if known[name].defined:
            raise InvalidArgument(
                f"{path}: --const {name}: the file defines {name} itself (Storm: Illegally defining already "
                "defined constant); only undefined constants (const int N;) take a value"
            )
        try:
            definitions.update(
                stormpy.developer.parse_constant_definition_string(program.expression_manager, f"{name}={value}")
            )
        except RuntimeError as exc:
            raise InvalidArgument(f"{path}: --const {name}={value}: Storm refuses it: {_reason(exc)}") from None
    if definitions:
        try:
            program, _ = stormpy.instantiate_constants(program, definitions)
        except (RuntimeError, ValueError) as exc:
            raise InvalidArgument(f"{path}: Storm refuses the constants: {_reason(exc)}") from None
    missing = [c.name for c in program.get_undefined_constants() if c.name not in (keep or {})]
    if missing:
        fixes = " ".join(f"--const {n}=VALUE" for n in missing)
        if keep is not None:
            fixes += " (a value), or give it a range as a parameter"
        raise InvalidArgument(f"{path}: the constant(s) {', '.join(missing)} are undefined; give {fixes}")
    return program


def _build(stormpy: Any, program: Any, path: Path, number: Any) -> Any:
    """Storm's sparse model with state valuations, choice labels and every reward model, its
    numbers of the type ``number`` (``stormpy.Rational``: exact; ``stormpy.RationalFunction``:
    parametric)."""
    options = stormpy.BuilderOptions(build_full=True)
    try:
        return stormpy.build_model[number](program, options=options)
    except (RuntimeError, ValueError) as exc:
        raise InvalidFile(f"{path}: Storm cannot build the model: {_reason(exc)}") from None


def _variables(program: Any) -> list[Any]:
    """The program's variables in label order: globals, then each module's; integers before
    booleans, each in declaration order."""
    out = list(program.global_integer_variables) + list(program.global_boolean_variables)
    for module in program.modules:
        out += list(module.integer_variables) + list(module.boolean_variables)
    return [v.expression_variable for v in out]


def _state_labels(program: Any, model: Any) -> list[str]:
    """"s=0,x=3" for every state of the built model."""
    variables = _variables(program)
    names = [v.name for v in variables]
    valuations = model.state_valuations
    labels = []
    for s in range(model.nr_states):
        values = [valuations.get_value(s, v) for v in variables]
        labels.append(",".join(f"{n}={str(x).lower() if isinstance(x, bool) else x}" for n, x in zip(names, values)))
    return labels


def _choice_labels(model: Any, path: Path) -> list[list[str]]:
    """For every state, the action labels of its choices in Storm's order (module docstring)."""
    matrix = model.transition_matrix
    if model.model_type.name == "DTMC":
        return [[DTMC_ACTION] for _ in range(model.nr_states)]
    labelling = model.choice_labeling
    commands = set(labelling.get_labels())
    out = []
    for s in range(model.nr_states):
        start, end = matrix.get_row_group_start(s), matrix.get_row_group_end(s)
        labels: list[str] = []
        seen: dict[str, int] = {}
        for k, row in enumerate(range(start, end)):
            own = sorted(labelling.get_labels_of_choice(row))
            if own:
                label = "+".join(own)
            else:
                label = f"c{k}"
                if label in commands:
                    raise InvalidFile(
                        f"{path}: an unlabelled command would be named {label!r}, "
                        "which is also a command label; rename that label"
                    )
            seen[label] = seen.get(label, 0) + 1
            labels.append(label if seen[label] == 1 else f"{label}#{seen[label]}")
        out.append(labels)
    return out


def _transitions(
    model: Any, states: list[str], actions_of: list[list[str]], actions: list[str], convert: Callable[[Any], Any],
) -> tuple[dict[tuple[int, int], dict[int, Any]], dict[tuple[int, int], int]]:
    """The rows ``{(s, a): {s2: p}}`` (indices, numbers by ``convert``) and Storm's row of each (s, a)."""
    matrix = model.transition_matrix
    index = {a: i for i, a in enumerate(actions)}
    transitions: dict[tuple[int, int], dict[int, Fraction]] = {}
    rows: dict[tuple[int, int], int] = {}
    for s in range(len(states)):
        start = matrix.get_row_group_start(s)
        for k, label in enumerate(actions_of[s]):
            row: dict[int, Any] = {}
            for entry in matrix.get_row(start + k):
                p = convert(entry.value)
                if p != 0:
                    row[entry.column] = row[entry.column] + p if entry.column in row else p
            transitions[(s, index[label])] = row
            rows[(s, index[label])] = start + k
    return transitions, rows


def _rewards(
    model: Any, path: Path, rows: Mapping[tuple[int, int], int], S: int, actions: list[str],
    rename: Mapping[str, str], convert: Callable[[Any], Any],
) -> dict[str, np.ndarray]:
    """Every reward structure as an (S, A) array r(s, a) = state + state-action reward (numbers
    by ``convert``), under its imported name (``rename`` applied)."""
    if not isinstance(rename, Mapping):
        raise InvalidArgument(f"rewards is {rename!r}, not a mapping PRISM name -> name")
    imported = {(name or UNNAMED_REWARD): rm for name, rm in model.reward_models.items()}
    for old, new in rename.items():
        if old not in imported:
            listed = ", ".join(repr(n) for n in imported) or "none"
            raise InvalidArgument(f"{path}: --reward-name {old}={new}: the file has no reward structure {old!r} (it has {listed})")
        if not isinstance(new, str) or not new:
            raise InvalidArgument(f"{path}: --reward-name {old}={new!r}: not a reward name")
    out: dict[str, np.ndarray] = {}
    for name, rm in imported.items():
        if rm.has_transition_rewards:
            raise InvalidFile(f"{path}: the reward structure {name!r} has transition rewards, which deconfuse does not import")
        target = rename.get(name, name)
        if target in out:
            raise InvalidArgument(f"{path}: two reward structures would be named {target!r}; rename one with --reward-name")
        state = [convert(x) for x in rm.state_rewards] if rm.has_state_rewards else None
        action = [convert(x) for x in rm.state_action_rewards] if rm.has_state_action_rewards else None
        arr = np.full((S, len(actions)), Fraction(0), dtype=object)
        for (s, a), row in rows.items():
            parts = ([state[s]] if state else []) + ([action[row]] if action else [])
            arr[s, a] = parts[0] + parts[1] if len(parts) == 2 else parts[0] if parts else Fraction(0)
        out[target] = arr
    if not out:
        raise InvalidFile(
            f"{path}: no reward structure; deconfuse needs at least one "
            '(rewards "gold" ... endrewards, imported as "true" with --reward-name gold=true)'
        )
    return out
