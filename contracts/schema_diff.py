"""Compare two JSON Schemas and classify the differences.

This is the pure core of contract publishing: ``diff_schemas(old, new)`` walks both
schemas as described in ``SCHEMA_DIFF.md`` section 3 and returns a ``SchemaDiff``
whose changes can then be judged under a compatibility mode (section 4) and
summarised as a patch, minor or major change (section 5).

Determinism (section 6): property names, required names and constraint keywords are
visited in sorted code-point order, and enum/required value lists keep their
document order, so the same pair of schemas always yields the same changes in the
same order.

Robustness (section 7): any value that passes Draft-7 meta-validation, and any odd
value that does not (imported data bypasses validation), is diffed without raising.
Array-valued ``type`` is compared as a set, enum members by a canonical form with
Python equality semantics, boolean subschemas as ``{}`` / ``{"not": {}}``, tuple
``items`` position by position, and incomparable constraint values conservatively.

The walk visits every node of both schemas at most once and uses hash sets for all
membership tests, so its cost grows linearly with the size of the schemas (plus
sorting of names within one node).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = [
    "BREAKING_KINDS",
    "Change",
    "ChangeKind",
    "CompatibilityMode",
    "SchemaDiff",
    "classify_change_type",
    "diff_schemas",
    "is_breaking",
]


class ChangeKind(StrEnum):
    """The kind of one detected difference; the values are the wire names."""

    PROPERTY_ADDED = "property_added"
    PROPERTY_REMOVED = "property_removed"
    # Declared for wire compatibility only: a rename is reported as one removal
    # plus one addition, because nothing in two schemas proves a rename.
    PROPERTY_RENAMED = "property_renamed"
    TYPE_CHANGED = "type_changed"
    TYPE_WIDENED = "type_widened"
    TYPE_NARROWED = "type_narrowed"
    REQUIRED_ADDED = "required_added"
    REQUIRED_REMOVED = "required_removed"
    ENUM_VALUES_ADDED = "enum_values_added"
    ENUM_VALUES_REMOVED = "enum_values_removed"
    CONSTRAINT_TIGHTENED = "constraint_tightened"
    CONSTRAINT_RELAXED = "constraint_relaxed"
    DEFAULT_ADDED = "default_added"
    DEFAULT_REMOVED = "default_removed"
    DEFAULT_CHANGED = "default_changed"
    NULLABLE_ADDED = "nullable_added"
    NULLABLE_REMOVED = "nullable_removed"


class CompatibilityMode(StrEnum):
    """Which direction of compatibility a contract promises its consumers."""

    BACKWARD = "backward"
    FORWARD = "forward"
    FULL = "full"
    NONE = "none"


_BACKWARD_BREAKING = frozenset(
    {
        ChangeKind.PROPERTY_REMOVED,
        ChangeKind.PROPERTY_RENAMED,
        ChangeKind.TYPE_CHANGED,
        ChangeKind.TYPE_NARROWED,
        ChangeKind.REQUIRED_ADDED,
        ChangeKind.ENUM_VALUES_REMOVED,
        ChangeKind.CONSTRAINT_TIGHTENED,
        ChangeKind.DEFAULT_REMOVED,
        ChangeKind.NULLABLE_REMOVED,
    }
)
_FORWARD_BREAKING = frozenset(
    {
        ChangeKind.PROPERTY_ADDED,
        ChangeKind.PROPERTY_RENAMED,
        ChangeKind.TYPE_CHANGED,
        ChangeKind.TYPE_WIDENED,
        ChangeKind.REQUIRED_REMOVED,
        ChangeKind.ENUM_VALUES_ADDED,
        ChangeKind.CONSTRAINT_RELAXED,
        ChangeKind.DEFAULT_ADDED,
        ChangeKind.NULLABLE_ADDED,
    }
)

BREAKING_KINDS: dict[CompatibilityMode, frozenset[ChangeKind]] = {
    CompatibilityMode.BACKWARD: _BACKWARD_BREAKING,
    CompatibilityMode.FORWARD: _FORWARD_BREAKING,
    # The reference's comment calls this an intersection, but its code (and so
    # every verdict clients have seen) uses the union.
    CompatibilityMode.FULL: _BACKWARD_BREAKING | _FORWARD_BREAKING,
    CompatibilityMode.NONE: frozenset(),
}

# Kinds that make a change "minor" when no backward-breaking ("major") kind is present.
_MINOR_KINDS = frozenset(
    {
        ChangeKind.PROPERTY_ADDED,
        ChangeKind.ENUM_VALUES_ADDED,
        ChangeKind.NULLABLE_ADDED,
        ChangeKind.DEFAULT_ADDED,
    }
)


def is_breaking(kind: ChangeKind | str, mode: CompatibilityMode | str) -> bool:
    """Tell whether a change of ``kind`` breaks consumers under ``mode``.

    An unknown ``mode`` raises ``ValueError``; an unknown ``kind`` is simply not
    breaking, since this module never emits one.
    """
    # StrEnum members hash and compare like their values, so a plain wire string
    # is found in the frozenset without converting it first.
    return kind in BREAKING_KINDS[CompatibilityMode(mode)]


@dataclass(frozen=True)
class Change:
    """One detected difference between two schemas.

    ``old_value``/``new_value`` are plain JSON values copied from the inputs, never
    the input objects themselves. The required/enum lists of one node are shared by
    the changes of that node; treat them as read-only.
    """

    kind: ChangeKind
    path: str
    message: str
    old_value: Any = None
    new_value: Any = None

    def to_dict(self) -> dict[str, Any]:
        """Render the change in its wire form.

        ``change_type`` repeats ``type``: it is the API.md EXT-8 extension for
        clients that read the kind under that name.
        """
        return {
            "type": self.kind.value,
            "path": self.path,
            "message": self.message,
            "old_value": _copy_json(self.old_value),
            "new_value": _copy_json(self.new_value),
            "change_type": self.kind.value,
        }


@dataclass(frozen=True)
class SchemaDiff:
    """All changes between two schemas, in detection order, and their change type."""

    changes: tuple[Change, ...]
    change_type: str

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    def breaking_changes(self, mode: CompatibilityMode | str) -> list[Change]:
        """Return the changes breaking consumers under ``mode``, in detection order."""
        breaking = BREAKING_KINDS[CompatibilityMode(mode)]
        return [change for change in self.changes if change.kind in breaking]

    def is_compatible(self, mode: CompatibilityMode | str) -> bool:
        """Tell whether no change breaks consumers under ``mode``."""
        return not self.breaking_changes(mode)


def classify_change_type(changes: Iterable[Change]) -> str:
    """Summarise changes as ``"patch"``, ``"minor"`` or ``"major"``.

    The result ignores the compatibility mode: anything backward-breaking is major,
    otherwise any addition is minor, otherwise (including no change) patch.
    """
    kinds = {change.kind for change in changes}
    if kinds & _BACKWARD_BREAKING:
        return "major"
    if kinds & _MINOR_KINDS:
        return "minor"
    return "patch"


def diff_schemas(old: Mapping[str, Any], new: Mapping[str, Any]) -> SchemaDiff:
    """Compare the published schema ``old`` with the candidate ``new``.

    Neither input is modified, and no input (even one that fails meta-validation)
    makes this raise.
    """
    changes = _Differ().run(old, new)
    return SchemaDiff(changes=tuple(changes), change_type=classify_change_type(changes))


# --- The walk -------------------------------------------------------------------------

_UPPER_BOUNDS = frozenset({"maxLength", "maxItems", "maximum", "exclusiveMaximum"})
_LOWER_BOUNDS = frozenset({"minLength", "minItems", "minimum", "exclusiveMinimum"})
# Sorted once here so every node reports its constraints in code-point order.
_CONSTRAINT_KEYWORDS = tuple(sorted(_UPPER_BOUNDS | _LOWER_BOUNDS | {"pattern"}))

_EMPTY: Mapping[str, Any] = {}
# A `false` subschema: nothing validates, yet nothing here is a tracked keyword.
_FALSE_SCHEMA: Mapping[str, Any] = {"not": {}}

_TYPE_VERBS = {
    ChangeKind.TYPE_WIDENED: "widened",
    ChangeKind.TYPE_NARROWED: "narrowed",
    ChangeKind.TYPE_CHANGED: "changed",
}

# Stack entries: (step, old, new, path). VISIT compares a node's properties and
# schedules its children; FINISH compares the rest of the node once they are done.
_VISIT = 0
_FINISH = 1
_Task = tuple[int, Any, Any, str]
_Pair = tuple[Any, Any, str]


class _Differ:
    """One comparison of two schemas (section 3), collecting changes in order.

    The walk uses an explicit stack rather than recursion: schemas imported without
    validation can nest deeper than Python's recursion limit, and the differ must not
    fail on anything ``json.loads`` can produce.
    """

    def __init__(self) -> None:
        self.changes: list[Change] = []
        self.keys = _Canonicaliser()

    def run(self, old: Any, new: Any) -> list[Change]:
        stack: list[_Task] = [(_VISIT, old, new, "")]
        while stack:
            step, old_node, new_node, path = stack.pop()
            if step == _VISIT:
                old_node = _as_node(old_node)
                new_node = _as_node(new_node)
                common = self.diff_properties(old_node, new_node, path)
                # Children are pushed last-first so they are popped in sorted order,
                # each finishing (with its own subtree) before the next starts, and
                # all of them before this node's own remaining steps.
                stack.append((_FINISH, old_node, new_node, path))
                stack.extend((_VISIT, *pair) for pair in reversed(common))
            else:
                self.diff_required(old_node, new_node, path)
                self.diff_type(old_node, new_node, path)
                self.diff_constraints(old_node, new_node, path)
                self.diff_enum(old_node, new_node, path)
                self.diff_default(old_node, new_node, path)
                self.diff_nullable(old_node, new_node, path)
                items = _item_pairs(old_node, new_node, path)
                stack.extend((_VISIT, *pair) for pair in reversed(items))
        return self.changes

    def add(
        self,
        kind: ChangeKind,
        path: str,
        message: str,
        old_value: Any = None,
        new_value: Any = None,
    ) -> None:
        self.changes.append(Change(kind, path, message, old_value, new_value))

    def diff_properties(
        self, old: Mapping[Any, Any], new: Mapping[Any, Any], path: str
    ) -> list[_Pair]:
        """Report removed and added properties; return the common ones to visit."""
        old_props = _as_mapping(old.get("properties"))
        new_props = _as_mapping(new.get("properties"))
        if not old_props and not new_props:
            return []
        prefix = _join(path, "properties")

        for name in _sorted_names(name for name in old_props if name not in new_props):
            self.add(
                ChangeKind.PROPERTY_REMOVED,
                f"{prefix}.{name}",
                f"Property '{name}' was removed",
                old_value=_copy_json(old_props[name]),
            )
        for name in _sorted_names(name for name in new_props if name not in old_props):
            self.add(
                ChangeKind.PROPERTY_ADDED,
                f"{prefix}.{name}",
                f"Property '{name}' was added",
                new_value=_copy_json(new_props[name]),
            )
        common = _sorted_names(name for name in old_props if name in new_props)
        return [
            (old_props[name], new_props[name], f"{prefix}.{name}") for name in common
        ]

    def diff_required(
        self, old: Mapping[Any, Any], new: Mapping[Any, Any], path: str
    ) -> None:
        old_list = _as_list(old.get("required"))
        new_list = _as_list(new.get("required"))
        if not old_list and not new_list:
            return
        old_names = self.keys.distinct(old_list)
        new_names = self.keys.distinct(new_list)
        where = _join(path, "required")
        # One copy per node, shared by its changes: copying per change would make a
        # node with many newly required names quadratic.
        old_value = _copy_json(old_list)
        new_value = _copy_json(new_list)

        added = [name for key, name in new_names.items() if key not in old_names]
        for name in _sorted_names(added):
            self.add(
                ChangeKind.REQUIRED_ADDED,
                where,
                f"Field '{_text(name)}' is now required",
                old_value,
                new_value,
            )
        removed = [name for key, name in old_names.items() if key not in new_names]
        for name in _sorted_names(removed):
            self.add(
                ChangeKind.REQUIRED_REMOVED,
                where,
                f"Field '{_text(name)}' is no longer required",
                old_value,
                new_value,
            )

    def diff_type(
        self, old: Mapping[Any, Any], new: Mapping[Any, Any], path: str
    ) -> None:
        # Adding or dropping `type` is invisible: only a change of an existing value
        # counts.
        if "type" not in old or "type" not in new:
            return
        old_type, new_type = old["type"], new["type"]

        if isinstance(old_type, str) and isinstance(new_type, str):
            if old_type == new_type:
                return
            if (old_type, new_type) == ("integer", "number"):
                kind = ChangeKind.TYPE_WIDENED
            elif (old_type, new_type) == ("number", "integer"):
                kind = ChangeKind.TYPE_NARROWED
            else:
                kind = ChangeKind.TYPE_CHANGED
        else:
            # Array-valued types crash the reference; compare them as sets of names
            # so ["string", "null"] -> "string" reads as the narrowing it is.
            old_set = self.keys.type_set(old_type)
            new_set = self.keys.type_set(new_type)
            if old_set == new_set:
                return
            if new_set > old_set:
                kind = ChangeKind.TYPE_WIDENED
            elif new_set < old_set:
                kind = ChangeKind.TYPE_NARROWED
            else:
                kind = ChangeKind.TYPE_CHANGED

        self.add(
            kind,
            _join(path, "type"),
            f"Type {_TYPE_VERBS[kind]} from {_show(old_type)} to {_show(new_type)}",
            _copy_json(old_type),
            _copy_json(new_type),
        )

    def diff_constraints(
        self, old: Mapping[Any, Any], new: Mapping[Any, Any], path: str
    ) -> None:
        for keyword in _CONSTRAINT_KEYWORDS:
            in_old = keyword in old
            in_new = keyword in new
            if not in_old and not in_new:
                continue
            old_value: Any = _copy_json(old[keyword]) if in_old else None
            new_value: Any = _copy_json(new[keyword]) if in_new else None

            if not in_old:
                kind = ChangeKind.CONSTRAINT_TIGHTENED
                message = (
                    f"Constraint '{keyword}' was added with value {_show(new_value)}"
                )
            elif not in_new:
                kind = ChangeKind.CONSTRAINT_RELAXED
                message = f"Constraint '{keyword}' was removed"
            elif self.keys.equal(old_value, new_value):
                continue
            elif keyword == "pattern":
                # Whether one regex accepts a superset of another is undecidable in
                # practice, so any change is treated as a tightening.
                kind = ChangeKind.CONSTRAINT_TIGHTENED
                message = (
                    f"Pattern changed from '{_text(old_value)}' to '{_text(new_value)}'"
                )
            else:
                if _is_number(old_value) and _is_number(new_value):
                    if keyword in _UPPER_BOUNDS:
                        relaxed = new_value > old_value
                    else:
                        relaxed = new_value < old_value
                else:
                    # Values that cannot be ordered (e.g. "5" vs 6, from imported
                    # data) crash the reference; assume the worst.
                    relaxed = False
                if relaxed:
                    kind = ChangeKind.CONSTRAINT_RELAXED
                    verb = "relaxed"
                else:
                    kind = ChangeKind.CONSTRAINT_TIGHTENED
                    verb = "tightened"
                message = (
                    f"Constraint '{keyword}' {verb} from {_show(old_value)} "
                    f"to {_show(new_value)}"
                )
            self.add(kind, _join(path, keyword), message, old_value, new_value)

    def diff_enum(
        self, old: Mapping[Any, Any], new: Mapping[Any, Any], path: str
    ) -> None:
        old_list = _as_list(old.get("enum"))
        new_list = _as_list(new.get("enum"))
        if not old_list and not new_list:
            return
        old_members = self.keys.distinct(old_list)
        new_members = self.keys.distinct(new_list)
        added = [value for key, value in new_members.items() if key not in old_members]
        removed = [
            value for key, value in old_members.items() if key not in new_members
        ]
        if not added and not removed:
            return
        where = _join(path, "enum")
        old_value = _copy_json(old_list)
        new_value = _copy_json(new_list)
        if added:
            self.add(
                ChangeKind.ENUM_VALUES_ADDED,
                where,
                f"Enum values added: {_format_set(added)}",
                old_value,
                new_value,
            )
        if removed:
            self.add(
                ChangeKind.ENUM_VALUES_REMOVED,
                where,
                f"Enum values removed: {_format_set(removed)}",
                old_value,
                new_value,
            )

    def diff_default(
        self, old: Mapping[Any, Any], new: Mapping[Any, Any], path: str
    ) -> None:
        # Presence, not value, decides: `"default": null` is a default.
        in_old = "default" in old
        in_new = "default" in new
        where = _join(path, "default")
        if in_new and not in_old:
            value = _copy_json(new["default"])
            self.add(
                ChangeKind.DEFAULT_ADDED,
                where,
                f"Default value added: {_show(value)}",
                None,
                value,
            )
        elif in_old and not in_new:
            value = _copy_json(old["default"])
            self.add(
                ChangeKind.DEFAULT_REMOVED,
                where,
                f"Default value removed (was {_show(value)})",
                value,
                None,
            )
        elif in_old and not self.keys.equal(old["default"], new["default"]):
            old_value = _copy_json(old["default"])
            new_value = _copy_json(new["default"])
            self.add(
                ChangeKind.DEFAULT_CHANGED,
                where,
                f"Default value changed from {_show(old_value)} to {_show(new_value)}",
                old_value,
                new_value,
            )

    def diff_nullable(
        self, old: Mapping[Any, Any], new: Mapping[Any, Any], path: str
    ) -> None:
        old_value = old.get("nullable", False)
        new_value = new.get("nullable", False)
        if self.keys.equal(old_value, new_value):
            return
        # Only falsy -> truthy is an addition; every other inequality (including
        # "yes" -> true) counts as a removal, as in the reference.
        if _is_truthy(new_value) and not _is_truthy(old_value):
            kind, message = ChangeKind.NULLABLE_ADDED, "Field is now nullable"
        else:
            kind, message = ChangeKind.NULLABLE_REMOVED, "Field is no longer nullable"
        self.add(
            kind,
            _join(path, "nullable"),
            message,
            _copy_json(old_value),
            _copy_json(new_value),
        )


def _item_pairs(
    old: Mapping[Any, Any], new: Mapping[Any, Any], path: str
) -> list[_Pair]:
    """Return the item schemas to compare below an array node, if any."""
    # Items only matter when both sides are plainly arrays; an array -> string change
    # is fully described by its type_changed.
    if not (_is_array_type(old.get("type")) and _is_array_type(new.get("type"))):
        return []
    old_items = old.get("items", _EMPTY)
    new_items = new.get("items", _EMPTY)
    where = _join(path, "items")

    old_is_tuple = isinstance(old_items, list | tuple)
    new_is_tuple = isinstance(new_items, list | tuple)
    if old_is_tuple and new_is_tuple:
        # Tuple validation: compare the positions both sides describe; extra
        # positions are like additionalItems, which is not tracked.
        return [
            (old_item, new_item, f"{where}.{index}")
            for index, (old_item, new_item) in enumerate(
                zip(old_items, new_items, strict=False)
            )
        ]
    if old_is_tuple or new_is_tuple:
        # A single items schema against a tuple has no position-wise counterpart.
        return []
    if _as_node(old_items) or _as_node(new_items):
        return [(old_items, new_items, where)]
    return []


# --- Value keys ----------------------------------------------------------------------

_LIST_TAG = "list"
_DICT_TAG = "dict"
_REF_TAG = "ref"
_REPR_TAG = "repr"
_NAN_KEY = ("nan",)


class _Canonicaliser:
    """Give JSON values hashable keys that are equal iff the values are equal.

    Equality follows Python (``1 == 1.0 == True``, ``0 == False``, dict key order is
    irrelevant, list order matters), except that NaN equals NaN so that a schema
    always equals itself. Scalars are their own key. Each distinct container is
    interned to a small ``("ref", n)`` tuple, so keys stay flat however deep the
    value is and comparing them never recurses. Keys are only comparable within
    one canonicaliser, i.e. within one diff.
    """

    def __init__(self) -> None:
        self._ids: dict[Hashable, int] = {}

    def key(self, value: Any) -> Hashable:
        if type(value) in _JSON_SCALARS:
            # NaN is the one JSON scalar unequal to itself.
            return value if value == value else _NAN_KEY
        if not _is_container(value):
            return _scalar_key(value)
        result: list[Hashable] = []
        # Post-order over an explicit stack: (container, children iterator, keys of
        # the children seen so far, the list the container's own key goes into).
        stack: list[_KeyFrame] = [(value, _children(value), [], result)]
        while stack:
            container, children, collected, parent = stack[-1]
            child = next(children, _DONE)
            if child is _DONE:
                stack.pop()
                parent.append(self._intern(container, collected))
            elif _is_container(child):
                stack.append((child, _children(child), [], collected))
            else:
                collected.append(_scalar_key(child))
        return result[0]

    def equal(self, left: Any, right: Any) -> bool:
        return self.key(left) == self.key(right)

    def distinct(self, values: Iterable[Any]) -> dict[Hashable, Any]:
        """Map each distinct value's key to its first occurrence, in order."""
        members: dict[Hashable, Any] = {}
        for value in values:
            members.setdefault(self.key(value), value)
        return members

    def type_set(self, value: Any) -> frozenset[Hashable]:
        if isinstance(value, list | tuple):
            return frozenset(self.key(item) for item in value)
        return frozenset((self.key(value),))

    def _intern(self, container: Any, child_keys: list[Hashable]) -> Hashable:
        structure: Hashable
        if isinstance(container, Mapping):
            structure = (_DICT_TAG, frozenset(zip(container, child_keys, strict=True)))
        else:
            structure = (_LIST_TAG, tuple(child_keys))
        return (_REF_TAG, self._ids.setdefault(structure, len(self._ids)))


