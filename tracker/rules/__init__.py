"""The procedure's rules (workflows/) applied to initiatives."""
