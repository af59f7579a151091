"""The background retraining process: ``python -m bot.admin.runner <job id> <config.json>``.

Steps: export the reviewed labels → ``rasa data validate`` → wait until no other
``rasa train`` runs on this machine → ``rasa train`` into a temporary directory
(moved to ``var/models/candidates/<version>.tar.gz`` only when complete) →
evaluate the candidate and the deployed model on the held-out data → register
the candidate.  Any failure marks the job failed with a readable error and leaves
the deployed model untouched.  Output goes to the job log, masked.
"""
from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from bot.admin.config import AdminConfig
from bot.admin.figures import Figures, evaluate_model
from bot.admin.fingerprint import data_fingerprint
from bot.admin.jobs import STEP_LABELS, JobStore, JobView
from bot.admin.service import AdminService
from bot.privacy import mask_text

__all__ = ["JobFailed", "main", "other_training_running", "run_job"]

log = logging.getLogger("admin.runner")

HEARTBEAT_SECONDS = 5.0
WAIT_POLL_SECONDS = 5.0
_EPOCHS = re.compile(r"Epochs:\s+(\d+)%")
_COMPONENT = re.compile(r"(DIETClassifier|ResponseSelector|TEDPolicy|MatterClassifier|"
                        r"CountVectorsFeaturizer|RulePolicy|MemoizationPolicy)")
_ERROR_LINE = re.compile(r"error|invalid|not found|not listed|failed|exception|conflict|"
                         r"cannot|can't|could not|unknown|duplicate", re.I)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
# Warnings the current data always produces (they do not fail --fail-on-warnings).
_BENIGN = ("is not used in any story or rule", "but is not found in the NLU training data",
           "duplicated intents have been found across multiple domain files",
           "No story structure conflicts found", "Considering all preceding turns")
# Rough share of `rasa train` wall time per component (for the progress bar).
# Measured on 2 cores: DIET ~95 s, ResponseSelector ~160 s, TED ~10 s (when not cached).
_TRAIN_WEIGHTS = {"DIETClassifier": (0.05, 0.4), "ResponseSelector": (0.4, 0.9),
                  "TEDPolicy": (0.9, 0.98)}


class JobFailed(RuntimeError):
    """A step failed; the message is shown to the admin."""


class JobLog:
    """Appends masked, timestamped lines to the job's log file."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._stream: TextIO = path.open("a", encoding="utf-8", buffering=1)
        self._lock = threading.Lock()

    def write(self, line: str) -> None:
        with self._lock:
            self._stream.write(mask_text(_ANSI.sub("", line).rstrip()) + "\n")

    def step(self, title: str) -> None:
        self.write(f"==> {time.strftime('%H:%M:%S')} {title}")

    def close(self) -> None:
        self._stream.close()


def rasa_bin() -> str:
    return str(Path(sys.executable).with_name("rasa"))


def run_command(argv: Sequence[str], log_: JobLog, cwd: Path, env: dict[str, str],
                on_line: Callable[[str], None] | None = None) -> list[str]:
    r"""Run a command, streaming output lines (``\r`` progress bars too) to the log.

    Returns the lines; raises :class:`JobFailed` on a non-zero exit.
    """
    log_.write("$ " + " ".join(argv))
    lines: list[str] = []
    process = subprocess.Popen(list(argv), cwd=str(cwd), env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    assert process.stdout is not None  # noqa: S101 - stdout=PIPE above
    buffer = b""
    last_progress = ""
    while True:
        chunk = process.stdout.read1(8192) if hasattr(process.stdout, "read1") else process.stdout.read(8192)
        if not chunk:
            break
        buffer += chunk
        parts = re.split(rb"[\r\n]", buffer)
        buffer = parts.pop()
        for raw in parts:
            line = raw.decode("utf-8", "replace").strip()
            if not line:
                continue
            if on_line is not None:
                on_line(line)
            if _EPOCHS.search(line):
                percent = _EPOCHS.search(line).group(1)  # type: ignore[union-attr]
                if percent == last_progress or not percent.endswith("0"):
                    continue
                last_progress = percent
            lines.append(line)
            log_.write(line)
    if buffer.strip():
        lines.append(buffer.decode("utf-8", "replace").strip())
        log_.write(lines[-1])
    code = process.wait()
    if code != 0:
        raise JobFailed(f"{Path(argv[0]).name} {argv[1] if len(argv) > 1 else ''} 退出码 {code}")
    return lines


def _clean(line: str) -> str:
    line = _ANSI.sub("", line).strip()
    return line.split("UserWarning: ", 1)[-1]


def error_excerpt(lines: Sequence[str], limit: int = 6) -> str:
    """The lines that explain a failure: problems first, known harmless warnings left out."""
    cleaned = [_clean(line) for line in lines]
    picked = [line for line in cleaned
              if _ERROR_LINE.search(line) and not any(b in line for b in _BENIGN)]
    picked = picked or cleaned
    return "\n".join(mask_text(line)[:400] for line in picked[-limit:])


def other_training_running(own: Sequence[int] = ()) -> bool:
    """Whether another ``rasa train`` process runs on this machine (Linux ``/proc``)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in own:
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        words = [Path(a.decode("utf-8", "replace")).name for a in argv if a]
        if "rasa" in words and "train" in words:
            return True
    return False


