"""Pickle vectors made by CPython's own `pickle`, for tests/pickle_vectors.rs.

    pickle_vectors.py dump
        Prints one JSON object per line, {"name", "protocol", "hex"}, with the hex of
        pickle.dumps(obj, protocol) for every value of DUMP and every protocol 0..5.

    pickle_vectors.py check
        Reads JSON lines {"name", "hex"} (pickles written by the Rust encoder) from stdin.
        Each is loaded with pickle.loads and compared, strictly (types too, since
        True == 1 == 1.0), with the Python object of the same name in EXPECT. Prints one
        JSON line per input, {"name", "ok", "detail", "hex"}, where "hex" is
        pickle.dumps(loaded, 5) for the round trip back to Rust. Exits 1 if any input
        failed to load or compare, if a name is unknown, or if a name of EXPECT was not
        sent.

    pickle_vectors.py int-limit
        Exits 0 when CPython loads protocol 0 INT/LONG text of 4300 digits and refuses
        4301 digits, the limit the Rust decoder copies.
"""

import argparse
import collections
import datetime
import fractions
import json
import math
import pickle
import sys


def _shared():
    x = [1]
    return [x, x]


def _recursive_list():
    a = []
    a.append(a)
    return a


def _recursive_dict():
    d = {}
    d["self"] = d
    return d


# Tuples and dicts that both tables hold: CPython's pickles of them must decode, and the
# Rust encoder's pickles of them must load as them.
TUPLES_AND_DICTS = {
    "tuple_0": (),
    "tuple_1": (1,),
    "tuple_2": (1, "two"),
    "tuple_3": (1, "two", 3.0),
    "tuple_4": (1, "two", 3.0, None),
    "tuple_5": (1, "two", 3.0, None, (5,)),
    "dict_empty": {},
    "dict_str": {"a": 1, "b": "two", "c": [3]},
    "dict_int": {1: "a", -2: "b", 2**70: "c"},
    "dict_tuple": {(1, 2): "x", ("a",): None, (): 0},
}


# name -> object, pickled by CPython with every protocol; tests/pickle_vectors.rs holds the
# `Value` each must decode to.
DUMP = {
    "none": None,
    "true": True,
    "false": False,
    "int_0": 0,
    "int_1": 1,
    "int_255": 255,
    "int_256": 256,
    "int_65535": 65535,
    "int_65536": 65536,
    "int_neg1": -1,
    "int_neg256": -256,
    "int_i32_max": 2**31 - 1,
    "int_i32_min": -(2**31),
    "int_2_31": 2**31,
    "int_i64_max": 2**63 - 1,
    "int_i64_min": -(2**63),
    "int_2_64": 2**64,
    "int_10_40": 10**40,
    "int_neg_10_40": -(10**40),
    "int_2_2100": 2**2100,
    "float_0": 0.0,
    "float_neg0": -0.0,
    "float_1_5": 1.5,
    "float_neg_pi": -math.pi,
    "float_1e300": 1e300,
    "float_denormal": 5e-324,
    "float_inf": math.inf,
    "float_neg_inf": -math.inf,
    "float_nan": math.nan,
    "str_empty": "",
    "str_ascii": "hello world",
    "str_latin1": "h\xe9llo w\xf6rld",
    "str_bmp": "\u2713 \u4e2d\u6587",
    "str_emoji": "\U0001f600",
    "str_escapes": "a\nb\\c\rd\x00e\x1af\tg'h\"i",
    "str_backslash_u": "a\\u0041\\U0001f600\\",
    "str_300": "x" * 299 + "\u00e9",
    "bytes_empty": b"",
    "bytes_small": b"\x00\x01\xff abc\n\\",
    "bytes_300": bytes(range(256)) + b"y" * 44,
    "bytearray_empty": bytearray(),
    "bytearray": bytearray(b"\x00ab\xff"),
    "list_empty": [],
    "list_nested": [1, [2, [3, []]], "x"],
    "list_types": [True, 1, 1.0, "1", b"1", None],
    **TUPLES_AND_DICTS,
    "set_empty": set(),
    "set_ints": {1, 2, 3},
    "set_strs": {"a", "b", "c"},
    "frozenset_empty": frozenset(),
    "frozenset_ints": frozenset({4, 5}),
    "shared_sublist": _shared(),
    "recursive_list": _recursive_list(),
    "recursive_dict": _recursive_dict(),
    "list_2500": list(range(2500)),
    "dict_1500": {i: str(i) for i in range(1500)},
    "global_len": len,
    "global_class": fractions.Fraction,
    "fraction": fractions.Fraction(1, 3),
    "date": datetime.date(2024, 1, 2),
    "timedelta": datetime.timedelta(days=1, seconds=5),
    "ordereddict": collections.OrderedDict([("a", 1), ("b", 2)]),
    "namespace": argparse.Namespace(a=1),
    "object_list": [fractions.Fraction(1, 3), fractions.Fraction(1, 3)],
}


