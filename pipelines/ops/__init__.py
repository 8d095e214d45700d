"""Operations: the jobs, and running them from the command line."""
