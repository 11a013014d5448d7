"""Reads one TOML table of a scenario: each value checked as it is taken, every error named by
its key path (`timeline[2].action: expected one of ...`), unknown keys refused, all errors of
the file collected in one run (the node's own config habit)."""
from .durations import parse_duration


class TableReader:
    def __init__(self, table, path, errors):
        self.table = table if isinstance(table, dict) else {}
        self.path = path
        self.errors = errors
        self.used = set()
        if not isinstance(table, dict):
            errors.append(f"{path}: expected a table, found {type(table).__name__}")

    def key_path(self, key):
        return f"{self.path}.{key}" if self.path else key

    def error(self, key, message):
        self.errors.append(f"{self.key_path(key)}: {message}")

    def has(self, key):
        return key in self.table

    def raw(self, key, required=False):
        self.used.add(key)
        if key not in self.table:
            if required:
                self.error(key, "missing (required)")
            return None
        return self.table[key]

    def _typed(self, key, types, what, required, default):
        v = self.raw(key, required)
        if v is None:
            return default
        if not isinstance(v, types) or (isinstance(v, bool) and types is not bool):
            self.error(key, f"expected {what}, found {type(v).__name__} {v!r}")
            return default
        return v

    def string(self, key, required=False, default=None):
        return self._typed(key, str, "a string", required, default)

    def boolean(self, key, default=False):
        return self._typed(key, bool, "true or false", False, default)

    def integer(self, key, lo, hi, required=False, default=None):
        v = self._typed(key, int, "an integer", required, None)
        if v is None:
            return default
        if not lo <= v <= hi:
            self.error(key, f"expected an integer in {lo}..{hi}, found {v}")
            return default
        return v

    def number(self, key, lo, hi, required=False, default=None):
        v = self._typed(key, (int, float), "a number", required, None)
        if v is None:
            return default
        if not lo <= v <= hi:
            self.error(key, f"expected a number in {lo}..{hi}, found {v}")
            return default
        return float(v)

    def duration(self, key, required=False, default=None):
        v = self.raw(key, required)
        if v is None:
            return default
        seconds = parse_duration(v)
        if seconds is None:
            self.error(key, f'expected a duration like "250ms", "3s" or "1m", found {v!r}')
            return default
        return seconds

    def choice(self, key, choices, required=False, default=None):
        v = self.string(key, required)
        if v is None:
            return default
        if v not in choices:
            self.error(key, f"expected one of {', '.join(choices)}, found {v!r}")
            return default
        return v

    def strings(self, key, required=False, default=None):
        v = self.raw(key, required)
        if v is None:
            return default
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            self.error(key, f"expected an array of strings, found {v!r}")
            return default
        return v

    def string_table(self, key, default=None):
        v = self.raw(key)
        if v is None:
            return default
        if not isinstance(v, dict) or not all(isinstance(x, str) for x in v.values()):
            self.error(key, f"expected a table of strings, found {v!r}")
            return default
        return dict(v)

    def tables(self, key):
        """An array of tables: a reader for each, path `key[i]`."""
        v = self.raw(key)
        if v is None:
            return []
        if not isinstance(v, list):
            self.error(key, "expected an array of tables ([[" + key + "]])")
            return []
        return [TableReader(item, f"{self.key_path(key)}[{i}]", self.errors) for i, item in enumerate(v)]

    def sub(self, key):
        v = self.raw(key)
        return TableReader(v if v is not None else {}, self.key_path(key), self.errors)

    def finish(self):
        for key in self.table:
            if key not in self.used:
                known = ", ".join(sorted(self.used)) or "none"
                self.error(key, f"unknown key (known keys here: {known})")
