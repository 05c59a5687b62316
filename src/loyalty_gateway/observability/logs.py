"""Logging: one JSON object per line in production, plain text in development; every record
carries the request id of the request it was logged in."""

import logging
import sys
from datetime import UTC, datetime

import orjson

from loyalty_gateway.observability.request_id import current_request_id

PLAIN = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


_base_factory = logging.getLogRecordFactory()


def _record_with_request_id(*args: object, **kwargs: object) -> logging.LogRecord:
    """Every record, whichever handler takes it, knows the request it was logged in."""
    record = _base_factory(*args, **kwargs)
    record.request_id = current_request_id.get() or "-"
    return record


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


def configure_logging(json_lines: bool, level: int = logging.INFO) -> None:
    """Route the root logger, uvicorn's loggers included, through one handler on stderr."""
    logging.setLogRecordFactory(_record_with_request_id)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if json_lines else logging.Formatter(PLAIN))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
