"""Pure domain core: no web framework, no SQL, no state-machine library."""
