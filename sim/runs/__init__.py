"""Batches of replications and the run folder they write: plan, chunks, executors, coordinator, store, folder."""