def _new(cls, *args, **kwargs):
    return cls.__new__(cls, *args, **kwargs)


def _deque():
    return collections.deque([1, 2, 3])


# name -> the object the Rust encoder's pickle of that name must load as.
EXPECT = {
    "none": None,
    "true": True,
    "false": False,
    "int_0": 0,
    "int_255": 255,
    "int_256": 256,
    "int_65535": 65535,
    "int_65536": 65536,
    "int_neg1": -1,
    "int_neg129": -129,
    "int_i32_max": 2**31 - 1,
    "int_i32_min": -(2**31),
    "int_2_31": 2**31,
    "int_neg_2_31_minus_1": -(2**31) - 1,
    "int_i64_max": 2**63 - 1,
    "int_i64_min": -(2**63),
    "int_2_64": 2**64,
    "int_10_40": 10**40,
    "int_neg_10_40": -(10**40),
    "int_2_2100": 2**2100,
    "int_neg_2_2100": -(2**2100),
    "float_0": 0.0,
    "float_neg0": -0.0,
    "float_1_5": 1.5,
    "float_1e300": 1e300,
    "float_denormal": 5e-324,
    "float_inf": math.inf,
    "float_neg_inf": -math.inf,
    "float_nan": math.nan,
    "str_empty": "",
    "str_ascii": "hello world",
    "str_unicode": "h\xe9llo \u2713 \u4e2d\u6587 \U0001f600",
    "str_escapes": "a\nb\\c\rd\x00e\x1af",
    "str_255_bytes": "x" * 255,
    "str_256_bytes": "x" * 254 + "\xe9",
    "str_70000": "ab" * 35000,
    "bytes_empty": b"",
    "bytes_small": b"\x00\x01\xff abc",
    "bytes_255": b"z" * 255,
    "bytes_256": bytes(range(256)),
    "bytes_100000": bytes(i % 251 for i in range(100000)),
    "bytearray_empty": bytearray(),
    "bytearray": bytearray(b"\x00ab\xff"),
    "list_empty": [],
    "list_nested": [1, [2, [3, []]], "x"],
    "list_types": [True, 1, 1.0, "1", b"1", None, bytearray(b"1")],
    "list_999": list(range(999)),
    "list_1000": list(range(1000)),
    "list_1001": list(range(1001)),
    "list_2500": list(range(2500)),
    **TUPLES_AND_DICTS,
    "dict_2500": {i: -i for i in range(2500)},
    "set_empty": set(),
    "set_ints": {1, 2, 3},
    "set_2500": set(range(2500)),
    "frozenset_empty": frozenset(),
    "frozenset_ints": frozenset({4, 5}),
    "global_len": len,
    "global_class": fractions.Fraction,
    "fraction": fractions.Fraction(1, 3),
    "timedelta_kwargs": datetime.timedelta(days=1, seconds=5),
    "namespace_new_build": argparse.Namespace(a=1, b=[1, 2]),
    "deque_list_items": _deque(),
    "ordereddict_dict_items": collections.OrderedDict([("a", 1), ("b", 2)]),
    "nested_mix": {"k": [fractions.Fraction(1, 3), (None, b"x"), {1, 2}], "t": (len,)},
}