_DONE = object()
_KeyFrame = tuple[Any, Iterator[Any], list[Hashable], list[Hashable]]


def _children(container: Any) -> Iterator[Any]:
    return iter(container.values() if isinstance(container, Mapping) else container)


def _scalar_key(value: Any) -> Hashable:
    if isinstance(value, float) and math.isnan(value):
        return _NAN_KEY
    try:
        hash(value)
    except TypeError:  # a non-JSON object (a set, say) from a Python caller
        return (_REPR_TAG, _show(value))
    key: Hashable = value
    return key


# --- Helpers -------------------------------------------------------------------------


_JSON_SCALARS = frozenset({str, int, float, bool, type(None)})


def _is_container(value: Any) -> bool:
    # Exact types first: the Mapping ABC check is slow, and this runs per value.
    if type(value) in _JSON_SCALARS:
        return False
    return isinstance(value, dict | list | tuple | Mapping)


def _join(path: str, segment: str) -> str:
    return f"{path}.{segment}" if path else segment


def _as_node(value: Any) -> Mapping[Any, Any]:
    """Return a schema node as a mapping, whatever shape it arrived in."""
    if type(value) is dict or isinstance(value, Mapping):
        return value
    if value is False:
        return _FALSE_SCHEMA
    # `true`, and anything that is not a schema at all, constrains nothing tracked.
    return _EMPTY


