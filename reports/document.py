r"""Report folders: how numbers, data, figures, readings and the index are written.

A *report* is a folder holding, for every figure, its data (``NAME.json``, plus ``NAME.csv``
where the data is a table), the figure itself (``NAME.png`` and ``NAME.svg``) and an index
(``index.md`` and ``index.html``) that shows every figure with its *reading*: two sentences
computed from the data, each number in them traceable to one value of the saved JSON.

Conventions:

- **numbers**: an exact value is written twice, as a float under its name and as a ``"p/q"``
  string under ``NAME_exact`` (:func:`value` and :func:`exact`); a float-only value has
  ``NAME_exact = None``. Non-finite floats are written as the strings ``"inf"``, ``"-inf"``,
  ``"nan"`` so that the JSON stays standard;
- **determinism**: JSON with a fixed key order, CSV with ``repr`` floats, PNG at a fixed dpi
  without a "Software" stamp, SVG with a fixed ``svg.hashsalt`` and without a date, so the same
  input gives the same bytes;
- **the marker**: a folder is a report when it holds :data:`MARKER`, the JSON manifest of its
  entries, of :data:`MANIFEST_FORMAT` (an empty, garbage or foreign marker does not count);
  :func:`check_folder` refuses to write into a non-empty folder that is not a report (unless
  ``force``), so a report never overwrites someone else's files;
- **all or nothing**: :func:`staged_report` writes a report into a temporary folder beside
  the target and moves its files in only when it is complete; a failed report leaves nothing;
- **readings**: a :class:`Reading` is the sentences and, for every number stated in them, a
  :class:`Fact` — the JSON path of the value in the entry's data file, the format applied and
  the resulting text — so that a test (or a reader) can check every stated number against
  the saved data (:func:`check_reading`).

Source: the figure-plus-data-plus-reading layout follows DESIGN.md ("Reports"); deterministic
SVG output uses matplotlib's ``svg.hashsalt`` (matplotlib >= 2.1).

Examples
--------
>>> from fractions import Fraction as F
>>> value(F(1, 4)), exact(F(1, 4)), exact(0.25)
(0.25, '1/4', None)
>>> data = {"peak": {"q": "1/4", "true": 0.5712}}
>>> r = Reader(data)
>>> sentence = f"The peak is at q = {r('peak', 'q')} with {r('peak', 'true', fmt='.2f')}."
>>> reading = r.reading([sentence])
>>> reading.sentences, [f.text for f in reading.facts]
(('The peak is at q = 1/4 with 0.57.',), ['1/4', '0.57'])
>>> check_reading(reading, data)
[]
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import html
import io
import json
import math
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from fractions import Fraction
from numbers import Integral, Rational
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from theory.display import artifact_html
from theory.errors import DeconfuseError, InvalidArgument, InvalidFile
from theory.io import read_json
from theory.numbers import format_number

if TYPE_CHECKING:  # matplotlib is imported where a figure is drawn or saved
    from matplotlib.figure import Figure

__all__ = [
    "MARKER",
    "MANIFEST_FORMAT",
    "DPI",
    "DEFAULT_FOLDER",
    "ReportFolderError",
    "value",
    "exact",
    "number_pair",
    "json_ready",
    "Fact",
    "Reading",
    "Reader",
    "format_fact",
    "lookup",
    "check_reading",
    "Artifact",
    "manifest_problem",
    "check_folder",
    "prepare_folder",
    "staged_report",
    "read_manifest",
    "write_artifact",
    "write_json",
    "write_csv",
    "save_figure",
    "write_index",
    "index_markdown",
    "index_html",
]

#: The file that marks a folder as a deconfuse report (it holds the manifest, JSON).
MARKER = ".deconfuse-report"
#: Format tag of the manifest.
MANIFEST_FORMAT = "deconfuse.report/1"
#: Resolution of every PNG.
DPI = 100
#: Where ``deconfuse report`` and ``deconfuse demo`` write by default.
DEFAULT_FOLDER = "deconfuse-report"
#: matplotlib settings that make SVG output byte-identical across runs.
_SVG_RC = {"svg.hashsalt": "deconfuse", "svg.fonttype": "path"}


class ReportFolderError(DeconfuseError):
    """The output folder cannot take a report (not empty and not an earlier report)."""


# -- numbers -----------------------------------------------------------------------------------


def value(x: Any) -> Any:
    """The JSON value of a number: a float (exact rationals converted), an int for ints,
    ``"inf"``/``"-inf"``/``"nan"`` for non-finite floats, None for None.

    >>> value(Fraction(3, 8)), value(7), value(float("inf")), value(None), value(Fraction(-10**400))
    (0.375, 7, 'inf', None, '-inf')
    """
    if x is None:
        return None
    if isinstance(x, bool):
        return x
    if isinstance(x, Integral):  # json writes an int through str, which stops at 4300 digits
        return int(x) if int(x).bit_length() < 14000 else ("inf" if x > 0 else "-inf")
    if hasattr(x, "p") and hasattr(x, "q") and not isinstance(x, Rational):  # sympy / flint rationals
        x = Fraction(int(x.p), int(x.q))
    if isinstance(x, Rational):
        try:
            return float(x)
        except OverflowError:  # beyond float64: the float is infinite, the exact value is kept
            return "inf" if x > 0 else "-inf"
    f = float(x)
    if math.isfinite(f):
        return f
    return "nan" if math.isnan(f) else ("inf" if f > 0 else "-inf")


def exact(x: Any) -> str | None:
    """The ``"p/q"`` string of an exact number (Fraction or int), None for a float or None.

    >>> exact(Fraction(-6, 4)), exact(3), exact(0.5)
    ('-3/2', '3', None)
    """
    if x is None or isinstance(x, bool):
        return None
    if isinstance(x, (Integral, Fraction)):
        return format_number(x)
    if isinstance(x, Rational):
        return format_number(Fraction(int(x.numerator), int(x.denominator)))
    return None


def number_pair(name: str, x: Any) -> dict[str, Any]:
    """``{name: float, name_exact: "p/q" or None}``, the two keys an exact number is written as.

    >>> number_pair("regret", Fraction(1, 3))
    {'regret': 0.3333333333333333, 'regret_exact': '1/3'}
    """
    return {name: value(x), f"{name}_exact": exact(x)}


def json_ready(obj: Any) -> Any:
    """A copy of ``obj`` that ``json.dumps`` accepts: tuples to lists, numpy scalars and arrays
    to Python numbers and lists, Fractions to floats (write exact values with
    :func:`number_pair` first), non-finite floats to strings.

    >>> json_ready({"a": (np.float64(0.5), Fraction(1, 2)), "b": np.array([1, 2])})
    {'a': [0.5, 0.5], 'b': [1, 2]}
    """
    if isinstance(obj, Mapping):
        return {str(k): json_ready(v) for k, v in obj.items()}
    if isinstance(obj, np.ndarray):
        return [json_ready(x) for x in obj.tolist()]
    if isinstance(obj, (list, tuple)):
        return [json_ready(x) for x in obj]
    if isinstance(obj, (str, bool)) or obj is None:
        return obj
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, (Integral, Rational, float, np.floating)):
        return value(obj)
    raise InvalidArgument(f"report data holds {obj!r} of type {type(obj).__name__}, which is not JSON data")


# -- readings ----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Fact:
    """One number stated in a reading: where it is in the data (``path``: keys and list
    indices), how it was formatted (``fmt``: a format spec such as ``".2f"``, or ``"s"`` for a
    string as is, ``"%"`` for a percentage without decimals) and the resulting ``text``."""

    path: tuple[str | int, ...]
    fmt: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data."""
        return {"path": list(self.path), "fmt": self.fmt, "text": self.text}


