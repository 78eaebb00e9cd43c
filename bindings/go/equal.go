package ray

/*
#include "ray_client.h"
*/
import "C"

// Equal reports whether a and b convert (by the package's conversion rules) to equal
// Python values: the same kinds and contents, with sets, frozensets and dicts equal
// whatever the order of their items (the C library's ray_client_value_equal). Python's
// unordered kinds need it: a Set echoed through a task may come back in another order,
// and reflect.DeepEqual would call the two different. Kinds must match (a list never
// equals a set or a tuple, as in Python): a set decoded into an any is a []any, a list,
// so decode it into a Set (GetInto) to compare it as a set. Object refs and actors cannot
// be compared (they belong to a client); values that cannot be converted are an error.
func Equal(a, b any) (bool, error) {
	const op = "Equal"
	va, err := encodeValue(op, nil, a)
	if err != nil {
		return false, err
	}
	defer C.ray_client_value_free(va)
	vb, err := encodeValue(op, nil, b)
	if err != nil {
		return false, err
	}
	defer C.ray_client_value_free(vb)
	var eq C.int
	if err := ccall(op, func() cstatus { return C.ray_client_value_equal(va, vb, &eq) }); err != nil {
		return false, err
	}
	return eq != 0, nil
}
