// The internal key-value store of the cluster (Python's `ray.experimental.internal_kv`):
// get, put, delete, exists and list, each in a namespace.
import CRayClient
import Foundation

/// The cluster's internal KV store. Keys and values are bytes.
extension RayClient {
    /// The value stored under `key` in `namespace` (nil: none), or nil when there is none.
    public func kvGet(_ key: Data, namespace: String? = nil) throws -> Data? {
        var v: UnsafeMutablePointer<UInt8>?
        var n = 0
        var found: Int32 = 0
        try withOptionalCString(namespace, "namespace") { ns in
            try key.withUnsafeBytes { k in
                try check(ray_client_kv_get(raw, k.bindMemory(to: UInt8.self).baseAddress, k.count, ns, &v, &n, &found))
            }
        }
        guard found != 0 else { return nil }
        return takeBytes(v, n)
    }

    /// Stores `value` under `key`; with `overwrite: false` an existing value is kept.
    /// Returns whether the key existed before.
    @discardableResult
    public func kvPut(_ key: Data, _ value: Data, overwrite: Bool = true, namespace: String? = nil) throws -> Bool {
        var existed: Int32 = 0
        try withOptionalCString(namespace, "namespace") { ns in
            try key.withUnsafeBytes { k in
                try value.withUnsafeBytes { v in
                    try check(
                        ray_client_kv_put(
                            raw, k.bindMemory(to: UInt8.self).baseAddress, k.count, v.bindMemory(to: UInt8.self).baseAddress,
                            v.count, overwrite ? 1 : 0, ns, &existed))
                }
            }
        }
        return existed != 0
    }

    /// Deletes `key`, or with `byPrefix` every key starting with it; returns how many went.
    @discardableResult
    public func kvDelete(_ key: Data, byPrefix: Bool = false, namespace: String? = nil) throws -> Int {
        var deleted = 0
        try withOptionalCString(namespace, "namespace") { ns in
            try key.withUnsafeBytes { k in
                try check(
                    ray_client_kv_del(raw, k.bindMemory(to: UInt8.self).baseAddress, k.count, byPrefix ? 1 : 0, ns, &deleted))
            }
        }
        return deleted
    }

    /// Whether `key` exists.
    public func kvExists(_ key: Data, namespace: String? = nil) throws -> Bool {
        var exists: Int32 = 0
        try withOptionalCString(namespace, "namespace") { ns in
            try key.withUnsafeBytes { k in
                try check(ray_client_kv_exists(raw, k.bindMemory(to: UInt8.self).baseAddress, k.count, ns, &exists))
            }
        }
        return exists != 0
    }

    /// Every key starting with `prefix`.
    public func kvList(prefix: Data, namespace: String? = nil) throws -> [Data] {
        var out: OpaquePointer?
        try withOptionalCString(namespace, "namespace") { ns in
            try prefix.withUnsafeBytes { p in
                try check(ray_client_kv_list(raw, p.bindMemory(to: UInt8.self).baseAddress, p.count, ns, &out))
            }
        }
        let owned = OwnedValue(out!)
        return try [Data](rayValue: try RayValue(handle: owned.raw))
    }
}
