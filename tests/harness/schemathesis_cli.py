"""The schemathesis command, safe from a CPython race in ``ast.parse`` between threads.

CPython 3.11.0 to 3.11.7 and 3.12.0 to 3.12.1 keep the depth counter of the AST
constructor in state shared by every thread (gh-106905, fixed in 3.11.8 and
3.12.2): when the garbage collector runs during one thread's ``ast.parse`` and
lets another thread parse meanwhile, either of them may die with ``SystemError:
AST constructor recursion depth mismatch``. schemathesis's ``--workers`` are
threads, and they and Hypothesis inside them call ``ast.parse`` while generating
cases (constants from source, reprs of strategies), so a run on such a Python
once crashed in the tool, not in the server. On those versions this runs the same
command with ``ast.parse`` serialised by a lock; nothing else changes: same
operations, checks, seed, workers and exit status.

Usage: ``python tests/harness/schemathesis_cli.py run ...``, as ``schemathesis run ...``.
"""

from __future__ import annotations

import ast
import sys
import threading
from typing import Any

_RACY_AST = (sys.version_info[:2] == (3, 11) and sys.version_info < (3, 11, 8)) or (
    sys.version_info[:2] == (3, 12) and sys.version_info < (3, 12, 2)
)
"""Whether this interpreter has the gh-106905 race."""


def serialise_ast_parse() -> None:
    """Make ``ast.parse`` take one process-wide lock (re-entrant: a GC callback may parse)."""
    parse = ast.parse
    lock = threading.RLock()

    def locked_parse(*args: Any, **kwargs: Any) -> Any:
        with lock:
            return parse(*args, **kwargs)

    ast.parse = locked_parse


def main() -> None:
    """Run schemathesis's command line with this process's arguments."""
    if _RACY_AST:
        serialise_ast_parse()
    from schemathesis.cli import schemathesis

    sys.argv[0] = "schemathesis"
    sys.exit(schemathesis())


if __name__ == "__main__":
    main()
