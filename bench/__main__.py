"""`make bench` → ``python -m bench``: load benchmarks of both deployment shapes, as tables.

For each shape it starts its own stack — production: model server, RASA_INSTANCES Rasa
servers on a fresh PostgreSQL tracker store with a Redis lock store, action server,
gateway; embedded: ``python -m bot.launch`` as ``make run`` starts it (SQLite, one Rasa,
in-memory lock store) —, then
for each concurrency level sends realistic mixed conversations straight to Rasa
and through the gateway, and reports p50/p95/p99, messages per second, the
gateway's overhead, lost/duplicated messages, resident memory and start-up
(model load) time per process, and the training time. Then the Telegram bridge
latency (bench.telegram_latency) and the held-out NLU report (bench.nlu_report).

    python -m bench [--levels 1,10,50] [--messages 60,300,600] [--rate 60]
                    [--paced-messages 900] [--rounds 3] [--instances 2] [--sanic-workers 1]
                    [--train] [--skip telegram,nlu] [--shape production,embedded]

Closed-loop runs (each conversation sends as soon as it is answered) show capacity;
the paced run (the largest level's conversations offering ``--rate`` messages/s
together, like people typing) is where the throughput and p95 targets are judged.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from bench import report
from bench.load import Run, Target, count_lost_and_duplicated, merge, run_load
from bench.resources import memory, time_training, training_seconds_from_jobs
from bot.settings import REPO_ROOT, get_settings
from tests.production.cluster import Cluster, production_cluster, reachable
from tests.stack import Stack, embedded_stack

RESULTS = REPO_ROOT / "bench" / "results"
Running = Cluster | Stack  # what is measured: rasa_urls, gateway_url, rasa_auth
REDIS_DB = 14
# Messages per path before measuring: loads TensorFlow's graphs and fills TED's memo with
# common situations (its steady state in service), on scripts no measured run uses.
WARMUP = 300
RUN_SCRIPTS = 100_000  # conversation scripts reserved per run


def _ints(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


async def _rounds(targets: Sequence[Target], concurrency: int, budget: int, rounds: int,
                  rate: float, ranges: Iterator[int], cluster: Running) -> list[Run]:
    """Both paths in alternating rounds (A B, B A, A B …), merged per path.

    Slow drift of the shared machine (or of what Rasa has warmed up) then favours
    neither path.
    """
    parts: dict[str, list[Run]] = {t.name: [] for t in targets}
    tag = time.strftime("%H%M%S") + ("p" if rate else "c") + str(concurrency)
    for number in range(rounds):
        order = targets if number % 2 == 0 else list(reversed(targets))
        share = budget // rounds + (1 if number < budget % rounds else 0)
        for target in order:
            run = await run_load(target, concurrency, share, f"{tag}{target.name[0]}{number}x",
                                 rate=rate, first=next(ranges))
            await count_lost_and_duplicated(run, cluster.rasa_urls[0], cluster.rasa_auth)
            parts[target.name].append(run)
    runs = [merge(parts[t.name]) for t in targets]
    for run in runs:
        how = f"paced {rate:.0f}/s," if rate else "closed,"
        print(f"  {run.target:8} {how} {concurrency:3} conversations: {len(run.samples)} msgs "
              f"in {run.wall:.1f}s ({rounds} rounds)", flush=True)
    return runs


async def measure(cluster: Running, levels: list[int], budgets: list[int], rate: float,
                  paced_budget: int, rounds: int) -> list[Run]:
    rasa = Target("rasa", cluster.rasa_urls, gateway=False, params=cluster.rasa_auth)
    gateway = Target("gateway", [cluster.gateway_url], gateway=True)
    ranges = itertools.count(0, RUN_SCRIPTS)  # each run its own conversation scripts
    for target in (rasa, gateway):
        await run_load(target, 10, WARMUP, f"warm{target.name}", first=next(ranges))
    runs: list[Run] = []
    for concurrency, budget in zip(levels, budgets, strict=True):  # checked in main()
        runs += await _rounds((rasa, gateway), concurrency, budget, rounds, 0.0, ranges, cluster)
    if rate:
        runs += await _rounds((rasa, gateway), max(levels), paced_budget, rounds, rate, ranges,
                              cluster)
    return runs


def training_line(train: bool) -> str:
    if train:
        return f"rasa train (fresh, temp dir): {time_training():.0f} s"
    seconds = training_seconds_from_jobs(get_settings().database_url)
    if seconds is not None:
        return f"last admin retraining job (validate + train + evaluate): {seconds:.0f} s"
    return "training time: no recorded training job; run `python -m bench --train` to time one"


def run_sub(module: str, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", module, *args], cwd=REPO_ROOT, text=True,
                          capture_output=True, timeout=900)
    return (done.stdout + ("\n" + done.stderr[-2000:] if done.returncode else "")).strip()


SHAPES = {
    "production": "production shape, {instances} Rasa × {workers} Sanic worker, PostgreSQL "
                  "tracker store, Redis lock store, 2 cores",
    "embedded": "embedded default (`make run`: one Rasa, SQLite tracker store and database, "
                "in-memory lock store), 2 cores",
}
Started = tuple[Running, Callable[[], dict[str, int]], dict[str, float]]


@contextlib.contextmanager
def started_shape(shape: str, root: Path, instances: int,
                  extra: dict[str, str]) -> Iterator[Started]:
    """(stack, its process ids, start-up seconds per process) for one deployment shape."""
    if shape == "embedded":
        print("starting the embedded stack (python -m bot.launch)…", flush=True)
        started = time.perf_counter()
        with embedded_stack(root, extra) as stack:
            ready = {"whole stack": time.perf_counter() - started}
            yield stack, lambda: {"whole stack": stack.pid}, ready
        return
    print(f"starting {instances} Rasa instance(s) + actions + gateway "
          "(PostgreSQL tracker store, Redis lock store)…", flush=True)
    cluster_stack = production_cluster(root, instances, REDIS_DB, extra_env=extra)
    cluster = next(cluster_stack)
    try:
        yield cluster, cluster.pids, {n: p.ready_seconds for n, p in cluster.processes.items()}
    finally:
        cluster_stack.close()


def main() -> int:
    parser = argparse.ArgumentParser(description="Production-shape benchmark (prints tables).")
    parser.add_argument("--levels", default="1,10,50", help="concurrent conversations")
    parser.add_argument("--messages", default="60,300,600", help="messages per level and path")
    parser.add_argument("--rate", type=float, default=60.0,
                        help="paced run: messages/s offered by the largest level (0: skip)")
    parser.add_argument("--paced-messages", type=int, default=900)
    parser.add_argument("--rounds", type=int, default=3,
                        help="alternating rounds per level (messages are split between them)")
    parser.add_argument("--instances", type=int, default=2, help="Rasa servers (RASA_INSTANCES)")
    parser.add_argument("--sanic-workers", type=int, default=1, help="SANIC_WORKERS per Rasa")
    parser.add_argument("--train", action="store_true", help="also time `rasa train` (slow)")
    parser.add_argument("--skip", default="", help="comma list of: telegram, nlu")
    parser.add_argument("--shape", default="production,embedded",
                        help="comma list of: production (PostgreSQL, Redis, --instances Rasa), "
                             "embedded (the `make run` default: SQLite, one Rasa)")
    args = parser.parse_args()
    levels, budgets = _ints(args.levels), _ints(args.messages)
    if set(args.shape.split(",")) - set(SHAPES):
        parser.error(f"--shape takes a comma list of: {', '.join(SHAPES)}")
    if len(levels) != len(budgets):
        parser.error("--levels and --messages need the same number of entries")
    if not (REPO_ROOT / "models" / "current.tar.gz").exists():
        print("No model: run `make train` first.", file=sys.stderr)
        return 2
    if not (reachable(5432) and reachable(6379)):
        print("PostgreSQL and Redis must run on 127.0.0.1 (bash scripts/services.sh).",
              file=sys.stderr)
        return 2
    RESULTS.mkdir(parents=True, exist_ok=True)
    output: list[str] = []

    def show(title: str, body: str) -> None:
        block = f"\n## {title}\n{body}"
        output.append(block)
        print(block, flush=True)

    # One TensorFlow thread per Rasa process: with one instance per core, more threads
    # only fight over the same cores (the deploy example sets the same).
    extra = {"SANIC_WORKERS": str(args.sanic_workers), "LOG_JSON": "0",
             "TF_INTRA_OP_PARALLELISM_THREADS": "1", "TF_INTER_OP_PARALLELISM_THREADS": "1"}
    for shape in args.shape.split(","):
        with tempfile.TemporaryDirectory(prefix="bench-") as root, \
                started_shape(shape, Path(root), args.instances, extra) as (cluster, pids, ready):
            idle = memory(pids())
            runs = asyncio.run(measure(cluster, levels, budgets, args.rate, args.paced_messages,
                                       max(1, args.rounds)))
            loaded = memory(pids())
            title = SHAPES[shape].format(instances=args.instances, workers=args.sanic_workers)
            show(f"Latency and throughput: {title}", report.latency_table(runs))
            show(f"Gateway overhead: {shape}", report.overhead_table(runs))
            show(f"Targets: {shape}", report.targets_table(runs, max(levels), args.rate))
            show(f"Resident memory after load (idle in brackets) and start-up time: {shape}",
                 report.resources_table(loaded, ready) + "\n" + ", ".join(
                     f"{n}: {v:.0f} MiB idle" for n, v in idle.items()))
            (RESULTS / f"load-{shape}.json").write_text(json.dumps(
                [{"target": r.target, "concurrency": r.concurrency, "messages": len(r.samples),
                  "p50": r.percentile(.5), "p95": r.percentile(.95), "p99": r.percentile(.99),
                  "msg_per_s": r.throughput, "errors": r.errors, "lost": r.lost,
                  "duplicated": r.duplicated} for r in runs], indent=2), encoding="utf-8")
    show("Training", training_line(args.train))
    skip = set(args.skip.split(","))
    if "telegram" not in skip:
        show("Telegram bridge latency (fake Bot API, instant fake Rasa)",
             run_sub("bench.telegram_latency", "-n", "100", "--rate", "20"))
    if "nlu" not in skip:
        show("Held-out NLU report", run_sub("bench.nlu_report"))
    (RESULTS / "latest.txt").write_text("\n".join(output) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
