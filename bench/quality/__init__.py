"""Benchmarks: quality figures of the case studies on the bundled data."""
