"""Meeting packs: planned from the agenda, assembled as tagged PDFs, stamped, and checked for leaks."""
