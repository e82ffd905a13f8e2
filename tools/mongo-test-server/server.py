#!/usr/bin/env python3
"""A small MongoDB-wire-protocol server for CI, backed by mongomock.

Why this exists: no real ``mongod`` can be installed on the project's machines
(only PyPI, npm, crates.io and Debian packages are reachable, and the "memory
server" packages download binaries at run time).  The Rust ``mongodb`` driver
only needs something that speaks the wire protocol and behaves like a
standalone server, so this file does the protocol and delegates every data
semantic (query language, updates, aggregation) to ``mongomock``.

Layout: wire-protocol framing (``parse_op_msg`` / ``parse_op_query`` /
``op_msg_reply`` / ``op_reply``), the ``Backend`` that turns command documents
into mongomock calls, and the asyncio connection loop (``Server``).  Fixes to
mongomock itself live in ``mongomock_patches.py``.
"""
import argparse
import asyncio
import datetime
import itertools
import logging
import os
import secrets
import signal
import struct
import sys
import threading
import time
import traceback

import bson
from bson.codec_options import CodecOptions, DatetimeConversion
from bson.errors import InvalidDocument
from bson.int64 import Int64
from bson.raw_bson import RawBSONDocument
import mongomock
from mongomock import filtering, helpers
from pymongo.errors import CollectionInvalid, DuplicateKeyError, InvalidName, OperationFailure

import mongomock_patches

mongomock_patches.apply()
log = logging.getLogger("mongo-test-server")

OP_REPLY, OP_QUERY, OP_COMPRESSED, OP_MSG = 1, 2004, 2012, 2013
FLAG_CHECKSUM, FLAG_MORE_TO_COME = 1 << 0, 1 << 1
MAX_BSON_SIZE = 16 * 1024 * 1024
MAX_MESSAGE_SIZE = 48_000_000
MAX_BATCH_BYTES = MAX_BSON_SIZE - 64 * 1024   # keep reply docs under 16 MiB
DEFAULT_FIRST_BATCH = 101                     # mongod's default first batch
CURSOR_IDLE_SECONDS = 600                     # mongod's cursorTimeoutMillis
SERVER_VERSION = "6.0.0"

# Naive UTC datetimes on purpose: mongomock stores naive UTC and compares
# values with ``<``; mixing aware and naive datetimes would raise TypeError.
# BSON dates are UTC milliseconds either way, so nothing is lost.  Int64 stays
# ``bson.int64.Int64``; UUIDs stay ``Binary`` (subtype 3/4 round-trips as-is);
# out-of-range dates decode to ``DatetimeMS`` instead of failing.
CODEC = CodecOptions(document_class=dict, tz_aware=False,
                     datetime_conversion=DatetimeConversion.DATETIME_AUTO)

# Fields the driver adds to every command that carry no data semantics here.
GENERIC_FIELDS = {"$db", "lsid", "$readPreference", "txnNumber", "$clusterTime",
                  "readConcern", "writeConcern", "apiVersion", "apiStrict",
                  "apiDeprecationErrors", "comment", "maxTimeMS", "$audit",
                  "$client", "bypassDocumentValidation", "collation", "hint", "let"}

# Update operators mongomock implements (plus $mul from mongomock_patches).
UPDATE_OPERATORS = {"$set", "$unset", "$inc", "$mul", "$max", "$min", "$pop", "$rename",
                    "$setOnInsert", "$currentDate", "$addToSet", "$pull", "$pullAll", "$push"}

CODE_NAMES = {1: "InternalError", 2: "BadValue", 9: "FailedToParse", 14: "TypeMismatch",
              20: "IllegalOperation", 26: "NamespaceNotFound", 27: "IndexNotFound",
              43: "CursorNotFound", 48: "NamespaceExists", 59: "CommandNotFound",
              72: "InvalidOptions", 73: "InvalidNamespace", 85: "IndexOptionsConflict",
              238: "NotImplemented", 352: "UnsupportedOpQueryCommand",
              11000: "DuplicateKey"}


