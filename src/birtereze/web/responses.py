"""Answers already serialised to JSON, for the hot routes.

A route that returns a ``Response`` is answered as it is: FastAPI neither validates the returned model
against the route's ``response_model`` again nor encodes it a second time (through plain Python objects
and the standard ``json`` module). The route keeps its ``response_model`` for the OpenAPI document.
"""

from __future__ import annotations

from pydantic import BaseModel
from starlette.responses import Response


def model_response(model: BaseModel, status_code: int = 200) -> Response:
    """``model`` as the JSON body FastAPI would have written for it, serialised once by pydantic."""
    return Response(
        model.__pydantic_serializer__.to_json(model),
        status_code=status_code,
        media_type="application/json",
    )
