"""Test-support code shared by the tests and the benchmarks (``bench/`` imports it, never the
other way round): the tests must run without ``bench/``."""
