"""A real process killed in the middle of a check-in: the next one continues at the same action."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import EXAMPLES

HC = "amina.hc@sahelia.invalid"


class BotProcess:
    def __init__(self, env: dict[str, str], cwd: Path, arguments: list[str] | None = None) -> None:
        command = [sys.executable, "-m", "bot.cli", *(arguments or ["chat", "--as", HC])]
        self.process = subprocess.Popen(command, env=env, cwd=cwd,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.seen = b""

    def say(self, text: str, until: str, timeout: float = 30.0) -> str:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        start = len(self.seen)
        self.process.stdin.write(text.encode() + b"\n")
        self.process.stdin.flush()
        deadline = time.monotonic() + timeout
        while until.encode() not in self.seen[start:]:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"no {until!r} in {self.seen[start:].decode(errors='replace')!r}"
            ready, _, _ = select.select([self.process.stdout], [], [], remaining)
            if ready:
                chunk = os.read(self.process.stdout.fileno(), 65536)
                assert chunk, "the bot exited: " + (self.process.stderr.read().decode() if self.process.stderr else "")
                self.seen += chunk
        return self.seen[start:].decode()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


def test_sigkill_mid_check_in_loses_nothing(tmp_path: Path) -> None:
    env = {**os.environ, "HCBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}"}
    imported = subprocess.run([sys.executable, "-m", "bot.cli", "admin", "import", str(EXAMPLES / "operations.yaml")],
                              env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False)
    assert imported.returncode == 0, imported.stderr

    first = BotProcess(env, tmp_path)
    first.say("/checkin", until="action 1 of 4")
    first.say("on track", until="Any note")
    first.say("strategy drafted", until="action 2 of 4")
    first.say("blocked", until="Any note")
    first.kill()  # between the status and its note: the half-answer must survive too

    second = BotProcess(env, tmp_path)
    resumed = second.say("recruitment frozen", until="action 3 of 4")
    assert "Make AAP a standing item" in resumed
    from docx import Document

    saved = second.say("/report", until=".docx ---")
    path = saved.split("--- saved ")[1].split(" ---")[0]
    report = "\n".join(paragraph.text for paragraph in Document(path).paragraphs)
    assert "strategy drafted" in report
    assert "recruitment frozen" in report
    second.kill()
