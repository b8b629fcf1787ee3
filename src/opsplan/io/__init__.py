"""Reading requests from files and writing results."""

from .load import load_request, read_json

__all__ = ["load_request", "read_json"]