def same(a, b, path="obj"):
    """None when `a` and `b` are equal with equal types all the way down, else why not."""
    if type(a) is not type(b):
        return f"{path}: type {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, float):
        if math.isnan(a) and math.isnan(b):
            return None
        if a != b or math.copysign(1.0, a) != math.copysign(1.0, b):
            return f"{path}: {a!r} != {b!r}"
        return None
    if isinstance(a, (list, tuple, collections.deque)):
        if len(a) != len(b):
            return f"{path}: length {len(a)} != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            why = same(x, y, f"{path}[{i}]")
            if why:
                return why
        return None
    if isinstance(a, dict):
        # Insertion order too: the encoder must keep it.
        if list(a.keys()) != list(b.keys()):
            return f"{path}: keys {list(a)[:10]!r} != {list(b)[:10]!r}"
        for (k, x), y in zip(a.items(), b.values()):
            why = same(x, y, f"{path}[{k!r}]")
            if why:
                return why
        return None
    if isinstance(a, (set, frozenset)):
        if a != b:
            return f"{path}: {sorted(a, key=repr)[:10]!r} != {sorted(b, key=repr)[:10]!r}"
        # Equal sets of equal-comparing elements can still differ in type (True vs 1).
        ta = sorted((repr(x), type(x).__name__) for x in a)
        tb = sorted((repr(x), type(x).__name__) for x in b)
        return None if ta == tb else f"{path}: element types differ"
    if isinstance(a, argparse.Namespace):
        return same(vars(a), vars(b), f"{path}.__dict__")
    if isinstance(a, type) or callable(a):
        return None if a is b else f"{path}: {a!r} is not {b!r}"
    if a != b:
        return f"{path}: {a!r} != {b!r}"
    return None


def dump():
    for name, obj in DUMP.items():
        for proto in range(6):
            data = pickle.dumps(obj, protocol=proto)
            print(json.dumps({"name": name, "protocol": proto, "hex": data.hex()}))


def check():
    failed = False
    seen = set()
    for line in sys.stdin:
        if not line.strip():
            continue
        case = json.loads(line)
        name = case["name"]
        seen.add(name)
        out = {"name": name, "ok": False, "detail": "", "hex": ""}
        try:
            loaded = pickle.loads(bytes.fromhex(case["hex"]))
        except Exception as e:  # noqa: BLE001 - every failure is reported
            out["detail"] = f"pickle.loads failed: {type(e).__name__}: {e}"
        else:
            if name not in EXPECT:
                out["detail"] = "no expected Python object of this name"
            else:
                why = same(loaded, EXPECT[name])
                if why:
                    out["detail"] = f"loaded {loaded!r:.300} but expected {EXPECT[name]!r:.300}: {why}"
                else:
                    out["ok"] = True
            out["hex"] = pickle.dumps(loaded, protocol=5).hex()
        failed |= not out["ok"]
        print(json.dumps(out))
    for name in EXPECT:
        if name not in seen:
            failed = True
            print(json.dumps({"name": name, "ok": False, "detail": "not sent by the Rust test", "hex": ""}))
    return 1 if failed else 0


def int_limit():
    for op, suffix in ((b"L", b"L"), (b"I", b"")):
        for sign in (b"", b"-"):
            text = op + sign + b"7" * 4300 + suffix + b"\n."
            assert pickle.loads(text) == int(sign.decode() + "7" * 4300)
            try:
                pickle.loads(op + sign + b"7" * 4301 + suffix + b"\n.")
            except ValueError:
                pass
            else:
                sys.exit(f"CPython loaded {op!r} text of 4301 digits")
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["dump"]:
        dump()
    elif sys.argv[1:] == ["int-limit"]:
        sys.exit(int_limit())
    elif sys.argv[1:] == ["check"]:
        sys.exit(check())
    else:
        sys.exit(__doc__)
