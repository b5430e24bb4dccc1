"""Run a shell script in a private user and mount namespace (util-linux ``unshare``), so a
test can mount a tmpfs or a read-only bind over a data directory that nobody else sees."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

CITEWISE = Path(sys.executable).parent / "citewise"


def run_in_mount_namespace(script: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``sh -c script`` as root of its own namespaces, with ``env`` added to the environment
    and ``$CITEWISE`` set to the installed command."""
    assert shutil.which("unshare"), "this test needs util-linux's unshare (a private mount namespace)"
    return subprocess.run(
        ["unshare", "--map-root-user", "--mount", "sh", "-c", script],
        env={**os.environ, "CITEWISE": str(CITEWISE), **env},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
