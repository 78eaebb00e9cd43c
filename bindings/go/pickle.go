package ray

/*
#include <stdlib.h>
#include "ray_client.h"
*/
import "C"

import (
	"unsafe"
)

// MarshalPickle encodes v (by the package's conversion rules) as a protocol 5 pickle,
// without a cluster. Object refs and actors cannot be pickled this way. A numpy array
// in such a pickle decodes (UnmarshalPickle) as an Opaque description of numpy's
// reconstruction, not as a slice: arrays keep their typed form only through the object
// store.
func MarshalPickle(v any) ([]byte, error) {
	const op = "MarshalPickle"
	val, err := encodeValue(op, nil, v)
	if err != nil {
		return nil, err
	}
	defer C.ray_client_value_free(val)
	var data *C.uint8_t
	var n C.size_t
	if err := ccall(op, func() cstatus { return C.ray_client_value_to_pickle(val, &data, &n) }); err != nil {
		return nil, err
	}
	defer C.ray_client_bytes_free(data)
	return C.GoBytes(unsafe.Pointer(data), C.int(n)), nil
}

// UnmarshalPickle decodes a pickle (protocols 0-5; decoded symbolically, nothing is
// executed) into the Go value dst points to; a *any receives the generic form.
func UnmarshalPickle(data []byte, dst any) error {
	const op = "UnmarshalPickle"
	if err := checkDst(op, dst); err != nil {
		return err
	}
	var val *C.ray_client_value
	if err := ccall(op, func() cstatus {
		return C.ray_client_value_from_pickle(bytesPtr(data), C.size_t(len(data)), &val)
	}); err != nil {
		return err
	}
	defer C.ray_client_value_free(val)
	return decodeInto(op, nil, val, dst)
}
