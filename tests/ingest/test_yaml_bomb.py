"""A YAML alias bomb ("billion laughs") in front matter, under a hard memory limit.

Nine levels of nine aliases stand for 9**9 (387 million) strings in a few lines of YAML.
PyYAML builds them as shared references, which is harmless; any code that walked the
value (a repr in an error message, for instance) would need gigabytes. The real
``citewise ingest`` runs with its address space capped at 1 GB and must exit 2 with a
short message naming the file and field.
"""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

MEMORY_LIMIT = 1 << 30
LEVELS = 9


def bomb_front_matter(field: str) -> str:
    lines = ['  a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, LEVELS):
        lines.append(f"  a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
    return (
        "---\nid: test-bomb\nkind: research\nnote:\n"
        + "\n".join(lines)
        + f"\n{field}: *a{LEVELS - 1}\nauthors: [Fixture A]\nyear: 2020\n---\n## Body\n\nText.\n"
    )


def limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def test_alias_bomb_is_refused_within_a_memory_limit(tmp_path: Path, small_corpus: Path) -> None:
    (small_corpus / "research" / "test-bomb.md").write_text(bomb_front_matter("title"), encoding="utf-8")
    sidecar = bomb_front_matter("journal").split("---\n")[1].replace("test-bomb", "test-bomb-text")
    (small_corpus / "research" / "test-bomb-text.txt").write_text("Full text.\n", encoding="utf-8")
    (small_corpus / "research" / "test-bomb-text.yaml").write_text(sidecar, encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "assistant.cli",
            "--home",
            str(tmp_path / "home"),
            "ingest",
            str(small_corpus),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=limit_memory,
        check=False,
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert "test-bomb.md: 'title' input should be a valid string, got a list of 9 items" in done.stderr
    assert (
        "test-bomb-text.yaml: 'journal' input should be a valid string, got a list of 9 items" in done.stderr
    )
    assert "'note' input should be a valid string, got a mapping of 9 items" in done.stderr
    assert len(done.stderr) < 5000 and "MemoryError" not in done.stderr
