"""Runs `newsflow ingest` (and a no-op flow) as subprocesses and measures the whole process tree."""

from __future__ import annotations

import os
import re
import resource
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import psutil

from flows.prefect_server import free_port

NEWSFLOW = str(Path(sys.executable).with_name("newsflow"))
_STAMP = re.compile(r"^(\d\d):(\d\d):(\d\d)\.(\d{3}) \|")


@dataclass
class TreeRun:
    """What one subprocess run cost: wall, CPU of its whole tree, peak summed RSS, log timestamps."""

    label: str
    wall: float = 0.0
    cpu_sampled: float = 0.0  # sum over every process seen of its last sampled user+system time
    cpu_rusage: float = 0.0  # RUSAGE_CHILDREN delta: the process and the descendants it waited for
    peak_rss_mb: float = 0.0  # max over samples of the sum of RSS over the tree
    peak_pss_mb: float = 0.0  # the same for PSS: pages shared by n processes count 1/n in each
    peak_processes: int = 0
    cpu_by_role: dict[str, float] = field(default_factory=dict)
    rss_at_peak: dict[str, int] = field(default_factory=dict)
    pss_at_peak: dict[str, int] = field(default_factory=dict)  # MB by role in the sample of the PSS peak
    harness_cpu: float = 0.0  # this process meanwhile (the local site's server, the sampler): not counted above
    sampler_cpu: float = 0.0  # of which the sampler
    flow_start: float | None = None  # seconds after launch when Prefect logged the flow's start
    flow_end: float | None = None  # seconds after launch when the flow reached a final state
    returncode: int = 0
    log: str = field(default="", repr=False)

    @property
    def cpu(self) -> float:
        """CPU seconds of the tree: sampling misses a child's last <50 ms, rusage misses unwaited ones."""
        return max(self.cpu_sampled, self.cpu_rusage)

    def as_json(self) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items() if k != "log"}
        return {**out, "cpu": round(self.cpu, 2)}


