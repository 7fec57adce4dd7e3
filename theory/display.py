"""Rich display in Jupyter: the HTML of FiniteMDPs, policies, solutions, tables and reports.

The one home of HTML rendering. The types' ``_repr_html_`` methods (FiniteMDP, Policy,
Solution, :class:`agents.compare.Comparison`, :class:`reports.document.Artifact`) are thin
calls into this module. Every label is escaped (a state may be called ``"<s&1>"``); an exact
number is shown as its fraction with the decimal beside it (:func:`theory.numbers.exact_and_decimal`:
``2/5 (~0.4)``), an integer as itself and a float to 6 significant digits
(:func:`theory.numbers.decimal_text`), as the command line prints them.

A model larger than :data:`DISPLAY_LIMIT` state-action pairs (or a policy or solution of more
rows) is shown by its summary alone: no dense view of a large model is ever built for display.
The renderers read the types by their attributes (``mdp``: a :class:`theory.mdp.FiniteMDP`,
and so on) and import none of them: the types import this module.

Source: IPython's rich display protocol (``_repr_html_``), IPython documentation,
"Rich display" (``IPython.display``).

Examples
--------
>>> table_html(["state", "value"], [["<s&1>", Fraction(2, 5)]])
'<table><thead><tr><th>state</th><th>value</th></tr></thead><tbody><tr><td>&lt;s&amp;1&gt;</td><td style="text-align:right">2/5 (~0.4)</td></tr></tbody></table>'
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from fractions import Fraction
from numbers import Integral, Real
from typing import Any

from theory.numbers import decimal_text, exact_and_decimal, format_number

__all__ = [
    "DISPLAY_LIMIT",
    "DISABLED",
    "number_text",
    "cell_html",
    "table_html",
    "mdp_html",
    "policy_html",
    "solution_html",
    "artifact_html",
]

#: The most rows a displayed table has: a model with more state-action pairs (S·A), a policy
#: with more (step, state) rows or a solution with more states is shown by its summary alone.
DISPLAY_LIMIT = 200

#: What a disabled action's cell shows in the tables of a model.
DISABLED = "disabled"

_STYLE = ' style="text-align:right"'


def number_text(x: Any) -> str:
    """A number as the display writes it: a Fraction as "p/q (~decimal)", an int as itself, a
    float to 6 significant digits, None as "-" (not escaped: see :func:`cell_html`).

    >>> number_text(Fraction(9, 10)), number_text(Fraction(3)), number_text(1 / 3), number_text(None)
    ('9/10 (~0.9)', '3', '0.333333', '-')
    """
    if x is None:
        return "-"
    if isinstance(x, (Fraction, Integral)) and not isinstance(x, bool):
        return exact_and_decimal(x) if isinstance(x, Fraction) else format_number(x)
    return decimal_text(x)


def cell_html(x: Any) -> str:
    """One table cell's content, escaped: a number by :func:`number_text`, anything else as
    its ``str``.

    >>> cell_html("a<b"), cell_html(Fraction(1, 2)), cell_html(True)
    ('a&lt;b', '1/2 (~0.5)', 'True')
    """
    if x is None or _numeric(x):
        return html.escape(number_text(x))
    return html.escape(str(x))


def table_html(header: Sequence[str], rows: Sequence[Sequence[Any]], caption: str | None = None) -> str:
    """An HTML table of ``rows`` under ``header``, every cell escaped (:func:`cell_html`);
    numeric cells right-aligned; an optional ``caption`` (escaped).

    >>> table_html(["a"], [[1]], caption="x & y")
    '<table><caption>x &amp; y</caption><thead><tr><th>a</th></tr></thead><tbody><tr><td style="text-align:right">1</td></tr></tbody></table>'
    """
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td{_STYLE if _numeric(x) else ''}>{cell_html(x)}</td>" for x in row) + "</tr>"
        for row in rows
    )
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _numeric(x: Any) -> bool:
    return isinstance(x, Real) and not isinstance(x, bool)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _paragraph(text: str) -> str:
    return f"<p>{html.escape(text)}</p>"


def _labels(labels: Sequence[str], limit: int = 8) -> str:
    """Labels as a short list: the first ``limit`` quoted, then how many more."""
    shown = ", ".join(repr(x) for x in labels[:limit])
    return shown + (f", ... ({len(labels) - limit} more)" if len(labels) > limit else "")


def mdp_html(mdp: Any) -> str:
    """A FiniteMDP as HTML: its summary (S, A, kind, discount or horizon, rewards, initial
    distribution) and, when S·A <= :data:`DISPLAY_LIMIT`, one table of every state-action
    pair: its successors with their probabilities and its reward under each name (a disabled
    action's row says :data:`DISABLED`). Larger models: the summary alone, and the count of
    non-zero transitions (nothing dense is built).

    >>> from theory.examples import two_state
    >>> text = mdp_html(two_state())
    >>> "discount 9/10 (~0.9)" in text, "s1: 9/10 (~0.9)" in text
    (True, True)
    """
    kind = "exact" if mdp.exact else "float"
    time = f"discount {number_text(mdp.discount)}" if mdp.horizon is None else f"horizon {mdp.horizon}"
    disabled = int((~mdp.enabled).sum())
    parts = [
        f"<p><strong>FiniteMDP</strong> ({kind}): S = {_count(mdp.S, 'state')}, A = {_count(mdp.A, 'action')}"
        + (f" ({_count(disabled, 'state-action pair')} {DISABLED})" if disabled else "") + f", {html.escape(time)}</p>",
        _paragraph(f"rewards: {_labels(mdp.reward_names)}; {mdp.sparse.nnz} non-zero transitions"),
    ]
    if mdp.S * mdp.A > DISPLAY_LIMIT:
        parts.append(_paragraph(f"S·A = {mdp.S * mdp.A} state-action pairs, more than {DISPLAY_LIMIT}: "
                                "the transition and reward tables are not shown"))
        return "<div>" + "".join(parts) + "</div>"
    initial = [[s, p] for s, p in zip(mdp.states, mdp.initial) if p != 0]
    parts.append(table_html(["state", "initial probability"], initial, caption="initial distribution"))
    names = mdp.reward_names
    rows = []
    for s, label in enumerate(mdp.states):
        for a, action in enumerate(mdp.actions):
            if not mdp.enabled[s, a]:
                rows.append([label, action, DISABLED] + [DISABLED] * len(names))
                continue
            successors = ", ".join(f"{mdp.states[j]}: {number_text(p)}" for j, p in mdp.successors[s][a])
            rows.append([label, action, successors] + [mdp.rewards[k][s, a] for k in names])
    header = ["state", "action", "P(s' | s, a)"] + [f"r {k}" for k in names]
    parts.append(table_html(header, rows, caption="transitions and rewards"))
    return "<div>" + "".join(parts) + "</div>"


def policy_html(policy: Any) -> str:
    """A Policy as HTML: a states x actions table of probabilities. A time-dependent policy
    shows every step (a column t) when its H·S rows are at most :data:`DISPLAY_LIMIT`, else
    step t = 0 and a note; a policy of more than :data:`DISPLAY_LIMIT` states, its summary alone.

    >>> from theory.policy import Policy
    >>> "<td style=\\"text-align:right\\">1/2 (~0.5)</td>" in policy_html(Policy([["1/2", "1/2"]], ["s"], ["a", "b"]))
    True
    """
    kind = "exact" if policy.exact else "float"
    steps = "stationary" if policy.stationary else f"time-dependent, H = {policy.probs.shape[0]} steps"
    det = ", deterministic" if policy.is_deterministic else ""
    S, A = len(policy.states), len(policy.actions)
    parts = [f"<p><strong>Policy</strong> ({kind}, {steps}{det}): {_count(S, 'state')} x {_count(A, 'action')}</p>"]
    header = ["state"] + list(policy.actions)
    if S > DISPLAY_LIMIT:
        parts.append(_paragraph(f"{S} states, more than {DISPLAY_LIMIT}: the table is not shown"))
    elif policy.stationary:
        parts.append(table_html(header, [[s] + list(row) for s, row in zip(policy.states, policy.probs)]))
    elif policy.probs.shape[0] * S <= DISPLAY_LIMIT:
        rows = [[t, s] + list(row) for t, step in enumerate(policy.probs) for s, row in zip(policy.states, step)]
        parts.append(table_html(["t"] + header, rows))
    else:
        parts.append(table_html(header, [[s] + list(row) for s, row in zip(policy.states, policy.probs[0])],
                                caption="step t = 0"))
        parts.append(_paragraph(f"step t = 0 of {policy.probs.shape[0]} shown; "
                                f"all steps make {policy.probs.shape[0] * S} rows, more than {DISPLAY_LIMIT}"))
    return "<div>" + "".join(parts) + "</div>"


def solution_html(solution: Any) -> str:
    """A Solution as HTML: reward optimised, method, iterations and error bound, then per state
    the optimal value and the argmax actions (at t = 0 for a finite horizon); a solution of
    more than :data:`DISPLAY_LIMIT` states, its summary alone.

    >>> from theory.examples import two_state
    >>> from theory.solvers import solve
    >>> "<td style=\\"text-align:right\\">860/91 (~9.45055)</td><td>go</td>" in solution_html(solve(two_state(), "proxy"))
    True
    """
    finite = solution.values.ndim == 2
    values = solution.values[0] if finite else solution.values
    argmax = solution.argmax[0] if finite else solution.argmax
    states = solution.policy.states
    parts = [f"<p><strong>Solution</strong> of reward {html.escape(repr(solution.reward))} by "
             f"{html.escape(solution.method)} (iterations: {solution.iterations}, error bound "
             f"{html.escape(number_text(solution.error_bound))})</p>"]
    if len(states) > DISPLAY_LIMIT:
        parts.append(_paragraph(f"{len(states)} states, more than {DISPLAY_LIMIT}: the table is not shown"))
    else:
        rows = [[s, v, " ".join(acts)] for s, v, acts in zip(states, values, argmax)]
        caption = "values and argmax at t = 0" if finite else None
        parts.append(table_html(["state", "optimal value", "argmax actions"], rows, caption=caption))
    return "<div>" + "".join(parts) + "</div>"


def artifact_html(title: str, sentences: Sequence[str], figures: Sequence[tuple[bytes, str]],
                  table: tuple[Sequence[str], Sequence[Sequence[Any]]] | None = None) -> str:
    """A report entry as HTML: its ``title``, its reading's ``sentences``, each figure as an
    inline PNG (``(png bytes, caption)``) with its caption, and its optional text ``table``.

    >>> artifact_html("A & B", ["It holds."], [(b"png", "fig <1>")])
    '<div><h3>A &amp; B</h3><p>It holds.</p><figure><img src="data:image/png;base64,cG5n" alt="fig &lt;1&gt;"/><figcaption>fig &lt;1&gt;</figcaption></figure></div>'
    """
    parts = [f"<h3>{html.escape(title)}</h3>"] + [_paragraph(" ".join(sentences))]
    for png, caption in figures:
        data = base64.b64encode(png).decode("ascii")
        cap = html.escape(caption)
        parts.append(f'<figure><img src="data:image/png;base64,{data}" alt="{cap}"/>'
                     f"<figcaption>{cap}</figcaption></figure>")
    if table is not None:
        parts.append(table_html(*table))
    return "<div>" + "".join(parts) + "</div>"