@dataclasses.dataclass(frozen=True)
class Reading:
    """The reading of a figure: its ``sentences`` and the ``facts`` behind their numbers."""

    sentences: tuple[str, ...]
    facts: tuple[Fact, ...] = ()

    @property
    def text(self) -> str:
        """The sentences joined by spaces."""
        return " ".join(self.sentences)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data."""
        return {"sentences": list(self.sentences), "facts": [f.to_dict() for f in self.facts]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Reading":
        """The reading of :meth:`to_dict`."""
        return cls(
            tuple(data.get("sentences", ())),
            tuple(Fact(tuple(f["path"]), f["fmt"], f["text"]) for f in data.get("facts", ())),
        )


def lookup(data: Any, path: Sequence[str | int]) -> Any:
    """The value at ``path`` (keys of mappings, indices of lists) in ``data``; an
    InvalidArgument naming the first step that does not exist.

    >>> lookup({"a": [{"b": 2}]}, ("a", 0, "b"))
    2
    """
    node = data
    for i, key in enumerate(path):
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            raise InvalidArgument(f"report data has no {list(path[: i + 1])!r}") from None
    return node


def format_fact(x: Any, fmt: str) -> str:
    """The text of a value under a fact's format: ``"s"`` (as is), ``"%"`` (a percentage, no
    decimals: 0.583 -> "58%"), ``"d"`` (an integer), or any float format spec (".2f", ".3g").

    >>> format_fact(0.583, "%"), format_fact("1/4", "s"), format_fact(1.3862, ".2f"), format_fact(12, "d")
    ('58%', '1/4', '1.39', '12')
    """
    if fmt == "s":
        return str(x)
    if isinstance(x, str):
        return x  # "inf", "nan"
    if fmt == "%":
        return f"{100 * float(x):.0f}%"
    if fmt == "d":
        return str(int(x))
    text = format(float(x), fmt)
    return "0" + text[2:] if text.startswith("-0") and float(text) == 0 else text


class Reader:
    """Builds a :class:`Reading` from data: ``r(*path, fmt=...)`` looks a value up, formats it
    and records the fact; ``r.reading(sentences)`` returns the reading.

    >>> r = Reader({"n": 3, "x": -0.001})
    >>> f"{r('n', fmt='d')} points, mean {r('x', fmt='.2f')}"
    '3 points, mean 0.00'
    """

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.facts: list[Fact] = []

    def __call__(self, *path: str | int, fmt: str = "s") -> str:
        text = format_fact(lookup(self.data, path), fmt)
        self.facts.append(Fact(tuple(path), fmt, text))
        return text

    def get(self, *path: str | int) -> Any:
        """The value at ``path``, not recorded (for choosing the wording)."""
        return lookup(self.data, path)

    def reading(self, sentences: Iterable[str]) -> Reading:
        """The reading made of ``sentences`` and the facts recorded so far."""
        return Reading(tuple(sentences), tuple(self.facts))


def check_reading(reading: Reading, data: Any) -> list[str]:
    """The problems of a reading against its data (empty when every fact's value, formatted
    again from ``data``, gives its text and the text appears in a sentence).

    >>> check_reading(Reading(("x is 2.",), (Fact(("x",), "d", "3"),)), {"x": 2})
    ["fact ['x']: the data gives '2', the reading says '3'", "fact ['x']: '3' is in no sentence"]
    """
    problems = []
    for fact in reading.facts:
        try:
            text = format_fact(lookup(data, fact.path), fact.fmt)
        except InvalidArgument as exc:
            problems.append(f"fact {list(fact.path)}: {exc}")
            continue
        if text != fact.text:
            problems.append(f"fact {list(fact.path)}: the data gives {text!r}, the reading says {fact.text!r}")
        if not any(fact.text in s for s in reading.sentences):
            problems.append(f"fact {list(fact.path)}: {fact.text!r} is in no sentence")
    return problems


# -- artifacts and files -----------------------------------------------------------------------


@dataclasses.dataclass
class Artifact:
    """Everything one report entry writes.

    - ``name``: the entry's name and the stem of its data files (``NAME.json``, ``NAME.csv``);
    - ``title``: a heading for the index;
    - ``data``: the JSON data of the entry (what the reading's facts point into);
    - ``figures``: ``(stem, Figure, caption)`` triples, each saved as ``stem.png``, ``stem.svg``;
    - ``tables``: ``stem -> rows`` (dicts with the same keys), each saved as ``stem.csv``;
    - ``reading``: the two-sentence reading;
    - ``table``: optionally ``(header, rows)`` of text to show in the index itself;
    - ``extra_files``: further files already written into the folder (listed in the index).
    """

    name: str
    title: str
    data: dict[str, Any]
    figures: list[tuple[str, "Figure", str]]
    tables: dict[str, list[dict[str, Any]]]
    reading: Reading
    table: tuple[list[str], list[list[str]]] | None = None
    extra_files: list[str] = dataclasses.field(default_factory=list)

    def _repr_html_(self) -> str:
        """The HTML shown in Jupyter: :func:`theory.display.artifact_html` (title, reading,
        each figure as an inline PNG at :data:`DPI`, the table)."""
        return artifact_html(self.title, self.reading.sentences,
                             [(_png_bytes(fig), caption) for _, fig, caption in self.figures], self.table)


def _png_bytes(figure: "Figure") -> bytes:
    """A figure as PNG bytes at :data:`DPI` (for display; nothing is written)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _empty_manifest() -> dict[str, Any]:
    return {"format": MANIFEST_FORMAT, "entries": []}


def manifest_problem(data: Any) -> str | None:
    """Why ``data`` (a marker's parsed JSON) is not a manifest, or None when it is one: an
    object of :data:`MANIFEST_FORMAT` (format and version) whose ``entries`` are objects with
    the fields the index is written from.

    >>> manifest_problem({"format": MANIFEST_FORMAT, "entries": []}) is None
    True
    >>> manifest_problem({"format": "deconfuse.report/0", "entries": []})
    "format is 'deconfuse.report/0', not 'deconfuse.report/1'"
    """
    if not isinstance(data, dict):
        return f"it holds a JSON {type(data).__name__}, not an object"
    if data.get("format") != MANIFEST_FORMAT:
        return f"format is {data.get('format')!r}, not {MANIFEST_FORMAT!r}"
    entries = data.get("entries")
    if not isinstance(entries, list):
        return "entries is not a list"
    fields = {"name": str, "title": str, "files": list, "figures": list, "reading": dict}
    for i, entry in enumerate(entries):
        for key, kind in fields.items():
            if not isinstance(entry, dict) or not isinstance(entry.get(key), kind):
                return f"entries[{i}].{key} is missing or not a {kind.__name__}"
        if not isinstance(entry["reading"].get("sentences"), list):
            return f"entries[{i}].reading.sentences is missing or not a list"
        for j, fig in enumerate(entry["figures"]):
            if not isinstance(fig, dict) or not all(isinstance(fig.get(k), str) for k in ("png", "svg", "caption")):
                return f"entries[{i}].figures[{j}] lacks png, svg or caption"
    return None


def read_manifest(folder: str | Path) -> dict[str, Any] | None:
    """The manifest of a report folder, None when ``folder`` has no :data:`MARKER`. A marker
    that is not a valid manifest (empty, not JSON, another format or version, malformed
    entries) does not make the folder a report: :class:`ReportFolderError` says why.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     first = read_manifest(tmp), prepare_folder(tmp) == read_manifest(tmp)
    ...     _ = (Path(tmp) / MARKER).write_text("")
    ...     first, read_manifest(tmp)
    Traceback (most recent call last):
    ...
    reports.document.ReportFolderError: .../.deconfuse-report is not a deconfuse report marker (not valid JSON (Expecting value at line 1, column 1)); choose another --out or pass --force
    """
    marker = Path(folder) / MARKER
    if not marker.exists():
        return None
    try:
        data = read_json(marker)
        problem = manifest_problem(data)
    except InvalidFile as exc:
        data, problem = None, str(exc).removeprefix(f"{marker}: ")
    if problem is not None:
        raise ReportFolderError(
            f"{marker} is not a deconfuse report marker ({problem}); choose another --out or pass --force"
        )
    return data


def check_folder(folder: str | Path, force: bool = False) -> dict[str, Any]:
    """The manifest a report in ``folder`` starts from, without writing anything: the earlier
    one when ``folder`` is an earlier report (a valid :data:`MARKER`), else a new empty one.

    Refused with :class:`ReportFolderError` (one line) when ``folder`` is a file, or a
    non-empty folder that is not an earlier report (no marker, or one that is not valid) —
    unless ``force``.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = (Path(tmp) / "notes.txt").write_text("mine")
    ...     check_folder(tmp)
    Traceback (most recent call last):
    ...
    reports.document.ReportFolderError: ... is not empty and is not a deconfuse report (no .deconfuse-report file); choose another --out or pass --force
    """
    path = Path(folder)
    if path.exists() and not path.is_dir():
        raise ReportFolderError(f"{path} is a file, not a folder")
    if not path.is_dir():
        return _empty_manifest()
    try:
        manifest = read_manifest(path)
    except ReportFolderError:
        if not force:
            raise
        manifest = None
    if manifest is not None:
        return manifest
    if any(path.iterdir()) and not force:
        raise ReportFolderError(
            f"{path} is not empty and is not a deconfuse report (no {MARKER} file); "
            "choose another --out or pass --force"
        )
    return _empty_manifest()


def prepare_folder(folder: str | Path, force: bool = False) -> dict[str, Any]:
    """Make ``folder`` ready for a report and return its manifest (the earlier one when the
    folder is an earlier report, else a new empty one, which is written at once). Refused as
    by :func:`check_folder`. (:func:`staged_report` writes nothing until the report is done.)
    """
    path = Path(folder)
    manifest = check_folder(path, force)
    try:
        earlier = path.is_dir() and read_manifest(path) is not None
    except ReportFolderError:  # an invalid marker, overwritten with force
        earlier = False
    if not earlier:
        path.mkdir(parents=True, exist_ok=True)
        _write_manifest(path, manifest)
    return manifest


@contextlib.contextmanager
def staged_report(folder: str | Path, force: bool = False) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Write a report into ``folder`` all at once: yields ``(staging, manifest)``, a new
    temporary folder beside ``folder`` to write every file into (with :func:`write_artifact`)
    and the manifest to extend (as :func:`check_folder`, which refuses a folder first). When
    the block ends normally, the manifest and index are written and every staged file is moved
    into ``folder`` (created if needed; files of an earlier report with the same names are
    replaced, nothing else is touched); when it raises, the staging folder is deleted and
    ``folder`` is left as it was. Either way no staging folder remains.

    >>> import tempfile
    >>> art = Artifact("x", "X", {"v": 2}, [], {}, Reading(("v is 2.", "Two.")))
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     try:
    ...         with staged_report(Path(tmp) / "r") as (staging, manifest):
    ...             _ = write_artifact(staging, art, manifest)
    ...             raise ValueError("the report failed")
    ...     except ValueError:
    ...         pass
    ...     failed = sorted(p.name for p in Path(tmp).iterdir())
    ...     with staged_report(Path(tmp) / "r") as (staging, manifest):
    ...         _ = write_artifact(staging, art, manifest)
    ...     failed, sorted(p.name for p in Path(tmp).iterdir()), sorted(p.name for p in (Path(tmp) / "r").iterdir())
    ([], ['r'], ['.deconfuse-report', 'index.html', 'index.md', 'x.json'])
    """
    target = Path(folder)
    manifest = check_folder(target, force)
    parent = target.absolute().parent
    while not parent.is_dir() and parent != parent.parent:
        parent = parent.parent
    prefix = f".{target.absolute().name}."
    try:
        staging = Path(tempfile.mkdtemp(prefix=prefix, suffix=".deconfuse-tmp", dir=parent))
    except OSError as exc:
        if not target.is_dir():  # name the folder, not the staging folder
            raise OSError(exc.errno, exc.strerror, str(target)) from None
        # the parent is not writable but the folder is: stage inside it (a hidden folder, removed)
        staging = Path(tempfile.mkdtemp(prefix=prefix, suffix=".deconfuse-tmp", dir=target))
    try:
        yield staging, manifest
        _write_manifest(staging, manifest)
        write_index(staging, manifest)
        _commit(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _commit(staging: Path, target: Path) -> None:
    """Move every file of ``staging`` to the same place under ``target``; the index and the
    marker last, so that an interrupted move never leaves a marker naming missing files."""
    last = {"index.md": 1, "index.html": 1, MARKER: 2}
    files = [p for p in staging.rglob("*") if not p.is_dir()]
    files.sort(key=lambda p: (last.get(str(p.relative_to(staging)), 0), str(p)))
    target.mkdir(parents=True, exist_ok=True)
    for src in files:
        dest = target / src.relative_to(staging)
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, dest)


def _write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    write_json(folder / MARKER, manifest)


def write_json(path: str | Path, data: Any) -> Path:
    """Write JSON data (made ready by :func:`json_ready`), indented, with a final newline;
    returns the path.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     json.loads(write_json(Path(tmp) / "d.json", {"x": Fraction(1, 2), "y": [1, None]}).read_text())
    {'x': 0.5, 'y': [1, None]}
    """
    path = Path(path)
    text = json.dumps(json_ready(data), indent=1, allow_nan=False, ensure_ascii=False) + "\n"
    path.write_bytes(text.encode("utf-8"))
    return path


def write_csv(path: str | Path, rows: Sequence[Mapping[str, Any]]) -> Path:
    """Write rows (dicts with the keys of the first row) as CSV: floats as their ``repr``,
    None as an empty cell, lists joined by ``;``; returns the path.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     write_csv(Path(tmp) / "t.csv", [{"q": "1/2", "x": 0.1, "best": ["up", "left"], "e": None}]).read_text().splitlines()
    ['q,x,best,e', '1/2,0.1,up;left,']
    """
    path = Path(path)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if rows:
        header = list(rows[0])
        writer.writerow(header)
        for row in rows:
            cells = []
            for key in header:
                x = json_ready(row.get(key))
                if isinstance(x, list):
                    x = ";".join(str(v) for v in x)
                cells.append("" if x is None else repr(x) if isinstance(x, float) else x)
            writer.writerow(cells)
    path.write_bytes(out.getvalue().encode("utf-8"))
    return path


def save_figure(figure: "Figure", folder: str | Path, stem: str, dpi: int = DPI) -> list[Path]:
    """Save a matplotlib Figure as ``stem.png`` (``dpi``) and ``stem.svg``, deterministically
    (no software stamp or date; fixed SVG hash salt); returns the two paths.

    >>> import tempfile
    >>> from matplotlib.figure import Figure
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     first = [p.read_bytes() for p in save_figure(Figure(figsize=(1, 1)), tmp, "a")]
    ...     again = [p.read_bytes() for p in save_figure(Figure(figsize=(1, 1)), tmp, "a")]
    >>> first == again
    True
    """
    import matplotlib

    folder = Path(folder)
    png, svg = folder / f"{stem}.png", folder / f"{stem}.svg"
    with matplotlib.rc_context(_SVG_RC):
        figure.savefig(png, format="png", dpi=dpi, metadata={"Software": None})
        figure.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
    return [png, svg]


def write_artifact(folder: str | Path, artifact: Artifact, manifest: dict[str, Any] | None = None) -> dict[str, Any]:
    """Write an artifact's data, tables and figures into the report ``folder``, add (or
    replace) its entry in the manifest, and rewrite the manifest and the index. Returns the
    entry. ``manifest`` defaults to the folder's own (see :func:`prepare_folder`).

    >>> import tempfile
    >>> art = Artifact("x", "X", {"v": 2}, [], {"x": [{"v": 2}]}, Reading(("v is 2.", "Two.")))
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     entry = write_artifact(tmp, art, prepare_folder(tmp))
    ...     sorted(p.name for p in Path(tmp).iterdir())
    ['.deconfuse-report', 'index.html', 'index.md', 'x.csv', 'x.json']
    >>> entry["files"], entry["reading"]["sentences"]
    (['x.json', 'x.csv'], ['v is 2.', 'Two.'])
    """
    folder = Path(folder)
    if manifest is None:
        manifest = read_manifest(folder) or _empty_manifest()
    files = [write_json(folder / f"{artifact.name}.json", artifact.data).name]
    for stem, rows in artifact.tables.items():
        files.append(write_csv(folder / f"{stem}.csv", rows).name)
    figures = []
    for stem, figure, caption in artifact.figures:
        png, svg = save_figure(figure, folder, stem)
        figures.append({"stem": stem, "png": png.name, "svg": svg.name, "caption": caption})
    entry = {
        "name": artifact.name,
        "title": artifact.title,
        "data": files[0],
        "files": files + list(artifact.extra_files),
        "figures": figures,
        "reading": artifact.reading.to_dict(),
        "table": None if artifact.table is None else {"header": artifact.table[0], "rows": artifact.table[1]},
    }
    entries = [e for e in manifest["entries"] if e.get("name") != artifact.name]
    # keep the earlier position of a replaced entry
    old = [e.get("name") for e in manifest["entries"]]
    if artifact.name in old:
        entries.insert(old.index(artifact.name), entry)
    else:
        entries.append(entry)
    manifest["entries"] = entries
    _write_manifest(folder, manifest)
    write_index(folder, manifest)
    return entry


# -- the index ---------------------------------------------------------------------------------

_TITLE = "deconfuse report"
_INTRO = (
    "Figures computed by deconfuse from exact finite MDPs; each figure's data is saved beside it "
    "(JSON, CSV where tabular; exact values as \"p/q\" strings next to floats), and each reading "
    "is computed from that data."
)


def index_markdown(manifest: Mapping[str, Any]) -> str:
    """The Markdown index of a manifest: its ``note`` (if any), then one section per entry with
    its reading, figures, table and files.

    >>> print(index_markdown({"entries": [{"name": "x", "title": "X", "figures": [], "files": ["x.json"],
    ...                                    "reading": {"sentences": ["One.", "Two."]}, "table": None}]}))
    # deconfuse report
    <BLANKLINE>
    ...
    ## X
    <BLANKLINE>
    One. Two.
    <BLANKLINE>
    Data: [x.json](x.json)
    <BLANKLINE>
    """
    lines = [f"# {_TITLE}", "", _INTRO, ""]
    if manifest.get("note"):
        lines += [str(manifest["note"]), ""]
    for entry in manifest.get("entries", []):
        lines += [f"## {entry['title']}", "", " ".join(entry["reading"]["sentences"]), ""]
        for fig in entry.get("figures", []):
            lines += [f"![{fig['caption']}]({fig['png']})", "", f"*{fig['caption']}* ([SVG]({fig['svg']}))", ""]
        table = entry.get("table")
        if table:
            header, rows = table["header"], table["rows"]
            lines.append("| " + " | ".join(header) + " |")
            lines.append("|" + "|".join(" --- " for _ in header) + "|")
            for row in rows:
                lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |")
            lines.append("")
        lines += ["Data: " + ", ".join(f"[{f}]({f})" for f in entry.get("files", [])), ""]
    return "\n".join(lines)


_CSS = (
    "body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em;line-height:1.45}"
    "img{max-width:100%;border:1px solid #ddd}figure{margin:1em 0}figcaption{font-size:90%;color:#444}"
    "table{border-collapse:collapse;font-size:90%}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left}"
    "p.reading{background:#f6f6f6;padding:.6em;border-left:4px solid #888}"
)


def index_html(manifest: Mapping[str, Any]) -> str:
    """The HTML index of a manifest (self-contained; images by relative path, each linking to
    its SVG), with the same content as :func:`index_markdown`.

    >>> page = index_html({"entries": [{"name": "x", "title": "X", "files": ["x.json"], "table": None,
    ...     "figures": [{"png": "x.png", "svg": "x.svg", "caption": "A < B"}], "reading": {"sentences": ["One."]}}]})
    >>> '<img src="x.png" alt="A &lt; B">' in page, '<p class="reading">One.</p>' in page
    (True, True)
    """

    def esc(text: str, quote: bool = False) -> str:  # text nodes keep quotes as they are
        return html.escape(text, quote=quote)

    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        f'<head><meta charset="utf-8"><title>{esc(_TITLE)}</title><style>{_CSS}</style></head>',
        "<body>",
        f"<h1>{esc(_TITLE)}</h1>",
        f"<p>{esc(_INTRO)}</p>",
    ]
    if manifest.get("note"):
        parts.append(f"<p>{esc(str(manifest['note']))}</p>")
    for entry in manifest.get("entries", []):
        anchor = esc(entry["name"], quote=True)
        parts.append(f'<section id="{anchor}">')
        parts.append(f"<h2>{esc(entry['title'])}</h2>")
        parts.append(f'<p class="reading">{esc(" ".join(entry["reading"]["sentences"]))}</p>')
        for fig in entry.get("figures", []):
            parts.append(
                f'<figure><a href="{esc(fig["svg"], quote=True)}"><img src="{esc(fig["png"], quote=True)}" '
                f'alt="{esc(fig["caption"], quote=True)}"></a><figcaption>{esc(fig["caption"])} '
                f'(<a href="{esc(fig["svg"], quote=True)}">SVG</a>)</figcaption></figure>'
            )
        table = entry.get("table")
        if table:
            parts.append("<table>")
            parts.append("<tr>" + "".join(f"<th>{esc(str(h))}</th>" for h in table["header"]) + "</tr>")
            for row in table["rows"]:
                parts.append("<tr>" + "".join(f"<td>{esc(str(c))}</td>" for c in row) + "</tr>")
            parts.append("</table>")
        links = ", ".join(f'<a href="{esc(f, quote=True)}">{esc(f)}</a>' for f in entry.get("files", []))
        parts.append(f"<p>Data: {links}</p>")
        parts.append("</section>")
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


def write_index(folder: str | Path, manifest: Mapping[str, Any]) -> list[Path]:
    """Write ``index.md`` and ``index.html`` of the manifest into ``folder``; returns them.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     [p.name for p in write_index(tmp, {"entries": []})]
    ['index.md', 'index.html']
    """
    folder = Path(folder)
    md = folder / "index.md"
    page = folder / "index.html"
    md.write_bytes(index_markdown(manifest).encode("utf-8"))
    page.write_bytes(index_html(manifest).encode("utf-8"))
    return [md, page]
