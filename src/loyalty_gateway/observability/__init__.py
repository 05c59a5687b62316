"""Request ids, logs and Prometheus metrics."""
