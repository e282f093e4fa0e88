"""A Typst compile worker with a memory bound, run as ``python -m quizgen.export.typst_worker MB``.

:class:`quizgen.export.typst.TypstPool` starts one per core and kills it when a document takes
longer than its time limit; the worker bounds its own address space (``RLIMIT_AS``) before it
imports Typst. Its file root is an empty folder, so no document can ``read()`` a file.

Protocol on stdin/stdout, each message an 8-byte big-endian length and a body:
request ``{"src": str, "data": str}`` (JSON); reply ``b"P" + pdf`` or
``b"W" + JSON warnings`` (after a ``P``), or ``b"E" + message``.
"""

from __future__ import annotations

import json
import struct
import sys
from typing import IO


def read_msg(f: IO[bytes]) -> bytes | None:
    head = f.read(8)
    if len(head) < 8:
        return None
    (n,) = struct.unpack(">Q", head)
    body = f.read(n)
    if len(body) < n:
        return None
    return body


def write_msg(f: IO[bytes], body: bytes) -> None:
    f.write(struct.pack(">Q", len(body)))
    f.write(body)
    f.flush()


def main() -> None:
    mb = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    if mb > 0:
        try:
            import resource
        except ImportError:  # Windows: no rlimits; the time limit still holds
            pass
        else:
            limit = mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    import typst

    inp, out = sys.stdin.buffer, sys.stdout.buffer
    from quizgen.fileio import scratch_dir

    # An empty file root; scratch_dir names it by pid, so the next run removes it if this worker
    # is killed (by its time or memory bound) before it can.
    with scratch_dir() as root:
        compiler = typst.Compiler(ignore_system_fonts=True, root=root)
        while True:
            msg = read_msg(inp)
            if msg is None:
                return
            job = json.loads(msg)
            try:
                pdf, warns = compiler.compile_with_warnings(
                    job["src"].encode(), sys_inputs={"data": job["data"]}, timestamp=0)
            except typst.TypstError as e:
                write_msg(out, b"E" + str(getattr(e, "message", "") or e).encode())
                continue
            except MemoryError:
                write_msg(out, b"E" + b"out of memory")
                continue
            assert isinstance(pdf, bytes)
            write_msg(out, b"P" + pdf)
            write_msg(out, b"W" + json.dumps([str(getattr(w, "message", w)) for w in warns]).encode())


if __name__ == "__main__":
    main()