class CommandError(Exception):
    """A command failure that becomes ``{ok: 0, code, codeName, errmsg}``."""

    def __init__(self, code, errmsg, extra=None):
        super().__init__(errmsg)
        self.code, self.errmsg, self.extra = code, errmsg, extra or {}


# --------------------------------------------------------------------------
# Wire protocol
# --------------------------------------------------------------------------

_request_ids = itertools.count(1)


def _header(length, response_to, opcode):
    return struct.pack("<iiii", length, next(_request_ids), response_to, opcode)


def op_msg_reply(response_to, doc):
    """Encode an OP_MSG with one kind-0 section (never checksummed/compressed)."""
    body = struct.pack("<I", 0) + b"\x00" + bson.encode(doc, codec_options=CODEC)
    return _header(16 + len(body), response_to, OP_MSG) + body


def op_reply(response_to, doc):
    """Encode a legacy OP_REPLY carrying one document (handshake answers)."""
    body = struct.pack("<iqii", 0, 0, 0, 1) + bson.encode(doc, codec_options=CODEC)
    return _header(16 + len(body), response_to, OP_REPLY) + body


def parse_op_msg(payload):
    """Return (flags, command) with kind-1 sequences merged into the body.

    The Rust driver ships ``documents``/``updates``/``deletes`` as kind-1
    document sequences; commands see them as ordinary array fields.
    """
    flags, = struct.unpack_from("<I", payload)
    end = len(payload) - (4 if flags & FLAG_CHECKSUM else 0)  # CRC-32C not verified
    pos, body, sequences = 4, None, {}
    while pos < end:
        kind = payload[pos]
        pos += 1
        size, = struct.unpack_from("<i", payload, pos)
        if kind == 0:
            body = bson.decode(payload[pos:pos + size], codec_options=CODEC)
        elif kind == 1:
            nul = payload.index(b"\x00", pos + 4)
            ident = payload[pos + 4:nul].decode()
            sequences[ident] = bson.decode_all(payload[nul + 1:pos + size], CODEC)
        else:
            raise ValueError(f"unknown OP_MSG section kind {kind}")
        pos += size
    if body is None:
        raise ValueError("OP_MSG without a kind-0 section")
    body.update(sequences)
    return flags, body


def parse_op_query(payload):
    """Return (database, command) from a legacy OP_QUERY on ``db.$cmd``."""
    nul = payload.index(b"\x00", 4)
    namespace = payload[4:nul].decode()
    pos = nul + 1 + 8                      # skip numberToSkip, numberToReturn
    size, = struct.unpack_from("<i", payload, pos)
    query = bson.decode(payload[pos:pos + size], codec_options=CODEC)
    if "$query" in query:                  # wrapped form: {$query: cmd, $readPreference}
        query = query["$query"]
    return namespace.split(".", 1)[0], query


# --------------------------------------------------------------------------
# Command handling
# --------------------------------------------------------------------------

class Cursor:
    """A server-side cursor over a fully materialised result list.

    Results are computed once (under the global lock) so a getMore never
    re-runs the query against changed data.
    """

    def __init__(self, ns, docs):
        self.ns, self.docs, self.pos, self.touched = ns, docs, 0, time.monotonic()

    def take(self, limit):
        """Next batch as pre-encoded documents, capped by count and ~16 MiB."""
        batch, size = [], 0
        while self.pos < len(self.docs) and (limit is None or len(batch) < limit):
            raw = RawBSONDocument(bson.encode(self.docs[self.pos], codec_options=CODEC))
            if batch and size + len(raw.raw) > MAX_BATCH_BYTES:
                break
            batch.append(raw)
            size += len(raw.raw)
            self.pos += 1
        self.touched = time.monotonic()
        return batch

    @property
    def exhausted(self):
        return self.pos >= len(self.docs)


