"""The back office's own view decorators, older than any async code here: plain sync wrappers."""

import functools
import logging

logger = logging.getLogger("backoffice.audit")


def audit_trail(view):
    """Log who asked for which back-office page, and the status it answered with."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        logger.info("%s %s -> %s", request.method, request.path, response.status_code)
        return response

    return wrapper
