"""The HTTP layer: a Litestar app factory, controllers, problem+json errors."""
