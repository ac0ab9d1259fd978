# SPDX-License-Identifier: MIT
"""docs/PYTHON.md's python blocks, run in order in one namespace: the
worked example stays true."""
import re

from conftest import ROOT


def test_python_guide_runs():
    text = (ROOT / "docs" / "PYTHON.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) >= 5
    ns: dict = {}
    for i, code in enumerate(blocks):
        exec(compile(code, f"docs/PYTHON.md block {i + 1}", "exec"), ns)
    assert ns["slope"] < 0
