"""Demo: the synthetic Korean demo data set (``onestop demo``) and the run command that starts
the whole system on one machine. Every record is made through the same services as real work."""
