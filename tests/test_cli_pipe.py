"""A listing piped into a reader that stops early (``hcbot kb list | head -1``) ends quietly."""

from __future__ import annotations

import subprocess
import sys


def test_a_reader_that_leaves_early_gets_no_traceback() -> None:
    listing = subprocess.Popen([sys.executable, "-m", "bot.cli", "kb", "list"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert listing.stdout is not None
    assert listing.stderr is not None
    listing.stdout.close()  # the reader is gone before the first line is written
    errors = listing.stderr.read().decode()
    listing.stderr.close()
    assert listing.wait(timeout=60) == 141  # a shell's code for a closed pipe
    assert "Traceback" not in errors
    assert errors == ""
