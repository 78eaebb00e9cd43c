"""Writes a seed corpus for the pickle_decode fuzz target: CPython pickles of many value
kinds at every protocol. Run with the test virtualenv's python from fuzz/."""
import collections
import datetime
import fractions
import os
import pickle

import numpy as np

values = [None, True, 1, -5, 2**70, 1.5, "héllo", b"bytes", bytearray(b"ba"), [1, [2]],
          (1, 2, 3), {"a": 1, 2: (3,)}, {1, 2}, frozenset([3]), np.arange(6.0).reshape(2, 3),
          fractions.Fraction(1, 3), datetime.date(2024, 1, 2), collections.OrderedDict(a=1)]
os.makedirs("corpus/pickle_decode", exist_ok=True)
for i, v in enumerate(values):
    for p in range(6):
        with open(f"corpus/pickle_decode/v{i}_p{p}", "wb") as f:
            f.write(pickle.dumps(v, protocol=p))
