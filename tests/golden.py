"""Golden JSON files: documents compared field by field with the volatile parts masked."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

GOLDEN = Path(__file__).parent / "golden"
_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def mask(document: Any) -> Any:
    """Replace keys and timestamps, which differ on every run, with placeholders."""
    if isinstance(document, dict):
        masked = {}
        for key, value in document.items():
            if key == "publicKeyPem":
                assert value.startswith("-----BEGIN PUBLIC KEY-----"), value
                masked[key] = "<RSA PUBLIC KEY PEM>"
            elif key == "publicKeyMultibase":
                assert value.startswith("z6Mk"), value  # Ed25519 public Multikey
                masked[key] = "<ED25519 MULTIKEY>"
            elif isinstance(value, str) and _TIMESTAMP.match(value):
                masked[key] = "<TIMESTAMP>"
            else:
                masked[key] = mask(value)
        return masked
    if isinstance(document, list):
        return [mask(item) for item in document]
    return document


def assert_golden(name: str, document: Any) -> None:
    """The masked document equals tests/golden/NAME.json (HUB_UPDATE_GOLDEN=1 rewrites it)."""
    path = GOLDEN / f"{name}.json"
    actual = mask(document)
    if os.environ.get("HUB_UPDATE_GOLDEN") == "1":
        path.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n")
    expected = json.loads(path.read_text())
    assert actual == expected, f"{name} differs from {path}"
