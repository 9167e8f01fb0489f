"""Reading a plan: the model, YAML with line numbers, loading, cross-file checks and the schema docs."""
