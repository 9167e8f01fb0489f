"""The accessible HTML edition of a meeting's public papers, written by every build into ``site/``."""
