"""voodoo's benchmark: a synthetic script repository (``generate``) and the runner (``run``)."""
