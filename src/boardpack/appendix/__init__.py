"""Appendix kinds: how each kind of appendix is read from its source and what it prints."""
