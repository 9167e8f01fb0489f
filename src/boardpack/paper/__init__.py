"""A paper as numbers: sections, paragraphs and appendices numbered, references resolved."""
