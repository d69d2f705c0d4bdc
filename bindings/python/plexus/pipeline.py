"""Pipelines: a DAG of calls from JSON, and the batch runner over JSONL."""
import ctypes
import json

from . import _ffi
from ._base import (Handle, Object, check, errmsg, error_for, invoke_json, json_arg,
                    note_callback_error, request_arg, take_string)
from ._ffi import lib


class Pipeline(Object):
    """plx_pipeline: steps that call providers of one context
    (docs/PIPELINES.md). Pipeline(ctx, definition), definition a dict or
    JSON text.

    Threads: one run at a time per pipeline (another gets BusyError), and
    no other thread may poll the context during a run."""

    def __init__(self, ctx, definition):
        from .context import Context
        if not isinstance(ctx, Context):
            raise TypeError(f"ctx: expected a plexus.Context, got {type(ctx).__name__}")
        data = request_arg(definition, None, "definition")
        ptr = _ffi.plx_pipeline_p()
        cptr = ctx._ptr()
        check(lib.plx_pipeline_new(cptr, data, ctypes.byref(ptr)), cptr)
        self._ctx = ctx
        self._handle = Handle(ptr, lib.plx_pipeline_free, ctx._handle)

    def __repr__(self):
        return f"<plexus.Pipeline{' closed' if self.closed else ''}>"

    def _cptr(self):
        return self._ctx._handle.ptr

    def run(self, record):
        """Runs the pipeline on one record (any JSON value; a str is JSON
        text) and returns {"status": "ok", "output", "steps", "totals"}; a
        failed run raises the failing step's error with that result as
        .result."""
        pl = self._ptr()
        return invoke_json(lib.plx_pipeline_run, self._cptr(), pl, json_arg(record, "record"))

    def run_batch(self, options=None, /, *, progress=None, **fields):
        """Runs the pipeline over a JSONL file (docs/PIPELINES.md):

            run_batch(input="in.jsonl", output="out.jsonl", concurrency=64,
                      progress=lambda p: print(p["done"], p["rate"]))

        progress(dict) runs on this thread about once a second and at the
        end; a true return value stops the run cleanly and resumably
        (CanceledError), and so does an exception, which is then raised
        from here. Returns the summary; a run stopped by its budget raises
        BudgetError, with the summary as .result."""
        pl = self._ptr()
        data = request_arg(options, fields, "options")
        if progress is None:
            return invoke_json(lib.plx_pipeline_run_batch, self._cptr(), pl, data,
                               _ffi.plx_progress_fn(), None)
        if not callable(progress):
            raise TypeError(f"progress: expected a callable, got {type(progress).__name__}")
        raised = []

        def on_progress(text, user_data):
            try:
                return 1 if progress(json.loads(text)) else 0
            except BaseException as e:
                raised.append(e)
                note_callback_error(e)
                return 1

        fn = _ffi.plx_progress_fn(on_progress)
        out = ctypes.c_void_p()
        status = lib.plx_pipeline_run_batch(pl, data, fn, None, ctypes.byref(out))
        message = errmsg(self._cptr()) if status else ""
        text = take_string(out.value)
        if raised:
            raise raised[0]
        if status:
            raise error_for(status, message, text)
        return json.loads(text)
