"""Targeted fixes to mongomock so it behaves more like mongod 6.0.

Each patch exists because a test (or the Rust driver's behaviour) needed it;
the docstrings say why.  They replace *private* mongomock helpers, so the
mongomock version is pinned in requirements.txt: re-run test_server.py when
bumping it.  ``apply()`` installs everything and is idempotent.
"""
import copy
import json
import re

import bson
import bson.code
import bson.max_key
import bson.min_key
import bson.regex
import bson.timestamp
from bson.int64 import Int64
import mongomock
import mongomock.aggregate
from mongomock import collection as mm_collection, filtering, helpers
from pymongo.errors import DuplicateKeyError, WriteError

def fmt_key(values):
    """Render a dup key like mongod: ``{ email: "a@b" }``."""
    parts = []
    for k, v in values.items():
        text = json.dumps(v) if isinstance(v, str) else repr(v)
        parts.append(f"{k}: {text}")
    return "{ " + ", ".join(parts) + " }"


def duplicate_key_error(namespace, index_name, key_pattern, key_value):
    """A DuplicateKeyError worded like mongod's, with ``key_info`` attached.

    The key pattern/value ride on an attribute rather than pymongo's
    ``details`` argument, because pymongo appends ``details`` to the message.
    """
    exc = DuplicateKeyError(f"E11000 duplicate key error collection: {namespace} "
                            f"index: {index_name} dup key: {fmt_key(key_value)}", 11000)
    exc.key_info = {"keyPattern": key_pattern, "keyValue": key_value}
    return exc


def _ensure_uniques(self, new_data):
    """Replacement for mongomock's check that also names the violated index.

    mongod's message names the index and the duplicate key, which makes CI
    failures readable; mongomock only says "Duplicate Key Error".  Also fixes
    two small semantic gaps: a sparse index skips only *missing* fields (null
    is indexed), and a partial index ignores documents outside its filter.
    """
    for name, index in self._store.indexes.items():
        if not index.get("unique"):
            continue
        values, present = {}, []
        for key, _ in index["key"]:
            try:
                values[key] = helpers.get_value_by_dot(new_data, key)
                present.append(key)
            except KeyError:
                values[key] = None
        query = dict(values)
        if index.get("sparse"):
            if not present:
                continue
            query = {"$and": [query] + [{k: {"$exists": True}} for k in present]}
        pfe = index.get("partialFilterExpression")
        if pfe is not None:
            if not filtering.filter_applies(pfe, new_data):
                continue
            query = {"$and": [pfe, query]}
        clashes = (doc for doc in self._store.documents
                   if _may_clash(doc, values) and filtering.filter_applies(query, doc))
        if sum(1 for _ in clashes) > 1:
            raise duplicate_key_error(self.full_name, name, dict(index["key"]), values)


INT64_MIN, INT64_MAX = -(2 ** 63), 2 ** 63 - 1