class TreeSampler(threading.Thread):
    """Samples a process tree every `interval` s: summed RSS and each process's CPU time.

    PSS is read every `pss_every`-th sample only: it walks every mapping of every process
    (smaps_rollup), which at 20 Hz cost the two cores more than everything else the harness does.
    """

    def __init__(self, pid: int, interval: float = 0.05, pss_every: int = 10) -> None:
        super().__init__(daemon=True)
        self.root, self.interval = psutil.Process(pid), interval
        self.cpu: dict[tuple[int, float], float] = {}  # (pid, create_time): user+system seconds
        self.roles: dict[tuple[int, float], str] = {}
        self.timeline: list[tuple[float, dict[str, int], dict[str, float]]] = []  # RSS and CPU by role
        self.peak_rss, self.peak_pss, self.peak_processes = 0, 0, 0
        self.rss_at_peak: dict[str, int] = {}  # MB by role in the sample with the largest sum
        self.pss_at_peak: dict[str, int] = {}  # the same for the largest PSS sum
        self.pss_every, self.samples, self.own_cpu = pss_every, 0, 0.0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            self.sample()
            self.own_cpu = time.thread_time()
            self._done.wait(self.interval)

    def sample(self) -> None:
        try:
            procs = [self.root, *self.root.children(recursive=True)]
        except psutil.Error:
            return
        rss = pss = 0
        by_role: dict[str, int] = {}
        pss_by_role: dict[str, int] = {}
        with_pss = self.samples % self.pss_every == 0
        self.samples += 1
        for proc in procs:
            try:
                with proc.oneshot():
                    # smaps_rollup: PSS splits shared pages fairly; statm (RSS alone) is cheap
                    memory = proc.memory_full_info() if with_pss else proc.memory_info()
                    rss, pss = rss + memory.rss, pss + (memory.pss if with_pss else 0)
                    times = proc.cpu_times()
                    key = (proc.pid, proc.create_time())
                    if key not in self.roles:  # first: a process gone meanwhile leaves no CPU without a role
                        self.roles[key] = role(proc, self.root.pid)
                    self.cpu[key] = times.user + times.system
                    by_role[self.roles[key]] = by_role.get(self.roles[key], 0) + memory.rss
                    if with_pss:
                        pss_by_role[self.roles[key]] = pss_by_role.get(self.roles[key], 0) + memory.pss
            except psutil.Error:
                continue  # exited between listing and reading
        if with_pss and pss > self.peak_pss:
            self.pss_at_peak = {k: round(v / 2**20) for k, v in pss_by_role.items()}
        self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
        self.timeline.append((time.monotonic(), by_role, self.cpu_by_role()))
        if rss == self.peak_rss:
            self.rss_at_peak = {k: round(v / 2**20) for k, v in by_role.items()}
        self.peak_processes = max(self.peak_processes, len(procs))

    def stop(self) -> None:
        self._done.set()
        self.join()

    def cpu_by_role(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for key, seconds in list(self.cpu.items()):  # the sampling thread may be adding one
            out[self.roles[key]] = round(out.get(self.roles[key], 0.0) + seconds, 2)
        return out


def role(proc: psutil.Process, root: int) -> str:
    """What a process of the tree is, from its command line."""
    if proc.pid == root:
        return "main"
    cmd = " ".join(proc.cmdline())
    if "uvicorn" in cmd or "prefect" in cmd and "server" in cmd:
        return "prefect server"
    if "forkserver" in cmd or "spawn_main" in cmd:
        return "forkserver" if proc.ppid() == root else "workers"
    return "other"


def run_tree(label: str, argv: list[str], env: dict[str, str], log: Path, run_logs: Path | None = None) -> TreeRun:
    """Run argv to completion, sampling its process tree; the output goes to log.

    `newsflow ingest` writes Prefect's lines (the flow's start and end among them) to its own log
    files under `run_logs`, not the terminal: those written by this run are read too.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = time.process_time()
    began_epoch, began = time.time(), time.monotonic()
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)
        sampler = TreeSampler(proc.pid)
        sampler.start()
        code = proc.wait()
        wall = time.monotonic() - began
        sampler.stop()
    own = time.process_time() - own
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    text = log.read_text(errors="replace")
    if run_logs is not None and run_logs.is_dir():
        text += "".join(p.read_text(errors="replace") for p in sorted(run_logs.glob("*.log"))
                        if p.stat().st_mtime >= began_epoch)
    start, end = flow_times(text, began_epoch)
    return TreeRun(
        label, wall, sum(sampler.cpu.values()),
        (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        sampler.peak_rss / 2**20, sampler.peak_pss / 2**20, sampler.peak_processes,
        sampler.cpu_by_role(), sampler.rss_at_peak, sampler.pss_at_peak, own, sampler.own_cpu, start, end, code, text,
    )


def flow_times(log: str, began_epoch: float) -> tuple[float | None, float | None]:
    """Seconds after launch of Prefect's 'Beginning flow run' and the flow's final-state lines."""
    start = end = None
    day = datetime.fromtimestamp(began_epoch).replace(hour=0, minute=0, second=0, microsecond=0)
    for line in log.splitlines():
        match = _STAMP.match(line)
        if not match or "Flow run '" not in line:
            continue
        h, m, s, ms = (int(g) for g in match.groups())
        at = day.timestamp() + h * 3600 + m * 60 + s + ms / 1000 - began_epoch
        if at < -60:  # the run crossed midnight
            at += 86400
        if "Beginning flow run" in line and start is None:
            start = at
        elif "Finished in state" in line:
            end = at
    return start, end


def base_env(data: Path, fetch: dict[str, str]) -> dict[str, str]:
    """A user's shell for one data dir: fresh Prefect home in it, no telemetry, the fetch settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "NEWSFLOW_"))}
    env.update(PREFECT_HOME=str(data / ".prefect"), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               DO_NOT_TRACK="1", PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120",
               PREFECT_LOGGING_EXTRA_LOGGERS="tasks,warehouse", **fetch)
    return env


def ingest(label: str, sources: Path, data: Path, env: dict[str, str], logs: Path,
           command: tuple[str, ...] = (NEWSFLOW,)) -> TreeRun:
    """One `newsflow ingest` process, measured."""
    argv = [*command, "ingest", "--sources", str(sources), "--data-dir", str(data)]
    run = run_tree(label, argv, env, logs / f"{label}.log", run_logs=data / "logs")
    if run.returncode != 0:
        raise SystemExit(f"{label}: newsflow ingest exited {run.returncode}:\n{run.log[-3000:]}")
    return run


NOOP_FLOW = """
from prefect import flow, task
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner

@task
def step(x=None):
    return x

@flow(name="noop", task_runner=ThreadPoolTaskRunner(max_workers=8))
def noop(n: int) -> None:
    step(None)
    found = [step.submit(i) for i in range(n)]
    [f.result() for f in [step.submit(f.result()) for f in as_completed(found)]]
    step(None)
    step(None)

noop(N_SOURCES)
"""


def noop_flow(sources: int, env: dict[str, str], logs: Path, label: str) -> TreeRun:
    """ingest's task graph (catch-up, discover and harvest per source, load, summary) doing nothing."""
    Path(env["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
    script = NOOP_FLOW.replace("N_SOURCES", str(sources))
    return run_tree(label, [sys.executable, "-c", script], env, logs / f"{label}.log")


def python_startup(env: dict[str, str]) -> float:
    """Interpreter start-up alone, for scale."""
    began = time.monotonic()
    subprocess.run([sys.executable, "-c", "pass"], env=env, check=True)
    return time.monotonic() - began


class Dashboard:
    """`newsflow dashboard` for a data dir: its Prefect server becomes the API of later ingests there."""

    def __init__(self, data: Path, env: dict[str, str], log: Path) -> None:
        self.data, self.env, self.log = data, env, log
        self.proc: subprocess.Popen[bytes] | None = None
        self.startup = 0.0

    def __enter__(self) -> Dashboard:
        began = time.monotonic()
        argv = [NEWSFLOW, "dashboard", "--port", str(free_port()), "--data-dir", str(self.data)]
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(argv, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        while "dashboard at" not in self.log.read_text(errors="replace"):
            if self.proc.poll() is not None or time.monotonic() - began > 300:
                self.__exit__()
                raise SystemExit(f"dashboard did not start:\n{self.log.read_text()[-2000:]}")
            time.sleep(0.05)
        self.startup = time.monotonic() - began
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
