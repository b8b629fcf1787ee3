"""What every model family shares: options, status, the result envelope, the registry, solve()."""