def _as_mapping(value: Any) -> Mapping[Any, Any]:
    return value if type(value) is dict or isinstance(value, Mapping) else _EMPTY


def _as_list(value: Any) -> list[Any] | tuple[Any, ...]:
    # A string is iterable but is not a list of names or values.
    return value if isinstance(value, list | tuple) else []


def _is_array_type(value: Any) -> bool:
    return isinstance(value, str) and value == "array"


def _is_truthy(value: Any) -> bool:
    try:
        return bool(value)
    except Exception:  # only exotic non-JSON objects can fail here
        return True


def _is_number(value: Any) -> bool:
    # bool is an int, and Python orders it as one; NaN orders against nothing.
    return isinstance(value, int | float) and not (
        isinstance(value, float) and math.isnan(value)
    )


def _sorted_names(names: Iterable[Any]) -> list[Any]:
    """Sort names in code-point order; non-string names (never in JSON) go last."""
    return sorted(
        names,
        key=lambda name: (0, name) if isinstance(name, str) else (1, _show(name)),
    )


def _copy_json(value: Any) -> Any:
    """Copy a JSON value so results never alias (and so never expose) the inputs."""
    if not _is_container(value):
        return value
    root = _empty_like(value)
    # Iterative for the same reason as the walk: values may nest very deeply.
    stack = [(value, root)]
    while stack:
        source, target = stack.pop()
        if isinstance(source, Mapping):
            for key, item in source.items():
                target[key] = copied = _shallow(item)
                if copied is not item:
                    stack.append((item, copied))
        else:
            for item in source:
                copied = _shallow(item)
                target.append(copied)
                if copied is not item:
                    stack.append((item, copied))
    return root


def _empty_like(value: Any) -> Any:
    return {} if isinstance(value, Mapping) else []


def _shallow(value: Any) -> Any:
    """Return a new empty container for a container, or the scalar itself."""
    return _empty_like(value) if _is_container(value) else value


def _format_set(values: list[Any]) -> str:
    # Python's own set repr, but in document order instead of hash order.
    return "{" + ", ".join(_show(value) for value in values) + "}"


def _text(value: Any) -> str:
    """Format a value as an f-string would, for names and patterns in messages."""
    return value if isinstance(value, str) else _show(value)


def _show(value: Any) -> str:
    """Format a value for a message the way the reference does (Python's repr)."""
    try:
        return repr(value)
    except RecursionError:
        # Deeper than repr can go; the value itself is still in old/new_value.
        return "<value nested too deeply to display>"
