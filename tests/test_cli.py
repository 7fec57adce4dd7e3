"""The command line: exact JSON output, files, and one-line errors with exit status 2."""

from __future__ import annotations

import json

import pytest

from deconfuse.cli import main
from theory.examples import two_state
from theory.io import load_mdp, save_mdp


@pytest.fixture
def two_state_file(tmp_path):
    return str(save_mdp(two_state(), tmp_path / "two.json"))


def test_solve_json_gives_hand_computed_exact_values(two_state_file, capsys):
    # Optimising the proxy of two_state (discount 9/10): in s1 "stay" pays 1 forever, v(s1) = 10;
    # in s0 "go" pays 1/2 and reaches s1 w.p. 9/10: v0 = 1/2 + 9/10 (v0/10 + 9/10 * 10)
    # => (91/100) v0 = 86/10 => v0 = 860/91. Under "true" the same policy earns
    # v0 = 9/10 (v0/10 + 9) => v0 = 810/91.
    assert main(["solve", two_state_file, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == {
        "values": {"s0": "860/91", "s1": "10"},
        "policy": {"s0": {"go": "1"}, "s1": {"stay": "1"}},
        "argmax": {"s0": ["go"], "s1": ["stay"]},
        "returns": {"true": "810/91", "proxy": "860/91"},
    }


def test_solve_float_json_gives_numbers(two_state_file, capsys):
    assert main(["solve", two_state_file, "--json", "--float", "--reward", "true"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert abs(out["values"]["s0"] - 810 / 91) < 1e-9 and abs(out["values"]["s1"] - 10) < 1e-9


def test_mdp_command_writes_a_file_that_loads_back_exactly(tmp_path, capsys):
    path = tmp_path / "lava.json"
    assert main(["mdp", "lava-test", "--out", str(path)]) == 0
    import environments

    assert load_mdp(path) == environments.get("lava-test")


def test_compare_json_rows(two_state_file, capsys):
    # uniform policy: true return 405/191 (see tests/test_theory_values.py); optimum 810/91;
    # regret = 810/91 - 405/191 = (154710 - 36855) / 17381 = 117855/17381.
    assert main(["compare", two_state_file, "--agents", "argmax,uniform", "--json"]) == 0
    rows = {r["agent"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["argmax"]["true_regret"] == "0"
    assert rows["uniform"]["true_regret"] == "117855/17381"
    assert rows["uniform"]["kl_from_base"] == 0.0


def test_listings_name_the_registered_things(capsys):
    assert main(["envs"]) == 0 and main(["agents"]) == 0
    out = capsys.readouterr().out
    for name in ("lava-train", "lava-test", "tomato", "bandit", "frozen-lake", "argmax", "quantiliser", "amortised"):
        assert name in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["solve", "missing.json"], "missing.json: cannot read"),
        (["solve", "no-such-env"], "unknown environment 'no-such-env'"),
        (["solve", "bandit", "--param", "k"], "--param 'k' is not key=value"),
        (["solve", "bandit", "--reward", "nope"], "reward 'nope' is not in this MDP"),
        (["compare", "bandit", "--agents", "nope"], "agent 'nope' is not registered"),
        (["compare", "bandit", "--agents", "quantiliser:q=2"], "q is 2"),
    ],
)
def test_errors_are_one_line_with_status_2(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("deconfuse: error: ") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_debug_shows_the_exception(two_state_file):
    with pytest.raises(ValueError):
        main(["--debug", "solve", "missing.json"])


def test_solve_symbolic_finds_the_hand_derived_breakpoint(capsys):
    # delayed-reward with R = 3: "now" pays 1 at once, "wait" pays 3 one step later, worth
    # 3 * gamma; the optimal action switches where 1 = 3 gamma, at gamma = 1/3 exactly.
    assert main(["solve", "delayed-reward", "--symbolic", "gamma=0..99/100", "--param", "delayed=3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [b["exact"] for b in out["breakpoints"]] == ["1/3"]
    first, second = out["pieces"]
    assert first["argmax"]["A"] == ["now"] and second["argmax"]["A"] == ["wait"]
    assert first["value_from_initial"] == "1" and second["value_from_initial"] == "3*gamma"


def test_solve_symbolic_asks_to_fix_other_parameters(capsys):
    assert main(["solve", "chain", "--symbolic", "gamma=0..1/2"]) == 2
    assert "fix them with --param slip=VALUE" in capsys.readouterr().err


# -- check and replay: bad input, one line, status 2, before any check runs ---------------------------


def _check_bad_inputs(tmp_path):
    a_file = tmp_path / "a_file.txt"
    a_file.write_text("not a folder\n")
    exits = tmp_path / "exits.py"
    exits.write_text("import sys\nsys.exit(3)\n")
    empty = tmp_path / "empty.py"
    empty.write_text("x = 1\n")
    mdp_file = save_mdp(two_state(), tmp_path / "m.json")
    return [
        (["check", "boltzmann_limits", "--examples", "0"], "--examples is 0, not a positive integer"),
        (["check", "boltzmann_limits", "--examples", "-5"], "--examples is -5, not a positive integer"),
        (["check", "boltzmann_limits", "--out", str(a_file)], f"--out {a_file}: is a file, not a folder"),
        (["check", "boltzmann_limits", "--out", str(a_file / "sub")], f"--out {a_file / 'sub'}: cannot be made, {a_file} is a file"),
        (["check", str(exits)], f"conjecture file {str(exits)!r} does not import: it calls sys.exit(3)"),
        (["check", f"{empty}::missing"], f"{empty} has no conjecture 'missing' (it has: none)"),
        (["replay", str(tmp_path / "missing.json")], f"{tmp_path / 'missing.json'}: cannot read (No such file or directory)"),
        (["replay", str(tmp_path)], f"{tmp_path}: cannot read (Is a directory)"),
        (["replay", str(mdp_file)], f"{mdp_file}: $.format: is 'deconfuse.mdp/1', not a counterexample format "
         "(expected 'deconfuse.counterexample/2' or 'deconfuse.counterexample/1')"),
    ]


@pytest.mark.parametrize("case", range(9))
def test_check_and_replay_bad_input_is_one_line_before_any_check(case, tmp_path, capsys):
    argv, message = _check_bad_inputs(tmp_path)[case]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # nothing was checked
    assert captured.err == f"deconfuse: error: {message}\n"


def test_check_refuses_an_unwritable_out_folder(tmp_path, capsys, monkeypatch):
    # root may write anywhere, so the refusal of the operating system is simulated
    import os

    monkeypatch.setattr(os, "access", lambda path, mode: False)
    assert main(["check", "boltzmann_limits", "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"deconfuse: error: --out {tmp_path}: the folder is not writable\n"
    assert main(["check", "boltzmann_limits", "--out", str(tmp_path / "new")]) == 2
    assert capsys.readouterr().err == f"deconfuse: error: --out {tmp_path / 'new'}: cannot be made, {tmp_path} is not writable\n"
# -- report folders: all or nothing ----------------------------------------------------------------


def _snapshot(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


THEORY = ["report", "theory", "--n", "1,2", "--q", "1", "--outcomes", "3"]


def test_a_failed_report_leaves_an_earlier_report_byte_for_byte(tmp_path, capsys):
    folder = tmp_path / "rep"
    assert main([*THEORY, "--out", str(folder)]) == 0
    before = _snapshot(folder)
    assert {".deconfuse-report", "index.html", "index.md", "theory.json"} <= set(before)
    # over the budget inside the report's computation, after the folder was accepted
    assert main(["report", "theory", "--n", "100000000", "--out", str(folder)]) == 2
    assert "--n is 100000000: the exact best-of-100000000 law" in capsys.readouterr().err
    assert _snapshot(folder) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rep"]  # no staging folder left


def test_a_failed_report_into_a_new_folder_creates_nothing(tmp_path, capsys):
    assert main(["report", "theory", "--outcomes", "100000000", "--out", str(tmp_path / "a" / "b")]) == 2
    assert list(tmp_path.iterdir()) == []


def test_a_report_adds_its_entry_to_an_earlier_report(tmp_path, two_state_file, capsys):
    folder = tmp_path / "rep"
    assert main([*THEORY, "--out", str(folder)]) == 0
    assert main(["report", "graph", "--target", two_state_file, "--out", str(folder)]) == 0
    manifest = json.loads((folder / ".deconfuse-report").read_text())
    assert [e["name"] for e in manifest["entries"]] == ["theory", "graph-two"]
    assert (folder / "theory.json").is_file() and (folder / "graph-two.png").is_file()


@pytest.mark.parametrize("marker", ["", "garbage", '{"format": "deconfuse.report/0", "entries": []}', "[]"])
def test_only_a_valid_marker_makes_a_folder_an_earlier_report(tmp_path, marker, capsys):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / ".deconfuse-report").write_text(marker)
    (folder / "notes.txt").write_text("my notes")
    assert main([*THEORY, "--out", str(folder)]) == 2
    assert "is not a deconfuse report marker" in capsys.readouterr().err
    assert sorted(p.name for p in folder.iterdir()) == [".deconfuse-report", "notes.txt"]
    assert main([*THEORY, "--out", str(folder), "--force"]) == 0
    assert (folder / "notes.txt").read_text() == "my notes" and (folder / "theory.json").is_file()


def test_the_memory_budget_option_and_variable(monkeypatch, capsys):
    monkeypatch.setenv("DECONFUSE_MEMORY_BUDGET", "4GB")  # restored after the test
    assert main(["--memory-budget", "100KB", "solve", "lava-test"]) == 2
    # lava-test: 36 states, 4 actions: 36 * 4 * 36 * 24 + (2 + 6) * 36 * 4 * 120 bytes = 256.5 KB (3 digits: 256)
    assert "needs about 256 KB, over the memory budget of 100 KB" in capsys.readouterr().err
    monkeypatch.setenv("DECONFUSE_MEMORY_BUDGET", "100KB")
    assert main(["solve", "lava-test"]) == 2
    assert "over the memory budget of 100 KB; set DECONFUSE_MEMORY_BUDGET" in capsys.readouterr().err
    monkeypatch.setenv("DECONFUSE_MEMORY_BUDGET", "1MB")
    assert main(["solve", "lava-test", "--json"]) == 0


def test_help_documents_the_memory_budget():
    from deconfuse.cli import build_parser

    text = " ".join(build_parser().format_help().split())
    assert "DECONFUSE_MEMORY_BUDGET (e.g. DECONFUSE_MEMORY_BUDGET=8GB) or --memory-budget" in text
    assert "4 GB unless" in text


def test_a_command_line_that_does_not_parse_is_one_line(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["solve", "lava-test", "--float", "--nope"])
    assert exit_.value.code == 2
    assert capsys.readouterr().err == "deconfuse: error: unrecognized arguments: --nope (see deconfuse --help)\n"


def test_compare_refuses_a_model_without_a_true_reward(tmp_path, capsys):
    m = two_state()
    path = save_mdp(m.replace(rewards={"gain": m.rewards["proxy"]}), tmp_path / "gain.json")
    assert main(["compare", str(path)]) == 2
    assert capsys.readouterr().err == (f"deconfuse: error: {path} has no 'true' reward (it has 'gain'); compare "
                                       "measures the agents' true return and regret under it\n")


def test_readme_and_help_state_the_same_demo_times():
    from pathlib import Path

    from deconfuse.cli import build_parser
    from deconfuse.commands.demo import FULL_TIME, QUICK_TIME

    readme = " ".join((Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8").split())
    assert f"({FULL_TIME} on 2 cores, `--quick` {QUICK_TIME})" in readme
    parser = build_parser()
    demo = parser._subparsers._group_actions[0].choices["demo"]  # the demo subcommand's parser
    text = " ".join(demo.format_help().split())
    assert f"({QUICK_TIME} instead of {FULL_TIME} on 2 cores)" in text and f"({FULL_TIME} on 2 cores)" in text


def test_a_report_into_a_folder_whose_parent_is_read_only_is_staged_inside(tmp_path, monkeypatch, capsys):
    # root ignores permissions, so the failing mkdtemp beside the folder is simulated
    import tempfile
    from pathlib import Path

    folder = tmp_path / "rep"
    folder.mkdir()
    real = tempfile.mkdtemp

    def beside_refused(prefix=None, suffix=None, dir=None):
        if dir is not None and Path(dir) == tmp_path:
            raise PermissionError(13, "Permission denied", str(dir))
        return real(prefix=prefix, suffix=suffix, dir=dir)

    monkeypatch.setattr(tempfile, "mkdtemp", beside_refused)
    assert main([*THEORY, "--out", str(folder)]) == 0
    assert sorted(p.name for p in folder.iterdir())[:2] == [".deconfuse-report", "index.html"]
    assert not [p for p in folder.iterdir() if p.name.endswith(".deconfuse-tmp")]
    assert main([*THEORY, "--out", str(tmp_path / "new")]) == 2
    assert "--out " + str(tmp_path / "new") + ": permission denied" in capsys.readouterr().err


def test_prepare_folder_with_force_replaces_an_invalid_marker(tmp_path):
    from reports.document import MANIFEST_FORMAT, prepare_folder, read_manifest

    (tmp_path / ".deconfuse-report").write_text("garbage")
    assert prepare_folder(tmp_path, force=True)["entries"] == []
    assert read_manifest(tmp_path) == {"format": MANIFEST_FORMAT, "entries": []}
