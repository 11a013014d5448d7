"""hamesh-scenario: runs failure scenarios (scenarios/*.toml) against real hamesh-node
processes, checks their invariants and writes a report. The entry point is
tools/hamesh-scenario; this package holds its parts, one concern per module."""