class Backend:
    """Executes command documents against one in-memory mongomock client.

    ``execute`` holds one global lock for the whole command, so every command
    (including multi-document ones) runs to completion before the next starts:
    compare-and-swap races between clients behave like single-document
    atomicity in mongod and never interleave inside a command.
    """

    def __init__(self):
        self.client = mongomock.MongoClient()
        self.lock = threading.Lock()
        self.cursors = {}
        self.started = time.time()
        self.connections = 0

    # -- entry point --------------------------------------------------------
    def execute(self, db, cmd, conn_id):
        """Run one command and return the reply document; never raises."""
        name = next(iter(cmd), "")
        log.debug("conn %d: %s on %s", conn_id, name, db)
        try:
            if ("startTransaction" in cmd or "autocommit" in cmd
                    or name in ("commitTransaction", "abortTransaction")):
                raise CommandError(20, "Transaction numbers are only allowed on a "
                                       "replica set member or mongos")
            handler = getattr(self, "cmd_" + name.lower(), None)
            if handler is None or not name:
                raise CommandError(59, f"no such command: '{name}'")
            args = {k: v for k, v in cmd.items() if k not in GENERIC_FIELDS}
            with self.lock:
                reply = handler(db, args, conn_id)
            reply.setdefault("ok", 1.0)
            return reply
        except Exception as exc:  # noqa: BLE001 - every failure becomes a reply
            code, errmsg = self.classify(exc)
            if code in (1, 238) or not isinstance(exc, (CommandError, OperationFailure)):
                log.warning("command %s failed:\n%s", name, traceback.format_exc())
            return {"ok": 0.0, "errmsg": errmsg, "code": code,
                    "codeName": CODE_NAMES.get(code, "UnknownError"),
                    **getattr(exc, "extra", {})}

    @staticmethod
    def classify(exc):
        """Map an exception to (code, errmsg) the way mongod would report it."""
        if isinstance(exc, CommandError):
            return exc.code, exc.errmsg
        if isinstance(exc, OperationFailure):     # includes WriteError, DuplicateKeyError
            return exc.code or 2, str(exc)
        if isinstance(exc, CollectionInvalid):
            return 48, str(exc)
        if isinstance(exc, InvalidName):
            return 73, str(exc)
        if isinstance(exc, NotImplementedError):
            return 238, f"not supported by mongomock: {exc}"
        if isinstance(exc, TypeError):
            return 14, str(exc)
        if isinstance(exc, (ValueError, KeyError, InvalidDocument)):
            return 2, str(exc)
        return 1, f"{type(exc).__name__}: {exc}"

    def write_error(self, index, exc):
        code, errmsg = self.classify(exc)
        if code == 1:
            log.warning("write statement failed:\n%s", traceback.format_exc())
        err = {"index": index, "code": code,
               "codeName": CODE_NAMES.get(code, "UnknownError"), "errmsg": errmsg}
        if code == 11000 and hasattr(exc, "key_info"):
            err.update(exc.key_info)
        return err

    # -- helpers ------------------------------------------------------------
    def coll(self, db, name):
        if not isinstance(name, str) or not name:
            raise CommandError(73, f"Invalid namespace specified '{db}.{name}'")
        return self.client[db][name]

    @staticmethod
    def materialise(coll):
        """Mark a collection as existing even while it is empty.

        mongomock forgets a collection once it has no documents and no
        indexes; mongod keeps it until it is dropped.
        """
        coll._store.create()

    def exists(self, db, name):
        return name in self.client[db].list_collection_names()

    def cursor_reply(self, ns, docs, batch_size, single_batch=False):
        """Open a cursor over ``docs`` and return the firstBatch reply."""
        now = time.monotonic()
        for cid in [c for c, cur in self.cursors.items() if now - cur.touched > CURSOR_IDLE_SECONDS]:
            del self.cursors[cid]
        cur = Cursor(ns, docs)
        first = cur.take(DEFAULT_FIRST_BATCH if batch_size is None else batch_size)
        cid = 0
        if not cur.exhausted and not single_batch:
            cid = secrets.randbits(62) + 1
            self.cursors[cid] = cur
        return {"cursor": {"firstBatch": first, "id": Int64(cid), "ns": ns}}

    @staticmethod
    def sort_list(sort):
        return list(sort.items()) if sort else None

    @staticmethod
    def dup_message(coll, exc, _id=None):
        """mongomock's own ``_id`` duplicate error is generic; name the index."""
        if not str(exc).startswith("E11000 Duplicate Key Error"):
            return exc
        return mongomock_patches.duplicate_key_error(coll.full_name, "_id_", {"_id": 1}, {"_id": _id})

    # -- handshake and utility commands ------------------------------------
    def cmd_hello(self, db, cmd, conn_id, legacy=False):
        reply = {"helloOk": True, "maxBsonObjectSize": MAX_BSON_SIZE,
                 "maxMessageSizeBytes": MAX_MESSAGE_SIZE, "maxWriteBatchSize": 100000,
                 "localTime": datetime.datetime.now(datetime.timezone.utc),
                 "logicalSessionTimeoutMinutes": 30, "connectionId": conn_id,
                 "minWireVersion": 0, "maxWireVersion": 17, "readOnly": False}
        reply["ismaster" if legacy else "isWritablePrimary"] = True
        return reply

    def cmd_ismaster(self, db, cmd, conn_id):
        return self.cmd_hello(db, cmd, conn_id, legacy=True)

    def cmd_ping(self, db, cmd, conn_id):
        return {}

    cmd_endsessions = cmd_killsessions = cmd_ping

    def cmd_buildinfo(self, db, cmd, conn_id):
        return {"version": SERVER_VERSION, "versionArray": [6, 0, 0, 0],
                "gitVersion": "mongomock-" + mongomock.__version__, "bits": 64,
                "maxBsonObjectSize": MAX_BSON_SIZE, "modules": [], "storageEngines": []}

    def cmd_getparameter(self, db, cmd, conn_id):
        params = {"featureCompatibilityVersion": {"version": "6.0"}}
        if cmd.get("getParameter") == "*":
            return params
        return {k: v for k, v in params.items() if k in cmd}

    def cmd_serverstatus(self, db, cmd, conn_id):
        return {"host": "mongo-test-server", "version": SERVER_VERSION, "process": "mongod",
                "pid": Int64(os.getpid()), "uptime": float(int(time.time() - self.started)),
                "localTime": datetime.datetime.now(datetime.timezone.utc),
                "connections": {"current": self.connections}}

    def cmd_connectionstatus(self, db, cmd, conn_id):
        return {"authInfo": {"authenticatedUsers": [], "authenticatedUserRoles": []}}

    # -- writes -------------------------------------------------------------
    def cmd_insert(self, db, cmd, conn_id):
        coll = self.coll(db, cmd["insert"])
        self.materialise(coll)
        n, errors = 0, []
        for i, doc in enumerate(cmd.get("documents", [])):
            doc = {"_id": doc["_id"], **doc} if "_id" in doc else {"_id": bson.ObjectId(), **doc}
            try:
                coll.insert_one(doc)
                n += 1
            except DuplicateKeyError as exc:
                errors.append(self.write_error(i, self.dup_message(coll, exc, doc["_id"])))
            except Exception as exc:  # noqa: BLE001
                errors.append(self.write_error(i, exc))
            if errors and cmd.get("ordered", True):
                break
        return {"n": n, "writeErrors": errors} if errors else {"n": n}

    def _update_statement(self, coll, stmt):
        """Apply one ``updates`` entry; returns mongomock's UpdateResult."""
        if stmt.get("arrayFilters"):
            raise NotImplementedError("arrayFilters")
        q, u = stmt.get("q", {}), stmt.get("u")
        multi, upsert = bool(stmt.get("multi")), bool(stmt.get("upsert"))
        if isinstance(u, dict) and not any(k.startswith("$") for k in u):
            if multi:
                raise CommandError(9, "multi update is not supported for replacement-style update")
            return coll.replace_one(q, u, upsert=upsert)
        for op in (u if isinstance(u, dict) else ()):
            if op == "$bit":
                raise NotImplementedError("the $bit update operator")
            if op.startswith("$") and op not in UPDATE_OPERATORS:
                raise CommandError(9, f"Unknown modifier: {op}. Expected a valid update modifier "
                                      "or pipeline-style update specified as an array")
        if isinstance(u, dict) and any("$[" in f for spec in u.values()
                                       if isinstance(spec, dict) for f in spec):
            raise NotImplementedError("all-positional $[] / filtered $[<id>] update paths")
        if isinstance(u, list):   # pipeline update: mongomock supports a few stages
            return coll.update_many(q, u, upsert) if multi else coll.update_one(q, u, upsert)
        return coll.update_many(q, u, upsert=upsert) if multi else coll.update_one(q, u, upsert=upsert)

    def cmd_update(self, db, cmd, conn_id):
        coll = self.coll(db, cmd["update"])
        n = modified = 0
        upserted, errors = [], []
        for i, stmt in enumerate(cmd.get("updates", [])):
            try:
                res = self._update_statement(coll, stmt)
                if res.upserted_id is not None:
                    self.materialise(coll)
                    upserted.append({"index": i, "_id": res.upserted_id})
                    n += 1
                else:
                    n += res.matched_count
                    modified += res.modified_count
            except DuplicateKeyError as exc:
                errors.append(self.write_error(
                    i, self.dup_message(coll, exc, (stmt.get("q") or {}).get("_id"))))
            except Exception as exc:  # noqa: BLE001
                errors.append(self.write_error(i, exc))
            if errors and cmd.get("ordered", True):
                break
        reply = {"n": n, "nModified": modified}
        if upserted:
            reply["upserted"] = upserted
        if errors:
            reply["writeErrors"] = errors
        return reply

    def cmd_delete(self, db, cmd, conn_id):
        coll = self.coll(db, cmd["delete"])
        n, errors = 0, []
        for i, stmt in enumerate(cmd.get("deletes", [])):
            try:
                q = stmt.get("q", {})
                res = coll.delete_many(q) if stmt.get("limit", 0) == 0 else coll.delete_one(q)
                n += res.deleted_count
            except Exception as exc:  # noqa: BLE001
                errors.append(self.write_error(i, exc))
                if cmd.get("ordered", True):
                    break
        return {"n": n, "writeErrors": errors} if errors else {"n": n}

    def cmd_findandmodify(self, db, cmd, conn_id):
        """findAndModify built from primitives so lastErrorObject is exact."""
        coll = self.coll(db, next(iter(cmd.values())))
        query, fields = cmd.get("query") or {}, cmd.get("fields") or None
        update, remove = cmd.get("update"), bool(cmd.get("remove"))
        upsert, new = bool(cmd.get("upsert")), bool(cmd.get("new"))
        if cmd.get("arrayFilters"):
            raise NotImplementedError("arrayFilters")
        if remove == (update is not None):
            raise CommandError(9, "Either an update or remove=true must be specified")
        if remove and (new or upsert):
            raise CommandError(9, "Cannot specify both new=true/upsert=true and remove=true")
        found = list(coll.find(query, sort=self.sort_list(cmd.get("sort")), limit=1))
        old = found[0] if found else None
        old_value = old if (old is None or not fields) else coll.find_one({"_id": old["_id"]}, fields)
        if remove:
            if old is not None:
                coll.delete_one({"_id": old["_id"]})
            return {"lastErrorObject": {"n": 1 if old else 0}, "value": old_value}
        if old is None and not upsert:
            return {"lastErrorObject": {"n": 0, "updatedExisting": False}, "value": None}
        target = {"_id": old["_id"]} if old is not None else query
        try:
            res = self._update_statement(coll, {"q": target, "u": update, "upsert": old is None})
        except DuplicateKeyError as exc:
            exc = self.dup_message(coll, exc, query.get("_id"))
            raise CommandError(11000, str(exc), getattr(exc, "key_info", None)) from None
        leo = {"n": 1, "updatedExisting": old is not None}
        if res.upserted_id is not None:
            self.materialise(coll)
            leo["upserted"] = res.upserted_id
        doc_id = old["_id"] if old is not None else res.upserted_id
        value = coll.find_one({"_id": doc_id}, fields) if new else old_value
        return {"lastErrorObject": leo, "value": value}

    # -- reads --------------------------------------------------------------
    def cmd_find(self, db, cmd, conn_id):
        coll = self.coll(db, cmd["find"])
        limit, batch = int(cmd.get("limit") or 0), cmd.get("batchSize")
        single = bool(cmd.get("singleBatch")) or limit < 0
        if cmd.get("tailable"):
            raise NotImplementedError("tailable cursors")
        docs = list(coll.find(cmd.get("filter") or {}, cmd.get("projection") or None,
                              skip=int(cmd.get("skip") or 0), limit=abs(limit),
                              sort=self.sort_list(cmd.get("sort"))))
        if single and batch is None:
            batch = len(docs) or None
        return self.cursor_reply(coll.full_name, docs, batch, single)

    def cmd_getmore(self, db, cmd, conn_id):
        cid = int(cmd["getMore"])
        cur = self.cursors.get(cid)
        if cur is None:
            raise CommandError(43, f"cursor id {cid} not found")
        batch = cur.take(int(cmd.get("batchSize") or 0) or None)
        if cur.exhausted:
            del self.cursors[cid]
            cid = 0
        return {"cursor": {"nextBatch": batch, "id": Int64(cid), "ns": cur.ns}}

    def cmd_killcursors(self, db, cmd, conn_id):
        killed, missing = [], []
        for cid in cmd.get("cursors", []):
            (killed if self.cursors.pop(int(cid), None) else missing).append(Int64(cid))
        return {"cursorsKilled": killed, "cursorsNotFound": missing,
                "cursorsAlive": [], "cursorsUnknown": []}

    def cmd_aggregate(self, db, cmd, conn_id):
        target = cmd["aggregate"]
        if not isinstance(target, str):
            raise NotImplementedError("database-level aggregate ({aggregate: 1})")
        if cmd.get("explain"):
            raise NotImplementedError("explain")
        coll = self.coll(db, target)
        docs = [mongomock_patches.overflowed_to_double(d)
                for d in coll.aggregate(cmd.get("pipeline", []))]
        return self.cursor_reply(coll.full_name, docs, (cmd.get("cursor") or {}).get("batchSize"))

    def cmd_count(self, db, cmd, conn_id):
        coll = self.coll(db, cmd["count"])
        kwargs = {"skip": int(cmd.get("skip") or 0)}
        if cmd.get("limit"):
            kwargs["limit"] = abs(int(cmd["limit"]))
        return {"n": coll.count_documents(cmd.get("query") or {}, **kwargs)}

    def cmd_distinct(self, db, cmd, conn_id):
        coll = self.coll(db, cmd["distinct"])
        values = coll.distinct(cmd["key"], cmd.get("query") or {})
        # mongomock dedups through a set (hash order); mongod answers sorted
        return {"values": sorted(values, key=filtering.BsonComparable)}

    # -- indexes ------------------------------------------------------------
    def cmd_createindexes(self, db, cmd, conn_id):
        coll = self.coll(db, cmd["createIndexes"])
        existed = self.exists(db, coll.name)
        before = len(coll.index_information()) if existed else 0
        self.materialise(coll)
        for spec in cmd.get("indexes", []):
            key = list(spec["key"].items())
            name = spec.get("name") or helpers.gen_index_name(key)
            try:
                coll.create_index(key, name=name, unique=bool(spec.get("unique")),
                                  sparse=bool(spec.get("sparse")),
                                  partialFilterExpression=spec.get("partialFilterExpression"),
                                  expireAfterSeconds=spec.get("expireAfterSeconds"))
            except DuplicateKeyError:
                raise CommandError(11000, "E11000 duplicate key error collection: "
                                          f"{coll.full_name} index: {name}") from None
            except OperationFailure as exc:
                raise CommandError(85, str(exc)) from None  # IndexOptionsConflict
        return {"createdCollectionAutomatically": not existed,
                "numIndexesBefore": before, "numIndexesAfter": len(coll.index_information())}

    def cmd_listindexes(self, db, cmd, conn_id):
        coll = self.coll(db, cmd["listIndexes"])
        if not self.exists(db, coll.name):
            raise CommandError(26, f"ns does not exist: {coll.full_name}")
        return self.cursor_reply(coll.full_name, list(coll.list_indexes()),
                                 (cmd.get("cursor") or {}).get("batchSize"))

    def cmd_dropindexes(self, db, cmd, conn_id):
        coll = self.coll(db, cmd["dropIndexes"])
        if not self.exists(db, coll.name):
            raise CommandError(26, f"ns not found {coll.full_name}")
        info = coll.index_information()
        wanted = cmd.get("index")
        if wanted == "*":
            coll.drop_indexes()
            return {"nIndexesWas": len(info)}
        if isinstance(wanted, dict):
            names = [n for n, i in info.items() if dict(i["key"]) == wanted]
            if not names:
                raise CommandError(27, f"can't find index with key: {wanted}")
        else:
            names = wanted if isinstance(wanted, list) else [wanted]
        for name in names:
            if name == "_id_":
                raise CommandError(72, "cannot drop _id index")
            if name not in info:
                raise CommandError(27, f"index not found with name [{name}]")
        for name in names:
            coll.drop_index(name)
        return {"nIndexesWas": len(info)}

    # -- namespaces ---------------------------------------------------------
    def cmd_create(self, db, cmd, conn_id):
        name = cmd["create"]
        if self.exists(db, name):
            raise CommandError(48, f"Collection {db}.{name} already exists.")
        self.client[db].create_collection(name)
        return {}

    def cmd_drop(self, db, cmd, conn_id):
        coll = self.coll(db, cmd["drop"])
        was = len(coll.index_information()) if self.exists(db, coll.name) else 0
        self.client[db].drop_collection(coll.name)
        return {"ns": coll.full_name, "nIndexesWas": was}

    def cmd_dropdatabase(self, db, cmd, conn_id):
        self.client.drop_database(db)
        return {"dropped": db}

    def cmd_renamecollection(self, db, cmd, conn_id):
        (src_db, src), (dst_db, dst) = (s.split(".", 1) for s in (cmd["renameCollection"], cmd["to"]))
        if src_db != dst_db:
            raise NotImplementedError("renameCollection across databases")
        if not self.exists(src_db, src):
            raise CommandError(26, "source namespace does not exist")
        if self.exists(src_db, dst):
            if not cmd.get("dropTarget"):
                raise CommandError(48, "target namespace exists")
            self.client[src_db].drop_collection(dst)
        self.client[src_db][src].rename(dst)
        return {}

    def cmd_listcollections(self, db, cmd, conn_id):
        infos = []
        for name in sorted(self.client[db].list_collection_names()):
            info = {"name": name, "type": "collection"}
            if not cmd.get("nameOnly"):
                info.update(options={}, info={"readOnly": False},
                            idIndex={"v": 2, "key": {"_id": 1}, "name": "_id_"})
            if filtering.filter_applies(cmd.get("filter") or {}, info):
                infos.append(info)
        return self.cursor_reply(f"{db}.$cmd.listCollections", infos,
                                 (cmd.get("cursor") or {}).get("batchSize"))

    def cmd_listdatabases(self, db, cmd, conn_id):
        dbs = []
        for name in sorted(self.client.list_database_names()):
            entry = {"name": name} if cmd.get("nameOnly") else \
                {"name": name, "sizeOnDisk": Int64(0), "empty": False}
            if filtering.filter_applies(cmd.get("filter") or {}, entry):
                dbs.append(entry)
        reply = {"databases": dbs}
        if not cmd.get("nameOnly"):
            reply.update(totalSize=Int64(0), totalSizeMb=Int64(0))
        return reply


