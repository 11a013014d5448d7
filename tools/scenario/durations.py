"""Durations as scenario files write them ("250ms", "3s", "1m"), the node configs' format."""
import re

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0}
_PATTERN = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m)$")


def parse_duration(text):
    """Seconds as a float, or None when the text is not a duration."""
    if not isinstance(text, str):
        return None
    m = _PATTERN.match(text.strip())
    if not m:
        return None
    return float(m.group(1)) * _UNITS[m.group(2)]


def format_seconds(seconds):
    if seconds is None:
        return "-"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    return f"{seconds:.2f} s"
