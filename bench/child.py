"""Running one benchmark measurement in a process of its own."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any


def in_own_process(script: str, *args: str) -> dict[str, Any]:
    """Run ``script`` with ``args`` in a new interpreter, so that its peak memory is its
    own, and return the JSON object its last line of output prints."""
    out = subprocess.run(
        [sys.executable, script, *args], check=True, capture_output=True, text=True
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result
