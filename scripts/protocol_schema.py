"""Write the game protocol's JSON Schema to docs/protocol.schema.json (or the path given).

`tests/play/test_protocol.py` fails when the committed file differs from the models, so run
this after changing a message and commit both.
"""

import sys
from pathlib import Path

from app.play.protocol import render_schema

OUT = Path(__file__).resolve().parent.parent / "docs" / "protocol.schema.json"

if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    target.write_text(render_schema(), encoding="utf-8")
    print(f"wrote {target}")
