"""Stage 6, checks: ``validate`` proves a clinic config by running the stages before it."""
