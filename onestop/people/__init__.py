"""People: victims and perpetrators, with identity encrypted at rest and blind indexes for finding
the same person again. Each agency keeps its own person records. Not responsible for cases."""