# --------------------------------------------------------------------------
# Networking
# --------------------------------------------------------------------------

class Server:
    """asyncio TCP front end: framing, dispatch, and per-connection state."""

    def __init__(self, backend):
        self.backend = backend
        self.conn_ids = itertools.count(1)
        self.writers = set()

    def handle_message(self, conn_id, request_id, opcode, payload):
        """Return the reply bytes for one message, or None when none is due."""
        if opcode == OP_MSG:
            flags, cmd = parse_op_msg(payload)
            db = cmd.get("$db", "admin")
            reply = self.backend.execute(db, cmd, conn_id)
            if flags & FLAG_MORE_TO_COME:        # unacknowledged write: no reply
                return None
            try:
                return op_msg_reply(request_id, reply)
            except Exception as exc:  # noqa: BLE001 - e.g. a value BSON cannot encode
                log.warning("cannot encode reply:\n%s", traceback.format_exc())
                return op_msg_reply(request_id, {"ok": 0.0, "code": 1, "codeName": "InternalError",
                                                 "errmsg": f"cannot encode reply: {exc}"})
        if opcode == OP_QUERY:
            db, cmd = parse_op_query(payload)
            name = next(iter(cmd), "").lower()
            if name not in ("ismaster", "hello"):
                reply = {"ok": 0.0, "code": 352, "codeName": "UnsupportedOpQueryCommand",
                         "errmsg": "Unsupported OP_QUERY command: " + name}
            else:
                reply = self.backend.execute(db, cmd, conn_id)
            return op_reply(request_id, reply)
        raise ConnectionError(f"unsupported opcode {opcode} (compression is never advertised)")

    async def handle_connection(self, reader, writer):
        conn_id = next(self.conn_ids)
        self.writers.add(writer)
        self.backend.connections += 1
        try:
            while True:
                header = await reader.readexactly(16)
                length, request_id, _, opcode = struct.unpack("<iiii", header)
                if not 16 < length <= MAX_MESSAGE_SIZE + 16 * 1024:
                    raise ConnectionError(f"bad message length {length}")
                payload = await reader.readexactly(length - 16)
                reply = self.handle_message(conn_id, request_id, opcode, payload)
                if reply is not None:
                    writer.write(reply)
                    await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionResetError, BrokenPipeError):
            pass
        except Exception:  # noqa: BLE001 - a broken client must not kill the server
            log.warning("closing connection %d:\n%s", conn_id, traceback.format_exc())
        finally:
            self.backend.connections -= 1
            self.writers.discard(writer)
            writer.close()


def write_port_file(path, port):
    """Write atomically so a waiting CI script never reads a partial number."""
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "w") as fh:
        fh.write(f"{port}\n")
    os.replace(tmp, path)


async def main_async(args):
    server = Server(Backend())
    listener = await asyncio.start_server(server.handle_connection, args.host, args.port)
    port = listener.sockets[0].getsockname()[1]
    if args.port_file:
        write_port_file(args.port_file, port)
    print(f"listening on {args.host}:{port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    listener.close()
    for writer in list(server.writers):
        writer.close()
    await listener.wait_closed()
    log.info("stopped")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=27017, help="0 picks a free port")
    parser.add_argument("--port-file", help="write the bound port here (atomically)")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