class _Heartbeat(threading.Thread):
    def __init__(self, store: JobStore, job_id: int) -> None:
        super().__init__(name="heartbeat", daemon=True)
        self._store, self._job_id = store, job_id
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(HEARTBEAT_SECONDS):
            try:
                self._store.heartbeat(self._job_id)
            except Exception:
                log.exception("heartbeat failed")


class JobRunner:
    """Runs the steps of one job."""

    def __init__(self, job: JobView, service: AdminService, log_: JobLog) -> None:
        self.job, self.service, self.log = job, service, log_
        self.config, self.store, self.registry = service.config, service.jobs, service.registry
        self.env = dict(os.environ, PYTHONUNBUFFERED="1", TF_CPP_MIN_LOG_LEVEL="2")
        if self.config.rasa_cache_dir is not None:
            self.env["RASA_CACHE_DIRECTORY"] = str(self.config.rasa_cache_dir)
        self._component = ""
        self._last_update = 0.0

    def step(self, name: str, progress: float, detail: str = "") -> None:
        self.log.step(STEP_LABELS.get(name, name) + (f"：{detail}" if detail else ""))
        self.store.progress(self.job.id, name, progress, detail)

    def data_args(self) -> list[str]:
        return ["--data", *map(str, self.config.training_paths()), "--domain",
                str(self.config.domain_file), "--config", str(self.config.config_file)]

    def export(self) -> dict[str, object]:
        self.step("export", 0.02)
        result = self.service.export(f"{self.job.requested_by} (job #{self.job.id})")
        self.log.write(f"导出 {result.examples} 条审核样本到 {result.path}"
                       f"（已存在 {len(result.already_present)}，冲突 {len(result.conflicts)}）")
        for text, label, other in result.conflicts:
            self.log.write(f"冲突，未导出：{text} → {label}（训练数据中已标为 {other}）")
        for text, label in result.heldout:
            self.log.write(f"属于留出评估集，未导出：{text} → {label}")
        return {"examples": result.examples, "conflicts": len(result.conflicts)}

    def validate(self) -> None:
        self.step("validate", 0.05)
        lines: list[str] = []
        try:
            run_command([rasa_bin(), "data", "validate", *self.data_args(), "--fail-on-warnings"],
                        self.log, self.config.project_root, self.env, lines.append)
        except JobFailed as error:
            raise JobFailed("训练数据校验未通过（rasa data validate）：\n" + error_excerpt(lines)) from error

    def wait_for_machine(self) -> None:
        if not other_training_running((os.getpid(),)):
            return
        self.step("wait", 0.08, "本机已有 rasa train 在运行（2 核机器一次只训练一个）")
        while other_training_running((os.getpid(),)):
            time.sleep(WAIT_POLL_SECONDS)

    def _train_line(self, line: str) -> None:
        match = _COMPONENT.search(line)
        if match and match.group(1) in _TRAIN_WEIGHTS:
            self._component = match.group(1)
        epochs = _EPOCHS.search(line)
        if not epochs or self._component not in _TRAIN_WEIGHTS or time.monotonic() - self._last_update < 2:
            return
        self._last_update = time.monotonic()
        start, end = _TRAIN_WEIGHTS[self._component]
        share = start + (end - start) * int(epochs.group(1)) / 100
        self.store.progress(self.job.id, "train", 0.1 + 0.6 * share,
                            f"{self._component} {epochs.group(1)}%")

    def train(self) -> Path:
        self.step("train", 0.1)
        self.config.candidates_dir.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".train-{self.job.version}-", dir=self.config.candidates_dir))
        lines: list[str] = []
        try:
            def on_line(line: str) -> None:
                lines.append(line)
                self._train_line(line)

            try:
                run_command([rasa_bin(), "train", *self.data_args(), "--out", str(work),
                             "--fixed-model-name", self.job.version],
                            self.log, self.config.project_root, self.env, on_line)
            except JobFailed as error:
                raise JobFailed("训练失败（rasa train）：\n" + error_excerpt(lines)) from error
            built = work / f"{self.job.version}.tar.gz"
            if not built.is_file():
                raise JobFailed("训练结束但没有生成模型文件。")
            target = self.config.candidates_dir / built.name
            os.replace(built, target)
            return target
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def evaluate(self, candidate: Path) -> dict[str, object]:
        deployed = self.registry.ensure_initial(self.config.initial_model)
        folder = self.config.jobs_dir / self.job.version
        self.step("evaluate", 0.72, "候选模型")
        candidate_figures = evaluate_model(candidate, self.config.heldout_dir,
                                           folder / "candidate_confusion.png")
        self.log.write(_figure_line("候选", candidate_figures))
        self.step("evaluate", 0.86, f"线上模型 {deployed.version}")
        if not deployed.exists:
            raise JobFailed(f"线上模型文件不存在：{deployed.path}")
        deployed_figures = evaluate_model(deployed.path, self.config.heldout_dir,
                                          folder / "deployed_confusion.png")
        self.log.write(_figure_line("线上", deployed_figures))
        return {"candidate": candidate_figures, "deployed": deployed_figures,
                "deployed_version": deployed.version}

    def run(self) -> dict[str, object]:
        exported = self.export()
        fingerprint = data_fingerprint(self.config.project_root, [
            self.config.config_file, self.config.domain_file, *self.config.training_paths(),
            self.config.project_root / "data" / "dict"])
        self.store.set_fields(self.job.id, fingerprint=fingerprint)
        self.validate()
        self.wait_for_machine()
        started = time.monotonic()
        candidate = self.train()
        train_seconds = time.monotonic() - started
        self.store.set_fields(self.job.id, candidate_path=str(candidate))
        evaluation = self.evaluate(candidate)
        self.step("register", 0.98)
        candidate_figures: Figures = evaluation["candidate"]  # type: ignore[assignment]
        deployed_figures: Figures = evaluation["deployed"]  # type: ignore[assignment]
        self.registry.add(self.job.version, candidate, fingerprint, candidate_figures, self.job.id,
                          self.job.requested_by, note=f"训练任务 #{self.job.id}")
        self.registry.set_figures(str(evaluation["deployed_version"]), deployed_figures)
        return {"version": self.job.version, "candidate": candidate_figures.to_dict(),
                "deployed": deployed_figures.to_dict(),
                "deployed_version": evaluation["deployed_version"],
                "train_seconds": round(train_seconds, 1), "exported": exported}


