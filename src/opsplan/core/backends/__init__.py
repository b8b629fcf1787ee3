"""Solver backends: options -> solver parameters, status mapping, time limits, cancellation."""
