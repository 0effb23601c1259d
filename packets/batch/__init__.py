"""Stage 5, batch: a whole day's schedule to packets, a print run and a manifest."""
