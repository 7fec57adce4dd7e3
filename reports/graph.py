r"""An MDP drawn as a graph: states as nodes, actions as labelled edges.

For small MDPs and for the counterexamples that ``deconfuse check`` saves: every state is a
node (the initial states ringed, with their probability), every transition
:math:`P(s' \mid s, a) > 0` an edge :math:`s \to s'` labelled with the action, the exact
probability and the rewards :math:`r_k(s, a)` of every named reward (in the MDP's order, e.g.
``[true, proxy]``). Parallel transitions between the same two states share one drawn edge with
one label line per action. The layout is networkx's spring layout with a fixed seed (or the
shell layout), so the same MDP gives the same picture.

Source: the graph view of an MDP (states, actions, transition probabilities) of Sutton & Barto,
*Reinforcement Learning* (2018), figure 3.3 (the transition graph); networkx (Hagberg, Schult
& Swart 2008) for the layout.

Examples
--------
>>> from theory.examples import two_state
>>> data = graph_data(two_state(), "two-state")
>>> data["summary"]["states"], data["summary"]["edges"]
(2, 5)
>>> [(e["source"], e["action"], e["target"], e["probability_exact"]) for e in data["edges"]][:3]
[('s0', 'stay', 's0', '1'), ('s0', 'go', 's0', '1/10'), ('s0', 'go', 's1', '9/10')]
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np

from property_tests.counterexamples import is_counterexample, read_counterexample
from reports.document import Artifact, Reader, Reading, exact, number_pair, value
from theory.errors import InvalidArgument, InvalidFile
from theory.io import mdp_from_dict, read_json
from theory.mdp import FiniteMDP

if TYPE_CHECKING:  # matplotlib is imported where a figure is drawn
    from matplotlib.figure import Figure

__all__ = ["LAYOUTS", "MAX_LABELLED_STATES", "mdp_graph", "graph_data", "graph_figure", "graph_reading",
           "graph_artifact", "argument_mdps", "counterexample_mdps"]

#: The layouts of :func:`graph_figure`.
LAYOUTS = ("spring", "shell")
#: Above this many states the edges are drawn without labels (they would overlap).
MAX_LABELLED_STATES = 12


def mdp_graph(mdp: FiniteMDP) -> nx.MultiDiGraph:
    """The MDP as a networkx MultiDiGraph: one node per state label (attributes ``initial``
    and ``observation``), one edge per (s, a, s') with :math:`P(s' \\mid s, a) > 0`, keyed by the
    action label, with attributes ``probability`` and ``rewards`` (name -> r(s, a)), exact on
    an exact MDP.

    >>> from theory.examples import two_state
    >>> g = mdp_graph(two_state())
    >>> g.number_of_nodes(), g.number_of_edges(), g["s0"]["s1"]["go"]["probability"]
    (2, 5, Fraction(9, 10))
    """
    if not isinstance(mdp, FiniteMDP):
        raise InvalidArgument(f"mdp is {type(mdp).__name__}, not a FiniteMDP")
    g = nx.MultiDiGraph()
    for s, label in enumerate(mdp.states):
        g.add_node(label, initial=mdp.initial[s], observation=mdp.observation_labels[s])
    for s, label in enumerate(mdp.states):
        for a, action in enumerate(mdp.actions):
            rewards = {name: r[s, a] for name, r in mdp.rewards.items()}
            for t in np.flatnonzero(np.asarray(mdp.transitions[s, a] != 0)):
                g.add_edge(label, mdp.states[int(t)], key=action, probability=mdp.transitions[s, a, int(t)],
                           rewards=rewards)
    return g


def graph_data(mdp: FiniteMDP, name: str = "MDP") -> dict[str, Any]:
    """The data of the graph figure: ``states`` (label, observation, initial probability),
    ``actions``, ``rewards`` (names), ``time``, ``edges`` (source, action, target,
    probability, and ``r_NAME`` for every reward, exact beside float; in state, action,
    next-state order) and ``summary`` (counts; the (state, action) pairs where the first two
    rewards differ and the largest difference).

    >>> from theory.examples import two_state
    >>> graph_data(two_state())["summary"]["differing_pairs"]
    1
    """
    g = mdp_graph(mdp)
    states = [{"label": s, "observation": g.nodes[s]["observation"], **number_pair("initial", g.nodes[s]["initial"])}
              for s in mdp.states]
    edges = []
    for s, t, action, attrs in g.edges(keys=True, data=True):
        edge = {"source": s, "action": action, "target": t, **number_pair("probability", attrs["probability"])}
        for reward, x in attrs["rewards"].items():
            edge.update(number_pair(f"r_{reward}", x))
        edges.append(edge)
    names = list(mdp.rewards)
    summary: dict[str, Any] = {"states": mdp.S, "actions": mdp.A, "edges": len(edges),
                               "initial_states": sum(1 for s in states if s["initial"] != 0)}
    if len(names) >= 2:
        a, b = mdp.rewards[names[0]], mdp.rewards[names[1]]
        gaps = [(abs(b[s, k] - a[s, k]), s, k) for s in range(mdp.S) for k in range(mdp.A)]
        differing = [x for x in gaps if x[0] != 0]
        summary["compared"] = names[:2]
        summary["differing_pairs"] = len(differing)
        if differing:
            gap, s, k = max(differing, key=lambda x: (x[0], -x[1], -x[2]))
            summary["largest_gap"] = value(gap)
            summary["largest_gap_exact"] = exact(gap)
            summary["largest_gap_state"] = mdp.states[s]
            summary["largest_gap_action"] = mdp.actions[k]
    time = {"discount": value(mdp.discount), "discount_exact": exact(mdp.discount)} if mdp.horizon is None \
        else {"horizon": mdp.horizon}
    return {"figure": "graph", "name": name, "exact": mdp.exact, "time": time, "states": states,
            "actions": list(mdp.actions), "rewards": names, "edges": edges, "summary": summary}


def _short(x: Any, exact_text: Any) -> str:
    if exact_text is not None:
        return exact_text
    return "inf" if isinstance(x, str) else f"{float(x):.3g}"


def graph_figure(data: Mapping[str, Any], layout: str = "spring", seed: int = 0) -> "Figure":
    """Draw the graph of :func:`graph_data`: nodes (initial states ringed in red, with their
    probability), one arrow per ordered pair of states with one label line per action
    ("action: probability [rewards]"), self-loops included; ``layout`` "spring" (seeded) or
    "shell". Returns a matplotlib Figure.

    >>> from theory.examples import two_state
    >>> graph_figure(graph_data(two_state(), "two-state"), layout="shell").axes[0].get_title().splitlines()[0]
    'two-state: 2 states, 2 actions, discount 9/10'
    """
    from matplotlib.figure import Figure

    if layout not in LAYOUTS:
        raise InvalidArgument(f"layout is {layout!r}, not one of {list(LAYOUTS)}")
    g = nx.DiGraph()
    labels_of: dict[tuple[str, str], list[str]] = {}
    for st in data["states"]:
        g.add_node(st["label"])
    for e in data["edges"]:
        g.add_edge(e["source"], e["target"])
        rewards = ", ".join(_short(e[f"r_{k}"], e[f"r_{k}_exact"]) for k in data["rewards"])
        labels_of.setdefault((e["source"], e["target"]), []).append(
            f"{e['action']}: {_short(e['probability'], e['probability_exact'])} [{rewards}]")
    S = len(data["states"])
    size = min(14.0, 4.5 + 1.1 * S)
    fig = Figure(figsize=(size, size * 0.8), layout="constrained")
    ax = fig.subplots()
    if layout == "shell":
        pos = nx.shell_layout(g)
    else:
        pos = nx.spring_layout(g, seed=seed, k=2.0 / max(1.0, S ** 0.5))
    initial = [st["label"] for st in data["states"] if st["initial"] not in (0, 0.0)]
    nx.draw_networkx_nodes(g, pos, ax=ax, node_color="#deebf7", edgecolors="k", node_size=900)
    nx.draw_networkx_nodes(g, pos, nodelist=initial, ax=ax, node_color="#deebf7", edgecolors="tab:red",
                           linewidths=2.5, node_size=900)
    nx.draw_networkx_labels(g, pos, ax=ax, font_size=9)
    style = "arc3,rad=0.15"
    nx.draw_networkx_edges(g, pos, ax=ax, arrows=True, arrowsize=14, node_size=900, connectionstyle=style,
                           edge_color="0.35")
    if S <= MAX_LABELLED_STATES:
        edge_labels = {pair: "\n".join(lines) for pair, lines in labels_of.items()}
        nx.draw_networkx_edge_labels(g, pos, edge_labels=edge_labels, ax=ax, font_size=7, connectionstyle=style,
                                     node_size=900, bbox={"boxstyle": "round,pad=0.15", "fc": "white", "alpha": 0.8,
                                                          "lw": 0})
    for label in initial:
        st = next(s for s in data["states"] if s["label"] == label)
        x, y = pos[label]
        ax.annotate(f"start {_short(st['initial'], st['initial_exact'])}", (x, y), textcoords="offset points",
                    xytext=(0, -24), ha="center", fontsize=7, color="tab:red")
    time = data["time"]
    when = f"discount {time.get('discount_exact') or time.get('discount')}" if "discount" in time \
        else f"horizon {time['horizon']}"
    rewards = ", ".join(data["rewards"])
    note = "" if S <= MAX_LABELLED_STATES else f" (labels omitted above {MAX_LABELLED_STATES} states)"
    ax.set_title(f"{data['name']}: {S} states, {len(data['actions'])} actions, {when}\n"
                 f"edge labels 'action: P(s'|s,a) [{rewards}]'{note}", fontsize=9)
    ax.axis("off")
    ax.margins(0.12)
    return fig


def graph_reading(data: Mapping[str, Any]) -> Reading:
    """Two sentences: the size of the MDP and its transitions; where its first two rewards
    (true and proxy by convention) disagree.

    >>> from theory.examples import two_state
    >>> graph_reading(graph_data(two_state(), "two-state")).sentences[1]
    'Its rewards true and proxy differ on 1 state-action pair(s), most at (s0, go) by 1/2.'
    """
    r = Reader(data)
    s1 = (
        f"{r('name')} has {r('summary', 'states', fmt='d')} states and {r('summary', 'actions', fmt='d')} actions "
        f"with {r('summary', 'edges', fmt='d')} transitions of positive probability, starting in "
        f"{r('summary', 'initial_states', fmt='d')} state(s)."
    )
    summ = data["summary"]
    if "compared" not in summ:
        s2 = f"It has a single reward, {r('rewards', 0)}, so there is no proxy to compare."
    elif summ["differing_pairs"] == 0:
        s2 = (f"Its rewards {r('summary', 'compared', 0)} and {r('summary', 'compared', 1)} agree on every "
              f"state-action pair.")
    else:
        s2 = (
            f"Its rewards {r('summary', 'compared', 0)} and {r('summary', 'compared', 1)} differ on "
            f"{r('summary', 'differing_pairs', fmt='d')} state-action pair(s), most at "
            f"({r('summary', 'largest_gap_state')}, {r('summary', 'largest_gap_action')}) by "
            f"{r('summary', 'largest_gap_exact') if summ.get('largest_gap_exact') else r('summary', 'largest_gap', fmt='.3g')}."
        )
    return r.reading([s1, s2])


def graph_artifact(data: dict[str, Any], name: str = "graph", layout: str = "spring") -> Artifact:
    """The graph entry of a report (files ``NAME.json``, ``NAME.csv`` of edges, ``NAME.png``,
    ``NAME.svg``).

    >>> from theory.examples import two_state
    >>> a = graph_artifact(graph_data(two_state(), "two-state"), name="graph-two-state")
    >>> a.name, len(a.tables["graph-two-state"])
    ('graph-two-state', 5)
    """
    return Artifact(
        name=name,
        title=f"{data['name']} as a graph",
        data=data,
        figures=[(name, graph_figure(data, layout),
                  f"{data['name']}: states as nodes (initial states ringed), transitions as edges labelled "
                  "with action, probability and rewards.")],
        tables={name: data["edges"]},
        reading=graph_reading(data),
    )


def _where(where: str, key: Any) -> str:
    """The path of an argument's part: ``pair`` and 0 -> ``pair.0``."""
    return f"{where}.{key}" if where else str(key)


def argument_mdps(arguments: Mapping[str, Any], name: str) -> list[tuple[str, FiniteMDP]]:
    """The MDPs among a counterexample's ``arguments`` (a Verdict's ``counterexample``: name ->
    value), found inside lists, tuples, dicts and arrays, each titled ``"NAME: path"`` (e.g.
    ``("c: pair.0", mdp)``) as :func:`counterexample_mdps` titles them from the saved file.

    >>> from theory.examples import two_state
    >>> [(title, m.S) for title, m in argument_mdps({"pair": (two_state(), two_state()), "q": 2}, "c")]
    [('c: pair.0', 2), ('c: pair.1', 2)]
    """
    found: list[tuple[str, FiniteMDP]] = []

    def walk(value: Any, where: str) -> None:
        if isinstance(value, FiniteMDP):
            found.append((f"{name}: {where}", value))
        elif isinstance(value, np.ndarray):
            walk(value.tolist(), where)
        elif isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                walk(item, _where(where, i))
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, _where(where, key))

    walk(dict(arguments), "")
    return found


def counterexample_mdps(path: str | Path) -> list[tuple[str, FiniteMDP]]:
    """The MDPs of a file: an MDP JSON file gives itself; a ``NAME.counterexample.json``
    written by ``deconfuse check`` gives every MDP among its arguments, read by
    :func:`property_tests.counterexamples.read_counterexample` (the MDP files beside it) and
    titled as :func:`argument_mdps` titles them (e.g. ``("c: pair.0", mdp)``).

    >>> import tempfile
    >>> from theory.examples import two_state
    >>> from theory.io import save_mdp
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = save_mdp(two_state(), Path(tmp) / "x.mdp.json")
    ...     _ = (Path(tmp) / "c.counterexample.json").write_text(
    ...         '{"format": "deconfuse.counterexample/1", "conjecture": "c", "args": {"mdp": {"mdp": "x.mdp.json"}}}')
    ...     [(n, m.S) for n, m in counterexample_mdps(Path(tmp) / "c.counterexample.json")]
    [('c: mdp', 2)]
    """
    path = Path(path)
    doc = read_json(path)
    if not is_counterexample(doc):
        return [(path.name.removesuffix(".json"), mdp_from_dict(doc, str(path)))]
    saved = read_counterexample(path)
    found = argument_mdps(saved.args, saved.name)
    if not found:
        raise InvalidFile(f"{path}: the counterexample has no MDP argument to draw")
    return found
