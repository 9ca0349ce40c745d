"""Where a benchmark's CPU goes: CPU seconds of the server's web workers, of ``alur worker``, of
the PostgreSQL backends serving the benchmark's database and of the benchmark's own client
threads, over a timed window (read from Linux's /proc; elsewhere nothing is measured).

On a machine whose cores also run the clients and the database, lifecycles a minute say little
about the server alone; what each part spends per lifecycle says where the time goes, and what
the server could sustain with its clients elsewhere.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

PROC = Path("/proc")
PARTS = ("web", "worker", "postgresql", "clients")


def _cpu_seconds(pid: int) -> float | None:
    try:
        fields = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _cmdline(pid: int) -> str:
    try:
        return (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _children(pid: int) -> list[int]:
    found = []
    for task in (PROC / str(pid) / "task").glob("*/children"):
        try:
            found += [int(c) for c in task.read_text().split()]
        except OSError:
            pass
    return found


class CpuMeter:
    """``start()`` then ``stop()`` around the timed part; ``seconds`` holds each part's CPU."""

    def __init__(self, server_pid: int | None, database: str | None) -> None:
        self.server_pid, self.database = server_pid, database
        self.available = PROC.joinpath("self", "stat").exists()
        self._start: dict[tuple[str, int], float] = {}
        self._client_start = 0.0
        self.seconds: dict[str, float] = {}

    def _sample(self) -> dict[tuple[str, int], float]:
        found: dict[tuple[str, int], float] = {}
        if self.server_pid is not None:
            # `alur serve` is gunicorn's master; its children are the web workers and `alur worker`
            for pid in [self.server_pid, *_children(self.server_pid)]:
                part = "worker" if " worker --parent" in _cmdline(pid) else "web"
                if (cpu := _cpu_seconds(pid)) is not None:
                    found[(part, pid)] = cpu
        if self.database:
            for entry in PROC.iterdir():
                if entry.name.isdigit() and _cmdline(int(entry.name)).startswith("postgres: ") \
                        and f" {self.database} " in _cmdline(int(entry.name)):
                    if (cpu := _cpu_seconds(int(entry.name))) is not None:
                        found[("postgresql", int(entry.name))] = cpu
        return found

    def start(self) -> None:
        if self.available:
            self._start = self._sample()
            self._client_start = time.process_time()

    def stop(self) -> None:
        if not self.available:
            return
        end = self._sample()
        self.seconds = {part: 0.0 for part in PARTS}
        for (part, pid), cpu in end.items():
            self.seconds[part] += cpu - self._start.get((part, pid), 0.0)
        # this process: the client threads (nothing else runs here during the window)
        self.seconds["clients"] = time.process_time() - self._client_start
