"""Trends across operations, for the EDG, inter-agency groups and donors: computed from the
database (brief), drawn (charts) and written out (render) as Markdown, Word or HTML."""
