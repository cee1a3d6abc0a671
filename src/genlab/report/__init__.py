"""HTML reports built only from a run folder."""
