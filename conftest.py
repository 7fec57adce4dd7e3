"""pytest configuration: the ``--examples N`` knob of the theorem and conjecture suites."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--examples",
        type=int,
        default=None,
        help="examples per theorem/conjecture in property_tests (default: each one's own count)",
    )


@pytest.fixture
def examples(request: pytest.FixtureRequest) -> int | None:
    """The --examples value (None: each conjecture's default)."""
    return request.config.getoption("--examples")
