"""Use cases. Each takes its collaborators explicitly and never commits: the caller owns the
transaction, so that it can add to it (an idempotent response) or roll it back."""
