"""Model providers: the edge where the pipeline meets a network API."""
