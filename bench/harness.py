"""Timing, query counting and reporting: what every benchmarked operation shares."""

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext


@dataclass
class Result:
    operation: str
    target: str
    ours_ms: list[float] = field(default_factory=list)
    baseline_ms: list[float] = field(default_factory=list)
    queries: int | None = None
    baseline_queries: int | None = None
    # None when the target is not about the ratio or the time alone (see ``passed``).
    max_median_ms: float | None = None
    max_ratio: float | None = None
    # Extra checks an operation makes (constant query count, throughput, exact balance).
    checks: dict[str, bool] = field(default_factory=dict)
    figures: dict[str, float | int | str] = field(default_factory=dict)
    error: str = ""

    @property
    def ours_median(self) -> float | None:
        return statistics.median(self.ours_ms) if self.ours_ms else None

    @property
    def baseline_median(self) -> float | None:
        return statistics.median(self.baseline_ms) if self.baseline_ms else None

    @property
    def ratio(self) -> float | None:
        if self.ours_median is None or not self.baseline_median:
            return None
        return self.ours_median / self.baseline_median

    @property
    def passed(self) -> bool:
        if self.error or self.ours_median is None:
            return False
        if self.max_median_ms is not None and self.ours_median > self.max_median_ms:
            return False
        if self.max_ratio is not None and (self.ratio is None or self.ratio > self.max_ratio):
            return False
        return all(self.checks.values())

    def as_json(self) -> dict:
        data = asdict(self)
        data.update(
            ours_median_ms=self.ours_median,
            baseline_median_ms=self.baseline_median,
            ratio=self.ratio,
            passed=self.passed,
        )
        return data


class Timer:
    """Runs our callable and the baseline ``warmup`` times (the first run counts the queries),
    then ``repeat`` times each.

    ``rollback=True`` runs each call inside a transaction that is rolled back afterwards, so an
    operation that writes does the same work every time; ``after`` runs untimed after each call
    (e.g. VACUUM away the rolled-back row versions so later runs see the same table).
    """

    def __init__(self, *, repeat: int, warmup: int):
        self.repeat = repeat
        self.warmup = max(warmup, 1)

    def compare(
        self,
        ours: Callable[[], object],
        baseline: Callable[[], object],
        *,
        rollback: bool = False,
        after: Callable | None = None,
    ) -> tuple[list[float], int, list[float], int]:
        """Time ``ours`` and ``baseline`` alternately, so a machine that gets busier or quieter
        during the run shifts both sides alike. Returns (ours ms, ours queries, baseline ms,
        baseline queries)."""
        ours_queries = self.count_queries(ours, rollback=rollback, after=after)
        baseline_queries = self.count_queries(baseline, rollback=rollback, after=after)
        for _ in range(self.warmup - 1):
            for fn in (ours, baseline):
                self._once(fn, rollback, after)
        ours_ms, baseline_ms = [], []
        for _ in range(self.repeat):
            ours_ms.append(self._once(ours, rollback, after))
            baseline_ms.append(self._once(baseline, rollback, after))
        return ours_ms, ours_queries, baseline_ms, baseline_queries

    def count_queries(self, fn, *, rollback: bool = False, after=None) -> int:
        """One untimed run that counts the queries (it is also the first warm-up run)."""
        with CaptureQueriesContext(connection) as captured:
            self._once(fn, rollback, None)
        # Counted now: captured_queries slices the live log, which the next request empties.
        queries = len(captured.captured_queries)
        if after:
            after()
        return queries

    @staticmethod
    def _once(fn, rollback: bool, after=None) -> float:
        if rollback:
            with transaction.atomic():
                started = time.perf_counter()
                fn()
                elapsed = (time.perf_counter() - started) * 1000
                transaction.set_rollback(True)
        else:
            started = time.perf_counter()
            fn()
            elapsed = (time.perf_counter() - started) * 1000
        if after:
            after()
        return elapsed


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def table(results: list[Result]) -> str:
    header = ("operation", "ours ms", "raw SQL ms", "ratio", "queries", "target", "result")
    rows = [header]
    for r in results:
        queries = "-" if r.queries is None else str(r.queries)
        if r.baseline_queries is not None:
            queries += f" (raw {r.baseline_queries})"
        rows.append(
            (
                r.operation,
                _fmt(r.ours_median, ".1f"),
                _fmt(r.baseline_median, ".1f"),
                _fmt(r.ratio, ".2f"),
                queries,
                r.target,
                "ERROR" if r.error else ("pass" if r.passed else "FAIL"),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(results: list[Result]) -> str:
    lines = [
        "| operation | ours (median ms) | raw SQL (median ms) | ratio | queries | target "
        "| result |",
        "|---|---:|---:|---:|---|---|---|",
    ]
    for r in results:
        queries = "-" if r.queries is None else str(r.queries)
        if r.baseline_queries is not None:
            queries += f" (raw {r.baseline_queries})"
        outcome = "ERROR" if r.error else ("pass" if r.passed else "**FAIL**")
        lines.append(
            f"| {r.operation} | {_fmt(r.ours_median, '.1f')} | {_fmt(r.baseline_median, '.1f')} "
            f"| {_fmt(r.ratio, '.2f')} | {queries} | {r.target} | {outcome} |"
        )
    return "\n".join(lines)


def write_json(results: list[Result], meta: dict, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    path = directory / f"bench-{meta['clients']}-{stamp}.json"
    payload = {"meta": meta, "results": [r.as_json() for r in results]}
    path.write_text(json.dumps(payload, indent=2, default=str))
    return path