def overflowed_to_double(value):
    """Aggregation results with integers beyond Int64, as mongod gives them: as doubles.

    mongomock's accumulators (``$sum``, ``$add``) compute with Python's unbounded ints, so a sum
    of large Int64 values can leave the Int64 range and the reply could not be encoded; mongod
    turns a ``$sum`` that overflows Int64 into a double.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX:
        return float(value)
    if isinstance(value, dict):
        return {k: overflowed_to_double(v) for k, v in value.items()}
    if isinstance(value, list):
        return [overflowed_to_double(v) for v in value]
    return value


def _plain(value):
    return not isinstance(value, (dict, list, bson.regex.Regex, re.Pattern))


def _may_clash(doc, values):
    """Cheap pre-check before the exact (slow) filter in ``_ensure_uniques``.

    Only rules a document out when both sides are plain scalars that differ,
    so it never hides a real clash; it makes checks ~5x faster.
    """
    for key, value in values.items():
        try:
            other = helpers.get_value_by_dot(doc, key)
        except KeyError:
            other = None
        if _plain(value) and _plain(other) and other != value:
            return False
    return True


def _atomic(apply):
    """Make a per-document update all-or-nothing.

    mongomock applies operators in place on the stored document, so an error
    half-way (e.g. ``$inc`` on a string after a ``$set``) would leave a
    half-updated document.  mongod never does that for a single document.
    """
    def wrapper(self, existing_document, *args, **kwargs):
        snapshot = copy.deepcopy(existing_document)
        try:
            return apply(self, existing_document, *args, **kwargs)
        except Exception:
            existing_document.clear()
            existing_document.update(snapshot)
            raise
    return wrapper


_MISSING = object()


def _numeric_updater(op):
    """``$inc``/``$mul`` that keep BSON number types like mongod does.

    Python's ``Int64(5) + 1`` is a plain ``int`` (re-encoded as Int32), but
    mongod keeps Int64 when either operand is Int64.  Non-numbers are a
    TypeMismatch, as in mongod, instead of Python's string concatenation.
    """
    def updater(doc, field_name, value):
        key = field_name if isinstance(doc, dict) else int(field_name)
        if isinstance(doc, list) and key < 0:
            raise WriteError("Negative index provided", 2)
        if isinstance(doc, list) and key >= len(doc):
            doc.extend([None] * (key + 1 - len(doc)))
            before = _MISSING
        else:
            before = doc.get(key, _MISSING) if isinstance(doc, dict) else doc[key]
        for v in (before, value):
            if v is not _MISSING and (isinstance(v, bool) or not isinstance(v, (int, float))):
                raise WriteError(f"Cannot apply {op} to a value of non-numeric type", 14)
        if before is _MISSING:
            result = value if op == "$inc" else type(value)(0)
        else:
            result = before + value if op == "$inc" else before * value
        if type(result) is int and Int64 in (type(before), type(value)):
            result = Int64(result)
        doc[key] = result
    return updater


_ORIG_ITER_DOCUMENTS = mm_collection.Collection._iter_documents


def _iter_documents(self, filter):
    """Look ``{_id: <scalar>, ...}`` filters up by key instead of scanning.

    mongomock scans every document for every query, so the by-``_id`` reads
    and writes that dominate application code cost O(n).  The store is
    keyed by ``_id``, so fetch the one candidate and still run the whole
    filter on it: results are identical to the scan.
    """
    _id = filter.get("_id") if isinstance(filter, dict) else None
    if _id is not None and not isinstance(_id, (dict, list, bson.regex.Regex, re.Pattern)):
        try:
            if self._store.is_empty:
                return _ORIG_ITER_DOCUMENTS(self, filter)
            doc = self._store[_id]
        except KeyError:
            return iter(())
        except TypeError:                   # unhashable _id value: scan
            return _ORIG_ITER_DOCUMENTS(self, filter)
        return iter([doc] if filtering.filter_applies(filter, doc) else [])
    return _ORIG_ITER_DOCUMENTS(self, filter)


def _fits_int32(v):
    return isinstance(v, int) and not isinstance(v, (bool, Int64)) and -2**31 <= v < 2**31


# $type: mongomock leaves null/regex/timestamp/... unimplemented, decides int
# vs long by bit length instead of BSON type, and knows no numeric aliases or
# the array form ({$type: ["string", 10]}).
_TYPE_ALIASES = {1: "double", 2: "string", 3: "object", 4: "array", 5: "binData",
                 7: "objectId", 8: "bool", 9: "date", 10: "null", 11: "regex",
                 13: "javascript", 16: "int", 17: "timestamp", 18: "long",
                 19: "decimal", -1: "minKey", 127: "maxKey"}
_TYPE_PREDICATES = {
    "null": lambda v: v is None,
    "regex": lambda v: isinstance(v, (bson.regex.Regex, re.Pattern)),
    "javascript": lambda v: isinstance(v, bson.code.Code),
    "timestamp": lambda v: isinstance(v, bson.timestamp.Timestamp),
    "minKey": lambda v: isinstance(v, bson.min_key.MinKey),
    "maxKey": lambda v: isinstance(v, bson.max_key.MaxKey),
    "int": _fits_int32,
    "long": lambda v: isinstance(v, int) and not isinstance(v, bool) and not _fits_int32(v),
}
_ORIG_TYPE_OP = filtering._type_op


def _type_op(doc_val, search_val):
    wanted = search_val if isinstance(search_val, list) else [search_val]
    return any(_ORIG_TYPE_OP(doc_val, _TYPE_ALIASES.get(int(t), t)
                             if isinstance(t, (int, float)) and not isinstance(t, bool) else t)
               for t in wanted)


def _stage(name):
    return mongomock.aggregate._PIPELINE_HANDLERS[name]


# Cheap aggregation stages mongomock lacks, expressed through ones it has.
_EXTRA_STAGES = {
    "$unset": lambda c, d, o: _stage("$project")(
        c, d, {f: 0 for f in ([o] if isinstance(o, str) else o)}),
    "$replaceWith": lambda c, d, o: _stage("$replaceRoot")(c, d, {"newRoot": o}),
    "$sortByCount": lambda c, d, o: _stage("$sort")(
        _stage("$group")(c, d, {"_id": o, "count": {"$sum": 1}}), d, {"count": -1}),
}

_applied = False


def apply():
    """Install every patch once."""
    global _applied
    if _applied:
        return
    _applied = True
    coll = mm_collection.Collection
    coll._ensure_uniques = _ensure_uniques
    coll._iter_documents = _iter_documents
    coll._apply_update_document = _atomic(coll._apply_update_document)
    coll._apply_update_pipeline = _atomic(coll._apply_update_pipeline)
    mm_collection._updaters["$inc"] = _numeric_updater("$inc")
    mm_collection._updaters["$mul"] = _numeric_updater("$mul")
    filtering.TYPE_MAP.update(_TYPE_PREDICATES)
    filtering._filterer_inst._operator_map["$type"] = _type_op
    mongomock.aggregate._PIPELINE_HANDLERS.update(_EXTRA_STAGES)
