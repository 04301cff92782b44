"""The one error for bad input: a config, a file or an argument that cannot be used."""

from __future__ import annotations

from pathlib import Path


class ConfigError(Exception):
    """A configuration (or other input) that cannot be used; the message names the file and the field."""

    def __init__(self, source: str | Path, field: str, message: str) -> None:
        self.source = str(source)
        self.field = field
        self.message = message
        where = f"{self.source}: {field}" if field else self.source
        super().__init__(f"{where}: {message}")
