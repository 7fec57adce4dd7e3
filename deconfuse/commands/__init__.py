"""The subcommands of ``deconfuse``, one module each.

Every module has ``NAME`` (the subcommand), ``add_parser(subparsers)`` (adds its parser to the
``subparsers`` of :func:`deconfuse.cli.build_parser`) and ``run(args) -> int`` (runs it on the
parsed arguments and returns the exit status). :data:`deconfuse.cli.COMMANDS` lists them in the
order ``deconfuse --help`` shows: envs, agents, solve, mdp, compare, check, check-agent, replay, reproduce,
report, demo.
Errors are raised (:class:`theory.errors.DeconfuseError`); :func:`deconfuse.cli.main` prints
them as one line.
"""

__all__ = ["envs", "agents", "solve", "mdp", "compare", "check", "check_agent", "replay", "reproduce", "report", "demo"]