def _figure_line(name: str, figures: Figures) -> str:
    return (f"{name}：意图宏F1 {figures.intent_macro_f1:.3f}，受理范围准确率 "
            f"{figures.scope_accuracy_after_clarify:.3f}，误受理率 {figures.false_acceptance_rate:.3f}")


def run_job(job_id: int, config: AdminConfig) -> bool:
    """Run one job to the end; True on success (the job row says why otherwise)."""
    service = AdminService(config)
    store = service.jobs
    job = store.get(job_id)
    if job is None:
        raise SystemExit(f"no training job #{job_id}")
    job_log = JobLog(Path(job.log_path))
    heartbeat = _Heartbeat(store, job_id)
    ok = False
    try:
        store.mark_running(job_id, os.getpid())
        heartbeat.start()
        result = JobRunner(job, service, job_log).run()
        store.finish(job_id, True, result=result)
        job_log.step(f"完成：候选模型 {job.version}")
        ok = True
    except JobFailed as error:
        job_log.write(f"失败：{error}")
        store.finish(job_id, False, f"{error}\n线上模型未受影响。")
    except BaseException as error:
        job_log.write(traceback.format_exc())
        store.finish(job_id, False, f"内部错误：{type(error).__name__}: {mask_text(str(error))[:500]}\n"
                                    "线上模型未受影响。")
        if not isinstance(error, Exception):
            raise
    finally:
        heartbeat.stop.set()
        job_log.close()
        service.close()
    return ok


def _terminated(_signum: int, _frame: object) -> None:
    raise JobFailed("训练任务被取消（进程收到终止信号）。")


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2:
        print("usage: python -m bot.admin.runner <job id> <config.json>", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    signal.signal(signal.SIGTERM, _terminated)
    config = AdminConfig.from_json(Path(args[1]).read_text(encoding="utf-8"))
    return 0 if run_job(int(args[0]), config) else 1


if __name__ == "__main__":
    sys.exit(main())
