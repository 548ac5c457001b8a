"""Wait prediction for a new ticket: simple, Erlang-A and learned predictors, combined per queue online.

``QueueState`` is what a ticket sees when it is issued; every predictor maps it to a wait in seconds;
``Combiner`` picks or blends them per queue by their recent accuracy; ``LivePredictor`` is what the live
queue calls (``live.py``). docs/science/wait-prediction.md explains the method and its measured results.
"""

from birtereze.queue.prediction.base import Predictor
from birtereze.queue.prediction.combiner import Combiner, Forecast, default_combiner, simple_predictors
from birtereze.queue.prediction.erlang import ErlangA, erlang_a_wait
from birtereze.queue.prediction.live import LivePredictor, QueueFigures
from birtereze.queue.prediction.simple import HeadOfLine, LastToEnterService, QueueLength
from birtereze.queue.prediction.state import QueueState
from birtereze.queue.prediction.tracker import PoolTracker

__all__ = [
    "Combiner",
    "ErlangA",
    "Forecast",
    "HeadOfLine",
    "LastToEnterService",
    "LivePredictor",
    "PoolTracker",
    "Predictor",
    "QueueFigures",
    "QueueLength",
    "QueueState",
    "default_combiner",
    "erlang_a_wait",
    "simple_predictors",
]
